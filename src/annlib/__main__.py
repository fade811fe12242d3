"""The annlib demo: ``python -m annlib`` (or ``annlib-demo``)."""

from __future__ import annotations

import argparse
import time

import numpy as np

import annlib


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="annlib-demo", description=__doc__)
    parser.add_argument("--seed", type=int, default=0, help="seed of every model and data set")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    X = np.vstack([rng.normal((1.0, 0.3), 0.2, (200, 2)), rng.normal((0.0, -0.1), 0.3, (200, 2))])
    y = np.repeat([0, 1], 200)
    start = time.perf_counter()
    model = annlib.MLP([2, 8, 2], output_activation="softmax", loss="cross_entropy", learning_rate=0.5,
                       seed=args.seed).fit(X, y, epochs=2000)
    seconds = time.perf_counter() - start
    print(f"two Gaussians, MLP [2, 8, 2], 2000 full-batch epochs: accuracy {model.accuracy(X, y):.3f} "
          f"in {seconds:.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
