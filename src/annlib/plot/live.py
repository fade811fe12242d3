"""A fit callback that redraws one figure in place while the engine trains (Jupyter or not)."""

from __future__ import annotations

import io
import time
from typing import Any

import numpy as np

from .._checks import as_float_array, check_float, check_int, describe
from .units import _extent, activation_kinds, color_limits, crossed_parts, plane_grid, unit_maps

#: What ``live`` can show, in the order it lays them out.
LIVE_VIEWS = ("loss", "decision_boundary", "unit_maps", "architecture")


def draw_views(placed: dict, model: Any, data: dict, resolution: int) -> None:
    """Draw each view of ``placed`` (name -> Axes) of ``model``; shared with the animation.

    ``data`` holds ``X``, ``y`` (the samples), ``curves`` (label -> (epochs,
    losses)) and optionally ``title`` (the figure's).
    """
    from .model import architecture, decision_boundary

    X, y = data.get("X"), data.get("y")
    for view, ax in placed.items():
        if view == "loss":
            for label, (epochs, values) in data.get("curves", {}).items():
                ax.plot(epochs, values, label=label, gid=label)
            # A linear scale, as in the Playground: a log scale's tick labels are mathtext,
            # parsed anew at every frame (a third of a frame's time), and plain log labels
            # read badly over less than a decade.
            ax.set_ylim(bottom=0.0)
            ax.set_xlabel("epoch")
            ax.set_title("loss", fontsize="medium")
            if data.get("curves"):
                ax.legend(fontsize="small")
        elif view == "decision_boundary":
            if getattr(model, "is_classifier", True) is False:
                ax.text(0.5, 0.5, "a regressor:\nsee its output's unit map", ha="center")
                ax.set_axis_off()
                continue
            decision_boundary(
                model, X, y, ax=ax, resolution=resolution, legend="none", xlabel="x1", ylabel="x2"
            )
            ax.set_title("decision boundary", fontsize="medium")
        elif view == "unit_maps":
            # The samples are on the decision boundary; on every tile they cost more than
            # the maps themselves (thousands of markers), so the live view leaves them out.
            box = _extent(X, None) if X is not None else None
            unit_maps(model, extent=box, ax=ax, resolution=max(2, resolution // 2))
        else:
            architecture(crossed_parts(model)[0], ax=ax)
    if data.get("title"):
        next(iter(placed.values())).figure.suptitle(data["title"], fontsize="medium")


def update_views(placed: dict, model: Any, data: dict, resolution: int) -> bool:
    """Put ``model``'s new values into the artists ``draw_views`` drew; False if it cannot.

    Changing the data of existing artists instead of drawing them anew keeps a
    frame cheap (no new text to lay out).  It cannot when the picture changes
    shape: a class appears in the decision boundary, a loss curve is new.
    """
    from .model import _edges, _grid, _predicted_classes, border_segments

    X = data.get("X")
    for view, ax in placed.items():
        found = {artist.get_gid(): artist for artist in ax.get_children()}
        if view == "loss":
            for label, (epochs, values) in data.get("curves", {}).items():
                if label not in found:
                    return False
                found[label].set_data(epochs, values)
            ax.relim()
            ax.autoscale_view()
            ax.set_ylim(bottom=0.0)
        elif view == "decision_boundary":
            if "regions" not in found:
                return False
            xs, ys = _grid(X, resolution, 0.1)
            classes, index = _predicted_classes(model, xs, ys, data.get("y"))
            known = data.get("classes")
            if known is None or not np.array_equal(classes, known):
                return False  # other colours: draw anew
            found["regions"].set_data(index)
            found["borders"].set_segments(border_segments(index, _edges(xs), _edges(ys)))
        elif view == "unit_maps":
            network, features = crossed_parts(model)
            box = _extent(X, None) if X is not None else (-1.0, 1.0, -1.0, 1.0)
            side = max(2, resolution // 2)
            grid = plane_grid(box, side)
            maps = network.forward(grid if features is None else features.transform(grid))
            kinds = activation_kinds(network, tuple(network.layers))
            for layer, A in enumerate(maps):
                limits = color_limits(kinds[layer], A)
                for j in range(A.shape[1]):
                    image = found.get(f"unit[{layer}][{j}]")
                    if image is not None:
                        image.set_data(A[:, j].reshape(side, side))
                        image.set_clim(*limits)
        else:
            ax.clear()
            from .model import architecture

            architecture(crossed_parts(model)[0], ax=ax)
    if data.get("title"):
        next(iter(placed.values())).figure.suptitle(data["title"], fontsize="medium")
    return True


def boundary_classes(model: Any, X: np.ndarray, y: Any, resolution: int) -> np.ndarray:
    """The sorted labels whose colours ``decision_boundary`` gives its regions (for update_views)."""
    from .model import _grid, _predicted_classes

    return _predicted_classes(model, *_grid(X, resolution, 0.1), y)[0]


def _in_jupyter() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the test extra
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class LiveView:
    """The callback ``live`` returns; call it as ``fit``'s callback.  See ``live``."""

    def __init__(
        self,
        X: Any,
        y: Any,
        X_test: Any,
        y_test: Any,
        every: int,
        views: tuple,
        budget: float,
        resolution: int,
        epochs: int | None,
        display: bool | None,
        figsize: Any,
        dpi: float,
    ) -> None:
        from matplotlib.figure import Figure

        self.X, self.y, self.X_test, self.y_test = X, y, X_test, y_test
        self.every, self.views, self.budget = every, views, budget
        self.resolution, self.epochs, self.dpi = resolution, epochs, dpi
        self.display = _in_jupyter() if display is None else display
        self.figure = Figure(figsize=figsize or (4.0 * len(views) + 2.0, 3.8))
        self.test_epochs: list[int] = []
        self.test_loss: list[float] = []
        self.draws = 0  # frames drawn
        self.draw_seconds = 0.0  # spent drawing (and rendering the PNG)
        self.train_seconds = 0.0  # spent between callbacks (training)
        self.png: bytes | None = None  # the last frame
        self._handle = None
        self._placed = None  # view name -> Axes, once drawn: later frames update their artists
        self._classes = None  # the decision boundary's labels
        self._last = None  # perf_counter() when the previous callback returned

    def __call__(self, epoch: int, history: Any, model: Any) -> bool:
        now = time.perf_counter()
        if self._last is not None:
            self.train_seconds += now - self._last
        last = self.epochs is not None and epoch >= self.epochs
        # Draw when the frames so far, this one and (if the fit's length is known) the last
        # one, which is always drawn, stay within `budget` of the training time.  Before
        # the first frame, guess what one costs: first frames measured 0.15-0.6 s on a
        # busy 2-core machine (benchmarks/bench_live.py).
        estimate = self.draw_seconds / self.draws if self.draws else 0.4
        frames = 2 if self.epochs is not None else 1
        due = epoch % self.every == 0 and (
            self.draw_seconds + frames * estimate <= self.budget * self.train_seconds
        )
        if last or due:
            self.draw(model, history, epoch)
        self._last = time.perf_counter()
        return True

    def draw(self, model: Any, history: Any = None, epoch: int | None = None) -> None:
        """Draw a frame of ``model`` now (the callback does this when due)."""
        start = time.perf_counter()
        curves = {}
        losses = list((history or {}).get("loss", []))
        if losses:
            curves["train"] = (np.arange(1, len(losses) + 1), losses)
        if self.X_test is not None:
            self.test_epochs.append(len(losses) if epoch is None else epoch)
            self.test_loss.append(float(model.loss(self.X_test, self.y_test)))
            curves["test"] = (self.test_epochs, self.test_loss)
        title = "" if epoch is None else f"epoch {epoch}"
        if losses:
            title += f"   train loss {losses[-1]:.4g}"
        if self.test_loss:
            title += f"   test loss {self.test_loss[-1]:.4g}"
        data = {"X": self.X, "y": self.y, "curves": curves, "title": title}
        data["classes"] = self._classes
        if self._placed is None or not update_views(self._placed, model, data, self.resolution):
            self.figure.clear()
            widths = [2.0 if view == "unit_maps" else 1.0 for view in self.views]
            axes = self.figure.subplots(1, len(self.views), squeeze=False, width_ratios=widths)[0]
            self._placed = dict(zip(self.views, axes))
            draw_views(self._placed, model, data, self.resolution)
            if "decision_boundary" in self.views:
                self._classes = boundary_classes(model, self.X, self.y, self.resolution)
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=self.dpi)
        self.png = buffer.getvalue()
        if self.display:
            from IPython.display import Image, display

            if self._handle is None:
                self._handle = display(Image(data=self.png), display_id=True)
            else:
                self._handle.update(Image(data=self.png))
        self.draws += 1
        self.draw_seconds += time.perf_counter() - start

    def __repr__(self) -> str:
        return (
            f"LiveView(views={self.views}, every={self.every}, budget={self.budget}: "
            f"{self.draws} frames, {self.draw_seconds:.3g} s drawing, "
            f"{self.train_seconds:.3g} s training)"
        )


def live(
    X: Any = None,
    y: Any = None,
    X_test: Any = None,
    y_test: Any = None,
    every: int | None = None,
    views: Any = ("loss", "decision_boundary", "unit_maps"),
    budget: float = 0.1,
    resolution: int = 60,
    epochs: int | None = None,
    display: bool | None = None,
    figsize: Any = None,
    dpi: float = 72.0,
) -> LiveView:
    """A ``fit`` callback that redraws one figure in place as the model trains.

    >>> view = annlib.plot.live(X, y, X_test, y_test, epochs=500)  # doctest: +SKIP
    >>> net.fit(X, y, 500, callback=view, callback_every=view.every)  # doctest: +SKIP

    Every ``every`` epochs the callback decides whether to draw: it draws when
    the time spent drawing so far, plus this frame and the last one (frames
    cost what the previous ones did), stays within ``budget`` (10 %) of the
    time spent training.  The epoch ``epochs``, the last, is always drawn, so
    a fit shorter than about ten frames' time pays for that one frame: on this
    project's busy 2-core machine a frame costs 0.15-0.6 s while a toy fit of
    2000 epochs takes 0.1-0.3 s (``benchmarks/bench_live.py``).  Inside Jupyter
    the frame (a PNG) replaces the previous one in the cell's output;
    elsewhere it is kept in ``view.png``.

    Parameters
    ----------
    X : (n, 2) array-like, default None
        The training samples, drawn on the decision boundary and the unit maps.
    y : (n,) array-like, default None
        Their labels.
    X_test : array-like, default None
        Test samples: their loss is computed at every frame (the 'test' curve).
    y_test : array-like, default None
        Their targets (give both or neither).
    every : int, default None
        >= 1.  Epochs between decisions to draw; pass ``view.every`` to ``fit`` as
        ``callback_every``.  None: ``epochs // 25`` (at least 10), else 10.
    views : sequence of names from ``LIVE_VIEWS``, default ('loss', 'decision_boundary', 'unit_maps')
        Side by side: 'loss' (train and test), 'decision_boundary', 'unit_maps', 'architecture'.
    budget : float, default 0.1
        In (0, 1].  Largest share of the training time spent drawing.
    resolution : int, default 60
        4 to 1000.  Grid points per axis of the decision boundary (unit maps: half).
    epochs : int, default None
        The fit's epochs, so that the last one is always drawn; None: unknown.
    display : bool, default None
        Show the frames in the notebook; None: when running in a Jupyter kernel.
    figsize : (width, height), default None
        Inches; None: 4 per view plus 2.
    dpi : float, default 72.0
        > 0.  Resolution of the PNG frames.

    Returns
    -------
    LiveView: call it as the callback; ``view.figure`` is the figure, ``view.draws``,
    ``view.draw_seconds`` and ``view.train_seconds`` say what watching cost.
    """
    if isinstance(views, str):
        views = (views,)
    views = tuple(views)
    for view in views:
        if view not in LIVE_VIEWS:
            raise ValueError(f"views: expected names from {LIVE_VIEWS}, got {view!r}")
    if not views:
        raise ValueError(f"views: expected at least one of {LIVE_VIEWS}, got none")
    needs_plane = any(v in ("decision_boundary", "unit_maps") for v in views)
    if X is not None:
        X = as_float_array(X, "X", ndim=2)
    elif needs_plane and "decision_boundary" in views:
        raise ValueError("X: the decision_boundary view needs the training samples X")
    if (X_test is None) != (y_test is None):
        raise ValueError("X_test, y_test: give both or neither")
    if epochs is not None:
        epochs = check_int(epochs, "epochs", 1)
    if every is None:
        every = 10 if epochs is None else max(10, epochs // 25)
    every = check_int(every, "every", 1)
    budget = check_float(budget, "budget", 0.0, 1.0, exclusive_minimum=True)
    resolution = check_int(resolution, "resolution", 4, 1000)
    if display is not None and not isinstance(display, bool):
        raise TypeError(f"display: expected True, False or None, got {describe(display)}")
    dpi = check_float(dpi, "dpi", 0.0, exclusive_minimum=True)
    return LiveView(
        X, y, X_test, y_test, every, views, budget, resolution, epochs, display, figsize, dpi
    )
