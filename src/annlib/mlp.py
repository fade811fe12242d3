"""annlib.MLP: a multi-layer perceptron whose training loop runs in C++.

The engine (``annlib._core.MLP64`` / ``MLP32``) does forward, backward, the
optimizer step and the whole ``fit`` loop; this module turns user data (labels,
lists, any numpy layout) into the engine's arrays and back, validates every
argument with a message that names it, and handles files and pickling.
"""

from __future__ import annotations

import copy
import inspect
import json
import threading
from typing import Any, Callable, Sequence

import numpy as np

from . import _core
from ._checks import (
    ENGINE_INT_MAX,
    FORMAT_VERSION,
    as_float_array,
    atomic_save_npz,
    check_choice,
    check_dtype,
    check_float,
    check_int,
    check_name,
    check_real,
    check_seed,
    describe,
    load_npz,
)

# The engine's name tables (src/cpp/annlib/*.hpp).  An output layer takes every
# activation; a hidden layer every one but those that couple the units of a
# sample (softmax).
HIDDEN_ACTIVATIONS = _core.HIDDEN_ACTIVATIONS
OUTPUT_ACTIVATIONS = _core.ACTIVATIONS
LOSSES = _core.LOSSES
OPTIMIZERS = _core.OPTIMIZERS
INITS = _core.INITS
#: The setting of ``output_activation`` and ``loss`` that the first ``fit`` decides from the targets.
AUTO = "auto"
TASKS = ("auto", "classification", "regression")

# Target values and decision threshold of a single bounded output used as a binary classifier.
_BINARY_TARGETS = {
    "sigmoid": (0.0, 1.0, 0.5),
    "tanh": (-1.0, 1.0, 0.0),
    "bipolar_sigmoid": (-1.0, 1.0, 0.0),
}


