"""``annlib.playground()``: TensorFlow Playground in a notebook, with the C++ engine training.

ipywidgets is an optional dependency (``pip install annlib[widgets]``); this
module imports it only when a playground is made, and ``import annlib`` never
loads this module (``annlib.playground`` is looked up lazily).

Everything the buttons do is a method, so a test or a script drives the
playground without a browser: set a widget's ``value`` (the same observers run
as for a click in the page) or call ``step()``, ``reset()``, ``code()``.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from . import datasets
from ._checks import as_float_array, check_int, describe
from .features import PLAYGROUND, CrossedModel, Crosses
from .mlp import HIDDEN_ACTIVATIONS, MLP, OPTIMIZERS

__all__ = ["DATASETS", "Playground", "playground"]

#: The generated data sets: name -> (generator, its arguments besides n, noise, seed).
DATASETS = {
    "circles": (datasets.circles, {}),
    "xor": (datasets.xor, {}),
    "two_gaussians": (datasets.two_gaussians, {}),
    "moons": (datasets.moons, {}),
    "spirals": (datasets.spirals, {"classes": 2}),
}
USER_DATA = "your data"
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
L2_VALUES = (0.0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
BATCH_SIZES = (("full batch", None), ("1", 1), ("10", 10), ("30", 30), ("100", 100))
# L1 and dropout are not in the engine yet: the playground offers L2 only.


def _widgets():
    try:
        import ipywidgets
    except ImportError as error:  # pragma: no cover - the test extra installs it
        raise ImportError(
            "annlib.playground needs ipywidgets: pip install 'annlib[widgets]'"
        ) from error
    return ipywidgets


class Playground:
    """The playground's widgets, data, model and pictures (see ``playground``)."""

    def __init__(self, X: Any = None, y: Any = None, seed: int = 0) -> None:
        w = _widgets()
        self._lock = threading.RLock()
        self._thread: threading.Thread | None = None
        self._user = None
        if X is not None or y is not None:
            if X is None or y is None:
                raise ValueError("X, y: give both or neither")
            X = as_float_array(X, "X", ndim=2, columns=2)
            y = np.asarray(y).reshape(-1)
            if len(y) != len(X):
                raise ValueError(
                    f"y: expected {len(X)} labels (one per row of X), got {describe(y)}"
                )
            if len(np.unique(y)) < 2:
                raise ValueError("y: expected at least two classes")
            self._user = (X, y)
        seed = check_int(seed, "seed", 0)

        names = ([USER_DATA] if self._user is not None else []) + list(DATASETS)
        self.dataset = w.Dropdown(options=names, value=names[0], description="data")
        self.noise = w.FloatSlider(value=0.1, min=0.0, max=0.5, step=0.05, description="noise")
        self.samples = w.IntSlider(value=200, min=20, max=1000, step=20, description="samples")
        self.test_fraction = w.FloatSlider(
            value=0.5, min=0.1, max=0.9, step=0.1, description="test ratio"
        )
        self.features = {
            name: w.Checkbox(value=name in ("x1", "x2"), description=name, indent=False)
            for name in PLAYGROUND
        }
        self.hidden = w.VBox([])
        self.add_layer = w.Button(description="+ layer")
        self.remove_layer = w.Button(description="− layer")
        self.optimizer = w.Dropdown(options=list(OPTIMIZERS), value="sgd", description="optimizer")
        self.learning_rate = w.Dropdown(
            options=list(LEARNING_RATES), value=0.03, description="learning rate"
        )
        self.batch_size = w.Dropdown(options=list(BATCH_SIZES), value=10, description="batch")
        self.l2 = w.Dropdown(options=list(L2_VALUES), value=0.0, description="L2")
        self.seed = w.BoundedIntText(value=seed, min=0, max=2**31 - 1, description="seed")
        self.epochs_per_step = w.Dropdown(
            options=[1, 10, 50, 100, 500], value=50, description="epochs/step"
        )
        self.play = w.ToggleButton(value=False, description="▶ play")
        self.step_button = w.Button(description="step")
        self.reset_button = w.Button(description="reset")
        self.status = w.HTML()
        self.image = w.Image(format="png")

        for units, activation in ((4, "tanh"), (2, "tanh")):
            self._append_layer(units, activation)
        self.add_layer.on_click(lambda _: self._change_layers(+1))
        self.remove_layer.on_click(lambda _: self._change_layers(-1))
        self.step_button.on_click(lambda _: self.step())
        self.reset_button.on_click(lambda _: self.reset())
        self.play.observe(self._on_play, names="value")
        for widget in (self.dataset, self.noise, self.samples, self.test_fraction, self.seed):
            widget.observe(lambda _: self.reset(), names="value")
        for widget in self.features.values():
            widget.observe(lambda _: self.reset(), names="value")
        for widget in (self.optimizer, self.learning_rate, self.batch_size, self.l2):
            widget.observe(lambda _: self._retune(), names="value")

        self.widget = w.HBox(
            [
                w.VBox(
                    [
                        self.dataset,
                        self.noise,
                        self.samples,
                        self.test_fraction,
                        w.HTML("<b>features</b>"),
                        w.GridBox(
                            list(self.features.values()),
                            layout=w.Layout(grid_template_columns="repeat(2, 90px)"),
                        ),
                        w.HTML("<b>hidden layers</b>"),
                        self.hidden,
                        w.HBox([self.add_layer, self.remove_layer]),
                        self.optimizer,
                        self.learning_rate,
                        self.batch_size,
                        self.l2,
                        self.seed,
                        self.epochs_per_step,
                        w.HBox([self.play, self.step_button, self.reset_button]),
                        self.status,
                    ]
                ),
                self.image,
            ]
        )
        self.figure = None
        self._placed = self._classes = None
        self.reset()

    # ------------------------------------------------------------ layers
    def _append_layer(self, units: int, activation: str) -> None:
        w = _widgets()
        row = w.HBox(
            [
                w.BoundedIntText(
                    value=units, min=1, max=64, description="units", layout={"width": "150px"}
                ),
                w.Dropdown(
                    options=list(HIDDEN_ACTIVATIONS), value=activation, layout={"width": "110px"}
                ),
            ]
        )
        for child in row.children:
            child.observe(lambda _: self.reset(), names="value")
        self.hidden.children = (*self.hidden.children, row)

    def _change_layers(self, change: int) -> None:
        if change > 0:
            last = self.hidden.children[-1].children if self.hidden.children else None
            self._append_layer(last[0].value if last else 4, last[1].value if last else "tanh")
        elif self.hidden.children:
            self.hidden.children = self.hidden.children[:-1]
        self.reset()

    @property
    def layers(self) -> list[tuple[int, str]]:
        """The hidden layers as (units, activation), from the input side."""
        return [(row.children[0].value, row.children[1].value) for row in self.hidden.children]

    # ------------------------------------------------------------ data and model
    def _data(self) -> tuple[np.ndarray, np.ndarray]:
        if self.dataset.value == USER_DATA:
            return self._user
        generator, arguments = DATASETS[self.dataset.value]
        return generator(
            self.samples.value, noise=self.noise.value, seed=self.seed.value, **arguments
        )

    def _model_settings(self) -> dict[str, Any]:
        multiclass = len(np.unique(self.y_train)) > 2
        return {
            "activation": [activation for _, activation in self.layers],
            "output_activation": "softmax" if multiclass else "sigmoid",
            "loss": "cross_entropy",
            "optimizer": self.optimizer.value,
            "learning_rate": self.learning_rate.value,
            "batch_size": self.batch_size.value,
            "l2": self.l2.value,
            "seed": self.seed.value,
        }

    def _outputs(self) -> int:
        classes = len(np.unique(self.y_train))
        return classes if classes > 2 else 1

    def reset(self) -> None:
        """New data from the data widgets, a new model from the model widgets, epoch 0."""
        with self._lock:
            self.X, self.y = self._data()
            user = self.dataset.value == USER_DATA
            self.noise.disabled = self.samples.disabled = user
            split = datasets.split(
                self.X, self.y, self.test_fraction.value, seed=self.seed.value, stratify=True
            )
            self.X_train, self.X_test, self.y_train, self.y_test = split
            chosen = [name for name, box in self.features.items() if box.value]
            self.epoch = 0
            self._placed = self._classes = None  # new data or model: the next frame is drawn anew
            self._retuned = 0  # the last epoch at which the optimizer settings changed
            self.train_loss: list[float] = []
            self.test_loss: list[float] = []
            self.test_epochs: list[int] = []
            if not chosen:
                self.crosses = self.model = self.crossed = None
                self.status.value = "<b>choose at least one feature</b>"
                return
            self.crosses = Crosses(chosen).fit(self.X_train)
            sizes = [len(chosen), *[units for units, _ in self.layers], self._outputs()]
            self.model = MLP(sizes, **self._model_settings())
            self.crossed = CrossedModel(self.crosses, self.model)
            # An untrained model learns its classes from its first targets (as fit would,
            # weights untouched), so that the loss at epoch 0 reads labels as labels.
            self.crossed.backward(self.X_train, self.y_train)
            self._record()
            self.redraw()

    def _retune(self) -> None:
        """Optimizer settings change the running model, as in the Playground (weights kept)."""
        with self._lock:
            if self.model is not None:
                if self.epoch:
                    self._retuned = self.epoch
                settings = self._model_settings()
                self.model.set_params(
                    **{k: settings[k] for k in ("optimizer", "learning_rate", "batch_size", "l2")}
                )

    def _record(self) -> None:
        self.test_epochs.append(self.epoch)
        self.test_loss.append(self.crossed.loss(self.X_test, self.y_test))
        if self.epoch == 0:
            self.train_loss_at_start = self.crossed.loss(self.X_train, self.y_train)

    def step(self, epochs: int | None = None) -> None:
        """Train ``epochs`` (default: the epochs/step widget) more epochs and redraw."""
        with self._lock:
            if self.model is None:
                return
            epochs = (
                self.epochs_per_step.value if epochs is None else check_int(epochs, "epochs", 1)
            )
            self.crossed.fit(self.X_train, self.y_train, epochs)
            self.train_loss.extend(self.model.history["loss"])
            self.epoch += epochs
            self._record()
            self.redraw()

    def _on_play(self, change: Any) -> None:
        if change["new"]:
            self.play.description = "❚❚ pause"
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        else:
            self.play.description = "▶ play"

    def _run(self) -> None:
        while self.play.value:
            try:
                self.step()
            except Exception as error:  # shown, never lost in a thread
                self.status.value = f"<b>stopped: {error}</b>"
                self.play.value = False

    def pause(self) -> None:
        """Stop playing and wait for the running step to finish."""
        self.play.value = False
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    # ------------------------------------------------------------ pictures
    def redraw(self) -> None:
        """Draw the loss, the decision boundary, the unit maps and the weights into ``image``."""
        import io

        from matplotlib.figure import Figure

        from .plot.live import boundary_classes, draw_views, update_views

        with self._lock:
            curves = {"test": (self.test_epochs, self.test_loss)}
            if self.train_loss:
                curves["train"] = (np.arange(1, len(self.train_loss) + 1), self.train_loss)
            data = {"X": self.X_train, "y": self.y_train, "curves": curves}
            data["classes"] = self._classes
            # After a step only the values change: update the artists (a cheaper frame).
            if self._placed is None or not update_views(self._placed, self.crossed, data, 40):
                if self.figure is None:
                    self.figure = Figure(figsize=(15.0, 4.0))
                self.figure.clear()
                views = ("loss", "decision_boundary", "unit_maps", "architecture")
                axes = self.figure.subplots(1, 4, width_ratios=[1.0, 1.2, 2.0, 1.2])
                self._placed = dict(zip(views, axes))
                draw_views(self._placed, self.crossed, data, 40)
                self._classes = boundary_classes(self.crossed, self.X_train, self.y_train, 40)
            buffer = io.BytesIO()
            self.figure.savefig(buffer, format="png", dpi=60)
            self.image.value = buffer.getvalue()
            train = self.train_loss[-1] if self.train_loss else self.train_loss_at_start
            self.status.value = (
                f"epoch {self.epoch} &nbsp; train loss {train:.4f} &nbsp; "
                f"test loss {self.test_loss[-1]:.4f}"
            )

    # ------------------------------------------------------------ hand-back
    def code(self) -> str:
        """Python that builds the same data and model and trains it as far (paste it in a cell)."""
        lines = [
            "import annlib",
            "from annlib import datasets",
            "from annlib.features import CrossedModel",
            "",
        ]
        if self.dataset.value == USER_DATA:
            lines.append("X, y = ...  # your data, as given to playground(X, y)")
        else:
            generator, arguments = DATASETS[self.dataset.value]
            extra = "".join(f", {k}={v!r}" for k, v in arguments.items())
            lines.append(
                f"X, y = datasets.{generator.__name__}({self.samples.value}, "
                f"noise={self.noise.value!r}, seed={self.seed.value}{extra})"
            )
        lines.append(
            f"X_train, X_test, y_train, y_test = datasets.split(X, y, {self.test_fraction.value!r}, "
            f"seed={self.seed.value}, stratify=True)"
        )
        if self.model is None:
            lines.append("# no feature chosen: no model")
            return "\n".join(lines) + "\n"
        settings = ", ".join(f"{k}={v!r}" for k, v in self._model_settings().items())
        lines += [
            "model = CrossedModel(",
            f"    {list(self.crosses.feature_names_)!r},",
            f"    annlib.MLP({list(self.model.layers)!r}, {settings}),",
            ")",
        ]
        if self._retuned:
            lines.append(
                f"# The optimizer settings changed at epoch {self._retuned}: this trains with the "
                "current ones throughout, so its weights differ from the playground's."
            )
        if self.epoch:
            lines.append(f"model.fit(X_train, y_train, {self.epoch})")
        lines.append("print(model.loss(X_test, y_test), model.accuracy(X_test, y_test))")
        return "\n".join(lines) + "\n"

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def __repr__(self) -> str:
        layers = None if self.model is None else list(self.model.layers)
        return f"Playground(data={self.dataset.value!r}, layers={layers}, epoch={self.epoch})"


