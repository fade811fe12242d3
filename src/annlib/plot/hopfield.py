"""Hopfield views: stored and recalled patterns, energy along recall, capacity curves."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._checks import as_float_array, check_float, check_int, describe
from ._common import as_curves, axes_to_draw_on, check_labels, check_legend, place_legend, pyplot


def _check_shape(shape: Any, units: int) -> tuple[int, int]:
    if shape is None:
        side = math.isqrt(units)
        if side * side != units:
            raise ValueError(
                f"shape: expected (height, width) for patterns of {units} units "
                f"(not a square number, so it cannot be guessed), got None"
            )
        return side, side
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
    return int(shape[0]), int(shape[1])


#: Inches per panel of a new ``patterns`` figure, and the room of a title above a panel.
_PANEL_INCHES, _TITLE_INCHES = 1.6, 0.28


def patterns(
    states: Any,
    shape: Any = None,
    ax: Any = None,
    titles: Any = None,
    columns: int | None = None,
):
    """Draw ±1 (or 0/1) patterns as a grid of small images, all on one Axes.

    Parameters
    ----------
    states : (N,) or (P, N) array-like
        One pattern or one pattern per row.  +1 (or 1) is drawn black, -1 (or 0) white.
    shape : (height, width), default None
        height * width == N.  The image shape; None: square, if N is a square number.
    ax : matplotlib Axes, default None
        Where to draw every panel; None draws on a new figure sized to the panels.
    titles : sequence of P strings, default None
        One title above each panel; None: no titles.
    columns : int, default None
        >= 1.  Panels per row; None: all in one row, up to 10.

    Returns
    -------
    matplotlib.axes.Axes (no ticks, no spines), holding one image per pattern
    (``ax.images[k]`` is pattern k, gid ``'pattern[k]'``) and the titles (``ax.texts``).

    >>> from annlib import datasets
    >>> ax = patterns(datasets.glyphs("AB", 16), (16, 16))  # doctest: +SKIP
    """
    states = as_float_array(states, "states", ndim=(1, 2))
    states = states.reshape(-1, states.shape[-1])
    count, units = states.shape
    height, width = _check_shape(shape, units)
    titles = check_labels(titles, count, "titles")
    columns = min(count, 10) if columns is None else check_int(columns, "columns", 1)
    rows = -(-count // columns)

    # Pixel (r, c) of panel k is centred on (x + c, y + r), y pointing down, like
    # imshow's own coordinates: a single untitled pattern sits exactly where
    # imshow would put it.  Panels are ``gap`` apart, with room for a title above.
    pixel = _PANEL_INCHES / width  # inches per pixel on a new figure
    gap = 0.12 * max(width, height) if count > 1 else 0.0
    title_room = _TITLE_INCHES / pixel if titles is not None else 0.0
    total_width = columns * (width + gap) - gap
    total_height = rows * (height + gap + title_room) - gap
    if ax is None:
        # The axes fill the figure, whose shape is that of the panels.
        _, ax = pyplot().subplots(
            figsize=(pixel * (total_width + gap / 2), pixel * (total_height + gap / 2)),
            gridspec_kw={"left": 0, "right": 1, "bottom": 0, "top": 1},
        )
    else:
        ax = axes_to_draw_on(ax)
    from matplotlib.patches import Rectangle

    low, high = float(states.min()), float(states.max())
    vmin = 0.0 if low >= 0 else min(low, -1.0)
    vmax = max(high, 1.0)
    for k in range(count):
        left = (k % columns) * (width + gap) - 0.5
        top = (k // columns) * (height + gap + title_room) + title_room - 0.5
        image = ax.imshow(
            states[k].reshape(height, width),
            cmap="gray_r",
            vmin=vmin,
            vmax=vmax,
            interpolation="nearest",
            extent=(left, left + width, top + height, top),
        )
        image.set_gid(f"pattern[{k}]")
        ax.add_patch(
            Rectangle((left, top), width, height, fill=False, edgecolor="grey", linewidth=0.8)
        )
        if titles is not None:
            ax.text(
                left + width / 2,
                top - 0.04 * width,
                titles[k],
                ha="center",
                va="bottom",
                fontsize="small",
            )
    margin = gap / 4  # keeps the outer frames inside the axes
    ax.set_xlim(-0.5 - margin, total_width - 0.5 + margin)
    ax.set_ylim(total_height - 0.5 + margin, -0.5 - margin)
    ax.set_aspect("equal")
    # No ticks and no spines (each panel has its frame), but the axes stay on,
    # so a caller may still label rows or columns with ticks of its own.
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    return ax


def energy(
    trace: Any,
    ax: Any = None,
    labels: Any = None,
    xlabel: str = "update",
    legend: str = "best",
):
    """Plot energy along recall: one line per trace.

    Parameters
    ----------
    trace : 1-D array-like, 2-D array (one trace per row) or a list of 1-D traces
        Energies in the order they were reached (e.g. ``recall(...).energy``).
    ax : matplotlib Axes, default None
        Where to draw; None draws on a new figure.
    labels : sequence of strings, default None
        One legend entry per trace; None: no legend.
    xlabel : str, default 'update'
        What one step on the x axis is ('update', 'sweep', ...).
    legend : {'best', 'outside', 'none'}, default 'best'
        Where the legend goes (with ``labels``): inside where it covers the fewest
        points, right of the axes, or nowhere.

    Returns
    -------
    matplotlib.axes.Axes; ``ax.lines[k]`` is trace k.
    """
    traces = as_curves(trace, "trace")
    labels = check_labels(labels, len(traces))
    legend = check_legend(legend)
    ax = axes_to_draw_on(ax)
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
        place_legend(ax, legend)
    return ax


def _capacity_lines(curves: Any, loads: Any) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(label, loads, fractions) per curve of ``capacity``'s ``curves`` argument."""
    if not isinstance(curves, Mapping) or not curves:
        raise TypeError(
            "curves: expected a non-empty mapping label -> (loads, fractions), "
            f"got {describe(curves)}"
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
    return lines


def capacity(
    curves: Any,
    ax: Any = None,
    loads: Any = None,
    critical_load: float | None = None,
    legend: str = "best",
    theory: Any = False,
    n_units: int | None = None,
):
    """Plot capacity curves: fraction of patterns recalled against the load, one line per rule.

    Parameters
    ----------
    curves : mapping label -> (loads, fractions), or label -> fractions with ``loads`` given
        For example ``{'hebbian': (loads, hebb), 'storkey': (loads, storkey)}``.
    ax : matplotlib Axes, default None
        Where to draw; None draws on a new figure.
    loads : 1-D array-like, default None
        The shared x values of curves given as fractions only.
    critical_load : float, default None
        A finite number.  Draws a dashed vertical line there (e.g. 0.138, the
        Hebbian limit P/N); None: no line.
    legend : {'best', 'outside', 'none'}, default 'best'
        Where the legend of the curves goes: inside where it covers the fewest
        points, right of the axes, or nowhere.
    theory : bool or sequence of labels, default False
        The theory beside the measurement: True draws every capacity of
        ``annlib.theory`` at ``n_units`` (with the Hebbian one-step estimate),
        a sequence picks some, exactly as ``memory_capacity`` (which then draws
        the whole figure, on a linear load axis); False draws none.
    n_units : int >= 2, default None
        The N the curves were measured at; needed with ``theory``.

    Returns
    -------
    matplotlib.axes.Axes; ``ax.lines`` holds one line per curve, in the
    mapping's order, then the critical-load line (gid ``'critical load'``).
    """
    if theory is not False:
        if n_units is None:
            raise TypeError(
                "n_units: expected the number of units the curves were measured at, "
                "as theory is drawn at that N; got None"
            )
        from .memories import memory_capacity

        ax = memory_capacity(
            curves, n_units, ax=ax, loads=loads, theory=theory, log_loads=False, legend=legend
        )
        if critical_load is not None:
            ax.axvline(
                check_float(critical_load, "critical_load"),
                color="grey",
                linestyle="--",
                linewidth=1,
                gid="critical load",
            )
        return ax
    lines = _capacity_lines(curves, loads)
    if critical_load is not None:
        critical_load = check_float(critical_load, "critical_load")
    legend = check_legend(legend)
    ax = axes_to_draw_on(ax)
    for label, x, y in lines:
        ax.plot(x, y, marker="o", markersize=3, label=label)
    if critical_load is not None:
        ax.axvline(critical_load, color="grey", linestyle="--", linewidth=1, gid="critical load")
    ax.set_xlabel("load P / N")
    ax.set_ylabel("fraction of patterns recalled")
    place_legend(ax, legend)
    return ax
