"""Model views: a 2-D classifier's decision regions, a network's weights.

Both need only this much of a model, so they work with ``annlib.MLP`` and with
any look-alike: ``model.predict(X)`` returning one label per row of an (n, 2)
array; ``model.layers``, the layer sizes such as ``(2, 8, 1)``; and
``model.weights``, a list whose entry ``l`` has shape ``(layers[l], layers[l + 1])``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._checks import as_float_array, check_float, check_int, describe
from ._common import (
    NEGATIVE_COLOR,
    POSITIVE_COLOR,
    ZERO_COLOR,
    axes_to_draw_on,
    check_legend,
    class_colors,
    place_legend,
)

# ---------------------------------------------------------------- decision_boundary


def _grid(X: np.ndarray, resolution: int, margin: float) -> tuple[np.ndarray, np.ndarray]:
    """The x and y coordinates of a square grid covering ``X`` plus ``margin`` on each side."""
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
    return xs, ys


def border_segments(index: np.ndarray, x_edges: np.ndarray, y_edges: np.ndarray) -> np.ndarray:
    """Line segments along every pixel edge between two different classes, each edge once.

    ``index[i, j]`` is the class of the pixel spanning ``x_edges[j:j+2]`` by
    ``y_edges[i:i+2]``.  Neighbouring pixels of the same column (or row) whose
    border runs on are joined into one segment, so the segments never overlap:
    every border is drawn once, at one width, whichever classes it separates.
    Returns an array of shape (segments, 2, 2) of ((x0, y0), (x1, y1)).
    """
    segments = []
    # Vertical borders: between columns j and j + 1, runs of rows i that differ.
    across = index[:, 1:] != index[:, :-1]  # (rows, columns - 1)
    for column in range(across.shape[1]):
        starts, ends = _true_runs(across[:, column])
        x = x_edges[column + 1]
        segments += [((x, y_edges[a]), (x, y_edges[b])) for a, b in zip(starts, ends)]
    # Horizontal borders: between rows i and i + 1, runs of columns j that differ.
    up = index[1:, :] != index[:-1, :]  # (rows - 1, columns)
    for row in range(up.shape[0]):
        starts, ends = _true_runs(up[row])
        y = y_edges[row + 1]
        segments += [((x_edges[a], y), (x_edges[b], y)) for a, b in zip(starts, ends)]
    return np.array(segments, dtype=float).reshape(-1, 2, 2)


def _true_runs(flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and ends (one past the last) of the runs of True in a 1-D boolean array."""
    change = np.diff(np.concatenate([[0], flags.astype(np.int8), [0]]))
    return np.flatnonzero(change == 1), np.flatnonzero(change == -1)


def _edges(centres: np.ndarray) -> np.ndarray:
    """Pixel edges around evenly spaced pixel centres."""
    step = centres[1] - centres[0]
    return np.concatenate([centres - step / 2, [centres[-1] + step / 2]])


def _predicted_classes(
    model: Any, xs: np.ndarray, ys: np.ndarray, y: Any, features: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """The sorted labels, and the index into them of ``model``'s class at every grid point.

    With ``features`` (crosses the model was trained on) the grid is crossed first.
    """
    grid_x, grid_y = np.meshgrid(xs, ys)
    grid = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    if features is not None:
        from .units import crossed_parts

        model, features = crossed_parts(model, features)
        grid = features.transform(grid)
    predicted = np.asarray(model.predict(grid))
    if predicted.ndim == 2 and predicted.shape[1] == 1:
        predicted = predicted[:, 0]
    if predicted.shape != (grid_x.size,):
        raise ValueError(
            f"model: expected predict() to return one label per grid point "
            f"({grid_x.size},), got {describe(predicted)}"
        )
    classes = np.unique(predicted if y is None else np.concatenate([predicted, y]))
    return classes, np.searchsorted(classes, predicted).reshape(grid_x.shape)


def _draw_samples(ax: Any, X: np.ndarray, y: Any, classes, colors, legend: str) -> None:
    """The samples, in black, or one scatter per class in its region's colour, with a legend."""
    if y is None:
        ax.scatter(X[:, 0], X[:, 1], color="k", s=12, gid="samples")
        return
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
                gid=f"class {label}",
            )
    place_legend(ax, legend, title="class")


