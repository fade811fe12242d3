"""Training views: loss curves per epoch, heat maps of grid searches."""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._checks import as_float_array, check_choice, check_float, describe
from ._common import axes_to_draw_on, check_labels, check_legend, place_legend

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
    legend: str = "best",
):
    """Plot the loss of one or several training runs per epoch on one axes.

    Parameters
    ----------
    histories : a history, a sequence of histories, or a mapping label -> history
        A history is a dict like ``MLP.history`` (``{'loss': [...], 'val_loss': [...]}``),
        a model with such a ``history``, or a plain list of losses.
    labels : sequence of strings, default None
        One legend entry per run (e.g. ``'hn_2 lr_0.1 ok_True'``); None: a
        mapping's keys, else no legend.
    ax : matplotlib Axes, default None
        Where to draw; None draws on a new figure.
    logy : bool, default False
        True or False.  A logarithmic loss axis.
    validation : bool, default True
        True or False.  Also draw ``val_loss`` (dashed, same colour) where a history has it.
    legend : {'best', 'outside', 'none'}, default 'best'
        Where the legend goes: inside where it covers the fewest curve points,
        right of the axes, or nowhere.

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
    labels = check_labels(labels, len(runs))
    legend = check_legend(legend)
    if not isinstance(logy, (bool, np.bool_)):
        raise TypeError(f"logy: expected True or False, got {describe(logy)}")
    if logy and not any(np.any(values > 0) for run in runs for values in run.values()):
        raise ValueError("logy: expected some positive losses for a logarithmic axis, got none")

    ax = axes_to_draw_on(ax)
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
        place_legend(ax, legend)
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


def _table(
    records: list[Mapping], x: str, y: str, value: str, aggregate: str | None
) -> tuple[np.ndarray, list, list]:
    """The (rows = y values, columns = x values) table of scores, NaN where no record is."""
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

    return table, columns, rows


def _annotate(ax: Any, image: Any, table: np.ndarray, fmt: str) -> None:
    """Write each finite cell's value on it, white on dark colours and black on light ones."""
    low, high = image.norm.vmin, image.norm.vmax  # the colour scale the text sits on
    for r, c in zip(*np.nonzero(np.isfinite(table))):  # failed runs stay blank like missing cells
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
    x : str
        The parameter whose values are the columns (its name labels the x axis).
    y : str
        The parameter whose values are the rows (its name labels the y axis).
    value : str
        The score shown as colour (its name labels the colour bar).
    ax : matplotlib Axes, default None
        Where to draw; None draws on a new figure.
    aggregate : {'mean', 'max', 'min'} or None, default None
        How to combine records that share (x, y), e.g. when the grid has a
        third parameter; None: such records are an error.
    annotate : bool, default True
        True or False.  Write each cell's value in it.
    fmt : str, default '.3g'
        A format specification for numbers.  The format of the annotations.
    cmap : str, default 'viridis'
        A matplotlib colour map name.  The colours of the scores.
    vmin : float, default None
        A finite number.  The score at the bottom of the colour scale; None: the
        table's minimum.  Give several heat maps one scale to compare them.
    vmax : float, default None
        A finite number > vmin.  The score at the top of the colour scale; None:
        the table's maximum.

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
    table, columns, rows = _table(records, x, y, value, aggregate)

    ax = axes_to_draw_on(ax)
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
    if annotate:
        _annotate(ax, image, table, fmt)
    return ax
