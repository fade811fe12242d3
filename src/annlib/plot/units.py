"""Inside the network: every unit's map over the input plane, activations and gradients per layer."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._checks import as_float_array, check_int, describe
from ._common import NEGATIVE_COLOR, POSITIVE_COLOR, axes_to_draw_on, class_colors, pyplot

#: Colour map of the unit maps and weight images: negative pink, zero white, positive
#: green (the signs' colours of ``architecture``), on a scale symmetric about zero.
UNIT_CMAP = "PiYG"


def crossed_parts(model: Any, features: Any = None) -> tuple[Any, Any]:
    """``(network, features)``: the model that sees the features, and the raw -> features map.

    A model trained on crossed features tells so by carrying them
    (``annlib.features.CrossedModel``: ``.features`` and ``.model``), or the
    caller gives ``features`` (a fitted transformer or a list of feature names
    of two inputs).  Without either, ``features`` is None: the inputs are raw.
    """
    network = model
    if features is None:
        carried = getattr(model, "features", None)
        if not (callable(getattr(carried, "transform", None)) and hasattr(model, "model")):
            return model, None
        network, features = model.model, carried
    elif not callable(getattr(features, "transform", None)):
        from ..features import Crosses

        features = Crosses(features)
    if not hasattr(features, "n_features_in_"):  # not fitted yet: the plane has two inputs
        features.fit(np.zeros((1, 2)))
    return getattr(network, "model", network), features


def _layers(network: Any) -> tuple[int, ...]:
    layers = getattr(network, "layers", None)
    if layers is None or not callable(getattr(network, "forward", None)):
        raise TypeError(
            f"model: expected an annlib.MLP (an object with layers and forward), got {describe(network)}"
        )
    return tuple(int(size) for size in layers)


def _extent(X: np.ndarray | None, extent: Any, margin: float = 0.1) -> tuple[float, ...]:
    if extent is not None:
        box = as_float_array(extent, "extent", ndim=1)
        if box.shape != (4,) or not (box[0] < box[1] and box[2] < box[3]):
            raise ValueError(
                f"extent: expected (xmin, xmax, ymin, ymax) with xmin < xmax and ymin < ymax, "
                f"got {describe(extent)}"
            )
        return tuple(float(v) for v in box)
    if X is None:
        return (-1.0, 1.0, -1.0, 1.0)
    low, high = X.min(axis=0), X.max(axis=0)
    pad = np.where(high > low, margin * (high - low), 0.5)
    return (low[0] - pad[0], high[0] + pad[0], low[1] - pad[1], high[1] + pad[1])


def plane_grid(box: tuple[float, ...], resolution: int) -> np.ndarray:
    """The (resolution², 2) points of a grid over ``box``, row by row from the bottom."""
    xs = np.linspace(box[0], box[1], resolution)
    ys = np.linspace(box[2], box[3], resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    return np.column_stack([grid_x.ravel(), grid_y.ravel()])


def layer_names(layers: tuple[int, ...]) -> list[str]:
    """``['input', 'hidden 1', ..., 'output']``: the names ``architecture`` uses."""
    return ["input"] + [f"hidden {k}" for k in range(1, len(layers) - 1)] + ["output"]


def color_limits(kind: str, A: np.ndarray) -> tuple[float, float]:
    """A layer's colour scale: probabilities (sigmoid, softmax) from 0 to 1, white at 1/2;
    anything else symmetric about zero up to the layer's largest |activation|."""
    if kind in ("sigmoid", "softmax"):
        return 0.0, 1.0
    scale = float(np.max(np.abs(A))) if A.size else 0.0
    scale = scale if np.isfinite(scale) and scale > 0 else 1.0
    return -scale, scale


def activation_kinds(network: Any, layers: tuple) -> list[str]:
    """The activation of every layer: 'input', each hidden layer's, the output's."""
    params = network.get_params() if callable(getattr(network, "get_params", None)) else {}
    hidden = params.get("activation", "unknown")
    hidden = [hidden] * (len(layers) - 2) if isinstance(hidden, str) else list(hidden)
    return ["input", *hidden, params.get("output_activation", "unknown")]


