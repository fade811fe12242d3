"""The annlib demo: ``python -m annlib`` (or ``annlib-demo``).

Trains multi-layer perceptrons on three classic problems (two Gaussian
classes, noisy XOR, four interleaved spirals), restores noisy glyph images
with a Hopfield network when annlib has one, prints a summary table and
writes the pictures (PNG, and one GIF of the spirals being learnt) to an
output folder.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import annlib
from annlib import datasets


def _figure(columns: int = 1, width: float = 4.5, height: float = 4.2):
    # Figures outside pyplot: the demo never opens a window, whatever the backend.
    from matplotlib.figure import Figure

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


def mlp_section(out: Path, seed: int, quick: bool, progress: Any) -> list[dict[str, Any]]:
    """Train, score on held-out samples and draw the three MLP problems; returns table rows."""
    from annlib import plot

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
    figure, axes = _figure(len(trained))
    for ax, (task, model, X_test, y_test, *_) in zip(axes, trained):
        plot.decision_boundary(model, X_test, y_test, ax=ax)
        ax.set_title(f"{task['task']}: test accuracy {model.accuracy(X_test, y_test):.3f}")
    figure.savefig(out / "decision_boundaries.png", dpi=90)

    figure, (ax,) = _figure(width=6.0)
    plot.loss_curves(
        [model.history for _, model, *_ in trained],
        labels=[task["task"] for task, *_ in trained],
        ax=ax,
        logy=True,
    )
    ax.set_title("training loss (cross-entropy)")
    figure.savefig(out / "loss_curves.png", dpi=90)

    task, spirals_model = trained[-1][:2]
    figure, (ax,) = _figure(width=6.4)
    plot.architecture(spirals_model, ax=ax)
    ax.set_title(f"{task['task']}: trained weights (green +, red \u2212, width = size)")
    figure.savefig(out / "architecture.png", dpi=90)
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

    Runs only when annlib has ``Hopfield`` (see ``main``).  Stores the 32 x 32
    images of "NET" with the Storkey rule (glyphs overlap too much for the
    plain Hebbian rule to keep them apart), flips a quarter of every image's
    pixels and recalls asynchronously and synchronously.  Writes
    ``hopfield_glyphs.png`` (stored, corrupted, restored) and returns one table
    row per update mode; "recall" is the fraction of images restored exactly.
    """
    from annlib import plot

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
        states = np.asarray(result.states, dtype=float)
        if states.shape != stored.shape:
            raise RuntimeError(
                f"Hopfield.recall: expected states of shape {stored.shape} (one row per probe), "
                f"got {states.shape}"
            )
        restored[mode] = states
        rows.append(
            {
                "task": "glyphs, 25% flipped",
                "model": f"Hopfield {size * size} units storkey, {mode}",
                "recall": float(np.mean(np.all(states == stored, axis=1))),
                "seconds": seconds,
            }
        )
    from matplotlib.figure import Figure

    shown = {
        "stored": stored,
        "25% flipped": noisy,
        **{f"{m} recall": restored[m] for m in restored},
    }
    figure = Figure(figsize=(1.6 * len(stored), 1.8 * len(shown)), layout="constrained")
    grid = figure.subplots(len(shown), len(stored), squeeze=False)
    titles = [title for title in shown for _ in stored]
    plot.patterns(np.vstack(list(shown.values())), (size, size), ax=grid, titles=titles)
    figure.savefig(out / "hopfield_glyphs.png", dpi=90)
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
        description="Train multi-layer perceptrons on two Gaussians, noisy XOR and 4 spirals "
        "(and restore noisy glyphs with a Hopfield network when annlib has one), print a "
        "summary table and write the pictures (PNG and a GIF) to a folder.",
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

    with_hopfield = hasattr(annlib, "Hopfield")
    steps = 5 + with_hopfield  # three problems, pictures, animation, (Hopfield)
    start = time.perf_counter()
    with tqdm(total=steps, desc="annlib demo", unit="step", file=sys.stderr) as progress:
        rows = mlp_section(out, args.seed, args.quick, progress)
        if with_hopfield:
            progress.set_description("Hopfield glyphs")
            rows += hopfield_section(out, args.seed)
            progress.update()
    total = time.perf_counter() - start

    print(_table(rows))
    print()
    if not with_hopfield:
        print("(this annlib has no Hopfield network yet: the glyph restoration was skipped)")
    written = sorted(path.name for path in out.iterdir() if path.suffix in (".png", ".gif"))
    print(f"{total:.1f} s; pictures in {out.resolve()}: {', '.join(written)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
