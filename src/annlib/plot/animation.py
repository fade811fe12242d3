"""Training animations: a GIF of one view of a model, drawn while the engine trains it."""

from __future__ import annotations

import numbers
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._checks import (
    ENGINE_INT_MAX,
    as_float_array,
    check_choice,
    check_float,
    check_int,
    describe,
    replaced_atomically,
)
from .model import _model_weights, architecture, decision_boundary


class DecisionBoundaryView:
    """The class regions over the samples (``decision_boundary``); needs a classifier on 2-D inputs."""

    inputs = 2  # columns X must have (None: any)
    figsize = (5.0, 4.6)

    def __init__(self, model: Any, X: np.ndarray, y: Any, image_shape: Any, resolution: int):
        self.X, self.y, self.resolution = X, y, resolution
        self.panels = 1

    def draw(self, axes: list, model: Any, epoch: int, title: str) -> None:
        if getattr(model, "is_classifier", True) is False:
            raise ValueError(
                "view: 'decision_boundary' needs a classifier (class labels y and a softmax or "
                "single sigmoid/tanh output), but the model is a regressor"
            )
        decision_boundary(model, self.X, self.y, ax=axes[0], resolution=self.resolution)
        axes[0].set_title(title)


class ArchitectureView:
    """The network (``architecture``) with the weight updates since the previous frame.

    The first frame shows the updates since training started.  Green weights
    grew, red ones shrank; widths and colour strengths are on one scale for all
    frames (the first frame's largest update is the strongest), so updates
    visibly shrink as training settles.  The updates are differences of weight
    snapshots taken in the callback.
    """

    inputs = None
    figsize = (6.4, 4.4)

    def __init__(self, model: Any, X: np.ndarray, y: Any, image_shape: Any, resolution: int):
        self.previous = _model_weights(model)[1]
        self.last_epoch = 0  # epoch of the previous frame
        self.scale = None  # the magnitude drawn strongest, fixed by the first frame
        self.panels = 1

    def draw(self, axes: list, model: Any, epoch: int, title: str) -> None:
        current = _model_weights(model)[1]
        updates = [now - before for now, before in zip(current, self.previous)]
        self.previous = current
        if self.scale is None:
            largest = max(float(np.abs(u).max()) for u in updates)
            self.scale = largest if np.isfinite(largest) and largest > 0 else None
        architecture(model, weight_updates=updates, ax=axes[0], scale=self.scale)
        axes[0].set_title(
            f"{title}\nweight updates over epochs {self.last_epoch + 1}-{epoch} "
            "(green +, red \u2212)",
            fontsize="medium",
        )
        self.last_epoch = epoch


class ImageView:
    """The image of an (x, y) -> intensity network over ``datasets.xy_grid(*image_shape)``.

    Beside the target ``y`` when ``y`` holds one value per pixel.  Grey images
    use a fixed colour scale (the range of ``y``), so frames are comparable;
    three outputs are drawn as RGB clipped to [0, 1].
    """

    inputs = 2
    figsize = None  # 3.2 inches wide per panel

    def __init__(self, model: Any, X: np.ndarray, y: Any, image_shape: Any, resolution: int):
        from .. import datasets

        self.height, self.width = image_shape
        self.grid = datasets.xy_grid(self.height, self.width)
        values = np.asarray(y)
        self.target = self.low = self.high = None
        if (
            values.dtype.kind in "biuf"
            and values.ndim in (1, 2)
            and len(values) == self.height * self.width
        ):
            self.target = datasets.xy_to_image(values, self.height, self.width)
            self.low, self.high = float(values.min()), float(values.max())
        self.panels = 2 if self.target is not None else 1
        self.figsize = (3.2 * self.panels, 3.4)

    def _show(self, ax: Any, picture: np.ndarray, title: str) -> None:
        if picture.ndim == 3:
            picture = np.clip(picture, 0.0, 1.0)
        ax.imshow(picture, cmap="gray", vmin=self.low, vmax=self.high, interpolation="nearest")
        ax.set_title(title, fontsize="medium")
        ax.set_xticks([])
        ax.set_yticks([])

    def draw(self, axes: list, model: Any, epoch: int, title: str) -> None:
        from .. import datasets

        values = np.asarray(model.predict(self.grid), dtype=float)
        self._show(axes[-1], datasets.xy_to_image(values, self.height, self.width), title)
        if self.target is not None:
            self._show(axes[0], self.target, "target")


