"""Dense and modern Hopfield networks against plain numpy (and PyTorch) in the same run.

    python benchmarks/bench_memories.py [--quick]

* Dense associative memory, N = 1024, P = 2000, cubic energy, 100 probes with
  10 % of their units flipped, asynchronous recall in sequential order.  numpy
  runs the paper's update unit by unit, vectorised over the P patterns and
  keeping the overlaps incrementally too (its fastest plain form: recomputing
  X s per visit would cost N times more); annlib does the same in C++ over
  threads.  Both make the same choices, and the results are checked equal.
* Modern Hopfield retrieval, one softmax update of 1000 float32 queries from
  P = 10 000 patterns of N = 1024: annlib against numpy (OpenBLAS) and, when
  installed (``pip install torch==2.13.0``), PyTorch on the CPU.

Times are medians of repeated runs; ``--quick`` shrinks every size for a smoke run.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import annlib


def median_time(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def numpy_dense_async(X, probes, degree, max_iter=100):
    """The paper's asynchronous update, sequential order, overlaps kept incrementally.

    X is (P, N); unit i becomes +1 iff sum_mu F(a_mu + x_mu,i) - F(a_mu - x_mu,i) >= 0
    with a = m - X[:, i] s_i and F(x) = x^degree.
    """
    out = probes.copy()
    columns = np.ascontiguousarray(X.T)  # unit i's P signs contiguous
    for s in out:
        m = X @ s
        for _ in range(max_iter):
            changed = False
            for i in range(s.size):
                x = columns[i]
                a = m - x * s[i]
                new = 1.0 if np.sum((a + x) ** degree - (a - x) ** degree) >= 0 else -1.0
                if new != s[i]:
                    m += 2.0 * new * x
                    s[i] = new
                    changed = True
            if not changed:
                break
    return out


def bench_dense(N, P, probes_count, numpy_probes, repeats):
    X = annlib.random_patterns(P, N, seed=0)
    probes = annlib.flip(X[:probes_count], 0.1, seed=1)
    memory = annlib.DenseAssociativeMemory(N, degree=3, seed=2)
    memory.train(X)
    annlib_time, result = median_time(lambda: memory.recall(probes, order="sequential"), repeats)
    numpy_time, expected = median_time(lambda: numpy_dense_async(X, probes[:numpy_probes], 3), 1)
    assert (result.states[:numpy_probes] == expected).all(), "annlib and numpy disagree"
    per_probe_numpy = numpy_time / numpy_probes
    per_probe_annlib = annlib_time / probes_count
    print(
        f"dense async N={N} P={P} n=3: annlib {annlib_time:.3f} s for {probes_count} probes "
        f"({per_probe_annlib * 1e3:.2f} ms/probe, {annlib.get_num_threads()} threads), "
        f"numpy {per_probe_numpy * 1e3:.1f} ms/probe over {numpy_probes} probes: "
        f"{per_probe_numpy / per_probe_annlib:.0f}x; "
        f"recalled {(result.states == X[:probes_count]).all(axis=1).mean():.0%}"
    )


def bench_modern(N, P, queries_count, repeats):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((P, N)).astype(np.float32) / np.sqrt(N)
    Q = X[:queries_count] + 0.3 * rng.standard_normal((queries_count, N)).astype(
        np.float32
    ) / np.sqrt(N)
    beta = 8.0
    net = annlib.ModernHopfield(beta, dtype="float32")
    net.store(X)
    annlib_time, result = median_time(lambda: net.retrieve(Q, steps=1), repeats)

    def numpy_update():
        scores = beta * (Q @ X.T)
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores @ X

    numpy_time, expected = median_time(numpy_update, repeats)
    np.testing.assert_allclose(result.states, expected, rtol=1e-3, atol=1e-5)
    line = (
        f"modern retrieve N={N} P={P} B={queries_count} float32: annlib {annlib_time:.3f} s, "
        f"numpy {numpy_time:.3f} s ({numpy_time / annlib_time:.2f}x)"
    )
    try:
        import torch
    except ImportError:
        line += "; PyTorch not installed (pip install torch==2.13.0 to compare)"
    else:
        Xt, Qt = torch.from_numpy(X), torch.from_numpy(Q)

        def torch_update():
            with torch.no_grad():
                return torch.softmax(beta * Qt @ Xt.T, dim=1) @ Xt

        torch_time, got = median_time(torch_update, repeats)
        np.testing.assert_allclose(result.states, got.numpy(), rtol=1e-3, atol=1e-5)
        line += (
            f", PyTorch {torch.__version__} {torch_time:.3f} s on {torch.get_num_threads()} "
            f"threads ({torch_time / annlib_time:.2f}x)"
        )
    print(line)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    args = parser.parse_args()
    if args.quick:
        bench_dense(256, 300, 10, 2, 1)
        bench_modern(128, 1000, 100, 1)
    else:
        bench_dense(1024, 2000, 100, 10, 3)
        bench_modern(1024, 10000, 1000, 5)


if __name__ == "__main__":
    main()
