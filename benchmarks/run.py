"""annlib against scikit-learn, PyTorch and numpy, side by side, in one command.

    python benchmarks/run.py            # the full run (a few minutes on 2 cores)
    python benchmarks/run.py --quick    # a reduced run, under a minute
    python benchmarks/run.py --only W1,W2 --repeats 5

Every system runs in its own worker process (so their thread pools never
meet), all workers are started once, and the repeats are interleaved —
annlib, scikit-learn, PyTorch, annlib, … — so drift of this shared machine
hits every system alike.  Each cell is the median of the repeats.  Systems
that are not installed are skipped.  Needs the ``bench`` extra:
``pip install ".[bench]"`` (scikit-learn, torch CPU, threadpoolctl).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field

# ----------------------------------------------------------------------------- workloads
# Every system trains the same network on the same data: tanh hidden layers,
# softmax + cross-entropy (scikit-learn uses one logistic unit for 2 classes),
# plain SGD without momentum or L2, the same epochs, batch size and learning rate.
FULL = {
    "W1": dict(layers=[2, 8, 2], epochs=2000, batch=None, lr=0.1, data="gaussians"),
    "W2": dict(layers=[64, 64, 10], epochs=50, batch=32, lr=0.1, data="digits"),
    "W3": dict(layers=[784, 256, 128, 10], epochs=5, batch=128, lr=0.05, data="teacher", n=10000),
    "grid": dict(resolution=500),
    # L-BFGS, full batch, 200 iterations (scikit-learn's max_iter), gtol 0 so that only the
    # budget or SciPy's default ftol (which annlib shares) ends the run.
    "L1": dict(layers=[2, 8, 2], epochs=200, batch=None, data="gaussians", solver="lbfgs"),
    "L2": dict(layers=[64, 64, 10], epochs=200, batch=None, data="digits", solver="lbfgs"),
}
QUICK = {
    "W1": dict(layers=[2, 8, 2], epochs=500, batch=None, lr=0.1, data="gaussians"),
    "W2": dict(layers=[64, 64, 10], epochs=10, batch=32, lr=0.1, data="digits"),
    "W3": dict(layers=[784, 256, 128, 10], epochs=2, batch=128, lr=0.05, data="teacher", n=3000),
    "grid": dict(resolution=200),
    "L1": dict(layers=[2, 8, 2], epochs=200, batch=None, data="gaussians", solver="lbfgs"),
    "L2": dict(layers=[64, 64, 10], epochs=50, batch=None, data="digits", solver="lbfgs"),
}

# (workload, dtype) -> systems compared; annlib first, it is the reference of the ratios.
PLAN = [
    ("W1", "float64", ["annlib", "sklearn"]),
    ("W1", "float32", ["annlib", "torch"]),
    ("W2", "float64", ["annlib", "sklearn"]),
    ("W2", "float32", ["annlib", "torch"]),
    ("W3", "float64", ["annlib", "sklearn"]),
    ("W3", "float32", ["annlib", "sklearn", "torch"]),
    ("grid", "float64", ["annlib", "sklearn"]),
    ("grid", "float32", ["annlib", "torch"]),
    ("L1", "float64", ["annlib", "sklearn"]),
    ("L2", "float64", ["annlib", "sklearn"]),
]

# Hopfield recall and grid search have their own scripts (their peers are a numpy
# implementation and GridSearchCV); run.py runs them after the MLP table.
EXTRA_SCRIPTS = {
    "hopfield": (["bench_hopfield.py"], ["bench_hopfield.py", "--quick"]),
    "search": (["bench_search.py"], ["bench_search.py", "--epochs", "5", "--repeats", "1"]),
    # Each optimizer's and schedule's cost per epoch against plain SGD on W1 and W2.
    "optimizers": (["bench_optimizers.py"], ["bench_optimizers.py", "--quick", "--repeats", "1"]),
}


def make_data(spec: dict, dtype: str):
    """The same arrays in every worker: (X_train, y_train, X_test, y_test)."""
    import numpy as np

    rng = np.random.default_rng(0)
    if spec["data"] == "gaussians":
        X = np.vstack(
            [rng.normal((1.0, 0.3), 0.2, (100, 2)), rng.normal((0.0, -0.1), 0.3, (100, 2))]
        )
        y = np.repeat([0, 1], 100)
        return X.astype(dtype), y, X.astype(dtype), y
    if spec["data"] == "digits":
        from sklearn.datasets import load_digits  # bundled with scikit-learn, no download

        digits = load_digits()
        X = (digits.data / 16.0).astype(dtype)
        order = rng.permutation(len(X))
        train, test = order[:1347], order[1347:]
        return X[train], digits.target[train], X[test], digits.target[test]
    n = spec["n"]
    X = rng.normal(size=(n + 2000, 784)).astype(dtype)
    teacher = rng.normal(size=(784, 10))
    y = np.argmax(X @ teacher, axis=1)  # a labelling a network can learn
    return X[:n], y[:n], X[n:], y[n:]


def workload_data(state: dict, spec: dict, dtype: str):
    """make_data once per worker and workload, then let numpy's BLAS threads go idle.

    Generating the data runs numpy's BLAS, whose threads keep spinning for a
    while afterwards.  Timed right after that, a system with its own thread pool
    (annlib's OpenMP, PyTorch's) shared the two cores with them: W3 float64 took
    annlib 0.55 s instead of 0.41 s (scikit-learn, which uses that same pool, lost
    nothing).  So the data are made once, before anything is timed.
    """
    key = ("data", spec["data"], spec.get("n"), dtype)
    if key not in state:
        state[key] = make_data(spec, dtype)
        time.sleep(0.5)
    return state[key]


def boundary_grid(resolution: int, dtype: str):
    """The (resolution², 2) points of a decision-boundary picture around the W1 data."""
    import numpy as np

    axes = np.meshgrid(np.linspace(-1, 2, resolution), np.linspace(-1, 1.5, resolution))
    return np.stack(axes, -1).reshape(-1, 2).astype(dtype)


def flops_per_sample(layers: list[int]) -> float:
    """Floating-point operations of one sample's forward + backward pass as annlib computes it.

    Forward: 2·in·out per layer. Backward: 2·in·out for ∂W and, except for the first
    layer (no ∂input is needed), 2·in·out for the delta passed down.
    """
    pairs = list(zip(layers[:-1], layers[1:]))
    return sum(2 * a * b for a, b in pairs) * 2 + sum(2 * a * b for a, b in pairs[1:])


def timed_grid_prediction(model, spec: dict, dtype: str) -> dict:
    """Seconds for model.predict on the decision-boundary grid (annlib and scikit-learn)."""
    grid = boundary_grid(spec["resolution"], dtype)
    start = time.perf_counter()
    labels = model.predict(grid)
    return {"seconds": time.perf_counter() - start, "checksum": int(labels.sum())}


# ----------------------------------------------------------------------------- the workers
def run_annlib(name: str, spec: dict, dtype: str, state: dict) -> dict:

    import annlib

    if name == "grid":
        model = state.get(("W1model", dtype))
        if model is None:
            X, y, _, _ = workload_data(state, FULL["W1"], dtype)
            model = annlib.MLP(
                [2, 8, 2],
                output_activation="softmax",
                loss="cross_entropy",
                optimizer="sgd",
                learning_rate=0.1,
                seed=0,
                dtype=dtype,
            ).fit(X, y, epochs=200)
            state[("W1model", dtype)] = model
        return timed_grid_prediction(model, spec, dtype)
    X, y, X_test, y_test = workload_data(state, spec, dtype)
    lbfgs = spec.get("solver") == "lbfgs"
    model = annlib.MLP(
        spec["layers"],
        activation="tanh",
        output_activation="softmax",
        loss="cross_entropy",
        optimizer="lbfgs" if lbfgs else "sgd",
        learning_rate=spec.get("lr", 0.01),
        batch_size=spec["batch"],
        gtol=0.0,
        seed=0,
        dtype=dtype,
    )
    start = time.perf_counter()
    model.fit(X, y, epochs=spec["epochs"])
    seconds = time.perf_counter() - start
    reply = {"seconds": seconds, "accuracy": model.accuracy(X_test, y_test)}
    if lbfgs:
        reply["loss"] = model.loss(X, y)
        reply["notes"] = (
            f"final loss {reply['loss']:.4g}, {len(model.history['loss'])} iterations, "
            f"{model.n_function_evaluations_} evaluations, stopped by {model.stop_reason_}"
        )
    return reply


def run_sklearn(name: str, spec: dict, dtype: str, state: dict) -> dict:
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    def classifier(spec, n):
        return MLPClassifier(
            hidden_layer_sizes=tuple(spec["layers"][1:-1]),
            activation="tanh",
            solver="sgd",
            learning_rate_init=spec["lr"],
            momentum=0.0,
            nesterovs_momentum=False,
            batch_size=spec["batch"] or n,
            max_iter=spec["epochs"],
            shuffle=True,
            tol=0.0,
            n_iter_no_change=spec["epochs"] + 1,
            alpha=0.0,
            random_state=0,
        )

    if name == "grid":
        model = state.get(("W1model", dtype))
        if model is None:
            X, y, _, _ = workload_data(state, FULL["W1"], dtype)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model = classifier({**FULL["W1"], "epochs": 200}, len(X)).fit(X, y)
            state[("W1model", dtype)] = model
        return timed_grid_prediction(model, spec, dtype)
    X, y, X_test, y_test = workload_data(state, spec, dtype)
    lbfgs = spec.get("solver") == "lbfgs"
    if lbfgs:
        model = MLPClassifier(
            hidden_layer_sizes=tuple(spec["layers"][1:-1]),
            activation="tanh",
            solver="lbfgs",
            max_iter=spec["epochs"],
            tol=0.0,
            alpha=0.0,
            random_state=0,
        )
    else:
        model = classifier(spec, len(X))
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    seconds = time.perf_counter() - start
    reply = {
        "seconds": seconds,
        "accuracy": float(model.score(X_test, y_test)),
        "trained_dtype": str(model.coefs_[0].dtype),
    }
    if lbfgs:
        reply["loss"] = float(model.loss_)
        reply["notes"] = (
            f"final loss {model.loss_:.4g}, {model.n_iter_} iterations, trained in "
            f"{reply.pop('trained_dtype')}"
        )
    return reply


def run_torch(name: str, spec: dict, dtype: str, state: dict) -> dict:
    import numpy as np
    import torch

    torch_dtype = torch.float32 if dtype == "float32" else torch.float64

    def network(layers):
        torch.manual_seed(0)
        modules = []
        for i, (a, b) in enumerate(zip(layers[:-1], layers[1:])):
            linear = torch.nn.Linear(a, b)
            # The same initial distribution as annlib and scikit-learn (Glorot uniform, zero biases),
            # so the accuracies are comparable.
            torch.nn.init.xavier_uniform_(linear.weight)
            torch.nn.init.zeros_(linear.bias)
            modules.append(linear)
            if i < len(layers) - 2:
                modules.append(torch.nn.Tanh())
        return torch.nn.Sequential(*modules).to(torch_dtype)

    if name == "grid":
        net = state.get(("W1model", dtype))
        if net is None:
            X, y, _, _ = workload_data(state, FULL["W1"], dtype)
            net = network([2, 8, 2])
            train(net, torch.from_numpy(X), torch.from_numpy(y), {**FULL["W1"], "epochs": 200})
            state[("W1model", dtype)] = net
        grid = torch.from_numpy(boundary_grid(spec["resolution"], dtype))
        start = time.perf_counter()
        with torch.no_grad():
            labels = net(grid).argmax(dim=1)
        return {"seconds": time.perf_counter() - start, "checksum": int(labels.sum())}
    X, y, X_test, y_test = workload_data(state, spec, dtype)
    net = network(spec["layers"])
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    start = time.perf_counter()
    train(net, Xt, yt, spec)
    seconds = time.perf_counter() - start
    with torch.no_grad():
        predicted = net(torch.from_numpy(X_test)).argmax(dim=1).numpy()
    return {"seconds": seconds, "accuracy": float(np.mean(predicted == y_test))}


def train(net, X, y, spec):
    """The usual PyTorch loop: per batch zero_grad, forward, loss, backward, step."""
    import torch

    optimizer = torch.optim.SGD(net.parameters(), lr=spec["lr"])
    loss_fn = torch.nn.CrossEntropyLoss()
    n = len(X)
    batch = spec["batch"] or n
    generator = torch.Generator().manual_seed(0)
    for _ in range(spec["epochs"]):
        order = torch.randperm(n, generator=generator) if batch < n else None
        for start in range(0, n, batch):
            if order is None:
                xb, yb = X, y
            else:
                index = order[start : start + batch]
                xb, yb = X[index], y[index]
            optimizer.zero_grad()
            loss_fn(net(xb), yb).backward()
            optimizer.step()


RUNNERS = {"annlib": run_annlib, "sklearn": run_sklearn, "torch": run_torch}


def describe_system(system: str) -> dict:
    """Version and BLAS of a worker's system, as threadpoolctl sees them after a warm-up."""
    info: dict = {}
    if system == "annlib":
        import annlib

        info["version"] = annlib.__version__
        info["threads"] = annlib.get_num_threads()
        info["blas"] = "Eigen (built in), OpenMP for large GEMMs"
    elif system == "sklearn":
        import numpy as np
        import sklearn

        info["version"] = sklearn.__version__
        np.ones((64, 64)) @ np.ones((64, 64))
    elif system == "torch":
        import torch

        info["version"] = torch.__version__
        info["threads"] = torch.get_num_threads()
        info["blas"] = torch.__config__.show().split("\n")[1:3]
        torch.ones(64, 64) @ torch.ones(64, 64)
    elif system == "numpy":
        import numpy as np

        info["version"] = np.__version__
        np.ones((64, 64)) @ np.ones((64, 64))
    try:
        from threadpoolctl import threadpool_info

        info["threadpools"] = [
            {k: pool.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
            for pool in threadpool_info()
        ]
    except ImportError:
        info["threadpools"] = "threadpoolctl not installed"
    return info


def worker(system: str) -> None:
    """Answer JSON requests on stdin, one line each, until stdin closes."""
    state: dict = {}
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if request["name"] == "describe":
                reply = describe_system(system)
            else:
                reply = RUNNERS[system](request["name"], request["spec"], request["dtype"], state)
        except Exception as error:  # reported in the table, the run goes on
            reply = {"error": f"{type(error).__name__}: {error}"}
        print(json.dumps(reply), flush=True)


@dataclass
class Worker:
    system: str
    process: subprocess.Popen = field(repr=False)

    @classmethod
    def start(cls, system: str) -> "Worker":
        process = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--worker", system],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        return cls(system, process)

    def ask(self, request: dict) -> dict:
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            return {"error": "worker exited"}
        return json.loads(line)

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


def installed(system: str) -> bool:
    module = {"annlib": "annlib", "sklearn": "sklearn", "torch": "torch", "numpy": "numpy"}[system]
    import importlib.util

    return importlib.util.find_spec(module) is not None


def gemm_peak(repeats: int = 3) -> dict:
    """GEMM GFLOP/s of this machine (numpy's BLAS, all threads), measured now."""
    import numpy as np

    result = {}
    for dtype in ("float64", "float32"):
        a = np.random.default_rng(0).normal(size=(2048, 2048)).astype(dtype)
        a @ a
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            a @ a
            times.append(time.perf_counter() - start)
        result[dtype] = 2 * 2048**3 / min(times) / 1e9
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="reduced workloads, under a minute")
    parser.add_argument("--repeats", type=int, default=3, help="runs per cell (median reported)")
    parser.add_argument("--only", default="", help="comma-separated workloads, e.g. W1,W3,hopfield")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker)
        return 0

    specs = QUICK if args.quick else FULL
    only = {name for name in args.only.split(",") if name}
    plan = [row for row in PLAN if not only or row[0] in only]
    systems = sorted(
        {s for _, _, systems in plan for s in systems},
        key=["annlib", "sklearn", "torch", "numpy"].index,
    )
    missing = [s for s in systems if not installed(s)]
    for system in missing:
        print(f"# {system} is not installed: its columns are skipped")
    workers = {s: Worker.start(s) for s in systems if s not in missing}

    print(
        f"# annlib benchmark, {time.strftime('%Y-%m-%d %H:%M')}, {'quick' if args.quick else 'full'} run, "
        f"median of {args.repeats}"
    )
    print(
        f"# machine: {platform.machine()}, {os.cpu_count()} cores, {platform.processor() or cpu_name()}, "
        f"Python {platform.python_version()}"
    )
    peak = gemm_peak()
    print(
        f"# GEMM peak (numpy BLAS, all threads): float64 {peak['float64']:.1f} GFLOP/s, "
        f"float32 {peak['float32']:.1f} GFLOP/s"
    )
    for system, w in workers.items():
        print(f"# {system}: {json.dumps(w.ask({'name': 'describe'}))}")

    results: dict = {}
    for _ in range(args.repeats):
        for name, dtype, row_systems in plan:
            for system in row_systems:
                if system not in workers:
                    continue
                request = {
                    "name": name,
                    "spec": specs.get(name),
                    "dtype": dtype,
                    "quick": args.quick,
                }
                reply = workers[system].ask(request)
                results.setdefault((name, dtype, system), []).append(reply)
    for w in workers.values():
        w.stop()

    print()
    print("| workload | dtype | system | seconds | annlib is × faster | accuracy | notes |")
    print("|---|---|---|---|---|---|---|")
    for name, dtype, row_systems in plan:
        base = results.get((name, dtype, "annlib"))
        base_seconds = _median(base)
        for system in row_systems:
            replies = results.get((name, dtype, system))
            if replies is None:
                continue
            if any("error" in r for r in replies):
                print(
                    f"| {name} | {dtype} | {system} | error | | | {replies[0].get('error', '')} |"
                )
                continue
            seconds = _median(replies)
            ratio = (
                "1"
                if system == "annlib"
                else (f"{seconds / base_seconds:.1f}" if base_seconds else "")
            )
            accuracy = replies[-1].get("accuracy")
            notes = replies[-1].get("notes", "")
            if name == "W3" and system == "annlib":
                spec = specs["W3"]
                gflops = (
                    flops_per_sample(spec["layers"]) * spec["n"] * spec["epochs"] / seconds / 1e9
                )
                notes = (
                    f"{gflops:.0f} GFLOP/s = {100 * gflops / peak[dtype]:.0f} % of the GEMM peak"
                )
            if "trained_dtype" in replies[-1]:
                notes = f"trained in {replies[-1]['trained_dtype']}"
            acc = "" if accuracy is None else f"{100 * accuracy:.1f} %"
            print(f"| {name} | {dtype} | {system} | {seconds:.4f} | {ratio} | {acc} | {notes} |")

    here = os.path.dirname(os.path.abspath(__file__))
    for name, (full, quick) in EXTRA_SCRIPTS.items():
        if only and name not in only:
            continue
        script = [
            os.path.join(here, (quick if args.quick else full)[0]),
            *(quick if args.quick else full)[1:],
        ]
        print(
            f"\n# {name}: python benchmarks/{' '.join((quick if args.quick else full))}", flush=True
        )
        subprocess.run([sys.executable, *script], check=False)
    return 0


def _median(replies):
    if not replies or any("error" in r for r in replies):
        return None
    return statistics.median(r["seconds"] for r in replies)


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


if __name__ == "__main__":
    raise SystemExit(main())
