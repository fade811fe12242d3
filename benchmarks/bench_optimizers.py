"""The cost of an epoch with each optimizer and schedule, against plain SGD on the same workload.

    python benchmarks/bench_optimizers.py            # W1 and W2 of run.py, every optimizer
    python benchmarks/bench_optimizers.py --quick    # fewer epochs

The optimizer update is one pass over the parameter vector per batch; it must
not dominate the forward and backward passes (the goal: within 1.3x of SGD).
Optimizers that need the full batch (rprop, lbfgs) are compared with SGD on the
full batch.  lbfgs's "epoch" is an iteration with its line search, so its
ratio counts loss evaluations too.  Runs are interleaved (sgd, adam, ..., sgd,
adam, ...) and each cell is the median of the repeats.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from run import FULL, make_data  # run.py's W1 and W2: the same networks and data

import annlib
from annlib import _core

SCHEDULES = [("sgd", "cosine"), ("sgd", "plateau")]


def seconds_per_epoch(spec: dict, X, y, optimizer: str, schedule: str, batch) -> float:
    model = annlib.MLP(
        spec["layers"],
        output_activation="softmax",
        loss="cross_entropy",
        optimizer=optimizer,
        schedule=schedule,
        learning_rate=spec["lr"],
        batch_size=batch,
        seed=0,
    )
    start = time.perf_counter()
    model.fit(X, y, epochs=spec["epochs"])
    return (time.perf_counter() - start) / len(model.history["loss"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print("| workload | optimizer | schedule | batch | ms per epoch | × SGD (same batch) |")
    print("|---|---|---|---|---|---|")
    for name in ("W1", "W2"):
        spec = dict(FULL[name], epochs=FULL[name]["epochs"] // (5 if args.quick else 1))
        X, y, _, _ = make_data(spec, "float64")
        rows = [(o, "constant") for o in _core.OPTIMIZERS] + SCHEDULES
        cells = {}
        for _ in range(args.repeats):
            for optimizer, schedule in rows:
                full = optimizer in _core.FULL_BATCH_OPTIMIZERS
                batch = None if full else spec["batch"]
                for key in [(optimizer, schedule, batch), ("sgd", "constant", batch)]:
                    cells.setdefault(key, []).append(
                        seconds_per_epoch(spec, X, y, key[0], key[1], key[2])
                    )
        for optimizer, schedule in rows:
            batch = None if optimizer in _core.FULL_BATCH_OPTIMIZERS else spec["batch"]
            t = statistics.median(cells[(optimizer, schedule, batch)])
            base = statistics.median(cells[("sgd", "constant", batch)])
            print(
                f"| {name} | {optimizer} | {schedule} | {batch or 'full'} | "
                f"{1000 * t:.3f} | {t / base:.2f} |"
            )
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