def decision_boundary(
    model: Any,
    X: Any,
    y: Any = None,
    ax: Any = None,
    resolution: int = 200,
    margin: float = 0.1,
    alpha: float = 0.3,
    border_width: float = 1.0,
    legend: str = "best",
    xlabel: str = "$x_1$",
    ylabel: str = "$x_2$",
    features: Any = None,
):
    """Class regions of a 2-D classifier, the borders between them, and the samples on top.

    The model is asked once, ``model.predict(grid)``, for all
    ``resolution * resolution`` points of a grid covering ``X`` (plus
    ``margin`` of its extent on every side).  Each grid point is drawn as the
    pixel centred on it, and every border between two classes is drawn once,
    along the pixel edges, at ``border_width`` whichever classes it separates.

    Parameters
    ----------
    model : object with ``predict(X) -> labels``
        Called once with an (resolution², 2) float array; returns one label per row.
    X : (n, 2) array-like
        The samples to draw (e.g. unseen test samples); they also fix the grid.
    y : (n,) array-like, default None
        Their labels: samples are coloured like the region of their class; None draws them black.
    ax : matplotlib Axes, default None
        Where to draw; None draws on a new figure.
    resolution : int, default 200
        2 to 2000.  Grid points (pixels) per axis.
    margin : float, default 0.1
        >= 0.  Padding around the samples, as a fraction of their extent.
    alpha : float, default 0.3
        0 to 1.  Opacity of the class regions.
    border_width : float, default 1.0
        >= 0 (0: no borders).  Line width of the borders between classes, in points.
    legend : {'best', 'outside', 'none'}, default 'best'
        The class legend: inside where it covers the fewest samples, right of the axes, or none.
    xlabel : str, default '$x_1$'
        The label of the horizontal axis (the first input).
    ylabel : str, default '$x_2$'
        The label of the vertical axis (the second input).
    features : transformer or list of feature names, default None
        The crosses a model was trained on (``annlib.features``): the grid is
        crossed before ``predict``, so the picture stays in the raw plane.  A
        ``CrossedModel`` needs none (its ``predict`` takes raw inputs).

    Returns
    -------
    matplotlib.axes.Axes, holding (found by their ``gid``): the image ``'regions'``
    (``ax.images[0]``; its array is the class index of every grid point, an index
    into the sorted labels), the LineCollection ``'borders'`` and one scatter
    ``'class <label>'`` per class present in ``y`` (or ``'samples'`` without ``y``).
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
    border_width = check_float(border_width, "border_width", 0.0)
    legend = check_legend(legend)

    xs, ys = _grid(X, resolution, margin)
    classes, index = _predicted_classes(model, xs, ys, y, features)

    from matplotlib.collections import LineCollection
    from matplotlib.colors import ListedColormap

    colors = class_colors(len(classes))
    ax = axes_to_draw_on(ax)
    x_edges, y_edges = _edges(xs), _edges(ys)
    box = (x_edges[0], x_edges[-1], y_edges[0], y_edges[-1])
    regions = ax.imshow(
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
    regions.set_gid("regions")
    borders = LineCollection(
        border_segments(index, x_edges, y_edges), colors="k", linewidths=border_width
    )
    borders.set_gid("borders")
    ax.add_collection(borders)
    _draw_samples(ax, X, y, classes, colors, legend)
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


# ---------------------------------------------------------------- architecture


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
            f"model.weights: expected {len(layers) - 1} arrays for layers {layers}, "
            f"got {len(weights)}"
        )
    checked = []
    for k, matrix in enumerate(weights):
        matrix = as_float_array(matrix, f"model.weights[{k}]", ndim=2, finite=False)
        if matrix.shape != (layers[k], layers[k + 1]):
            raise ValueError(
                f"model.weights[{k}]: expected shape {(layers[k], layers[k + 1])}, "
                f"got {matrix.shape}"
            )
        checked.append(matrix)
    return layers, checked


def _checked_updates(weight_updates: Any, weights: list[np.ndarray]) -> list[np.ndarray]:
    if isinstance(weight_updates, np.ndarray) or not isinstance(weight_updates, Sequence):
        raise TypeError(
            f"weight_updates: expected a list of {len(weights)} arrays like model.weights, "
            f"got {describe(weight_updates)}"
        )
    if len(weight_updates) != len(weights):
        raise ValueError(
            f"weight_updates: expected {len(weights)} arrays (one per weight layer), "
            f"got {len(weight_updates)}"
        )
    shown = []
    for k, update in enumerate(weight_updates):
        update = as_float_array(update, f"weight_updates[{k}]", ndim=2)
        if update.shape != weights[k].shape:
            raise ValueError(
                f"weight_updates[{k}]: expected shape {weights[k].shape} like "
                f"model.weights[{k}], got {update.shape}"
            )
        shown.append(update)
    return shown


def unit_heights(size: int) -> np.ndarray:
    """Heights of the units of a layer: spread over [0, 1], unit 0 on top."""
    return 1.0 - (np.arange(size) + 0.5) / size


# Data coordinates of the picture: layer l is the column x = l, units span y in [0, 1].
_BOTTOM, _TOP = -0.09, 1.04
_MATRIX_PAD = 0.12  # gap between a node column and a weight matrix, in layer spacings
_BAR_WIDTH = 0.06


def _edge_collection(heights: list[np.ndarray], k: int, values: np.ndarray, widths: np.ndarray):
    from matplotlib.collections import LineCollection
    from matplotlib.colors import to_rgba

    start = np.broadcast_to(heights[k][:, None], values.shape).ravel()
    end = np.broadcast_to(heights[k + 1][None, :], values.shape).ravel()
    segments = np.stack(
        [
            np.column_stack([np.full_like(start, k), start]),
            np.column_stack([np.full_like(end, k + 1), end]),
        ],
        axis=1,
    )
    palette = np.array([to_rgba(NEGATIVE_COLOR), to_rgba(ZERO_COLOR), to_rgba(POSITIVE_COLOR)])
    colors = palette[np.sign(values).astype(int).ravel() + 1]
    edges = LineCollection(segments, colors=colors, linewidths=widths.ravel(), alpha=0.8, zorder=1)
    edges.set_gid(f"weights[{k}]")
    return edges


def _matrix_image(ax: Any, k: int, values: np.ndarray, largest: float):
    """``values`` (rows: units of layer k, columns: units of layer k + 1) between columns k, k+1."""
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.patches import Rectangle

    cmap = LinearSegmentedColormap.from_list(
        "annlib_signs", [NEGATIVE_COLOR, "white", POSITIVE_COLOR]
    )
    left, right = k + _MATRIX_PAD, k + 1 - _MATRIX_PAD
    image = ax.imshow(
        values,
        cmap=cmap,
        vmin=-largest,
        vmax=largest,
        extent=(left, right, 0.0, 1.0),
        origin="upper",
        aspect="auto",
        # One cell per weight while cells are a pixel or more; averaged when they are smaller.
        interpolation="nearest" if max(values.shape) <= 400 else "antialiased",
        zorder=1,
    )
    image.set_gid(f"weights[{k}]")
    frame = Rectangle(
        (left, 0.0), right - left, 1.0, fill=False, edgecolor="grey", linewidth=0.6, zorder=2
    )
    ax.add_patch(frame)
    ax.text(
        (left + right) / 2,
        -0.015,
        f"{values.shape[0]} \u00d7 {values.shape[1]}",
        ha="center",
        va="top",
        fontsize="x-small",
        color="grey",
    )
    return image


def _default_node_size(ax: Any, widest: int, layers: int) -> float:
    """Marker area (points²) that keeps the circles apart, and clear of the weight matrices."""
    points = 72.0 / ax.figure.dpi
    across = ax.bbox.height * points / (_TOP - _BOTTOM) / widest  # between two units
    along = ax.bbox.width * points / layers  # between two layers
    return float(min(0.6 * across, 1.4 * _MATRIX_PAD * along, 14.0) ** 2)


def architecture(
    model: Any,
    weight_updates: Any = None,
    ax: Any = None,
    max_linewidth: float = 3.0,
    node_size: float | None = None,
    scale: float | None = None,
    max_nodes: int = 32,
    max_edges: int = 64,
):
    """Draw the network: one column per layer, its weights as edges or, when wide, as a matrix.

    Colour shows a sign and width or colour strength a magnitude (relative to
    ``scale``): of ``weight_updates`` when given (green: the weight grew, red:
    it shrank, grey or white: unchanged), else of the weights themselves (green
    positive, red negative).  A layer of up to ``max_nodes`` units is a column
    of circles, a wider one a bar.  The weights between two layers are one edge
    per weight when both are circles and there are at most ``max_edges`` of
    them; otherwise they are a heat map between the two columns, row ``i``
    level with unit ``i`` of the left layer, column ``j`` the unit ``j`` of the
    right layer, labelled with its shape.  So the picture stays readable from
    (2, 4, 1) to (784, 300, 10): nodes never overlap and no hairball of edges.

    Parameters
    ----------
    model : object with ``layers`` and ``weights``
        ``layers`` are the sizes (e.g. (2, 8, 1)); ``weights[k]`` has shape
        ``(layers[k], layers[k + 1])``.
    weight_updates : list of arrays shaped like ``model.weights``, default None
        The change of every weight (e.g. over the last epochs); None shows the weights.
    ax : matplotlib Axes, default None
        Where to draw; None draws on a new figure.
    max_linewidth : float, default 3.0
        > 0.  Width in points of an edge of magnitude ``scale`` (thinnest: 0.2).
    node_size : float, default None
        >= 0.  Marker area (points²) of the circles; None sizes them to the axes
        so that the widest circle column does not overlap.
    scale : float, default None
        > 0.  The magnitude drawn widest (edges) or strongest (matrices); larger
        ones are drawn like it.  None: the largest magnitude shown.  Give one
        scale to several pictures (e.g. the frames of an animation) to compare them.
    max_nodes : int, default 32
        >= 1.  Widest layer drawn as circles; wider layers are bars.
    max_edges : int, default 64
        >= 0.  Most weights between two layers drawn as edges; more are a matrix.

    Returns
    -------
    matplotlib.axes.Axes, holding (found by their ``gid``) for every layer ``l``
    the scatter (circles) or Rectangle (bar) ``'layer[l]'``, and for every weight
    layer ``k`` either the LineCollection ``'weights[k]'`` with one segment per
    weight (``weights[k][i, j]`` in row-major order) or the image ``'weights[k]'``
    whose array is the matrix shown.
    """
    layers, weights = _model_weights(model)
    shown = weights if weight_updates is None else _checked_updates(weight_updates, weights)
    max_linewidth = check_float(max_linewidth, "max_linewidth", 0.0, exclusive_minimum=True)
    if node_size is not None:
        node_size = check_float(node_size, "node_size", 0.0)
    if scale is not None:
        scale = check_float(scale, "scale", 0.0, exclusive_minimum=True)
    max_nodes = check_int(max_nodes, "max_nodes", 1)
    max_edges = check_int(max_edges, "max_edges", 0)

    finite = [np.where(np.isfinite(values), values, 0.0) for values in shown]
    largest = max(float(np.abs(values).max()) for values in finite) if scale is None else scale
    largest = largest if largest > 0 else 1.0
    circles = [size <= max_nodes for size in layers]
    heights = [unit_heights(size) for size in layers]

    ax = axes_to_draw_on(ax)
    for k, values in enumerate(finite):
        if circles[k] and circles[k + 1] and values.size <= max_edges:
            widths = 0.2 + (max_linewidth - 0.2) * np.minimum(np.abs(values) / largest, 1.0)
            ax.add_collection(_edge_collection(heights, k, values, widths))
        else:
            _matrix_image(ax, k, values, largest)
    _draw_units(ax, layers, circles, heights, node_size)
    names = ["input"] + [f"hidden {k}" for k in range(1, len(layers) - 1)] + ["output"]
    ax.set_xticks(range(len(layers)), [f"{name}\n({size})" for name, size in zip(names, layers)])
    ax.set_yticks([])
    ax.set_xlim(-0.5, len(layers) - 0.5)
    ax.set_ylim(_BOTTOM, _TOP)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    return ax


def _draw_units(ax: Any, layers: tuple, circles: list, heights: list, node_size: Any) -> None:
    from matplotlib.patches import Rectangle

    widest = max([size for size, circle in zip(layers, circles) if circle], default=1)
    size = _default_node_size(ax, widest, len(layers)) if node_size is None else node_size
    for layer, (units, circle) in enumerate(zip(layers, circles)):
        if circle:
            ax.scatter(
                np.full(units, layer, dtype=float),
                heights[layer],
                s=size,
                facecolors="white",
                edgecolors="k",
                linewidths=1.0,
                zorder=3,
                gid=f"layer[{layer}]",
            )
        else:
            bar = Rectangle(
                (layer - _BAR_WIDTH / 2, 0.0),
                _BAR_WIDTH,
                1.0,
                facecolor="white",
                edgecolor="k",
                linewidth=1.0,
                zorder=3,
            )
            bar.set_gid(f"layer[{layer}]")
            ax.add_patch(bar)