def _tile(ax: Any, values: np.ndarray, x: float, y: float, limits: tuple, gid: str):
    """One unit's picture as a 1 × 1 tile whose top-left corner is (x, y) (y pointing down)."""
    image = ax.imshow(
        values,
        cmap=UNIT_CMAP,
        vmin=limits[0],
        vmax=limits[1],
        origin="lower",
        interpolation="nearest",
        extent=(x, x + 1.0, y + 1.0, y),
    )
    image.set_gid(gid)
    from matplotlib.patches import Rectangle

    ax.add_patch(Rectangle((x, y), 1.0, 1.0, fill=False, edgecolor="grey", linewidth=0.5))
    return image


def unit_maps(
    model: Any,
    X: Any = None,
    y: Any = None,
    extent: Any = None,
    ax: Any = None,
    resolution: int = 40,
    features: Any = None,
    image_shape: Any = None,
):
    """What every unit computes: one small heat map per unit, laid out by layer.

    For a network on two inputs (x1, x2), each hidden unit of every layer and
    each output gets a tile showing its activation over the input plane, from
    one batched ``forward`` over a ``resolution`` × ``resolution`` grid.  Column
    ``l`` holds layer ``l`` (like ``architecture``); colours are pink below
    zero, white at zero, green above, on one scale per layer (its largest
    |activation| on the grid), so the units of a layer compare at a glance;
    sigmoid and softmax units go from pink at 0 through white at 1/2 to green at 1.
    The samples ``X`` are drawn on every tile, coloured by ``y``.

    A model trained on crossed features (``annlib.features.CrossedModel``, or
    ``features=``) is still drawn over the raw plane: the grid is crossed
    first, and a first column shows each feature (x1², sin(x2), ...) as a map.

    For wider inputs there is no plane to draw over: the first layer's weights
    are shown instead, as one image per hidden unit (its receptive field) when
    the input is an image (``image_shape``, or a square number of inputs >= 16
    such as 8 × 8 digits), else as one inputs × units matrix.

    Parameters
    ----------
    model : annlib.MLP or annlib.features.CrossedModel
        The network (``layers``, ``forward``, ``weights``); a CrossedModel draws in its raw plane.
    X : (n, 2) array-like, default None
        Samples to draw on every tile; they also fix the plane (plus 10 % margin).
    y : (n,) array-like, default None
        Their labels, which colour them; None draws them black.
    extent : (xmin, xmax, ymin, ymax), default None
        The plane; None: from X, else (-1, 1, -1, 1).
    ax : matplotlib Axes, default None
        Where to draw every tile; None draws on a new figure sized to the layers.
    resolution : int, default 40
        2 to 500.  Grid points per axis.
    features : transformer or list of feature names, default None
        The crosses a bare network was trained on (a CrossedModel carries its own).
    image_shape : (height, width), default None
        Wider inputs only: the input image's shape; None: square if the inputs
        are a square number >= 16, else the weights are drawn as a matrix.

    Returns
    -------
    matplotlib.axes.Axes (axis lines hidden).  Two-dimensional inputs: the image
    of unit ``j`` of layer ``l`` has gid ``'unit[l][j]'`` (layer 0: the crossed
    features), its values in ``get_array()``.  Wider inputs: ``'unit[1][j]'`` per
    hidden unit (images) or one image ``'weights[0]'`` (the matrix).

    >>> ax = unit_maps(net, X, y)  # doctest: +SKIP
    """
    network, features = crossed_parts(model, features)
    layers = _layers(network)
    raw_inputs = layers[0] if features is None else getattr(features, "n_features_in_", 2)
    resolution = check_int(resolution, "resolution", 2, 500)
    if raw_inputs != 2:
        if X is not None or y is not None or extent is not None:
            raise ValueError(
                f"X, y, extent: only used for models on two inputs; this one has {raw_inputs}"
            )
        return _first_layer_weights(network, layers, ax, image_shape)
    if image_shape is not None:
        raise ValueError("image_shape: only used for models on more than two inputs")
    if X is not None:
        X = as_float_array(X, "X", ndim=2, columns=2)
    if y is not None:
        y = np.asarray(y).reshape(-1) if np.ndim(y) == 2 and np.shape(y)[1] == 1 else np.asarray(y)
        if X is None or y.shape != (len(X),):
            raise ValueError(f"y: expected one label per row of X, got {describe(y)}")
    box = _extent(X, extent)
    grid = plane_grid(box, resolution)
    maps = network.forward(grid if features is None else features.transform(grid))
    first = 0 if features is not None else 1
    kinds = activation_kinds(network, layers)
    shown = list(range(first, len(maps)))
    names = layer_names(layers)
    feature_names = (
        list(features.get_feature_names_out()) if features is not None and first == 0 else None
    )

    tallest = max(maps[layer].shape[1] for layer in shown)
    gap = 0.25
    ax = _unit_axes(ax, len(shown), tallest)
    samples = None
    if X is not None:
        inside = (
            (X[:, 0] >= box[0]) & (X[:, 0] <= box[1]) & (X[:, 1] >= box[2]) & (X[:, 1] <= box[3])
        )
        u = (X[inside, 0] - box[0]) / (box[1] - box[0])
        v = 1.0 - (X[inside, 1] - box[2]) / (box[3] - box[2])
        if y is None:
            colors = "k"
        else:
            classes, index = np.unique(y[inside], return_inverse=True)
            palette = class_colors(len(np.unique(y)))
            all_classes = list(np.unique(y))
            colors = [palette[all_classes.index(c)] for c in classes[index]]
        samples = (u, v, colors)
    for column, layer in enumerate(shown):
        A = maps[layer]
        units = A.shape[1]
        limits = color_limits(kinds[layer], A)
        x = column * (1.0 + gap * 2)
        top = (tallest - units) * (1.0 + gap) / 2.0
        for j in range(units):
            yy = top + j * (1.0 + gap) + gap
            picture = A[:, j].reshape(resolution, resolution)
            _tile(ax, picture, x, yy, limits, f"unit[{layer}][{j}]")
            if samples is not None:
                u, v, colors = samples
                ax.scatter(
                    x + u,
                    yy + v,
                    c=colors,
                    s=3,
                    linewidths=0.2,
                    edgecolors="k",
                    gid=f"samples[{layer}][{j}]",
                )
            if feature_names is not None and layer == 0:
                ax.text(x + 0.5, yy - 0.03, feature_names[j], ha="center", va="bottom", fontsize=7)
        label = "features" if layer == 0 else names[layer]
        ax.text(x + 0.5, -0.05, f"{label}\n({units})", ha="center", va="bottom", fontsize=8)
    ax.set_xlim(-gap, (len(shown) - 1) * (1.0 + 2 * gap) + 1.0 + gap)
    ax.set_ylim(tallest * (1.0 + gap) + gap, -0.5)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return ax


