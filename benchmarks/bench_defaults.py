"""Do annlib.MLP's defaults learn the classic toy problems without tuning?

Each candidate is a set of defaults (optimizer, learning rate, batch size,
epochs); each problem is trained from ``MLP(layers, seed=s).fit(X, y)`` with
only the candidate's settings, over ``--seeds`` seeds, and scored on held-out
data (XOR: its four points).  The numbers behind MLP's and fit's defaults:

    python benchmarks/bench_defaults.py              # every candidate
    python benchmarks/bench_defaults.py --seeds 5    # quicker
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import annlib
from annlib import datasets

CANDIDATES = {
    "sgd 0.01 full 100": dict(optimizer="sgd", learning_rate=0.01, batch_size=None, epochs=100),
    "sgd 0.1 full 1000": dict(optimizer="sgd", learning_rate=0.1, batch_size=None, epochs=1000),
    "sgd 0.5 full 1000": dict(optimizer="sgd", learning_rate=0.5, batch_size=None, epochs=1000),
    "sgd 0.1 b32 1000": dict(optimizer="sgd", learning_rate=0.1, batch_size=32, epochs=1000),
    "sgd 1.0 full 1000": dict(optimizer="sgd", learning_rate=1.0, batch_size=None, epochs=1000),
    "adam 0.01 full 300": dict(optimizer="adam", learning_rate=0.01, batch_size=None, epochs=300),
    "adam 0.01 full 500": dict(optimizer="adam", learning_rate=0.01, batch_size=None, epochs=500),
    "adam 0.01 full 500 he": dict(
        optimizer="adam", learning_rate=0.01, batch_size=None, epochs=500, init="he"
    ),
    "adam 0.01 full 500 normal": dict(
        optimizer="adam", learning_rate=0.01, batch_size=None, epochs=500, init="normal"
    ),
    "adam 0.01 full 1000": dict(optimizer="adam", learning_rate=0.01, batch_size=None, epochs=1000),
    "adam 0.02 full 1000": dict(optimizer="adam", learning_rate=0.02, batch_size=None, epochs=1000),
    "adam 0.01 b32 1000": dict(optimizer="adam", learning_rate=0.01, batch_size=32, epochs=1000),
    "adam 0.01 b32 500": dict(optimizer="adam", learning_rate=0.01, batch_size=32, epochs=500),
    "adam 0.05 b32 500": dict(optimizer="adam", learning_rate=0.05, batch_size=32, epochs=500),
}


def _halves(X, y, seed):
    X_train, X_test, y_train, y_test = datasets.split(X, y, 0.5, seed=seed)
    return X_train, y_train, X_test, y_test


def problems():
    """(name, layers, X_train, y_train, X_test, y_test): a newcomer's first networks."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    y = np.array([0, 1, 1, 0])
    yield "XOR [2, 4, 1]", [2, 4, 1], X, y, X, y
    Xg, yg = datasets.two_gaussians(400, seed=1)
    yield "two Gaussians [2, 4, 1]", [2, 4, 1], *_halves(Xg, yg, 2)
    Xs, ys = datasets.spirals(800, classes=2, seed=3)
    yield "2 spirals [2, 32, 32, 1]", [2, 32, 32, 1], *_halves(Xs, ys, 4)
    Xs, ys = datasets.spirals(800, seed=5)
    yield "4 spirals [2, 32, 32, 4]", [2, 32, 32, 4], *_halves(Xs, ys, 6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--only", nargs="*", help="candidates to run (default: all)")
    args = parser.parse_args()
    cases = list(problems())
    print("| defaults | " + " | ".join(case[0] for case in cases) + " | seconds |")
    print("|---" * (len(cases) + 2) + "|")
    for label, settings in CANDIDATES.items():
        if args.only and label not in args.only:
            continue
        settings = dict(settings)
        epochs = settings.pop("epochs")
        cells = []
        started = time.perf_counter()
        for _, layers, X, y, X_test, y_test in cases:
            scores = [
                annlib.MLP(layers, seed=seed, **settings).fit(X, y, epochs).accuracy(X_test, y_test)
                for seed in range(args.seeds)
            ]
            perfect = sum(score == 1.0 for score in scores)
            cells.append(
                f"{np.mean(scores):.3f} (min {min(scores):.2f}, {perfect}/{len(scores)} at 1.0)"
            )
        seconds = time.perf_counter() - started
        print(f"| {label} | " + " | ".join(cells) + f" | {seconds:.1f} |")


if __name__ == "__main__":
    main()
