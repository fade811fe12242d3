"""What every view shares: the axes to draw on, class colours, argument checks."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._checks import as_float_array, check_choice, describe

#: Colours of ``architecture``: positive and negative (updates or weights), and zero.
POSITIVE_COLOR = "tab:green"
NEGATIVE_COLOR = "tab:red"
ZERO_COLOR = "lightgrey"


def pyplot():
    import matplotlib.pyplot as plt

    return plt


def axes_to_draw_on(ax: Any):
    """The axes to draw on: ``ax`` itself (checked), or one on a new figure."""
    if ax is None:
        _, ax = pyplot().subplots()
        return ax
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(f"ax: expected a matplotlib Axes or None, got {describe(ax)}")
    return ax


def class_colors(count: int) -> list:
    """``count`` distinguishable colours (tab10, then tab20, then a sampled colour wheel)."""
    from matplotlib import colormaps

    if count <= 10:
        return [colormaps["tab10"](k) for k in range(count)]
    if count <= 20:
        return [colormaps["tab20"](k) for k in range(count)]
    return [colormaps["hsv"](k / count) for k in range(count)]


def check_labels(labels: Any, count: int, name: str = "labels") -> list[str] | None:
    if labels is None:
        return None
    if isinstance(labels, str) or not isinstance(labels, Sequence):
        raise TypeError(
            f"{name}: expected a list of {count} strings or None, got {describe(labels)}"
        )
    if len(labels) != count:
        raise ValueError(f"{name}: expected {count} entries (one per curve), got {len(labels)}")
    return [str(label) for label in labels]


def as_curves(value: Any, name: str) -> list[np.ndarray]:
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


#: Where a view puts its legend: ``'best'`` inside the axes where it covers the
#: fewest samples and curve points (matplotlib's choice, made when drawn),
#: ``'outside'`` to the right of the axes (it never covers data), ``'none'``: no legend.
LEGEND_PLACES = ("best", "outside", "none")


def check_legend(legend: Any) -> str:
    return check_choice(legend, "legend", LEGEND_PLACES)


def place_legend(ax: Any, legend: str, title: str | None = None) -> None:
    """Draw the legend of ``ax`` where ``legend`` says (a checked ``LEGEND_PLACES`` entry)."""
    if legend == "none":
        return
    if legend == "outside":
        ax.legend(
            loc="upper left",
            bbox_to_anchor=(1.02, 1.0),
            borderaxespad=0.0,
            title=title,
            fontsize="small",
        )
    else:
        ax.legend(loc="best", title=title, fontsize="small")
