"""Grid-search speed: annlib.grid_search against GridSearchCV(sklearn MLPClassifier).

The same grid on both: 3 hidden sizes × 3 learning rates × 2 activations, 3
stratified folds, a fixed number of epochs of plain minibatch SGD (no momentum,
no L2, glorot initialisation, shuffled batches).  Only the search is timed: no
refit of the best configuration on either side.  The output layer matches
scikit-learn's: one sigmoid output with cross-entropy for the two Gaussians,
softmax with cross-entropy for digits.
scikit-learn's early stopping on the training loss is switched off so both train
exactly ``--epochs`` epochs.

    python benchmarks/bench_search.py                # the table in the README
    python benchmarks/bench_search.py --epochs 10    # quicker

Peers that are not installed are skipped.  Times are the best of ``--repeats``
runs (the fastest run is the least disturbed by other work on the machine).
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np

import annlib

HIDDEN = [(16,), (32,), (64,)]
LEARNING_RATES = [0.01, 0.05, 0.1]
ACTIVATIONS = ["tanh", "relu"]


def two_gaussians(n_per_class=500, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.normal((1.0, 0.3), 0.2, size=(n_per_class, 2))
    b = rng.normal((0.0, -0.1), 0.3, size=(n_per_class, 2))
    return np.vstack([a, b]), np.repeat([0, 1], n_per_class)


def digits():
    from sklearn.datasets import load_digits

    data = load_digits()
    return data.data / 16.0, data.target


def best_of(repeats, run):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def run_annlib(X, y, n_jobs, epochs, batch_size, repeats):
    binary = len(np.unique(y)) == 2
    grid = {"hidden": HIDDEN, "learning_rate": LEARNING_RATES, "activation": ACTIVATIONS}
    fixed = {
        "optimizer": ["sgd"],
        "batch_size": [batch_size],
        "output_activation": ["sigmoid" if binary else "softmax"],
        "loss": ["cross_entropy"],
    }
    seconds, result = best_of(
        repeats,
        lambda: annlib.grid_search(
            {**grid, **fixed}, X, y, cv=3, epochs=epochs, n_jobs=n_jobs, refit=False
        ),
    )
    return seconds, result.best_score, result.best_params


def run_sklearn(X, y, n_jobs, epochs, batch_size, repeats):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(
        solver="sgd",
        momentum=0.0,
        nesterovs_momentum=False,
        alpha=0.0,
        batch_size=batch_size,
        max_iter=epochs,
        n_iter_no_change=epochs + 1,  # never stop before max_iter
        shuffle=True,
        random_state=0,
    )
    grid = {
        "hidden_layer_sizes": HIDDEN,
        "learning_rate_init": LEARNING_RATES,
        "activation": ACTIVATIONS,
    }
    cv = StratifiedKFold(3, shuffle=True, random_state=0)

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return GridSearchCV(model, grid, cv=cv, n_jobs=n_jobs, refit=False).fit(X, y)

    seconds, search = best_of(repeats, run)
    return seconds, search.best_score_, search.best_params_


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs of each annlib search (best kept)"
    )
    parser.add_argument(
        "--sklearn-repeats", type=int, default=1, help="runs of each scikit-learn search"
    )
    args = parser.parse_args()
    # Fixed epochs make scikit-learn warn about convergence, also in its worker processes.
    os.environ["PYTHONWARNINGS"] = "ignore::UserWarning"

    try:
        import sklearn
    except ImportError:
        sklearn = None
    datasets = {"two Gaussians (1000 × 2)": two_gaussians()}
    if sklearn is not None:
        datasets["digits (1797 × 64)"] = digits()
    else:
        print("scikit-learn is not installed: digits and the scikit-learn peer are skipped")

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"annlib {annlib.__version__}, scikit-learn {sklearn.__version__ if sklearn else '-'}, "
        f"{cores} cores, load average {os.getloadavg()[0]:.2f} at start"
    )
    print(
        f"grid: {len(HIDDEN)} hidden sizes × {len(LEARNING_RATES)} learning rates × "
        f"{len(ACTIVATIONS)} activations = {len(HIDDEN) * len(LEARNING_RATES) * len(ACTIVATIONS)} "
        f"configurations × 3 folds, {args.epochs} epochs, batch {args.batch_size}, SGD, no refit\n"
    )

    header = f"| {'data':<26} | {'search':<31} | {'seconds':>8} | {'best CV accuracy':>16} |"
    print(header)
    print("|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|")
    summary = []
    for name, (X, y) in datasets.items():
        rows = {}
        for n_jobs in (1, 2):
            rows[f"annlib.grid_search n_jobs={n_jobs}"] = run_annlib(
                X, y, n_jobs, args.epochs, args.batch_size, args.repeats
            )
        if sklearn is not None:
            for n_jobs in (1, 2):
                rows[f"sklearn GridSearchCV n_jobs={n_jobs}"] = run_sklearn(
                    X, y, n_jobs, args.epochs, args.batch_size, args.sklearn_repeats
                )
        for label, (seconds, score, _) in rows.items():
            print(f"| {name:<26} | {label:<31} | {seconds:>8.3f} | {score:>16.4f} |")
        one, two = rows["annlib.grid_search n_jobs=1"][0], rows["annlib.grid_search n_jobs=2"][0]
        line = f"{name}: annlib n_jobs=2 is {one / two:.2f}× faster than n_jobs=1"
        if sklearn is not None:
            best_sklearn = min(
                rows["sklearn GridSearchCV n_jobs=1"][0], rows["sklearn GridSearchCV n_jobs=2"][0]
            )
            line += (
                f"; annlib (n_jobs=2) is {best_sklearn / two:.1f}× faster than scikit-learn's faster run, "
                f"{rows['sklearn GridSearchCV n_jobs=1'][0] / one:.1f}× at one job each"
            )
        summary.append(line)
    print()
    print("\n".join(summary))


if __name__ == "__main__":
    main()
