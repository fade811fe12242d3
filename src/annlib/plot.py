"""One-line pictures of annlib's data, networks and experiments (matplotlib).

matplotlib is imported inside the functions, so importing this module (and
``import annlib``) stays fast.  Every function takes ``ax=None``: without one it
draws on a new figure, with one it draws on the axes you give.  Functions
that draw on one axes return that ``Axes`` (``ax.figure`` is the figure,
``ax.lines`` / ``ax.images`` / ``ax.collections`` the artists); ``patterns``,
which draws one panel per pattern, returns the ``Figure``.

``training_animation`` trains a model with its own ``fit`` (the engine does the
work; pictures are drawn in the fit callback) and writes a GIF of one of those
views, or of an (x, y) -> intensity network's image.

The model plots (``decision_boundary``, ``architecture``) need only this much
of a model, so they work with ``annlib.MLP`` and with any look-alike:
``model.predict(X)`` returning one label per row of an (n, 2) array;
``model.layers``, the layer sizes such as ``(2, 8, 1)``; and ``model.weights``,
a list whose entry ``l`` has shape ``(layers[l], layers[l + 1])``.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._checks import (
    as_float_array,
    check_choice,
    check_float,
    check_int,
    describe,
    replaced_atomically,
)

__all__ = [
    "architecture",
    "capacity",
    "decision_boundary",
    "energy",
    "grid_heatmap",
    "loss_curves",
    "patterns",
    "training_animation",
]

#: Edge colours of ``architecture``: positive and negative (updates or weights), and zero.
POSITIVE_COLOR = "tab:green"
NEGATIVE_COLOR = "tab:red"
ZERO_COLOR = "lightgrey"


# ---------------------------------------------------------------------------
# shared helpers


def _pyplot():
    import matplotlib.pyplot as plt

    return plt


def _axes(ax: Any):
    """The axes to draw on: ``ax`` itself (checked), or one on a new figure."""
    if ax is None:
        _, ax = _pyplot().subplots()
        return ax
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(f"ax: expected a matplotlib Axes or None, got {describe(ax)}")
    return ax


def _class_colors(count: int) -> list:
    """``count`` distinguishable colours (tab10, then tab20, then a sampled colour wheel)."""
    from matplotlib import colormaps

    if count <= 10:
        return [colormaps["tab10"](k) for k in range(count)]
    if count <= 20:
        return [colormaps["tab20"](k) for k in range(count)]
    return [colormaps["hsv"](k / count) for k in range(count)]


def _check_labels(labels: Any, count: int, name: str = "labels") -> list[str] | None:
    if labels is None:
        return None
    if isinstance(labels, str) or not isinstance(labels, Sequence):
        raise TypeError(
            f"{name}: expected a list of {count} strings or None, got {describe(labels)}"
        )
    if len(labels) != count:
        raise ValueError(f"{name}: expected {count} entries (one per curve), got {len(labels)}")
    return [str(label) for label in labels]


def _curves(value: Any, name: str) -> list[np.ndarray]:
    """One or several 1-D numeric curves: a 1-D array, a 2-D array (one curve per row) or a list."""
    if isinstance(value, np.ndarray) or (
        isinstance(value, Sequence) and len(value) > 0 and isinstance(value[0], numbers.Real)
    ):
        array = as_float_array(value, name, ndim=(1, 2), finite=False)
        return [array] if array.ndim == 1 else list(array)
    if not isinstance(value, Sequence) or isinstance(value, str) or len(value) == 0:
        raise TypeError(
            f"{name}: expected a 1-D array or a list of 1-D arrays, got {describe(value)}"
        )
    return [
        as_float_array(curve, f"{name}[{k}]", ndim=1, finite=False) for k, curve in enumerate(value)
    ]


# ---------------------------------------------------------------------------
# Hopfield pictures


def patterns(
    states: Any,
    shape: Any = None,
    ax: Any = None,
    titles: Any = None,
    columns: int | None = None,
):
    """Draw ±1 (or 0/1) patterns as a grid of small images, one panel per pattern.

    Parameters
    ----------
    states : (N,) or (P, N) array-like
        One pattern or one pattern per row.  +1 (or 1) is drawn black, -1 (or 0) white.
    shape : (height, width), optional
        Image shape with height * width == N; default: square if N is a square number.
    ax : None, an Axes (for a single pattern) or a sequence / array of at least P Axes
        Where to draw; None makes a new figure.  Unused axes are hidden.
    titles : sequence of P strings, optional
        One title per panel.
    columns : int, optional
        Panels per row of a new figure (default: up to 10).

    Returns
    -------
    matplotlib.figure.Figure

    >>> from annlib import datasets
    >>> fig = patterns(datasets.glyphs("AB", 16), (16, 16))  # doctest: +SKIP
    """
    states = as_float_array(states, "states", ndim=(1, 2))
    states = states.reshape(-1, states.shape[-1])
    count, units = states.shape
    if shape is None:
        side = math.isqrt(units)
        if side * side != units:
            raise ValueError(
                f"shape: expected (height, width) for patterns of {units} units "
                f"(not a square number, so it cannot be guessed), got None"
            )
        shape = (side, side)
    if isinstance(shape, np.ndarray):
        shape = tuple(shape.tolist())
    if (
        not isinstance(shape, Sequence)
        or len(shape) != 2
        or not all(isinstance(s, numbers.Integral) and s > 0 for s in shape)
        or shape[0] * shape[1] != units
    ):
        raise ValueError(
            f"shape: expected (height, width) with height * width == {units}, got {describe(shape)}"
        )
    titles = _check_labels(titles, count, "titles")

    plt = _pyplot()
    if ax is None:
        columns = min(count, 10) if columns is None else check_int(columns, "columns", 1)
        rows = -(-count // columns)
        scale = 1.6
        figure, grid = plt.subplots(
            rows,
            columns,
            figsize=(scale * columns, scale * rows * shape[0] / shape[1] + 0.3 * rows),
            squeeze=False,
        )
        axes = list(grid.ravel())
    else:
        from matplotlib.axes import Axes

        axes = [ax] if isinstance(ax, Axes) else list(np.ravel(np.asarray(ax, dtype=object)))
        if not all(isinstance(a, Axes) for a in axes):
            raise TypeError(f"ax: expected an Axes or a sequence of Axes, got {describe(ax)}")
        if len(axes) < count:
            raise ValueError(
                f"ax: expected at least {count} Axes (one per pattern), got {len(axes)}"
            )
        figure = axes[0].figure

    low, high = float(states.min()), float(states.max())
    vmin = 0.0 if low >= 0 else min(low, -1.0)
    vmax = max(high, 1.0)
    for k, panel in enumerate(axes):
        if k >= count:
            panel.set_axis_off()
            continue
        panel.imshow(
            states[k].reshape(shape), cmap="gray_r", vmin=vmin, vmax=vmax, interpolation="nearest"
        )
        panel.set_xticks([])
        panel.set_yticks([])
        if titles is not None:
            panel.set_title(titles[k], fontsize="small")
    return figure


def energy(trace: Any, ax: Any = None, labels: Any = None, xlabel: str = "update"):
    """Plot energy along recall: one line per trace.

    Parameters
    ----------
    trace : 1-D array-like, 2-D array (one trace per row) or a list of 1-D traces
        Energies in the order they were reached (e.g. ``recall(...).energy``).
    ax : Axes, optional
    labels : sequence of strings, optional
        One legend entry per trace.
    xlabel : str
        What one step on the x axis is ("update", "sweep", ...).

    Returns
    -------
    matplotlib.axes.Axes (one line per trace in ``ax.lines``)
    """
    traces = _curves(trace, "trace")
    labels = _check_labels(labels, len(traces))
    ax = _axes(ax)
    for k, values in enumerate(traces):
        marker = "o" if len(values) <= 50 else None
        ax.plot(
            np.arange(len(values)),
            values,
            marker=marker,
            markersize=3,
            label=None if labels is None else labels[k],
        )
    ax.set_xlabel(xlabel)
    ax.set_ylabel("energy")
    if labels is not None:
        ax.legend()
    return ax


def capacity(curves: Any, ax: Any = None, loads: Any = None, critical_load: float | None = None):
    """Plot capacity curves: fraction of patterns recalled against the load, one line per rule.

    Parameters
    ----------
    curves : mapping label -> (loads, fractions), or label -> fractions with ``loads`` given
        For example ``{'hebbian': (loads, hebb), 'storkey': (loads, storkey)}``.
    ax : Axes, optional
    loads : 1-D array-like, optional
        Shared x values for curves given as fractions only.
    critical_load : float, optional
        Draw a dashed vertical line there (e.g. 0.138, the Hebbian limit P/N).

    Returns
    -------
    matplotlib.axes.Axes (one line per curve, in the mapping's order)
    """
    if not isinstance(curves, Mapping) or not curves:
        raise TypeError(
            f"curves: expected a non-empty mapping label -> (loads, fractions), got {describe(curves)}"
        )
    shared = None if loads is None else as_float_array(loads, "loads", ndim=1)
    lines = []
    for label, curve in curves.items():
        name = f"curves[{label!r}]"
        if isinstance(curve, (tuple, list)) and len(curve) == 2 and np.ndim(curve[0]) == 1:
            x = as_float_array(curve[0], f"{name}[0]", ndim=1)
            y = as_float_array(curve[1], f"{name}[1]", ndim=1, finite=False)
        else:
            if shared is None:
                raise ValueError(
                    f"loads: expected the loads for {name}, given as fractions only, got None"
                )
            x, y = shared, as_float_array(curve, name, ndim=1, finite=False)
        if len(x) != len(y):
            raise ValueError(
                f"{name}: expected as many fractions as loads ({len(x)}), got {len(y)}"
            )
        lines.append((str(label), x, y))
    if critical_load is not None:
        critical_load = check_float(critical_load, "critical_load")
    ax = _axes(ax)
    for label, x, y in lines:
        ax.plot(x, y, marker="o", markersize=3, label=label)
    if critical_load is not None:
        ax.axvline(critical_load, color="grey", linestyle="--", linewidth=1)
    ax.set_xlabel("load P / N")
    ax.set_ylabel("fraction of patterns recalled")
    ax.legend()
    return ax


# ---------------------------------------------------------------------------
# training pictures


_HISTORY_KEYS = frozenset({"loss", "val_loss", "accuracy", "val_accuracy"})


def _history(item: Any, name: str) -> dict[str, np.ndarray] | None:
    """A history as {'loss': array, 'val_loss': array?}, or None if ``item`` is not one."""
    if not isinstance(item, Mapping) and isinstance(getattr(item, "history", None), Mapping):
        item = item.history
    if isinstance(item, Mapping):
        if "loss" not in item:
            raise ValueError(
                f"{name}: expected a history with a 'loss' list, got keys {sorted(map(str, item))}"
            )
        history = {"loss": as_float_array(item["loss"], f"{name}['loss']", ndim=1, finite=False)}
        if item.get("val_loss") is not None and len(item["val_loss"]) > 0:
            history["val_loss"] = as_float_array(
                item["val_loss"], f"{name}['val_loss']", ndim=1, finite=False
            )
        return history
    if (isinstance(item, np.ndarray) and item.ndim == 1) or (
        isinstance(item, Sequence) and len(item) > 0 and isinstance(item[0], numbers.Real)
    ):
        return {"loss": as_float_array(item, name, ndim=1, finite=False)}
    return None


def loss_curves(
    histories: Any,
    labels: Any = None,
    ax: Any = None,
    logy: bool = False,
    validation: bool = True,
):
    """Plot the loss of one or several training runs per epoch on one axes.

    Parameters
    ----------
    histories : a history, a sequence of histories, or a mapping label -> history
        A history is a dict like ``MLP.history`` (``{'loss': [...], 'val_loss': [...]}``),
        a model with such a ``history``, or a plain list of losses.
    labels : sequence of strings, optional
        One legend entry per run (e.g. ``'hn_2 lr_0.1 ok_True'``); a mapping's keys by default.
    ax : Axes, optional
    logy : bool
        Logarithmic loss axis.
    validation : bool
        Also draw ``val_loss`` (dashed, same colour) where a history has it.

    Returns
    -------
    matplotlib.axes.Axes; ``ax.lines`` holds each run's loss line, followed by its
    validation line when drawn.

    >>> ax = loss_curves([{'loss': [1.0, 0.5]}, {'loss': [0.9, 0.2]}], labels=['a', 'b'])  # doctest: +SKIP
    """
    # A mapping is one history if it has history keys, else label -> history.
    if isinstance(histories, Mapping) and not _HISTORY_KEYS.intersection(histories):
        single = None
    else:
        single = _history(histories, "histories")
    if single is not None:
        runs = [single]
    elif isinstance(histories, Mapping):
        runs = [_history(item, f"histories[{key!r}]") for key, item in histories.items()]
        if labels is None:
            labels = [str(key) for key in histories]
    elif (isinstance(histories, np.ndarray) and histories.ndim == 2) or (
        isinstance(histories, Sequence) and not isinstance(histories, str) and len(histories) > 0
    ):
        runs = [_history(item, f"histories[{k}]") for k, item in enumerate(histories)]
    else:
        runs = [None]
    if any(run is None for run in runs):
        raise TypeError(
            "histories: expected a history ({'loss': [...]}, a model with .history or a list of "
            f"losses), a list of them or a mapping label -> history, got {describe(histories)}"
        )
    labels = _check_labels(labels, len(runs))
    if not isinstance(logy, (bool, np.bool_)):
        raise TypeError(f"logy: expected True or False, got {describe(logy)}")
    if logy and not any(np.any(values > 0) for run in runs for values in run.values()):
        raise ValueError("logy: expected some positive losses for a logarithmic axis, got none")

    ax = _axes(ax)
    for k, run in enumerate(runs):
        label = None if labels is None else labels[k]
        color = f"C{k % 10}"
        epochs = np.arange(1, len(run["loss"]) + 1)
        ax.plot(epochs, run["loss"], color=color, label=label)
        if validation and "val_loss" in run:
            val_label = "validation" if label is None else f"{label} (validation)"
            ax.plot(
                np.arange(1, len(run["val_loss"]) + 1),
                run["val_loss"],
                color=color,
                linestyle="--",
                label=val_label,
            )
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    if any(line.get_label() and not line.get_label().startswith("_") for line in ax.lines):
        ax.legend()
    return ax


def _records(results: Any) -> list[Mapping]:
    """Result records from a list of dicts or a scikit-learn ``cv_results_``-like dict of columns."""
    if isinstance(results, Mapping) and isinstance(results.get("params"), Sequence):
        count = len(results["params"])
        columns = {
            key: column
            for key, column in results.items()
            if np.ndim(column) == 1 and len(column) == count
        }
        return [{key: column[i] for key, column in columns.items()} for i in range(count)]
    if isinstance(results, Sequence) and not isinstance(results, str) and len(results) > 0:
        for k, record in enumerate(results):
            if not isinstance(record, Mapping):
                raise TypeError(f"results[{k}]: expected a dict record, got {describe(record)}")
        return list(results)
    raise TypeError(f"results: expected a non-empty list of dict records, got {describe(results)}")


def _lookup(record: Mapping, key: Any, argument: str, index: int) -> Any:
    params = record.get("params")
    if isinstance(params, Mapping) and key in params:
        return params[key]
    if key in record:
        return record[key]
    known = sorted(map(str, record)) + (
        sorted(map(str, params)) if isinstance(params, Mapping) else []
    )
    raise ValueError(
        f"{argument}: expected a key of every record, {key!r} is missing from results[{index}] (keys: {known})"
    )


def _distinct(values: list) -> list:
    """Distinct values in order of first appearance, sorted when they can be."""
    distinct: list = []
    for value in values:
        if not any(value is seen or value == seen for seen in distinct):
            distinct.append(value)
    try:
        return sorted(distinct)
    except TypeError:
        return distinct


def grid_heatmap(
    results: Any,
    x: str,
    y: str,
    value: str,
    ax: Any = None,
    aggregate: str | None = None,
    annotate: bool = True,
    fmt: str = ".3g",
    cmap: str = "viridis",
    vmin: float | None = None,
    vmax: float | None = None,
):
    """A heat map of a grid search: one parameter across, one up, the score as colour.

    Parameters
    ----------
    results : list of dict records, or a dict of columns with a 'params' list
        Each record holds the parameter values and the score, flat
        (``{'hidden': 4, 'learning_rate': 0.1, 'accuracy': 0.97}``) or with the
        parameters nested (``{'params': {...}, 'mean_score': 0.97}``).
        scikit-learn's ``cv_results_`` works as is.
    x, y : str
        Parameter names for the columns and the rows.
    value : str
        Name of the score to show.
    ax : Axes, optional
    aggregate : {'mean', 'max', 'min'}, optional
        How to combine records that share (x, y), e.g. when the grid has a
        third parameter.  Without it such records are an error.
    annotate : bool
        Write each cell's value in it.
    fmt : str
        Format of the annotations.
    cmap : str
        Colour map.
    vmin, vmax : float, optional
        Ends of the colour scale (default: the table's own range), so that
        several heat maps side by side share one scale.

    Returns
    -------
    matplotlib.axes.Axes; ``ax.images[0].get_array()`` is the (rows = y values,
    columns = x values) table, masked where no record exists.
    """
    records = _records(results)
    if aggregate is not None:
        check_choice(aggregate, "aggregate", ("mean", "max", "min"))
    try:
        format(0.5, fmt)
    except (TypeError, ValueError):
        raise ValueError(
            f"fmt: expected a format specification for numbers like '.3g', got {describe(fmt)}"
        ) from None
    if vmin is not None:
        vmin = check_float(vmin, "vmin")
    if vmax is not None:
        vmax = check_float(vmax, "vmax", vmin, exclusive_minimum=True)
    xs = [_lookup(r, x, "x", i) for i, r in enumerate(records)]
    ys = [_lookup(r, y, "y", i) for i, r in enumerate(records)]
    scores = []
    for i, record in enumerate(records):
        score = _lookup(record, value, "value", i)
        if isinstance(score, bool) or not isinstance(score, numbers.Real):
            raise TypeError(
                f"value: expected a number in results[{i}][{value!r}], got {describe(score)}"
            )
        scores.append(float(score))
    columns, rows = _distinct(xs), _distinct(ys)

    def position(distinct: list, item: Any) -> int:
        return next(k for k, seen in enumerate(distinct) if item is seen or item == seen)

    cells: dict[tuple[int, int], list[float]] = {}
    for xv, yv, score in zip(xs, ys, scores):
        cells.setdefault((position(rows, yv), position(columns, xv)), []).append(score)
    table = np.full((len(rows), len(columns)), np.nan)
    for (r, c), found in cells.items():
        if len(found) > 1 and aggregate is None:
            raise ValueError(
                f"results: {len(found)} records share {x}={columns[c]!r}, {y}={rows[r]!r}; "
                "pass aggregate='mean', 'max' or 'min', or filter the records"
            )
        table[r, c] = {"mean": np.mean, "max": np.max, "min": np.min}[aggregate or "mean"](found)

    ax = _axes(ax)
    masked = np.ma.masked_invalid(table)
    image = ax.imshow(
        masked,
        origin="lower",
        aspect="auto",
        cmap=cmap,
        interpolation="nearest",
        vmin=vmin,
        vmax=vmax,
    )
    ax.set_xticks(range(len(columns)), [str(v) for v in columns])
    ax.set_yticks(range(len(rows)), [str(v) for v in rows])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.figure.colorbar(image, ax=ax, label=value)
    if annotate and np.isfinite(table).any():
        low, high = image.norm.vmin, image.norm.vmax  # the colour scale the text sits on
        for r, c in cells:
            if not np.isfinite(table[r, c]):  # a failed run: left blank like a missing cell
                continue
            shade = 0.0 if high == low else (table[r, c] - low) / (high - low)
            ax.text(
                c,
                r,
                format(table[r, c], fmt),
                ha="center",
                va="center",
                fontsize="small",
                color="white" if shade < 0.5 else "black",
            )
    return ax


# ---------------------------------------------------------------------------
# model pictures


def decision_boundary(
    model: Any,
    X: Any,
    y: Any = None,
    ax: Any = None,
    resolution: int = 200,
    margin: float = 0.1,
    alpha: float = 0.3,
):
    """Class regions of a 2-D classifier with the samples on top.

    The model is asked once, ``model.predict(grid)``, for all
    ``resolution * resolution`` points of a grid covering ``X`` (plus
    ``margin`` of its extent on every side).

    Parameters
    ----------
    model : object with ``predict(X) -> labels`` for an (n, 2) float array
    X : (n, 2) array-like
        Samples to draw (e.g. unseen test samples); they also fix the grid.
    y : (n,) array-like, optional
        Their labels: samples are coloured like the region of their class.
    ax : Axes, optional
    resolution : int
        Grid points per axis (2 to 2000).
    margin : float
        Padding around the samples, as a fraction of their extent.
    alpha : float
        Opacity of the class regions.

    Returns
    -------
    matplotlib.axes.Axes; ``ax.images[0]`` holds the predicted class index of
    every grid point (index into the sorted labels), one scatter per class follows.
    """
    if not callable(getattr(model, "predict", None)):
        raise TypeError(
            f"model: expected an object with a predict(X) method, got {describe(model)}"
        )
    X = as_float_array(X, "X", ndim=2, columns=2)
    if y is not None:
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.shape != (len(X),):
            raise ValueError(f"y: expected {len(X)} labels (one per row of X), got {describe(y)}")
    resolution = check_int(resolution, "resolution", 2, 2000)
    margin = check_float(margin, "margin", 0.0)
    alpha = check_float(alpha, "alpha", 0.0, 1.0)

    low, high = X.min(axis=0), X.max(axis=0)
    with np.errstate(over="ignore"):
        extent = high - low
    if not np.isfinite(extent).all():
        raise ValueError(
            f"X: expected coordinates whose spread fits in a float64, got from {low} to {high}"
        )
    pad = np.where(extent > 0, margin * extent, 0.5)  # a single point still gets a visible square
    xs = np.linspace(low[0] - pad[0], high[0] + pad[0], resolution)
    ys = np.linspace(low[1] - pad[1], high[1] + pad[1], resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    grid = np.column_stack([grid_x.ravel(), grid_y.ravel()])

    predicted = np.asarray(model.predict(grid))
    if predicted.ndim == 2 and predicted.shape[1] == 1:
        predicted = predicted[:, 0]
    if predicted.shape != (len(grid),):
        raise ValueError(
            f"model: expected predict() to return one label per grid point ({len(grid)},), "
            f"got {describe(predicted)}"
        )
    classes = np.unique(predicted if y is None else np.concatenate([predicted, y]))
    index = np.searchsorted(classes, predicted).reshape(resolution, resolution)

    from matplotlib.colors import ListedColormap

    colors = _class_colors(len(classes))
    ax = _axes(ax)
    box = (xs[0], xs[-1], ys[0], ys[-1])
    ax.imshow(
        index,
        origin="lower",
        extent=box,
        aspect="auto",
        interpolation="nearest",
        cmap=ListedColormap(colors),
        vmin=-0.5,
        vmax=len(classes) - 0.5,
        alpha=alpha,
    )
    if len(np.unique(index)) > 1:
        ax.contour(
            xs, ys, index, levels=np.arange(len(classes) - 1) + 0.5, colors="k", linewidths=0.8
        )
    if y is None:
        ax.scatter(X[:, 0], X[:, 1], color="k", s=12)
    else:
        for k, label in enumerate(classes):
            members = y == label
            if members.any():
                ax.scatter(
                    X[members, 0],
                    X[members, 1],
                    color=colors[k],
                    edgecolors="k",
                    linewidths=0.5,
                    s=20,
                    label=str(label),
                )
        ax.legend(title="class", fontsize="small")
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    return ax


def _model_weights(model: Any) -> tuple[tuple[int, ...], list[np.ndarray]]:
    layers = getattr(model, "layers", None)
    weights = getattr(model, "weights", None)
    if layers is None or weights is None:
        raise TypeError(
            f"model: expected an object with .layers and .weights, got {describe(model)}"
        )
    try:
        layers = tuple(check_int(size, "model.layers", 1) for size in layers)
    except TypeError:
        raise TypeError(
            f"model.layers: expected a sequence of layer sizes, got {describe(layers)}"
        ) from None
    if len(layers) < 2:
        raise ValueError(f"model.layers: expected at least 2 layers, got {layers}")
    weights = list(weights)
    if len(weights) != len(layers) - 1:
        raise ValueError(
            f"model.weights: expected {len(layers) - 1} arrays for layers {layers}, got {len(weights)}"
        )
    checked = []
    for k, matrix in enumerate(weights):
        matrix = as_float_array(matrix, f"model.weights[{k}]", ndim=2, finite=False)
        if matrix.shape != (layers[k], layers[k + 1]):
            raise ValueError(
                f"model.weights[{k}]: expected shape {(layers[k], layers[k + 1])}, got {matrix.shape}"
            )
        checked.append(matrix)
    return layers, checked


def architecture(
    model: Any,
    weight_updates: Any = None,
    ax: Any = None,
    max_linewidth: float = 3.0,
    node_size: float | None = None,
    scale: float | None = None,
):
    """Draw the network as columns of nodes joined by one edge per weight.

    Edge colour shows a sign and edge width a magnitude (relative to the
    largest): of ``weight_updates`` when given (green: the weight grew, red:
    it shrank, grey: unchanged), else of the weights themselves (green
    positive, red negative).

    Parameters
    ----------
    model : object with ``layers`` (sizes, e.g. (2, 8, 1)) and ``weights``
        (``weights[k]`` of shape ``(layers[k], layers[k + 1])``)
    weight_updates : list of arrays shaped like ``model.weights``, optional
        The change of every weight in the last step or epoch.
    ax : Axes, optional
    max_linewidth : float
        Width of the edge with the largest magnitude.
    node_size : float, optional
        Marker area of the nodes (default: smaller for wider layers).
    scale : float, optional
        The magnitude drawn ``max_linewidth`` wide; larger ones are drawn that wide
        too.  Default: the largest magnitude shown.  Give one scale to several
        pictures (e.g. the frames of an animation) to compare their widths.

    Returns
    -------
    matplotlib.axes.Axes; ``ax.collections[0]`` is a LineCollection with one
    segment per weight (layer by layer, ``weights[k][i, j]`` in row-major
    order), ``ax.collections[1]`` the nodes.
    """
    layers, weights = _model_weights(model)
    if weight_updates is None:
        shown = weights
    else:
        if isinstance(weight_updates, np.ndarray) or not isinstance(weight_updates, Sequence):
            raise TypeError(
                f"weight_updates: expected a list of {len(weights)} arrays like model.weights, "
                f"got {describe(weight_updates)}"
            )
        if len(weight_updates) != len(weights):
            raise ValueError(
                f"weight_updates: expected {len(weights)} arrays (one per weight layer), got {len(weight_updates)}"
            )
        shown = []
        for k, update in enumerate(weight_updates):
            update = as_float_array(update, f"weight_updates[{k}]", ndim=2)
            if update.shape != weights[k].shape:
                raise ValueError(
                    f"weight_updates[{k}]: expected shape {weights[k].shape} like model.weights[{k}], "
                    f"got {update.shape}"
                )
            shown.append(update)
    max_linewidth = check_float(max_linewidth, "max_linewidth", 0.0, exclusive_minimum=True)
    widest = max(layers)
    if node_size is None:
        node_size = float(np.clip(3000.0 / widest, 8.0, 300.0))
    node_size = check_float(node_size, "node_size", 0.0)
    if scale is not None:
        scale = check_float(scale, "scale", 0.0, exclusive_minimum=True)

    # Node j of layer l sits at (l, j - (size - 1) / 2): layers centred on y = 0.
    heights = [np.arange(size) - (size - 1) / 2.0 for size in layers]
    segments = []
    for k in range(len(weights)):
        start = np.broadcast_to(heights[k][:, None], weights[k].shape).ravel()
        end = np.broadcast_to(heights[k + 1][None, :], weights[k].shape).ravel()
        segments.append(
            np.stack(
                [
                    np.column_stack([np.full_like(start, k), start]),
                    np.column_stack([np.full_like(end, k + 1), end]),
                ],
                axis=1,
            )
        )
    segments = np.concatenate(segments)
    values = np.concatenate([matrix.ravel() for matrix in shown])
    finite = np.where(np.isfinite(values), values, 0.0)
    largest = np.abs(finite).max() if scale is None else scale
    relative = np.minimum(np.abs(finite) / largest, 1.0) if largest > 0 else 0.0
    widths = 0.2 + (max_linewidth - 0.2) * relative
    from matplotlib.collections import LineCollection
    from matplotlib.colors import to_rgba

    palette = np.array([to_rgba(NEGATIVE_COLOR), to_rgba(ZERO_COLOR), to_rgba(POSITIVE_COLOR)])
    colors = palette[np.sign(finite).astype(int) + 1]

    ax = _axes(ax)
    ax.add_collection(
        LineCollection(
            segments,
            colors=colors,
            linewidths=np.broadcast_to(widths, len(values)),
            alpha=0.8,
            zorder=1,
        )
    )
    node_x = np.concatenate([np.full(size, k, dtype=float) for k, size in enumerate(layers)])
    ax.scatter(
        node_x,
        np.concatenate(heights),
        s=node_size,
        facecolors="white",
        edgecolors="k",
        linewidths=1.0,
        zorder=2,
    )
    names = ["input"] + [f"hidden {k}" for k in range(1, len(layers) - 1)] + ["output"]
    ax.set_xticks(range(len(layers)), [f"{name}\n({size})" for name, size in zip(names, layers)])
    ax.set_yticks([])
    ax.set_xlim(-0.5, len(layers) - 0.5)
    ax.set_ylim(-widest / 2.0 - 0.5, widest / 2.0 + 0.5)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    return ax


# ---------------------------------------------------------------------------
# training animations

ANIMATION_VIEWS = ("decision_boundary", "architecture", "image")


def _check_image_shape(image_shape: Any) -> tuple[int, int]:
    if isinstance(image_shape, np.ndarray):
        image_shape = tuple(image_shape.tolist())
    if (
        not isinstance(image_shape, Sequence)
        or isinstance(image_shape, str)
        or len(image_shape) != 2
        or not all(
            isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0
            for s in image_shape
        )
    ):
        raise ValueError(
            f"image_shape: expected (height, width) with two positive integers, "
            f"got {describe(image_shape)}"
        )
    return int(image_shape[0]), int(image_shape[1])


def _gif_path(path: Any) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path: expected a file name ending in .gif, got {describe(path)}")
    path = Path(os.fspath(path))
    if path.suffix.lower() != ".gif":
        raise ValueError(f"path: expected a file name ending in .gif, got {str(path)!r}")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"path: folder {str(folder)!r} does not exist")
    return path


def training_animation(
    model: Any,
    X: Any,
    y: Any,
    epochs: int,
    every: int,
    view: str = "decision_boundary",
    path: Any = "train.gif",
    image_shape: Any = None,
    fps: float = 5.0,
    dpi: float = 80.0,
    resolution: int = 100,
):
    """Train ``model`` on (X, y) and write a GIF of one view of it as it learns.

    Training is ``model.fit(X, y, epochs, callback=..., callback_every=every)``:
    the engine runs the loop and, every ``every`` epochs and after the last,
    the callback draws one frame.  So the GIF has ``ceil(epochs / every)``
    frames, each titled with its epoch and the training loss.  Like ``fit``,
    training continues from the model's current weights.

    Views
    -----
    ``'decision_boundary'``
        The class regions over the samples (``decision_boundary``); needs a
        classifier on 2-D inputs.
    ``'architecture'``
        The network (``architecture``) with the weight updates since the
        previous frame (the first frame: since training started): green edges
        grew, red edges shrank, width by size on one scale for all frames (the
        first frame's largest update is the widest edge), so updates visibly
        shrink as training settles.  The updates are differences of weight
        snapshots taken in the callback.
    ``'image'``
        For an image "compresser" that maps pixel coordinates (x, y) to
        intensity (train it on ``datasets.image_to_xy(image)``): the network's
        image over ``datasets.xy_grid(*image_shape)``, beside the target ``y``
        when ``y`` holds one value per pixel.  Grey images use a fixed colour
        scale (the range of ``y``), so frames are comparable; three outputs are
        drawn as RGB clipped to [0, 1].

    Parameters
    ----------
    model : annlib.MLP or a look-alike with ``fit(X, y, epochs, callback=, callback_every=)``
        and ``predict``; the architecture view also needs ``layers`` and ``weights``.
    X, y : training data, as for ``model.fit``
        X must have 2 columns for the decision-boundary and image views.
    epochs : int
        Epochs to train (>= 1).
    every : int
        Epochs between frames (>= 1).
    view : {'decision_boundary', 'architecture', 'image'}
    path : str or os.PathLike
        The GIF to write (must end in ``.gif``; its folder must exist).  It is
        written through a temporary file and only when training succeeds, so a
        failure never leaves a half-written GIF.
    image_shape : (height, width)
        The image size; required by the image view and only used there.
    fps : float
        Frames per second of the GIF (> 0).
    dpi : float
        Resolution of the frames (> 0); the figure is a few inches wide.
    resolution : int
        Grid points per axis of the decision-boundary view (2 to 2000).

    Returns
    -------
    pathlib.Path of the written GIF.

    Raises
    ------
    TypeError, ValueError
        Bad arguments (the message names the argument); anything ``fit`` raises.

    >>> net = annlib.MLP([2, 4, 1], output_activation="sigmoid", learning_rate=0.5)  # doctest: +SKIP
    >>> training_animation(net, *annlib.datasets.xor(), epochs=200, every=20)  # doctest: +SKIP
    PosixPath('train.gif')
    """
    view = check_choice(view, "view", ANIMATION_VIEWS)
    for method in ("fit", "predict"):
        if not callable(getattr(model, method, None)):
            raise TypeError(
                f"model: expected an object with fit() and predict() (like annlib.MLP), "
                f"got {describe(model)}"
            )
    epochs = check_int(epochs, "epochs", 1)
    every = check_int(every, "every", 1)
    X = as_float_array(X, "X", ndim=2, columns=None if view == "architecture" else 2)
    if image_shape is not None and view != "image":
        raise ValueError(
            f"image_shape: only used by view='image', got {describe(image_shape)} with view={view!r}"
        )
    if view == "image":
        if image_shape is None:
            raise ValueError(
                "image_shape: expected (height, width) of the image for view='image', got None"
            )
        image_shape = _check_image_shape(image_shape)
    fps = check_float(fps, "fps", 0.0, exclusive_minimum=True)
    dpi = check_float(dpi, "dpi", 0.0, exclusive_minimum=True)
    resolution = check_int(resolution, "resolution", 2, 2000)
    path = _gif_path(path)

    from matplotlib.animation import PillowWriter
    from matplotlib.figure import Figure

    from . import datasets

    previous = _model_weights(model)[1] if view == "architecture" else None
    target = None
    if view == "image":
        height, width = image_shape
        grid = datasets.xy_grid(height, width)
        values = np.asarray(y)
        if values.dtype.kind in "biuf" and values.ndim in (1, 2) and len(values) == height * width:
            target = datasets.xy_to_image(values, height, width)
            low, high = float(values.min()), float(values.max())
        else:
            low = high = None
    # A figure outside pyplot: nothing is shown in notebooks and nothing is
    # left in pyplot's list of open figures.
    panels = 2 if target is not None else 1
    figsize = {"decision_boundary": (5.0, 4.6), "architecture": (6.4, 4.4)}.get(
        view, (3.2 * panels, 3.4)
    )
    figure = Figure(figsize=figsize)
    axes = list(figure.subplots(1, panels, squeeze=False)[0])

    writer = PillowWriter(fps=fps)
    last_epoch = 0  # epoch of the previous frame
    scale = None  # edge width scale of the architecture view

    def draw(epoch: int, history: Mapping, model: Any) -> bool:
        nonlocal previous, last_epoch, scale
        losses = history.get("loss", []) if isinstance(history, Mapping) else []
        title = f"epoch {epoch}" + (f"   loss {losses[-1]:.4g}" if len(losses) else "")
        for ax in axes:
            ax.clear()
        if view == "decision_boundary":
            if getattr(model, "is_classifier", True) is False:
                raise ValueError(
                    "view: 'decision_boundary' needs a classifier (class labels y and a softmax or "
                    "single sigmoid/tanh output), but the model is a regressor"
                )
            decision_boundary(model, X, y, ax=axes[0], resolution=resolution)
            axes[0].set_title(title)
        elif view == "architecture":
            current = _model_weights(model)[1]
            updates = [now - before for now, before in zip(current, previous)]
            previous = current
            if scale is None:  # the first frame's largest update sets the widths of all frames
                largest = max(float(np.abs(u).max()) for u in updates)
                scale = largest if np.isfinite(largest) and largest > 0 else None
            architecture(model, weight_updates=updates, ax=axes[0], scale=scale)
            axes[0].set_title(
                f"{title}\nweight updates over epochs {last_epoch + 1}-{epoch} "
                "(green +, red \u2212)",
                fontsize="medium",
            )
        else:
            values = np.asarray(model.predict(grid), dtype=float)
            picture = datasets.xy_to_image(values, height, width)
            if picture.ndim == 3:
                picture = np.clip(picture, 0.0, 1.0)
            shown = axes[-1]
            shown.imshow(picture, cmap="gray", vmin=low, vmax=high, interpolation="nearest")
            shown.set_title(title, fontsize="medium")
            if target is not None:
                image = target if target.ndim == 2 else np.clip(target, 0.0, 1.0)
                axes[0].imshow(image, cmap="gray", vmin=low, vmax=high, interpolation="nearest")
                axes[0].set_title("target", fontsize="medium")
            for ax in axes:
                ax.set_xticks([])
                ax.set_yticks([])
        last_epoch = epoch
        writer.grab_frame()
        return True

    with replaced_atomically(path, suffix=".gif") as temporary:
        writer.setup(figure, temporary, dpi=dpi)
        model.fit(X, y, epochs, callback=draw, callback_every=every)
        writer.finish()
    return path