def _unit_axes(ax: Any, columns: int, rows: int):
    if ax is not None:
        return axes_to_draw_on(ax)
    inches = 0.9
    _, ax = pyplot().subplots(
        figsize=(max(2.0, inches * 1.5 * columns), max(2.0, inches * 1.25 * rows + 0.5)),
        gridspec_kw={"left": 0.02, "right": 0.98, "bottom": 0.02, "top": 0.98},
    )
    return ax


def _first_layer_weights(network: Any, layers: tuple, ax: Any, image_shape: Any):
    W = np.asarray(network.weights[0], dtype=float)  # (inputs, units)
    n_inputs, units = W.shape
    if image_shape is None:
        side = math.isqrt(n_inputs)
        image_shape = (side, side) if side * side == n_inputs and n_inputs >= 16 else None
    else:
        if (
            not isinstance(image_shape, (tuple, list))
            or len(image_shape) != 2
            or int(image_shape[0]) * int(image_shape[1]) != n_inputs
        ):
            raise ValueError(
                f"image_shape: expected (height, width) with height * width == {n_inputs} inputs, "
                f"got {describe(image_shape)}"
            )
        image_shape = (int(image_shape[0]), int(image_shape[1]))
    largest = float(np.max(np.abs(W))) or 1.0
    if image_shape is None:
        ax = axes_to_draw_on(ax)
        image = ax.imshow(W, cmap=UNIT_CMAP, vmin=-largest, vmax=largest, aspect="auto")
        image.set_gid("weights[0]")
        ax.set_xlabel(f"{layer_names(layers)[1]} unit")
        ax.set_ylabel("input")
        ax.figure.colorbar(image, ax=ax, label="weight")
        return ax
    height, width = image_shape
    columns = min(units, 8)
    rows = -(-units // columns)
    ax = _unit_axes(ax, columns, rows) if ax is None else axes_to_draw_on(ax)
    gap = 0.15
    for j in range(units):
        x = (j % columns) * (1 + gap)
        yy = (j // columns) * (1 + gap)
        image = ax.imshow(
            W[:, j].reshape(height, width),
            cmap=UNIT_CMAP,
            vmin=-largest,
            vmax=largest,
            interpolation="nearest",
            extent=(x, x + 1.0, yy + 1.0, yy),
        )
        image.set_gid(f"unit[1][{j}]")
    ax.set_xlim(-gap, columns * (1 + gap))
    ax.set_ylim(rows * (1 + gap), -gap)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(f"first-layer weights of each {layer_names(layers)[1]} unit", fontsize="medium")
    return ax


# ---------------------------------------------------------------- activations

#: Output ranges of the bounded activations: saturation is being within 2 % of an end.
_BOUNDED = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "bipolar_sigmoid": (-1.0, 1.0)}
_SATURATED = 0.02


def layer_summary(activation: str, A: np.ndarray) -> str:
    """One sentence on a layer's activations ``A`` (samples × units): saturation or dead units."""
    units = A.shape[1]
    if activation in _BOUNDED:
        low, high = _BOUNDED[activation]
        relative = (A - low) / (high - low)
        share = float(np.mean((relative < _SATURATED) | (relative > 1 - _SATURATED)))
        return f"{100 * share:.0f} % of activations saturated (within 2 % of {low:g} or {high:g})"
    if activation in ("relu", "leaky_relu"):
        dead = int(np.sum(np.all(A <= 0, axis=0)))
        return f"{dead} of {units} units dead ({100 * dead / units:.0f} %: never positive here)"
    return f"activations from {A.min():.3g} to {A.max():.3g}"


def activations(model: Any, X: Any, ax: Any = None, bins: int = 40):
    """A histogram of each layer's activations on ``X``, one row per layer, with a verdict.

    Bounded activations (sigmoid, tanh, bipolar_sigmoid) report the share of
    activations within 2 % of the ends of their range (saturated: their
    derivative is nearly zero, so little gradient passes); ReLUs report the
    units that are never positive on ``X`` (dead: they pass no gradient at all).
    Each verdict is written next to its row and printed.

    Parameters
    ----------
    model : annlib.MLP or annlib.features.CrossedModel
        The network (``forward``, ``get_params``); a CrossedModel takes raw X.
    X : (n, inputs) array-like
        The samples whose activations are counted.
    ax : matplotlib Axes, default None
        Where to draw; None draws on a new figure.
    bins : int, default 40
        2 to 1000.  Histogram bins per layer, over the range of all layers' activations.

    Returns
    -------
    matplotlib.axes.Axes; row ``l`` (y from l - 1 to l - 0.1, top down) is layer
    ``l``'s histogram, a patch of gid ``'layer[l]'`` whose heights are the bin
    counts over the largest; its verdict is the text of gid ``'summary[l]'``.
    """
    network, _ = crossed_parts(model)
    layers = _layers(network)
    bins = check_int(bins, "bins", 2, 1000)
    A = model.forward(X)
    names = layer_names(layers)
    kinds = activation_kinds(network, layers)[1:]
    low = min(float(a.min()) for a in A[1:])
    high = max(float(a.max()) for a in A[1:])
    if not high > low:
        high = low + 1.0
    edges = np.linspace(low, high, bins + 1)
    ax = axes_to_draw_on(ax)
    for layer in range(1, len(A)):
        counts, _ = np.histogram(A[layer], edges)
        heights = counts / max(int(counts.max()), 1) * 0.85
        base = len(A) - 1 - layer
        patch = ax.stairs(heights + base, edges, baseline=base, fill=True, alpha=0.7)
        patch.set_gid(f"layer[{layer}]")
        kind = kinds[layer - 1]
        text = f"{names[layer]} ({kind}, {layers[layer]}): {layer_summary(kind, A[layer])}"
        print(text)
        ax.text(
            high, base + 0.88, text, ha="right", va="bottom", fontsize=7, gid=f"summary[{layer}]"
        )
    ax.set_yticks(np.arange(len(A) - 1)[::-1] + 0.4, names[1:])
    ax.set_ylim(-0.05, len(A) - 1 + 0.15)
    ax.set_xlabel("activation")
    ax.set_title(f"activations on {len(A[0])} samples", fontsize="medium")
    return ax


# ---------------------------------------------------------------- gradients


def gradients(model: Any, X: Any, y: Any, ax: Any = None):
    """Per-layer gradient magnitudes: the mean |∂loss/∂W| of each weight layer, on a log scale.

    Vanishing gradients show as bars that shrink by orders of magnitude
    towards the input (a deep sigmoid net); exploding ones as the reverse.
    One ``model.backward(X, y)``; the model is not changed.  Every weight's
    |gradient| is drawn as a dot over its layer's bar.

    Parameters
    ----------
    model : annlib.MLP or annlib.features.CrossedModel
        The network (``backward``, ``layers``).
    X : (n, inputs) array-like
        Samples, as for ``model.backward``.
    y : array-like
        Their targets, as for ``model.backward``.
    ax : matplotlib Axes, default None
        Where to draw; None draws on a new figure.

    Returns
    -------
    matplotlib.axes.Axes; bar ``k`` (``ax.patches[k]``, gid ``'weights[k]'``) is
    weight layer k's mean |dW|, its dots the collection of gid ``'gradients[k]'``.
    """
    if not callable(getattr(model, "backward", None)):
        raise TypeError(f"model: expected an object with backward(X, y), got {describe(model)}")
    pairs = model.backward(X, y)
    magnitudes = [np.abs(np.asarray(dW, dtype=float)).ravel() for dW, _ in pairs]
    means = [float(m.mean()) for m in magnitudes]
    ax = axes_to_draw_on(ax)
    floor = min([m[m > 0].min() for m in magnitudes if np.any(m > 0)], default=1e-300)
    for k, (m, mean) in enumerate(zip(magnitudes, means)):
        bar = ax.bar(k, max(mean, floor), width=0.6, color=POSITIVE_COLOR, alpha=0.5)[0]
        bar.set_gid(f"weights[{k}]")
        jitter = np.random.default_rng(k).uniform(-0.2, 0.2, m.size)
        ax.scatter(
            k + jitter, np.maximum(m, floor), s=4, color=NEGATIVE_COLOR, gid=f"gradients[{k}]"
        )
        ax.text(k, max(mean, floor), f"{mean:.1e}", ha="center", va="bottom", fontsize=7)
    ax.set_yscale("log")
    layers = _layers(crossed_parts(model)[0])
    names = layer_names(layers)
    ax.set_xticks(range(len(pairs)), [f"{names[k]}→\n{names[k + 1]}" for k in range(len(pairs))])
    ax.set_ylabel("|∂loss/∂w| (bar: layer mean)")
    ax.set_title("gradient magnitude per weight layer", fontsize="medium")
    return ax
