"""What watching costs: ``annlib.plot.live`` against the same fit without a callback.

    python benchmarks/bench_live.py [--quick] [--repeats 3]

The toy problems of TensorFlow Playground (circles, XOR, two spirals; 2-D inputs,
minibatches of 10, a few small tanh layers) are trained with and without the
live view of the loss, the decision boundary and every unit's map.  The view
renders every frame to a PNG, as it does in Jupyter (only the sending to the
browser is missing), so the cost measured is the cost a notebook pays.

Overhead = (fit time with the view) / (fit time without) - 1, from the medians of
``--repeats`` runs of each; the view's own account (drawing seconds over training
seconds) is printed beside it.  The view promises at most its budget (10 %) plus
the last frame, which it always draws.
"""

from __future__ import annotations

import argparse
import statistics
import time

import matplotlib

matplotlib.use("Agg")

import annlib  # noqa: E402
from annlib import datasets, plot  # noqa: E402
from annlib.features import CrossedModel  # noqa: E402

SETTINGS = dict(
    output_activation="sigmoid", loss="cross_entropy", learning_rate=0.03, batch_size=10
)


def problems(quick: bool):
    """(name, data, hidden layers, features, epochs): each toy problem trained briefly
    (a fraction of a second, like a fit in a notebook cell) and for a while (a few
    seconds, like watching the Playground)."""
    circles = datasets.circles(400, noise=0.1, seed=0)
    xor = datasets.xor(400, noise=0.2, seed=0)
    spirals = datasets.spirals(400, classes=2, noise=0.05, seed=0)
    for epochs in (2000, 40000) if not quick else (500, 10000):
        yield "circles 2-4-2-1", circles, [4, 2], None, epochs
        yield "xor (x1*x2) 1-1", xor, [], ["x1*x2"], epochs
        yield "spirals 2-8-8-8-1", spirals, [8, 8, 8], None, epochs // 2


def model(hidden, features, seed=0):
    inputs = 2 if features is None else len(features)
    net = annlib.MLP([inputs, *hidden, 1], activation="tanh", seed=seed, **SETTINGS)
    return net if features is None else CrossedModel(features, net)


def timed_fit(hidden, features, X, y, epochs, view=None):
    net = model(hidden, features)
    start = time.perf_counter()
    if view is None:
        net.fit(X, y, epochs)
    else:
        net.fit(X, y, epochs, callback=view, callback_every=view.every)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a quarter of the epochs")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"{'problem':<20} {'epochs':>6} {'plain s':>8} {'live s':>8} {'overhead':>9}  view")
    for name, (X, y), hidden, features, epochs in problems(args.quick):
        X_train, X_test, y_train, y_test = datasets.split(X, y, 0.5, seed=0)
        plain, watched, views = [], [], []
        for _ in range(args.repeats):
            plain.append(timed_fit(hidden, features, X_train, y_train, epochs))
            view = plot.live(X_train, y_train, X_test, y_test, epochs=epochs, display=False)
            watched.append(timed_fit(hidden, features, X_train, y_train, epochs, view))
            views.append(view)
        p, w = statistics.median(plain), statistics.median(watched)
        view = views[watched.index(sorted(watched)[len(watched) // 2])]
        print(
            f"{name:<20} {epochs:>6} {p:>8.3f} {w:>8.3f} {100 * (w / p - 1):>8.1f}%  "
            f"{view.draws} frames, {view.draw_seconds:.3f} s drawing / "
            f"{view.train_seconds:.3f} s training"
        )


if __name__ == "__main__":
    main()