def playground(X: Any = None, y: Any = None, seed: int = 0) -> Playground:
    """TensorFlow Playground in a notebook: pick data, features, layers and settings, and train.

    Shown as the value of a cell.  The controls: a data set (circles, xor,
    two_gaussians, moons, two spirals, or your own 2-D ``X, y``), noise, the
    number of samples, the test ratio; the input features (x1, x2, x1², x2²,
    x1·x2, sin x1, sin x2); hidden layers (+/−, units and activation of each);
    optimizer, learning rate, batch size, L2 and seed (L1 and dropout are not in
    the engine yet); play / pause, step (``epochs/step`` epochs) and reset.  The
    picture shows train and test loss, the decision boundary, every unit's map
    and the weights (``annlib.plot.architecture``'s colours).

    Changing the data, the features, the layers or the seed starts over; the
    optimizer, learning rate, batch size and L2 change the running model.

    Parameters
    ----------
    X : (n, 2) array-like, optional
        Your own samples (then the first data set is "your data").
    y : (n,) array-like, optional
        Their class labels.
    seed : int
        Seed of the data, the split and the model's weights.

    Returns
    -------
    Playground: ``.model`` is the trained ``annlib.MLP`` (on the crossed
    features: ``.crossed`` takes raw inputs), ``.code()`` the Python that
    rebuilds it, ``.step()``, ``.reset()``, ``.pause()`` what the buttons do.

    >>> pg = annlib.playground()  # doctest: +SKIP
    """
    return Playground(X, y, seed)