class MLP:
    """A feed-forward network of any depth, trained by backpropagation in C++.

    Every parameter after ``layers`` is a keyword with a default, readable (and,
    except ``dtype``, settable through ``set_params``' checks) as an attribute of
    the same name, ``net.learning_rate``; only ``loss`` is read as
    ``net.get_params()["loss"]`` (``net.loss(X, y)`` computes the loss).

    Parameters
    ----------
    layers : sequence of int >= 1
        ``[n_inputs, hidden..., n_outputs]``; at least two sizes (one weight layer).
    activation : str or list of str, default 'tanh'
        Hidden-layer activation, one name for all hidden layers or one per hidden
        layer: ``sigmoid``, ``tanh``, ``bipolar_sigmoid`` (2/(1+e^-x) - 1),
        ``relu``, ``leaky_relu`` (slope ``leaky_slope``) or ``identity``.
    output_activation : str, default 'auto'
        ``auto`` or any activation: ``identity``, ``sigmoid``, ``tanh``,
        ``bipolar_sigmoid``, ``relu``, ``leaky_relu`` or ``softmax``.  ``auto`` is decided by the first ``fit`` from its targets:
        integer, boolean or string labels make a classifier (``sigmoid`` for one
        output or a 0/1 indicator matrix, ``softmax`` for several outputs), float
        targets a regressor (``identity``); ``output_activation_`` holds the choice.
    loss : str, default 'auto'
        ``auto`` (``cross_entropy`` for a classifier's sigmoid or softmax output,
        else ``mse``; ``loss_`` holds the choice), ``mse`` (1/(2·n·k) Σ (y - t)²,
        half the mean over every output) or ``cross_entropy`` (softmax or sigmoid
        outputs; computed from the logits).
    optimizer : str, default 'adam'
        ``adam`` (``beta1``, ``beta2``, ``eps``), ``sgd`` or ``momentum``
        (v ← μv − η∇, w ← w + v; Nesterov with ``nesterov=True``).  The
        course-lab rule Δw ← αΔw − (1−α)∂E/∂w, w ← w + ηΔw is ``momentum`` with
        ``momentum=α`` and ``learning_rate=η(1−α)``.
    learning_rate : float > 0, default 0.01
        The step size η of every optimizer.
    momentum : float in [0, 1), default 0.9
        The velocity's decay μ of ``optimizer='momentum'``.
    nesterov : bool, default False
        Nesterov's look-ahead gradient for ``optimizer='momentum'``.
    beta1 : float in [0, 1), default 0.9
        Adam's decay of its running mean of gradients.
    beta2 : float in [0, 1), default 0.999
        Adam's decay of its running mean of squared gradients.
    eps : float > 0, default 1e-08
        Adam's guard added to the root of the squared-gradient mean.
    l2 : float >= 0, default 0.0
        Adds (l2/2)·ΣW² to the loss (biases are not penalised).
    batch_size : None or int >= 1, default None
        ``None`` full batch, ``1`` online (sequential), ``k`` minibatches of k
        (a batch larger than the data is the full batch).
    shuffle : bool, default True
        Shuffle the samples every epoch (minibatch and online modes).
    init : str, default 'glorot'
        ``glorot`` (uniform, ±√(6/(fan_in + fan_out))), ``he`` (normal,
        √(2/fan_in)) or ``normal`` (``init_mean``, ``init_std``); biases start at zero.
    init_mean : float, default 0.0
        Mean of the weights drawn by ``init='normal'``.
    init_std : float >= 0, default 0.1
        Standard deviation of the weights drawn by ``init='normal'``.
    leaky_slope : float in [0, 1), default 0.01
        Slope of ``leaky_relu`` for negative inputs.
    seed : int in [0, 2**64) or None, default None
        Seed of the model's generator (weights, shuffling, validation split).
        ``None`` draws one; it is stored so ``reset()`` reproduces it.
    dtype : str, default 'float64'
        ``float64`` or ``float32``: what the engine computes and stores in.
    task : str, default 'auto'
        ``auto`` (decided from the outputs and the first targets, see ``fit``),
        ``classification`` (labels are required; an output that cannot classify
        is an error) or ``regression`` (targets are used as given, even 0/1
        values for a sigmoid output).

    Attributes
    ----------
    output_activation_, loss_ : str
        The output activation and loss the engine uses: the settings, with
        ``auto`` resolved by the first ``fit`` (``identity`` and ``mse`` before it).
    classes_ : numpy array or None
        The class labels of a classifier, in the order of its outputs.

    Examples
    --------
    >>> import numpy as np, annlib
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    >>> net = annlib.MLP([2, 4, 1], seed=1).fit(X, [0, 1, 1, 0])
    >>> net.predict(X).tolist()
    [0, 1, 1, 0]
    >>> net
    MLP([2, 4, 1], output_activation='sigmoid', loss='cross_entropy', seed=1)
    """

    def __init__(
        self,
        layers: Sequence[int],
        *,
        activation: str | Sequence[str] = "tanh",
        output_activation: str = AUTO,
        loss: str = AUTO,
        optimizer: str = "adam",
        learning_rate: float = 0.01,
        momentum: float = 0.9,
        nesterov: bool = False,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        l2: float = 0.0,
        batch_size: int | None = None,
        shuffle: bool = True,
        init: str = "glorot",
        init_mean: float = 0.0,
        init_std: float = 0.1,
        leaky_slope: float = 0.01,
        seed: int | None = None,
        dtype: str = "float64",
        task: str = "auto",
    ) -> None:
        params = dict(locals())
        del params["self"], params["layers"]
        self._lock = threading.RLock()
        self._layers = _check_layers(layers)
        self._params = params
        self._params["seed"] = check_seed(self._params["seed"])
        self._dtype = check_dtype(self._params["dtype"])
        self._params["dtype"] = self._dtype.name
        engine_class = _core.MLP64 if self._dtype == np.float64 else _core.MLP32
        self._forget_targets()
        self._engine = engine_class(self._config(self._params))

    # ------------------------------------------------------------------ setup
    def _config(self, params: dict[str, Any], labels: str | None = None) -> Any:
        """The engine's configuration for ``params`` (see ``engine_config``), validated.

        ``'auto'`` output and loss are resolved for ``labels`` (see
        ``_resolve_auto``); by default from the targets the model has seen
        (none yet: identity and mse).  ``output_activation_`` and ``loss_``
        then hold what the engine uses.
        """
        if labels is None:
            labels = self._labels_seen()
        config = engine_config(self._layers, params, labels)
        config.validate()  # before output_activation_ and loss_ change
        self.output_activation_, self.loss_ = _resolve_auto(
            params["output_activation"], params["loss"], self._layers[-1], labels
        )
        return config

    def _labels_seen(self) -> str:
        """What ``_resolve_auto`` needs to know of the targets seen so far."""
        if not self._decided or self._task == "regression":
            return "none"
        return "multilabel" if self._task == "multilabel" else "labels"

    def _decide(self, y: np.ndarray, name: str, classes: Any) -> None:
        """The first fit: resolve 'auto' output and loss from the targets, then decide the task."""
        labels = _label_kind(y, self._params["task"], classes)
        try:
            self._engine.set_config(self._config(dict(self._params), labels))
            self._decide_task(y, name, classes)
            self._decided = True
        except BaseException:
            self._decided = False
            self.classes_, self._task = None, "regression"
            self._engine.set_config(self._config(dict(self._params)))
            raise

    def _forget_targets(self) -> None:
        self.classes_: np.ndarray | None = None
        self._task = "regression"  # or 'multiclass', 'binary', 'multilabel'
        self._decided = False  # whether 'auto' settings follow the targets of a first fit
        self._fitted = False
        self.history: dict[str, list[float]] = {}
        self.best_epoch_: int | None = None
        self.stop_reason_: str | None = None
        self._fit_count = 0

    def get_params(self) -> dict[str, Any]:
        """The constructor's arguments (``layers`` included) as a dict."""
        return {"layers": list(self._layers), **copy.deepcopy(self._params)}

    def set_params(self, **params: Any) -> "MLP":
        """Change hyper-parameters, keeping the weights.

        ``layers`` and ``dtype`` cannot change (create a new model); changing
        ``seed`` takes effect at the next ``reset()``; changing the optimizer
        clears its state.
        """
        for fixed in ("layers", "dtype"):
            if fixed in params and params[fixed] != self.get_params()[fixed]:
                raise ValueError(f"{fixed}: cannot change on an existing model; create a new MLP")
            params.pop(fixed, None)
        unknown = sorted(set(params) - set(DEFAULTS))
        if unknown:
            raise TypeError(
                f"set_params() got unknown parameter(s) {unknown}; expected some of {list(DEFAULTS)}"
            )
        new = {**self._params, **params}
        new["seed"] = check_seed(new["seed"])
        with self._lock:
            self._engine.set_config(self._config(new))
            self._params = new
        return self

    def reset(self) -> "MLP":
        """Draw the initial weights again from the seed and forget training (classes included)."""
        with self._lock:
            self._engine.reset()
            self._forget_targets()
            self._engine.set_config(self._config(self._params))  # 'auto' waits for the next fit
        return self

    # ------------------------------------------------------------ properties
    @property
    def layers(self) -> tuple[int, ...]:
        """Layer sizes ``(n_inputs, hidden..., n_outputs)``."""
        return tuple(self._layers)

    @property
    def dtype(self) -> np.dtype:
        """The numpy dtype the engine computes in."""
        return self._dtype

    @property
    def seed(self) -> int:
        """The seed of the model's generator; assigning one takes effect at the next ``reset()``."""
        return self._params["seed"]

    @seed.setter
    def seed(self, value: Any) -> None:
        self.set_params(seed=value)

    @property
    def n_parameters(self) -> int:
        """Number of weights and biases."""
        return int(self._engine.n_parameters)

    @property
    def is_classifier(self) -> bool:
        """True once ``fit`` (or ``step``) has seen class labels."""
        return self._task != "regression"

    @property
    def weights(self) -> list[np.ndarray]:
        """Weight matrices, ``weights[i]`` of shape ``(layers[i], layers[i+1])``: layer i computes
        ``f(A @ weights[i] + biases[i])``.  Returns copies; assign a list to change them."""
        return [self._engine.weight(i) for i in range(len(self._layers) - 1)]

    @weights.setter
    def weights(self, values: Sequence[Any]) -> None:
        arrays = self._check_parameter_list(
            values, "weights", lambda i: (self._layers[i], self._layers[i + 1])
        )
        with self._lock:
            for i, w in enumerate(arrays):
                self._engine.set_weight(i, w)

    @property
    def biases(self) -> list[np.ndarray]:
        """Bias vectors, ``biases[i]`` of shape ``(layers[i+1],)``.  Copies; assign a list to change them."""
        return [self._engine.bias(i) for i in range(len(self._layers) - 1)]

    @biases.setter
    def biases(self, values: Sequence[Any]) -> None:
        arrays = self._check_parameter_list(values, "biases", lambda i: (self._layers[i + 1],))
        with self._lock:
            for i, b in enumerate(arrays):
                self._engine.set_bias(i, b)

    def _check_parameter_list(
        self, values: Any, name: str, shape_of: Callable[[int], tuple]
    ) -> list[np.ndarray]:
        n = len(self._layers) - 1
        if isinstance(values, np.ndarray) or not isinstance(values, (list, tuple)):
            raise TypeError(f"{name}: expected a list of {n} arrays, got {describe(values)}")
        if len(values) != n:
            raise ValueError(f"{name}: expected a list of {n} arrays, got {len(values)}")
        arrays = []
        for i, value in enumerate(values):
            shape = shape_of(i)
            array = as_float_array(value, f"{name}[{i}]", self._dtype, ndim=len(shape))
            if array.shape != shape:
                raise ValueError(f"{name}[{i}]: expected shape {shape}, got {array.shape}")
            arrays.append(array)
        return arrays

    # ------------------------------------------------------------ data
    def _inputs(self, X: Any, name: str = "X") -> np.ndarray:
        return as_float_array(X, name, self._dtype, ndim=2, columns=self._layers[0])

    def _targets(
        self, y: Any, n_samples: int, fitting: bool, name: str = "y", classes: Any = None
    ) -> np.ndarray:
        """Encode ``y`` as the engine's (n, n_outputs) target matrix.

        When ``fitting`` and the model has not seen targets yet, this decides
        the task (see ``fit``) and remembers ``classes_``.
        """
        if y is None:
            raise TypeError(f"{name}: expected targets, got None")
        y = np.asarray(y)
        if y.dtype.kind not in "biufUS":
            raise TypeError(f"{name}: expected numbers or string labels, got dtype {y.dtype}")
        if y.ndim not in (1, 2) or y.shape[0] != n_samples:
            raise ValueError(
                f"{name}: expected {n_samples} targets (one per sample of X), got an array of shape {y.shape}"
            )
        n_out = self._layers[-1]
        if not self._fitted and fitting:
            self._decide(y, name, classes)
        out_act = self.output_activation_
        task = self._task
        if task == "regression" or (task in ("multiclass", "multilabel") and y.ndim == 2):
            if y.dtype.kind in "US":
                raise TypeError(
                    f"{name}: string labels need a classifier (softmax or a single bounded output)"
                )
            T = as_float_array(
                y.reshape(n_samples, -1) if y.ndim == 1 else y, name, self._dtype, ndim=2
            )
            if T.shape[1] != n_out:
                raise ValueError(
                    f"{name}: expected {n_out} target columns (one per output), got {T.shape[1]}"
                )
            return T
        if y.ndim != 1:
            if y.ndim == 2 and y.shape[1] == 1:
                y = y[:, 0]
            else:
                raise ValueError(
                    f"{name}: expected 1-D class labels, got an array of shape {y.shape}"
                )
        if y.dtype.kind == "f" and not np.isfinite(y).all():
            raise ValueError(f"{name}: expected finite values, got NaN or infinite labels")
        index = _label_index(self.classes_, y, name)
        if task == "multiclass":
            T = np.zeros((n_samples, n_out), dtype=self._dtype)
            T[np.arange(n_samples), index] = 1
            return T
        low, high, _ = _BINARY_TARGETS[out_act]
        return np.where(index == 1, high, low).astype(self._dtype).reshape(n_samples, 1)

    def _decide_task(self, y: np.ndarray, name: str, classes: Any) -> None:
        """Classifier or regressor, from the output activation, the loss and the targets.

        - softmax output: multiclass; 1-D labels are one-hot encoded, 2-D targets used as given;
        - sigmoid + cross_entropy: binary (one output, labels) or multilabel (k outputs, 0/1 columns);
        - one sigmoid/tanh/bipolar_sigmoid output with mse: binary when the labels are the output's
          two target values (0/1 or ±1) or any two non-float labels;
        - anything else: regression.
        """
        n_out = self._layers[-1]
        out_act = self.output_activation_
        task = self._params["task"]
        given = None if classes is None else _unique_labels(np.asarray(classes), "classes")
        self.classes_, self._task = None, "regression"
        if task == "regression":
            return
        if out_act == "softmax":
            self._task = "multiclass"
            if y.ndim == 2:
                self.classes_ = np.arange(y.shape[1]) if given is None else given
            else:
                self.classes_ = _unique_labels(y, name) if given is None else given
            if len(self.classes_) != n_out:
                raise ValueError(
                    f"{name if given is None else 'classes'}: expected {n_out} classes (one per softmax "
                    f"output), got {len(self.classes_)}: "
                    f"{self.classes_[:10].tolist()}"
                )
            return
        cross_entropy = self.loss_ == "cross_entropy"
        if out_act == "sigmoid" and cross_entropy and n_out > 1:
            self._task, self.classes_ = "multilabel", np.arange(n_out)
            return
        single = n_out == 1 and out_act in _BINARY_TARGETS and (y.ndim == 1 or y.shape[1] == 1)
        if not single:
            if task == "classification":
                raise ValueError(
                    f"task: classification needs a softmax output, sigmoid outputs with cross_entropy, or a "
                    f"single sigmoid/tanh/bipolar_sigmoid output; got {n_out} {out_act} output(s)"
                )
            return
        flat = y.reshape(-1)
        low, high, _ = _BINARY_TARGETS[out_act]
        natural = flat.dtype.kind in "biuf" and bool(np.isin(flat, (low, high)).all())
        labels = flat.dtype.kind in "biuUS"
        if not (
            cross_entropy or natural or labels or given is not None or task == "classification"
        ):
            return  # float targets for a bounded output: regression
        if given is not None:
            found = given
        elif natural:
            found = np.array([low, high])
            if flat.dtype.kind == "b":
                found = np.array([False, True])
            elif flat.dtype.kind in "iu":
                found = found.astype(np.int64)
        else:
            found = _unique_labels(flat, name)
        if len(found) != 2:
            raise ValueError(
                f"{name if given is None else 'classes'}: expected two classes for a single {out_act} output, got {len(found)}: "
                f"{found[:10].tolist()}"
            )
        self._task, self.classes_ = "binary", found

    def _accuracy_rule(self) -> tuple[str, float]:
        if self._task == "multiclass":
            return "argmax", 0.0
        if self._task in ("binary", "multilabel"):
            return "threshold", _BINARY_TARGETS[self.output_activation_][2]
        return "none", 0.0

    # ------------------------------------------------------------ training
    def fit(
        self,
        X: Any,
        y: Any,
        epochs: int = 500,
        *,
        validation_data: tuple[Any, Any] | None = None,
        validation_fraction: float | None = None,
        early_stopping: bool = False,
        patience: int = 10,
        tol: float = 1e-4,
        restore_best: bool = True,
        callback: Callable[[int, dict, "MLP"], Any] | None = None,
        callback_every: int = 1,
        verbose: bool = False,
        classes: Any = None,
    ) -> "MLP":
        """Train for ``epochs`` passes over (X, y), the whole loop in C++; returns ``self``.

        Training continues from the current weights (``reset()`` starts over).
        The first call decides whether the model is a classifier (see
        ``_decide_task``), and resolves ``output_activation='auto'`` and
        ``loss='auto'`` from the targets (see the class docstring): integer or
        string labels are one-hot encoded for a softmax output; a single
        sigmoid / tanh / bipolar_sigmoid output takes 0/1 or ±1 labels; float
        targets (1-D or 2-D) are regression, and ``y = X`` trains an autoencoder.
        The default 500 epochs of Adam at learning rate 0.01 learn XOR, two
        Gaussians and two spirals without tuning (``benchmarks/bench_defaults.py``).

        Parameters
        ----------
        validation_data : (X_val, y_val), optional
            Scored after every epoch into ``history['val_loss']`` (and ``val_accuracy``).
        validation_fraction : float in (0, 1), optional
            Hold out this fraction of (X, y), chosen by the model's seed, as validation data.
        early_stopping : bool
            Stop when the validation loss (the training loss without validation data)
            has not improved by ``tol`` for ``patience`` epochs; with ``restore_best``
            the best epoch's weights are kept (``best_epoch_``).
        callback : callable(epoch, history, model), optional
            Called every ``callback_every`` epochs (and after the last) with the GIL held;
            returning ``False`` stops training.
        verbose : bool
            Show a progress bar over epochs.
        classes : array-like, optional
            All class labels, when ``y`` of the first call may not contain every class.

        Raises
        ------
        ValueError, TypeError
            Bad data or arguments (the message names the argument).
        annlib.DivergenceError
            The loss or a weight became NaN/inf; the latest weights whose training loss is
            finite are kept (the message says from which epoch) and the optimizer state is reset.
        KeyboardInterrupt
            Ctrl-C, within a fraction of a second; the model keeps the weights it had.
        """
        epochs = check_int(epochs, "epochs", 1, ENGINE_INT_MAX)
        patience = check_int(patience, "patience", 1, ENGINE_INT_MAX)
        tol = check_float(tol, "tol", 0.0)
        callback_every = check_int(callback_every, "callback_every", 1, ENGINE_INT_MAX)
        early_stopping = _check_bool(early_stopping, "early_stopping")
        restore_best = _check_bool(restore_best, "restore_best")
        verbose = _check_bool(verbose, "verbose")
        if callback is not None and not callable(callback):
            raise TypeError(
                f"callback: expected a callable(epoch, history, model), got {describe(callback)}"
            )
        if validation_data is not None and validation_fraction is not None:
            raise ValueError(
                "validation_fraction: give either validation_data or validation_fraction, not both"
            )

        X = self._inputs(X)
        with self._lock:
            was_fitted, saved = self._fitted, (self.classes_, self._task)
            try:
                T = self._targets(y, X.shape[0], fitting=True, classes=classes)
                X_val = T_val = None
                if validation_data is not None:
                    if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                        raise TypeError(
                            f"validation_data: expected a tuple (X_val, y_val), got {describe(validation_data)}"
                        )
                    X_val = self._inputs(validation_data[0], "validation_data[0]")
                    T_val = self._targets(
                        validation_data[1], X_val.shape[0], False, "validation_data[1]"
                    )
                elif validation_fraction is not None:
                    fraction = check_float(
                        validation_fraction,
                        "validation_fraction",
                        0.0,
                        1.0,
                        exclusive_minimum=True,
                        exclusive_maximum=True,
                    )
                    n_val = int(round(fraction * X.shape[0]))
                    if n_val < 1 or n_val >= X.shape[0]:
                        raise ValueError(
                            f"validation_fraction: {fraction} of {X.shape[0]} samples leaves no training or "
                            "no validation samples"
                        )
                    order = np.random.default_rng([self.seed, self._fit_count]).permutation(
                        X.shape[0]
                    )
                    X_val, T_val = X[order[:n_val]], T[order[:n_val]]
                    X, T = X[order[n_val:]], T[order[n_val:]]
            except BaseException:
                if not was_fitted:
                    self.classes_, self._task = saved
                    self._decided = False
                    self._engine.set_config(self._config(self._params))
                raise
            self._fitted = True
            self._fit_count += 1
            rule, threshold = self._accuracy_rule()

            bar = _progress_bar(epochs) if verbose else None
            engine_callback = None
            if callback is not None or bar is not None:

                def engine_callback(epoch, *_record):
                    if bar is not None:
                        bar.update(epoch - bar.n)
                    if callback is not None and (epoch % callback_every == 0 or epoch == epochs):
                        self._take_history()
                        return callback(epoch, self.history, self) is not False
                    return True

            try:
                self._engine.fit(
                    X,
                    T,
                    epochs,
                    rule,
                    threshold,
                    early_stopping,
                    patience,
                    tol,
                    restore_best,
                    1 if bar is not None else callback_every,
                    engine_callback,
                    X_val,
                    T_val,
                )
            finally:
                if bar is not None:
                    bar.close()
                self._take_history()
        return self

    def _take_history(self) -> None:
        history = dict(self._engine.history)
        best = history.pop("best_epoch")
        self.stop_reason_ = history.pop("stopped_by") or None
        self.best_epoch_ = best if best > 0 else None
        self.history = history

    def step(self, X: Any, y: Any) -> float:
        """One optimizer update on the batch (X, y); returns the batch's loss before the update."""
        X = self._inputs(X)
        with self._lock:
            T = self._targets(y, X.shape[0], fitting=True)
            self._fitted = True
            return float(self._engine.step(X, T))

    # ------------------------------------------------------------ inspection
    def forward(self, X: Any) -> list[np.ndarray]:
        """Every layer's activations ``[X, A1, ..., AL]`` (each of shape (n, units)) for X."""
        return list(self._engine.forward(self._inputs(X)))

    def backward(self, X: Any, y: Any) -> list[tuple[np.ndarray, np.ndarray]]:
        """Gradients ``[(dW, db), ...]`` of ``loss(X, y)`` for every layer, without changing the model.

        ``dW`` has the shape of ``weights[i]`` and ``db`` of ``biases[i]``.
        """
        X = self._inputs(X)
        T = self._targets(y, X.shape[0], fitting=not self._fitted)
        flat = self._engine.gradient(X, T)
        return self._split(flat)

    def _split(self, flat: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Cut a vector in the engine's parameter layout into (W, b) pairs."""
        pairs, offset = [], 0
        for n_in, n_out in zip(self._layers[:-1], self._layers[1:]):
            W = flat[offset : offset + n_in * n_out].reshape(n_in, n_out).copy()
            offset += n_in * n_out
            pairs.append((W, flat[offset : offset + n_out].copy()))
            offset += n_out
        return pairs

    def outputs(self, X: Any) -> np.ndarray:
        """The output layer's activations, shape (n, n_outputs)."""
        return self._engine.predict(self._inputs(X))

    def predict(self, X: Any) -> np.ndarray:
        """Class labels for classifiers; output values for regression ((n,) for a single output)."""
        Y = self.outputs(X)
        if self._task == "multiclass":
            return self.classes_[np.argmax(Y, axis=1)]
        threshold = _BINARY_TARGETS.get(self.output_activation_, (0, 0, 0.5))[2]
        if self._task == "binary":
            return self.classes_[(Y[:, 0] >= threshold).astype(np.intp)]
        if self._task == "multilabel":
            return (Y >= threshold).astype(np.int64)
        return Y[:, 0] if Y.shape[1] == 1 else Y

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (n, n_classes) (multilabel: (n, n_outputs)).

        For a single tanh / bipolar_sigmoid output, (1 + y)/2 stands in for P(second class).
        """
        if self._task == "regression":
            raise ValueError(
                "predict_proba: this model is a regressor (no classes were seen by fit)"
            )
        Y = self.outputs(X)
        if self._task == "binary":
            p = (
                Y[:, 0]
                if self.output_activation_ == "sigmoid"
                else np.clip((1 + Y[:, 0]) / 2, 0, 1)
            )
            return np.column_stack([1 - p, p])
        return Y

    def accuracy(self, X: Any, y: Any) -> float:
        """Fraction of samples classified correctly."""
        if self._task == "regression":
            raise ValueError("accuracy: this model is a regressor; use mse(X, y) or loss(X, y)")
        X = self._inputs(X)
        T = self._targets(y, X.shape[0], fitting=False)
        rule, threshold = self._accuracy_rule()
        return self._engine.count_correct(X, T, rule, threshold) / X.shape[0]

    def mse(self, X: Any, y: Any) -> float:
        """Mean squared error between outputs and (encoded) targets, over every output."""
        X = self._inputs(X)
        T = self._targets(y, X.shape[0], fitting=False)
        return float(np.mean((self._engine.predict(X) - T) ** 2))

    def loss(self, X: Any, y: Any) -> float:
        """The training loss on (X, y): mean data loss plus the L2 penalty."""
        X = self._inputs(X)
        T = self._targets(y, X.shape[0], fitting=False)
        return float(self._engine.loss(X, T))

    # ------------------------------------------------------------ files
    def _state(self) -> dict[str, Any]:
        words, spare, has_spare, first, second, steps = self._engine.get_state()
        return {
            "params": self.get_params(),
            "parameters": self._engine.parameters,
            # The generator and optimizer state, so a copy continues training exactly like the original.
            "rng": [str(w) for w in words] + [repr(float(spare)), str(bool(has_spare))],
            "optimizer_first": first,
            "optimizer_second": second,
            "optimizer_steps": int(steps),
            "classes": self.classes_,
            "task": self._task,
            "fitted": self._fitted,
            "history": self.history,
            "best_epoch": self.best_epoch_,
            "stop_reason": self.stop_reason_,
        }

    def _restore(self, state: dict[str, Any]) -> None:
        params = dict(state["params"])
        layers = params.pop("layers")
        self.__init__(layers, **params)
        self._engine.set_parameters(np.asarray(state["parameters"], dtype=self._dtype))
        if state.get("rng") is not None:
            *words, spare, has_spare = state["rng"]
            self._engine.set_state(
                [int(w) for w in words],
                float(spare),
                has_spare == "True",
                np.asarray(state["optimizer_first"], dtype=self._dtype),
                np.asarray(state["optimizer_second"], dtype=self._dtype),
                int(state["optimizer_steps"]),
            )
        self.classes_ = state["classes"]
        self._task = state["task"]
        self._fitted = state["fitted"]
        self._decided = state["fitted"]
        if self._decided and AUTO in (self._params["output_activation"], self._params["loss"]):
            self._engine.set_config(self._config(self._params))  # the first fit's decision
        self.history = state["history"]
        self.best_epoch_ = state["best_epoch"]
        self.stop_reason_ = state["stop_reason"]

    def save(self, path: Any) -> Any:
        """Write the model to exactly ``path``; returns it as a ``pathlib.Path``.

        The file is a numpy .npz archive (a JSON configuration and the parameter
        arrays) whatever its suffix: ``save("net.annlib")`` writes ``net.annlib``.
        It is written to a temporary file and renamed, so a failure never leaves
        a broken file or destroys a previous one; a new file gets the usual mode
        under the umask (0644 under umask 022), a replaced file keeps its mode.

        Raises IsADirectoryError for a folder (or a name ending in ``/``) and
        FileNotFoundError for a missing folder.
        """
        state = self._state()
        meta = {
            k: state[k]
            for k in (
                "params",
                "task",
                "fitted",
                "history",
                "best_epoch",
                "stop_reason",
                "rng",
                "optimizer_steps",
            )
        }
        arrays = {
            "annlib_kind": np.array("MLP"),
            "format_version": np.array(FORMAT_VERSION),
            "config": np.array(json.dumps(meta)),
            "parameters": state["parameters"],
            "optimizer_first": state["optimizer_first"],
            "optimizer_second": state["optimizer_second"],
        }
        if self.classes_ is not None:
            arrays["classes"] = self.classes_
        return atomic_save_npz(path, arrays)

    @classmethod
    def load(cls, path: Any) -> "MLP":
        """Read a model written by ``save``.

        Raises FileNotFoundError for a missing file and ValueError for a file
        that is corrupt, truncated, of another kind or from a newer annlib.
        """
        arrays = load_npz(path, "MLP")
        try:
            # A damaged archive can lose or rename a member yet still read; never
            # let that pass as a model with, say, no classes.
            known = {
                "annlib_kind",
                "format_version",
                "config",
                "parameters",
                "classes",
                "optimizer_first",
                "optimizer_second",
            }
            unexpected = set(arrays) - known
            if unexpected:
                raise ValueError(f"unexpected entries {sorted(unexpected)}")
            meta = json.loads(str(arrays["config"]))
            if (meta["task"] != "regression") != ("classes" in arrays):
                raise ValueError(
                    f"a {meta['task']} model {'without' if 'classes' not in arrays else 'with'} classes"
                )
            if ("optimizer_first" in arrays) != ("optimizer_second" in arrays):
                raise ValueError("an optimizer state with one of its two moments missing")
            state = dict(
                meta,
                parameters=arrays["parameters"],
                classes=arrays.get("classes"),
                optimizer_first=arrays.get("optimizer_first"),
                optimizer_second=arrays.get("optimizer_second"),
            )
            model = cls.__new__(cls)
            model._restore(state)
        except (KeyError, TypeError, ValueError, json.JSONDecodeError) as error:
            raise ValueError(f"path: {str(path)!r} holds an invalid MLP ({error})") from None
        return model

    def __getstate__(self) -> dict[str, Any]:
        return self._state()

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._restore(state)

    def __deepcopy__(self, memo: dict) -> "MLP":
        clone = MLP.__new__(MLP)
        clone._restore(copy.deepcopy(self._state(), memo))
        return clone

    def __repr__(self) -> str:
        shown = [repr(list(self._layers))]
        decided = {"output_activation": self.output_activation_, "loss": self.loss_}
        for key, default in DEFAULTS.items():
            value = self._params[key]
            if value == AUTO and key in decided and self._decided:
                value = decided[key]  # what the first fit chose
            if key == "seed" or value != default:
                shown.append(f"{key}={value!r}")
        return f"MLP({', '.join(shown)})"


# The constructor's keyword parameters and defaults, in order, read from its
# signature: the one list that get_params, set_params, __repr__, the attributes,
# save/load, pickling, grid_search and the scikit-learn estimators all read.
# Adam at 0.01, full batch, glorot and fit's 500 epochs: measured over 30 seeds
# (benchmarks/bench_defaults.py) they learn XOR [2, 4, 1] every time, two
# Gaussians [2, 4, 1] to 0.999 and two spirals [2, 32, 32, 1] to 0.980 held-out
# accuracy; the former SGD at 0.01 for 100 epochs reached 0.58, 0.61 and 0.60.
DEFAULTS: dict[str, Any] = {
    name: parameter.default
    for name, parameter in inspect.signature(MLP.__init__).parameters.items()
    if parameter.kind is inspect.Parameter.KEYWORD_ONLY
}


def _hyper_parameter(name: str) -> property:
    def get(self: MLP) -> Any:
        return copy.deepcopy(self._params[name])

    def set(self: MLP, value: Any) -> None:
        self.set_params(**{name: value})

    return property(get, set, doc=f"The ``{name}`` setting; assigning it calls ``set_params``.")


# net.learning_rate, net.activation, ...: every setting not already a property
# (layers, seed, dtype) or a method (loss).
for _name in DEFAULTS:
    if not hasattr(MLP, _name):
        setattr(MLP, _name, _hyper_parameter(_name))
del _name


# ---------------------------------------------------------------- helpers
def _label_kind(y: np.ndarray, task: str, classes: Any) -> str:
    """What 'auto' settings see in the first targets: 'labels', 'multilabel' or 'none'.

    Integer, boolean and string labels are labels (floats are not, even 0.0/1.0);
    a 2-D integer or boolean matrix of 0/1 with several columns is a multilabel
    indicator matrix; ``task`` and ``classes`` override what the values say.
    """
    several = y.ndim == 2 and y.shape[1] > 1
    if task == "regression":
        return "none"
    if several:
        indicator = y.dtype.kind in "biu" and bool(np.isin(y, (0, 1)).all())
        return "multilabel" if indicator or task == "classification" else "none"
    if task == "classification" or classes is not None:
        return "labels"
    return "labels" if y.dtype.kind in "biuUS" else "none"


def _resolve_auto(output: str, loss: str, n_outputs: int, labels: str) -> tuple[str, str]:
    """The engine's output activation and loss for the settings ``output`` and ``loss``.

    With ``labels`` ('labels' or 'multilabel'), ``'auto'`` output is sigmoid for one
    output or a multilabel matrix and softmax for several outputs, and ``'auto'``
    loss is cross-entropy for these two outputs; without labels ('none', also
    before the first fit) they are identity and mean squared error.
    """
    classifier = labels != "none"
    if output == AUTO:
        if not classifier:
            output = "identity"
        else:
            output = "sigmoid" if n_outputs == 1 or labels == "multilabel" else "softmax"
    if loss == AUTO:
        probabilities = output == "softmax" or (output == "sigmoid" and classifier)
        loss = "cross_entropy" if probabilities else "mse"
    return output, loss


def engine_config(layers: Sequence[int], params: dict[str, Any], labels: str = "none") -> Any:
    """The engine's configuration (``_core.MLPConfig``) for ``layers`` and MLP ``params``.

    ``params`` holds every key of ``DEFAULTS`` (the seed a concrete int) and is
    normalised in place to plain Python values (a numpy float32 learning rate
    becomes a float), so that get_params, save and pickling see exactly what
    the engine uses.  Python checks the types; the engine checks names and
    ranges, when the configuration is validated or given to an engine.
    MLP and grid_search both build their engines' configurations here.
    ``'auto'`` output activation and loss are resolved for ``labels`` (see
    ``_resolve_auto``) in the configuration, never in ``params``.
    """
    activation = params["activation"]
    if isinstance(activation, str):
        hidden = [str(activation)] * (len(layers) - 2)
        params["activation"] = str(activation)
    elif isinstance(activation, (list, tuple)):
        hidden = [check_name(a, "activation", HIDDEN_ACTIVATIONS) for a in activation]
        params["activation"] = list(hidden)
    else:
        raise TypeError(
            f"activation: expected a name or a list of names, got {describe(activation)}"
        )
    config = _core.MLPConfig()
    config.layers = list(layers)
    config.hidden_activations = hidden
    checks = {
        "output_activation": lambda v, n: check_name(v, n, (*OUTPUT_ACTIVATIONS, AUTO)),
        "loss": lambda v, n: check_name(v, n, (*LOSSES, AUTO)),
        "optimizer": lambda v, n: check_name(v, n, OPTIMIZERS),
        "init": lambda v, n: check_name(v, n, INITS),
        "nesterov": _check_bool,
        "shuffle": _check_bool,
        # None is Python's full batch (the engine's 0); the range is C++ int's.
        "batch_size": lambda v, n: None if v is None else check_int(v, n, 1, ENGINE_INT_MAX),
        **{key: check_real for key, value in DEFAULTS.items() if type(value) is float},
    }
    for key, check in checks.items():
        params[key] = check(params[key], key)
    resolved = dict(params)
    resolved["output_activation"], resolved["loss"] = _resolve_auto(
        params["output_activation"], params["loss"], layers[-1], labels
    )
    for key in checks:
        if key != "batch_size":
            setattr(config, key, resolved[key])
    config.batch_size = 0 if params["batch_size"] is None else params["batch_size"]
    config.seed = params["seed"]
    check_choice(params["task"], "task", TASKS)
    return config


def _check_layers(layers: Any) -> tuple[int, ...]:
    # A set or a dict has a length too, but no order to read the sizes in.
    if isinstance(layers, (str, bytes)) or not isinstance(layers, (Sequence, np.ndarray)):
        raise TypeError(
            f"layers: expected a list of layer sizes like [2, 8, 1], got {describe(layers)}"
        )
    sizes = tuple(
        check_int(size, f"layers[{i}]", 1, ENGINE_INT_MAX) for i, size in enumerate(layers)
    )
    if len(sizes) < 2:
        raise ValueError(
            f"layers: expected at least 2 sizes [n_inputs, ..., n_outputs], got {list(sizes)}"
        )
    return sizes


def _check_bool(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: expected True or False, got {describe(value)}")
    return bool(value)


def _unique_labels(y: np.ndarray, name: str) -> np.ndarray:
    if y.dtype.kind not in "biufUS":
        raise TypeError(f"{name}: expected numbers or string labels, got dtype {y.dtype}")
    if y.size == 0:
        raise ValueError(f"{name}: expected a non-empty array of labels")
    if y.dtype.kind == "f":
        if not np.isfinite(y).all():
            raise ValueError(f"{name}: expected finite labels, got NaN or infinite values")
        if not np.all(y == np.round(y)):
            raise ValueError(
                f"{name}: expected class labels (integers or strings), got non-integer floats"
            )
    return np.unique(y.reshape(-1))


def _label_index(classes: np.ndarray, y: np.ndarray, name: str) -> np.ndarray:
    """Position of every label of y in ``classes``; unseen labels raise ValueError."""
    if (
        y.dtype.kind in "US"
        and classes.dtype.kind not in "US"
        or (classes.dtype.kind in "US" and y.dtype.kind not in "US")
    ):
        raise ValueError(
            f"{name}: labels of type {y.dtype} do not match the classes seen by fit {classes.tolist()}"
        )
    index = np.searchsorted(classes, y)
    index = np.clip(index, 0, len(classes) - 1)
    unseen = classes[index] != y
    if np.any(unseen):
        raise ValueError(
            f"{name}: labels unseen at fit time: {np.unique(y[unseen])[:10].tolist()} "
            f"(known classes: {classes[:10].tolist()})"
        )
    return index


def _progress_bar(total: int):
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="epoch", leave=False)