class UnitsView:
    """The loss so far, the decision boundary and every unit's map (``unit_maps``) side by side.

    Needs 2-D inputs (a ``CrossedModel`` counts: its raw inputs are 2-D); a
    regressor gets its output's map instead of a decision boundary.
    """

    inputs = 2
    figsize = (13.0, 4.4)

    def __init__(self, model: Any, X: np.ndarray, y: Any, image_shape: Any, resolution: int):
        self.X, self.y, self.resolution = X, y, resolution
        self.panels = 3

    def draw(self, axes: list, model: Any, epoch: int, title: str) -> None:
        from .live import draw_views

        losses = list(getattr(model, "history", {}).get("loss", []))
        curves = {"train": (np.arange(1, len(losses) + 1), losses)} if losses else {}
        placed = dict(zip(("loss", "decision_boundary", "unit_maps"), axes))
        draw_views(placed, model, {"X": self.X, "y": self.y, "curves": curves}, self.resolution)
        axes[0].set_title(title, fontsize="medium")


#: The views ``training_animation`` can draw: name -> drawer class.  A drawer is
#: built once, ``Drawer(model, X, y, image_shape, resolution)``, before training
#: (it checks what it needs and keeps what it must remember between frames), has
#: ``inputs`` (the columns X must have, None for any), ``panels`` and ``figsize``,
#: and ``draw(axes, model, epoch, title)`` draws one frame.  A new view is one
#: class and one entry here.
VIEWS = {
    "decision_boundary": DecisionBoundaryView,
    "architecture": ArchitectureView,
    "image": ImageView,
    "units": UnitsView,
}

ANIMATION_VIEWS = tuple(VIEWS)


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
    dpi: float = 100.0,
    resolution: int = 100,
):
    """Train ``model`` on (X, y) and write a GIF of one view of it as it learns.

    Training is ``model.fit(X, y, epochs, callback=..., callback_every=every)``:
    the engine runs the loop and, every ``every`` epochs and after the last,
    the callback draws one frame.  So the GIF has ``ceil(epochs / every)``
    frames, each titled with its epoch and the training loss.  Like ``fit``,
    training continues from the model's current weights.

    Views (the table ``VIEWS``; each drawer's docstring says more)
    -----
    ``'decision_boundary'``
        The class regions over the samples (``decision_boundary``); needs a
        classifier on 2-D inputs.
    ``'architecture'``
        The network (``architecture``) coloured by the weight updates since the
        previous frame (green: grew, red: shrank), on one scale for all frames,
        so updates visibly shrink as training settles.
    ``'image'``
        For an image "compresser" that maps pixel coordinates (x, y) to
        intensity (train it on ``datasets.image_to_xy(image)``): the network's
        image, beside the target ``y`` when ``y`` holds one value per pixel.
    ``'units'``
        The loss so far, the decision boundary and every unit's map
        (``unit_maps``) side by side; 2-D inputs.

    Parameters
    ----------
    model : annlib.MLP or a look-alike
        With ``fit(X, y, epochs, callback=, callback_every=)`` and ``predict``;
        the architecture view also needs ``layers`` and ``weights``.
    X : 2-D array-like
        The training inputs, as for ``model.fit``; 2 columns for the
        decision-boundary and image views.
    y : array-like
        The training targets, as for ``model.fit``.
    epochs : int
        >= 1.  Epochs to train.
    every : int
        >= 1.  Epochs between frames.
    view : {'decision_boundary', 'architecture', 'image', 'units'}, default 'decision_boundary'
        What each frame shows (see Views).
    path : str or os.PathLike, default 'train.gif'
        Ends in ``.gif``; its folder must exist.  The GIF to write, through a
        temporary file and only when training succeeds, so a failure never
        leaves a half-written GIF.
    image_shape : (height, width), default None
        Two positive integers.  The image size; required by the image view and only used there.
    fps : float, default 5.0
        > 0.  Frames per second of the GIF.
    dpi : float, default 100.0
        > 0.  Pixels per inch of the frames (the figure is 3 to 6.4 inches wide).
    resolution : int, default 100
        2 to 2000.  Grid points per axis of the decision-boundary view.

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
    epochs = check_int(epochs, "epochs", 1, ENGINE_INT_MAX)
    every = check_int(every, "every", 1, ENGINE_INT_MAX)
    X = as_float_array(X, "X", ndim=2, columns=VIEWS[view].inputs)
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

    drawer = VIEWS[view](model, X, y, image_shape, resolution)
    # A figure outside pyplot: nothing is shown in notebooks and nothing is
    # left in pyplot's list of open figures.
    figure = Figure(figsize=drawer.figsize)
    axes = list(figure.subplots(1, drawer.panels, squeeze=False)[0])
    writer = PillowWriter(fps=fps)

    def draw(epoch: int, history: Mapping, model: Any) -> bool:
        losses = history.get("loss", []) if isinstance(history, Mapping) else []
        title = f"epoch {epoch}" + (f"   loss {losses[-1]:.4g}" if len(losses) else "")
        for ax in axes:
            ax.clear()
        drawer.draw(axes, model, epoch, title)
        writer.grab_frame()
        return True

    with replaced_atomically(path, suffix=".gif") as temporary:
        writer.setup(figure, temporary, dpi=dpi)
        model.fit(X, y, epochs, callback=draw, callback_every=every)
        writer.finish()
    return path
