"""The annlib demo: ``python -m annlib`` (or ``annlib-demo``).

Trains multi-layer perceptrons on three classic problems (two Gaussian
classes, noisy XOR, four interleaved spirals), restores noisy glyph images
with a Hopfield network, prints a summary table and writes the pictures
(PNG at ``DPI``, and one GIF of the spirals being learnt) to an output folder.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure  # figures outside pyplot: the demo never opens a window

import annlib
from annlib import datasets, plot

#: Resolution of the PNG pictures: sharp on a laptop screen.
DPI = 150


def _figure(columns: int = 1, width: float = 4.5, height: float = 4.2):
    figure = Figure(figsize=(width * columns, height), layout="constrained")
    return figure, list(figure.subplots(1, columns, squeeze=False)[0])


def _describe(model: annlib.MLP) -> str:
    params = model.get_params()
    activation = params["activation"]
    if not isinstance(activation, str):
        activation = "/".join(activation)
    return f"MLP {list(model.layers)} {activation}, {params['optimizer']}"


def _classification_tasks(seed: int, quick: bool) -> list[dict[str, Any]]:
    """The three MLP problems: data, an untrained model and the epochs to train it."""
    scale = 4 if quick else 1
    gaussians = datasets.two_gaussians(400, seed=seed)
    xor = datasets.xor(200, noise=0.2, seed=seed)
    spirals = datasets.spirals(400, classes=4, noise=0.03, seed=seed)
    return [
        {
            "task": "two Gaussians",
            "data": gaussians,
            "model": annlib.MLP(
                [2, 8, 1],
                activation="bipolar_sigmoid",
                output_activation="sigmoid",
                loss="cross_entropy",
                optimizer="sgd",
                learning_rate=0.5,
                seed=seed,
            ),
            "epochs": 1000 // scale,
        },
        {
            "task": "noisy XOR",
            "data": xor,
            "model": annlib.MLP(
                [2, 4, 1],
                activation="tanh",
                output_activation="sigmoid",
                loss="cross_entropy",
                optimizer="sgd",
                learning_rate=0.5,
                seed=seed,
            ),
            "epochs": 2000 // scale,
        },
        {
            "task": "4 spirals",
            "data": spirals,
            "model": annlib.MLP(
                [2, 32, 32, 4],
                activation="tanh",
                output_activation="softmax",
                loss="cross_entropy",
                optimizer="adam",
                learning_rate=0.01,
                seed=seed,
            ),
            "epochs": 2000 // scale,
        },
    ]


def _decision_boundaries(trained: list) -> Any:
    figure, axes = _figure(len(trained))
    for ax, (task, model, X_test, y_test, *_) in zip(axes, trained):
        plot.decision_boundary(model, X_test, y_test, ax=ax)
        ax.set_title(f"{task['task']}: test accuracy {model.accuracy(X_test, y_test):.3f}")
    return figure


def _loss_curves(trained: list) -> Any:
    figure, (ax,) = _figure(width=6.0)
    plot.loss_curves(
        [model.history for _, model, *_ in trained],
        labels=[task["task"] for task, *_ in trained],
        ax=ax,
        logy=True,
    )
    ax.set_title("training loss (cross-entropy)")
    return figure


def _architecture(trained: list) -> Any:
    task, model = trained[-1][:2]
    figure, (ax,) = _figure(width=6.4)
    plot.architecture(model, ax=ax)
    ax.set_title(f"{task['task']}: trained weights (green +, red \u2212)")
    return figure


#: The MLP pictures: file name -> drawer of its figure from the trained tasks, each
#: entry (task, model, X_test, y_test, X_train, y_train).
PICTURES = {
    "decision_boundaries.png": _decision_boundaries,
    "loss_curves.png": _loss_curves,
    "architecture.png": _architecture,
}


def mlp_section(out: Path, seed: int, quick: bool, progress: Any) -> list[dict[str, Any]]:
    """Train, score on held-out samples and draw the three MLP problems; returns table rows."""
    rows, trained = [], []
    for task in _classification_tasks(seed, quick):
        progress.set_description(task["task"])
        X_train, X_test, y_train, y_test = datasets.split(*task["data"], 0.25, seed=seed)
        start = time.perf_counter()
        model = task["model"].fit(X_train, y_train, task["epochs"])
        seconds = time.perf_counter() - start
        rows.append(
            {
                "task": task["task"],
                "model": _describe(model),
                "accuracy": model.accuracy(X_test, y_test),
                "seconds": seconds,
            }
        )
        trained.append((task, model, X_test, y_test, X_train, y_train))
        progress.update()

    progress.set_description("pictures")
    for name, draw in PICTURES.items():
        draw(trained).savefig(out / name, dpi=DPI)
    progress.update()

    # The GIF replays the spirals' training on an untrained copy (same seed, same run).
    progress.set_description("animation")
    task, model, _, _, X_train, y_train = trained[-1]
    plot.training_animation(
        annlib.MLP(**model.get_params()),
        X_train,
        y_train,
        task["epochs"],
        max(1, task["epochs"] // (10 if quick else 20)),
        path=out / "training.gif",
        resolution=60 if quick else 100,
    )
    progress.update()
    return rows


def hopfield_section(out: Path, seed: int) -> list[dict[str, Any]]:
    """Hopfield glyph restoration: store glyph images, restore heavily corrupted copies.

    Stores the 32 x 32 images of "NET" with the Storkey rule (glyphs overlap too much for the
    plain Hebbian rule to keep them apart), flips a quarter of every image's
    pixels and recalls asynchronously and synchronously.  Writes
    ``hopfield_glyphs.png`` (stored, corrupted, restored) and returns one table
    row per update mode; "recall" is the fraction of images restored exactly.
    """
    size = 32
    stored = datasets.glyphs("NET", size=size)
    noisy = datasets.flip(stored, 0.25, seed=seed)
    rows, restored = [], {}
    for mode in ("async", "sync"):
        network = annlib.Hopfield(size * size, rule="storkey", seed=seed)
        start = time.perf_counter()
        network.train(stored)
        result = network.recall(noisy, mode=mode, max_iter=50)
        seconds = time.perf_counter() - start
        restored[mode] = states = np.asarray(result.states, dtype=float)
        rows.append(
            {
                "task": "glyphs, 25% flipped",
                "model": f"Hopfield {size * size} units storkey, {mode}",
                "recall": float(np.mean(np.all(states == stored, axis=1))),
                "seconds": seconds,
            }
        )
    shown = {
        "stored": stored,
        "25% flipped": noisy,
        **{f"{m} recall": restored[m] for m in restored},
    }
    titles = [title for title in shown for _ in stored]
    figure = Figure(figsize=(1.6 * len(stored), 1.9 * len(shown)))
    ax = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    plot.patterns(
        np.vstack(list(shown.values())), (size, size), ax=ax, titles=titles, columns=len(stored)
    )
    figure.savefig(out / "hopfield_glyphs.png", dpi=DPI)
    return rows


def _table(rows: list[dict[str, Any]]) -> str:
    """The summary as an aligned text table; '-' where a column does not apply."""
    columns = ["task", "model", "accuracy", "recall", "seconds"]
    cells = [
        [
            row["task"],
            row["model"],
            f"{row['accuracy']:.3f}" if "accuracy" in row else "-",
            f"{row['recall']:.3f}" if "recall" in row else "-",
            f"{row['seconds']:.3f}",
        ]
        for row in rows
    ]
    widths = [max(len(text) for text in column) for column in zip(columns, *cells)]
    lines = ["  ".join(text.ljust(width) for text, width in zip(columns, widths)).rstrip()]
    lines.append("  ".join("-" * width for width in widths))
    lines += [
        "  ".join(text.ljust(width) for text, width in zip(row, widths)).rstrip() for row in cells
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the demo; returns the exit status (0)."""
    parser = argparse.ArgumentParser(
        prog="annlib-demo",
        description="Train multi-layer perceptrons on two Gaussians, noisy XOR and 4 spirals, "
        "restore noisy glyphs with a Hopfield network, print a summary table and write the "
        "pictures (PNG and a GIF) to a folder.",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("annlib-demo"),
        help="folder for the pictures (created if missing; default: ./annlib-demo)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of every model and data set")
    parser.add_argument(
        "--quick", action="store_true", help="fewer epochs and frames (a smoke test)"
    )
    args = parser.parse_args(argv)
    if args.seed < 0:
        parser.error(f"--seed: expected a non-negative integer, got {args.seed}")
    out = args.out
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        parser.error(f"--out: cannot create folder {str(out)!r} ({error.strerror})")

    from tqdm.auto import tqdm

    steps = 6  # three problems, pictures, animation, Hopfield
    start = time.perf_counter()
    with tqdm(total=steps, desc="annlib demo", unit="step", file=sys.stderr) as progress:
        rows = mlp_section(out, args.seed, args.quick, progress)
        progress.set_description("Hopfield glyphs")
        rows += hopfield_section(out, args.seed)
        progress.update()
    total = time.perf_counter() - start

    print(_table(rows))
    print()
    written = sorted(path.name for path in out.iterdir() if path.suffix in (".png", ".gif"))
    print(f"{total:.1f} s; pictures in {out.resolve()}: {', '.join(written)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
