"""annlib.Hopfield recall against a plain numpy implementation of the same algorithm.

    python benchmarks/bench_hopfield.py [--quick]

For N = 1024 with 10 patterns and N = 4096 with 200 patterns (Hebbian, zero
diagonal), 20 probes with 10 % of their units flipped are recalled

* asynchronously: numpy loops in Python over the units (sequential order, so
  both sides make the same choices), one row of W per unit; annlib keeps the
  fields and touches one column of W per flip;
* synchronously: numpy repeats ``sign(W @ x)`` per probe (the textbook loop),
  and, as a stronger baseline, ``sign(W @ X)`` on all probes at once; annlib
  recalls the batch with one GEMM and then incremental field updates.

A trained Hebbian network knows its patterns and computes fields from them
(2NP instead of N² per state); the "dense W" rows give annlib the same weights
set by hand, so it multiplies by W like numpy does.

Times are the median of 5 runs (numpy's OpenBLAS threads keep spinning for a
while after its calls, so single runs are noisy); every annlib result is
checked to equal numpy's.
On a shared machine, compare single-threaded runs too:
``OPENBLAS_NUM_THREADS=1 python benchmarks/bench_hopfield.py --threads 1``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

import annlib


def numpy_async(W, probes, max_iter=100):
    """Asynchronous recall, one probe and one unit at a time, looping over a
    permutation (here the sequential one, so that annlib can make the same choices)."""
    out = probes.copy()
    order = np.arange(W.shape[0])
    for s in out:
        for _ in range(max_iter):
            changed = False
            for i in order:
                new = 1.0 if W[i] @ s >= 0.0 else -1.0
                if new != s[i]:
                    s[i] = new
                    changed = True
            if not changed:
                break
    return out


def numpy_sync(W, probes, max_iter=100):
    """sign(W @ x) until a fixed point or a 2-cycle, one probe at a time."""
    out = probes.copy()
    for k, s in enumerate(out):
        previous = None
        for _ in range(max_iter):
            new = np.where(W @ s >= 0.0, 1.0, -1.0)
            if np.array_equal(new, s) or (previous is not None and np.array_equal(new, previous)):
                s = new
                break
            previous, s = s, new
        out[k] = s
    return out


def numpy_sync_matrix(W, probes, max_iter=100):
    """sign(W @ X) on all probes at once until none changes (no per-probe stopping)."""
    S = probes.T.copy()
    for _ in range(max_iter):
        new = np.where(W @ S >= 0.0, 1.0, -1.0)
        if np.array_equal(new, S):
            break
        S = new
    return S.T.copy()


def median_time(function, repeats=5):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only N = 1024")
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="annlib threads (0 = all cores); numpy's follow OPENBLAS_NUM_THREADS",
    )
    args = parser.parse_args()
    annlib.set_num_threads(args.threads)
    cases = [(1024, 10)] if args.quick else [(1024, 10), (4096, 200)]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"annlib {annlib.__version__}, numpy {np.__version__}, threads {annlib.get_num_threads()}, "
        f"{os.cpu_count()} cores, load average {load:.1f}"
    )
    header = f"{'case':<16}{'method':<24}{'numpy s':>10}{'annlib s':>10}{'ratio':>8}  same"
    print(header)
    print("-" * len(header))
    for n, p in cases:
        patterns = annlib.random_patterns(p, n, seed=1)
        net = annlib.Hopfield(n, seed=2)
        net.train(patterns)
        W = net.W
        dense = annlib.Hopfield(n, seed=2)
        dense.W = W  # weights alone: fields from the dense W
        probes = annlib.flip(patterns[np.arange(20) % p], 0.1, seed=3)
        runs = [
            (
                "async (sequential)",
                lambda: numpy_async(W, probes),
                lambda: net.recall(probes, mode="async", order="sequential").states,
            ),
            (
                "sync, per probe",
                lambda: numpy_sync(W, probes),
                lambda: net.recall(probes, mode="sync").states,
            ),
            (
                "sync, numpy batched",
                lambda: numpy_sync_matrix(W, probes),
                lambda: net.recall(probes, mode="sync").states,
            ),
            (
                "async, dense W",
                lambda: numpy_async(W, probes),
                lambda: dense.recall(probes, mode="async", order="sequential").states,
            ),
            (
                "sync batched, dense W",
                lambda: numpy_sync_matrix(W, probes),
                lambda: dense.recall(probes, mode="sync").states,
            ),
        ]
        for name, reference, ours in runs:
            numpy_seconds, expected = median_time(reference)
            annlib_seconds, got = median_time(ours)
            same = bool(np.array_equal(expected, got))
            ratio = numpy_seconds / annlib_seconds
            print(
                f"N={n:<5} P={p:<6}{name:<24}{numpy_seconds:>10.4f}{annlib_seconds:>10.5f}"
                f"{ratio:>7.{0 if ratio >= 10 else 1}f}x  {same}"
            )


if __name__ == "__main__":
    main()
