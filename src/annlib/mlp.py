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
from typing import Any, Callable, Sequence

import numpy as np

from . import _core
from ._checks import (
    ENGINE_INT_MAX,
    FORMAT_VERSION,
    MAX_TEXT_BYTES,
    UnreadableFile,
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
    fill_names,
    open_model_file,
)
from ._lock import ModelLock
from ._targets import _BINARY_TARGETS, AUTO, TargetEncoding, auto_labels, resolve_auto

# The engine's name tables (src/cpp/annlib/*.hpp).  An output layer takes every
# activation; a hidden layer every one but those that couple the units of a
# sample (softmax).
HIDDEN_ACTIVATIONS = _core.HIDDEN_ACTIVATIONS
OUTPUT_ACTIVATIONS = _core.ACTIVATIONS
LOSSES = _core.LOSSES
OPTIMIZERS = _core.OPTIMIZERS
SCHEDULES = _core.SCHEDULES
INITS = _core.INITS
TASKS = ("auto", "classification", "regression")


class MLP(TargetEncoding):
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
        layer: {HIDDEN_ACTIVATIONS}.  ``bipolar_sigmoid`` is 2/(1+e^-x) - 1 and
        ``leaky_relu`` has slope ``leaky_slope`` below 0.
    output_activation : str, default 'auto'
        ``auto`` or any activation: {OUTPUT_ACTIVATIONS}.  ``auto`` is decided by the first ``fit`` from its targets:
        integer, boolean or string labels make a classifier (``sigmoid`` for one
        output or a 0/1 indicator matrix, ``softmax`` for several outputs), float
        targets a regressor (``identity``); ``output_activation_`` holds the choice.
    loss : str, default 'auto'
        ``auto`` (``cross_entropy`` for a classifier's sigmoid or softmax output,
        else ``mse``; ``loss_`` holds the choice) or {LOSSES}: ``mse`` is
        1/(2·n·k) Σ (y - t)², half the mean over every output; ``cross_entropy``
        needs softmax or sigmoid outputs and is computed from the logits.
    optimizer : str, default 'adam'
        {OPTIMIZERS}: ``momentum`` is v ← μv − η∇, w ← w + v (Nesterov with
        ``nesterov=True``); ``adam`` takes ``beta1``, ``beta2``, ``eps``;
        ``rmsprop`` takes ``rho``, ``eps`` and ``centered``; ``adagrad`` takes
        ``eps``; ``adamw`` is ``adam`` with the decoupled weight decay
        ``weight_decay`` (every parameter shrinks by learning_rate·weight_decay
        each step); ``nadam`` is Nesterov's look-ahead in ``adam`` (Dozat 2016,
        constant μ = ``beta1``).  Each formula is beside its code in
        src/cpp/annlib/optimizer.hpp.  The course-lab
        rule Δw ← αΔw − (1−α)∂E/∂w, w ← w + ηΔw is ``momentum`` with
        ``momentum=α`` and ``learning_rate=η(1−α)``.  ``rprop`` (iRprop−,
        Igel & Hüsken 2000) and ``lbfgs`` (limited-memory BFGS with a strong
        Wolfe line search, like scikit-learn's ``solver='lbfgs'``) need no
        learning rate and work on the full batch only (``batch_size=None``).
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
        Adam's and RMSprop's guard added to the root of the squared-gradient mean.
    rho : float in [0, 1), default 0.9
        RMSprop's decay of its running mean of squared gradients.
    centered : bool, default False
        RMSprop divides by the gradients' running variance instead of their mean square.
    weight_decay : float >= 0, default 0.01
        ``adamw``'s decoupled weight decay: every parameter shrinks by
        learning_rate·weight_decay each step.
    delta0 : float > 0, default 0.1
        ``rprop``: every weight's first step Δ.
    delta_min : float > 0, default 1e-06
        ``rprop``: the smallest step; at most ``delta_max``.
    delta_max : float > 0, default 50.0
        ``rprop``: the largest step.
    eta_plus : float > 1, default 1.2
        ``rprop``: Δ grows by this factor while a weight's gradient keeps its sign.
    eta_minus : float in (0, 1), default 0.5
        ``rprop``: Δ shrinks by this factor when the gradient's sign flips.
    history_size : int >= 1, default 10
        ``lbfgs``: the number m of (s, y) pairs kept.
    max_fun : int >= 1, default 15000
        ``lbfgs``: the most loss evaluations per ``fit`` (the line search makes
        more than one per iteration).  ``fit``'s ``epochs`` is the most
        iterations (scikit-learn's ``max_iter``); each iteration is one entry of
        ``history``, which also holds the running count of evaluations,
        ``history['function_evaluations']``.
    gtol : float >= 0, default 1e-05
        ``lbfgs``: stop when every gradient component is at most this in size.
    ftol : float >= 0, default 2.2e-09
        ``lbfgs``: stop when the loss falls by at most this, relative to
        max(|loss|, 1), in an iteration.
    schedule : str, default 'constant'
        The learning rate η_e of each epoch e of ``fit`` (counted over the
        model's life since ``reset``, so a second ``fit`` or a loaded model
        continues it), from η0 = ``learning_rate``: {SCHEDULES}.  ``constant``
        keeps η0; ``invscaling`` is η0 / (t + 1)^``power_t`` with t the samples
        trained on before the epoch (scikit-learn's t); ``step`` multiplies by
        ``decay`` every ``decay_every`` epochs; ``exponential`` is η0·decay^(e-1);
        ``cosine`` falls from η0 to ``min_learning_rate`` along half a cosine over
        ``cosine_epochs`` epochs (then stays there, or starts again with
        ``cosine_restarts=True``); ``plateau`` divides the rate by
        ``plateau_factor`` once the monitored loss (validation loss if there is
        validation data) has not improved by more than ``plateau_tol`` for
        ``plateau_patience`` epochs (scikit-learn's documented ``adaptive`` is
        factor 5, 2 epochs: the defaults).  ``warmup_epochs=W`` multiplies the
        rate of epoch e <= W by e/W.  ``history['learning_rate']`` holds the rate
        each epoch used; ``step`` uses the current rate without advancing it.
        Formulas in src/cpp/annlib/schedule.hpp.
    power_t : float >= 0, default 0.5
        ``invscaling``'s exponent.
    decay : float in (0, 1], default 0.5
        ``step``'s and ``exponential``'s factor.
    decay_every : int >= 1, default 10
        ``step``: epochs between two decays.
    cosine_epochs : int >= 1, default 100
        ``cosine``: the epochs of one half cosine.
    cosine_restarts : bool, default False
        ``cosine``: start again from η0 after each ``cosine_epochs``.
    min_learning_rate : float >= 0, default 0.0
        ``cosine``'s lowest rate.
    plateau_factor : float > 1, default 5.0
        ``plateau``: the rate's divisor.
    plateau_patience : int >= 1, default 2
        ``plateau``: epochs without improvement before the rate falls.
    plateau_tol : float >= 0, default 0.0001
        ``plateau``: the improvement that counts.
    warmup_epochs : int >= 0, default 0
        Linear warm-up: the rate of epoch e <= W is multiplied by e/W.
    l2 : float >= 0, default 0.0
        Adds (l2/2)·ΣW² to the loss (biases are not penalised).
    max_grad_norm : float >= 0, default 0.0
        When > 0, every update's gradient g (L2 term included) is scaled by
        min(1, max_grad_norm/‖g‖₂), its norm over all parameters at once; the
        direction is kept.  0 (the default) never clips; ``lbfgs`` ignores it.
    batch_size : None or int >= 1, default None
        ``None`` full batch, ``1`` online (sequential), ``k`` minibatches of k
        (a batch larger than the data is the full batch).
    shuffle : bool, default True
        Shuffle the samples every epoch (minibatch and online modes).
    init : str, default 'glorot'
        {INITS}: ``glorot`` draws uniformly from ±√(6/(fan_in + fan_out)),
        ``he`` from N(0, 2/fan_in) and ``normal`` from N(``init_mean``,
        ``init_std``²); biases start at zero.
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

    Files
    -----
    ``save``/``load`` files are the safe format: ``load`` checks every field and
    never runs code.  Pickling (and so ``copy.deepcopy``, ``multiprocessing``,
    joblib, Dask) can run code from its data: never unpickle an untrusted model.

    Threads
    -------
    Any number of threads may read a model at once (``predict``, ``outputs``,
    ``forward``, ``backward``, ``loss``, ``accuracy``, the ``weights``/``biases``
    getters, ``save``, pickling); a write (``fit``, ``step``, ``reset``,
    ``set_params``, the ``weights``/``biases`` setters) waits for them and runs
    alone, so every read sees the model before or after a write, never half of
    it.  A ``fit`` callback may read its model but not change it: training calls
    from inside it raise ``RuntimeError``.

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
        rho: float = 0.9,
        centered: bool = False,
        weight_decay: float = 0.01,
        delta0: float = 0.1,
        delta_min: float = 1e-6,
        delta_max: float = 50.0,
        eta_plus: float = 1.2,
        eta_minus: float = 0.5,
        history_size: int = 10,
        max_fun: int = 15000,
        gtol: float = 1e-5,
        ftol: float = 2.2e-9,
        schedule: str = "constant",
        power_t: float = 0.5,
        decay: float = 0.5,
        decay_every: int = 10,
        cosine_epochs: int = 100,
        cosine_restarts: bool = False,
        min_learning_rate: float = 0.0,
        plateau_factor: float = 5.0,
        plateau_patience: int = 2,
        plateau_tol: float = 1e-4,
        warmup_epochs: int = 0,
        l2: float = 0.0,
        max_grad_norm: float = 0.0,
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
        self._lock = ModelLock()
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
        ``resolve_auto``); by default from the targets the model has seen
        (none yet: identity and mse).  ``output_activation_`` and ``loss_``
        then hold what the engine uses.
        """
        if labels is None:
            labels = self._labels_seen()
        config = engine_config(self._layers, params, labels)
        config.validate()  # before output_activation_ and loss_ change
        self.output_activation_, self.loss_ = resolve_auto(
            params["output_activation"], params["loss"], self._layers[-1], labels
        )
        return config

    def _labels_seen(self) -> str:
        """What ``resolve_auto`` needs to know of the targets seen so far."""
        if not self._decided or self._task == "regression":
            return "none"
        return "multilabel" if self._task == "multilabel" else "labels"

    def _decide(self, y: np.ndarray, name: str, classes: Any) -> None:
        """The first fit: resolve 'auto' output and loss from the targets, then decide the task."""
        labels = auto_labels(y, self._params["task"], classes)
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
        with self._lock.read():
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
        with self._lock.write("set_params"):
            new = {**self._params, **params}
            new["seed"] = check_seed(new["seed"])
            self._engine.set_config(self._config(new))
            self._params = new
        return self

    def reset(self) -> "MLP":
        """Draw the initial weights again from the seed and forget training (classes included)."""
        with self._lock.write("reset"):
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
    def n_function_evaluations_(self) -> int | None:
        """``lbfgs``: the loss evaluations of the last ``fit``; ``None`` for the other optimizers."""
        evaluations = self.history.get("function_evaluations")
        return int(evaluations[-1]) if evaluations else None

    @property
    def is_classifier(self) -> bool:
        """True once ``fit`` (or ``step``) has seen class labels."""
        return self._task != "regression"

    @property
    def weights(self) -> list[np.ndarray]:
        """Weight matrices, ``weights[i]`` of shape ``(layers[i], layers[i+1])``: layer i computes
        ``f(A @ weights[i] + biases[i])``.  Returns copies; assign a list to change them."""
        with self._lock.read():
            return [self._engine.weight(i) for i in range(len(self._layers) - 1)]

    @weights.setter
    def weights(self, values: Sequence[Any]) -> None:
        arrays = self._check_parameter_list(
            values, "weights", lambda i: (self._layers[i], self._layers[i + 1])
        )
        with self._lock.write("weights"):
            for i, w in enumerate(arrays):
                self._engine.set_weight(i, w)

    @property
    def biases(self) -> list[np.ndarray]:
        """Bias vectors, ``biases[i]`` of shape ``(layers[i+1],)``.  Copies; assign a list to change them."""
        with self._lock.read():
            return [self._engine.bias(i) for i in range(len(self._layers) - 1)]

    @biases.setter
    def biases(self, values: Sequence[Any]) -> None:
        arrays = self._check_parameter_list(values, "biases", lambda i: (self._layers[i + 1],))
        with self._lock.write("biases"):
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
            The loss or a weight became NaN/inf, or an epoch's loss grew to more than 1e8
            times the loss of the weights fit started from (and above 1); the latest
            weights whose training loss is finite and below that limit are kept (the
            message says from which epoch) and the optimizer state is reset.
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
        with self._lock.write("fit"):
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
                live: dict[str, list] = {}

                def engine_callback(epoch, *_record):
                    if bar is not None:
                        bar.update(epoch - bar.n)
                    if callback is not None and (epoch % callback_every == 0 or epoch == epochs):
                        # Only the records since the last call: the whole history every k
                        # epochs would cost epochs²/k conversions.
                        self._take_history(live)
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

    def _take_history(self, live: dict[str, list] | None = None) -> None:
        """The engine's history as ``self.history``; with ``live`` (a fit callback's lists),
        only the records it lacks are converted and appended to it."""
        if live is None:
            history = dict(self._engine.history)
        else:
            history = dict(self._engine.history_since(len(live.get("loss", ()))))
        best = history.pop("best_epoch")
        self.stop_reason_ = history.pop("stopped_by") or None
        self.best_epoch_ = best if best > 0 else None
        if live is not None:
            for key, values in history.items():
                live.setdefault(key, []).extend(values)
            history = live
        self.history = history

    def step(self, X: Any, y: Any) -> float:
        """One optimizer update on the batch (X, y); returns the batch's loss before the update."""
        X = self._inputs(X)
        with self._lock.write("step"):
            T = self._targets(y, X.shape[0], fitting=True)
            self._fitted = True
            return float(self._engine.step(X, T))

    # ------------------------------------------------------------ inspection
    def forward(self, X: Any) -> list[np.ndarray]:
        """Every layer's activations ``[X, A1, ..., AL]`` (each of shape (n, units)) for X."""
        X = self._inputs(X)
        with self._lock.read():
            return list(self._engine.forward(X))

    def backward(self, X: Any, y: Any, return_deltas: bool = False) -> Any:
        """Gradients ``[(dW, db), ...]`` of ``loss(X, y)`` for every layer, without changing the model.

        ``dW`` has the shape of ``weights[i]`` and ``db`` of ``biases[i]``.  With
        ``return_deltas=True``, returns ``(gradients, deltas)``: ``deltas[i]`` of shape
        ``(n, layers[i + 1])`` is δ = ∂loss/∂Z of weight layer i (Z = A @ W + b, the loss
        the mean over the samples), so ``dW = A.T @ δ`` (+ l2·W) and ``db = δ.sum(0)``.
        """
        return_deltas = _check_bool(return_deltas, "return_deltas")
        X = self._inputs(X)
        while True:
            fitted = self._fitted
            # Before the first fit, the targets decide the task (a write).
            with self._lock.read() if fitted else self._lock.write("backward"):
                if fitted and not self._fitted:
                    continue  # reset() ran in between: decide the task under the write lock
                T = self._targets(y, X.shape[0], fitting=not self._fitted)
                if return_deltas:
                    flat, deltas = self._engine.gradient_and_deltas(X, T)
                    return self._split(flat), list(deltas)
                return self._split(self._engine.gradient(X, T))

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
        X = self._inputs(X)
        with self._lock.read():
            return self._engine.predict(X)

    def predict(self, X: Any) -> np.ndarray:
        """Class labels for classifiers; output values for regression ((n,) for a single output)."""
        X = self._inputs(X)
        with self._lock.read():
            Y = self._engine.predict(X)
            task, classes = self._task, self.classes_
        if task == "multiclass":
            return classes[np.argmax(Y, axis=1)]
        threshold = _BINARY_TARGETS.get(self.output_activation_, (0, 0, 0.5))[2]
        if task == "binary":
            return classes[(Y[:, 0] >= threshold).astype(np.intp)]
        if task == "multilabel":
            return (Y >= threshold).astype(np.int64)
        return Y[:, 0] if Y.shape[1] == 1 else Y

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (n, n_classes) (multilabel: (n, n_outputs)).

        For a single tanh / bipolar_sigmoid output, (1 + y)/2 stands in for P(second class).
        """
        X = self._inputs(X)
        with self._lock.read():
            task, Y = self._task, self._engine.predict(X)
        if task == "regression":
            raise ValueError(
                "predict_proba: this model is a regressor (no classes were seen by fit)"
            )
        if task == "binary":
            p = (
                Y[:, 0]
                if self.output_activation_ == "sigmoid"
                else np.clip((1 + Y[:, 0]) / 2, 0, 1)
            )
            return np.column_stack([1 - p, p])
        return Y

    def accuracy(self, X: Any, y: Any) -> float:
        """Fraction of samples classified correctly."""
        X = self._inputs(X)
        with self._lock.read():
            if self._task == "regression":
                raise ValueError("accuracy: this model is a regressor; use mse(X, y) or loss(X, y)")
            T = self._targets(y, X.shape[0], fitting=False)
            rule, threshold = self._accuracy_rule()
            return self._engine.count_correct(X, T, rule, threshold) / X.shape[0]

    def mse(self, X: Any, y: Any) -> float:
        """Mean squared error between outputs and (encoded) targets, over every output."""
        X = self._inputs(X)
        with self._lock.read():
            T = self._targets(y, X.shape[0], fitting=False)
            # In double, like the engine's losses: float32 squares of huge targets overflow.
            error = self._engine.predict(X).astype(np.float64) - T
            return float(np.mean(error**2))

    def loss(self, X: Any, y: Any) -> float:
        """The training loss on (X, y): mean data loss plus the L2 penalty."""
        X = self._inputs(X)
        with self._lock.read():
            T = self._targets(y, X.shape[0], fitting=False)
            return float(self._engine.loss(X, T))

    # ------------------------------------------------------------ files
    def _state(self) -> dict[str, Any]:
        with self._lock.read():
            return self._state_unlocked()

    def _state_unlocked(self) -> dict[str, Any]:
        words, spare, has_spare, first, second, steps = self._engine.get_state()
        return {
            "params": self.get_params(),
            "parameters": self._engine.parameters,
            # The generator and optimizer state, so a copy continues training exactly like the original.
            "rng": [str(w) for w in words] + [repr(float(spare)), str(bool(has_spare))],
            "optimizer_first": first,
            "optimizer_second": second,
            "optimizer_steps": int(steps),
            "schedule_state": list(self._engine.get_schedule_state()),
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
        if state.get("schedule_state") is not None:  # files before schedules have none
            self._engine.set_schedule_state(*state["schedule_state"])
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
                "schedule_state",
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

        Every size the file declares is checked against the arrays it holds, and
        every field of its configuration against the others, before anything is
        built: a file cannot make ``load`` allocate more than the model it really
        holds, nor load a model that contradicts itself.  Files never run code
        (unlike pickle, which must never be used on untrusted data).

        Raises FileNotFoundError for a missing file and ValueError (naming the
        field) for a file that is corrupt, truncated, of another kind, from a
        newer annlib, or whose fields do not make one valid model.
        """
        with open_model_file(path, "MLP", _FILE_ENTRIES) as file:
            try:
                state = _read_state(file)
                model = cls.__new__(cls)
                model._restore(state)
            except UnreadableFile:
                raise
            except (KeyError, TypeError, ValueError, json.JSONDecodeError) as error:
                if isinstance(error, KeyError):
                    error = f"missing entry or field {error}"
                raise ValueError(f"path: {file.source} holds an invalid MLP ({error})") from None
        return model

    def __getstate__(self) -> dict[str, Any]:
        return self._state()

    def __setstate__(self, state: dict[str, Any]) -> None:
        fresh = type(self).__new__(type(self))
        fresh._restore(state)
        lock = self.__dict__.get("_lock")
        if lock is None:  # unpickling: a new object
            self.__dict__.update(fresh.__dict__)
            return
        with lock.write("__setstate__"):  # an existing model: swap its whole state at once
            fresh.__dict__["_lock"] = lock
            self.__dict__.update(fresh.__dict__)

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


# The docstring's lists of names come from the engine's tables.
MLP.__doc__ = fill_names(
    MLP.__doc__,
    HIDDEN_ACTIVATIONS=HIDDEN_ACTIVATIONS,
    OUTPUT_ACTIVATIONS=OUTPUT_ACTIVATIONS,
    LOSSES=LOSSES,
    OPTIMIZERS=OPTIMIZERS,
    SCHEDULES=SCHEDULES,
    INITS=INITS,
)


# ---------------------------------------------------------------- helpers
def engine_config(layers: Sequence[int], params: dict[str, Any], labels: str = "none") -> Any:
    """The engine's configuration (``_core.MLPConfig``) for ``layers`` and MLP ``params``.

    ``params`` holds every key of ``DEFAULTS`` (the seed a concrete int) and is
    normalised in place to plain Python values (a numpy float32 learning rate
    becomes a float), so that get_params, save and pickling see exactly what
    the engine uses.  Python checks the types; the engine checks names and
    ranges, when the configuration is validated or given to an engine.
    MLP and grid_search both build their engines' configurations here.
    ``'auto'`` output activation and loss are resolved for ``labels`` (see
    ``resolve_auto``) in the configuration, never in ``params``.
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
        "schedule": lambda v, n: check_name(v, n, SCHEDULES),
        "init": lambda v, n: check_name(v, n, INITS),
        # None is Python's full batch (the engine's 0); the range is C++ int's.
        "batch_size": lambda v, n: None if v is None else check_int(v, n, 1, ENGINE_INT_MAX),
        **{key: check_real for key, value in DEFAULTS.items() if type(value) is float},
        **{key: _check_bool for key, value in DEFAULTS.items() if type(value) is bool},
        # The engine checks the ranges; the type and C++ int's limits are Python's.
        **{
            key: lambda v, n: check_int(v, n, -ENGINE_INT_MAX - 1, ENGINE_INT_MAX)
            for key, value in DEFAULTS.items()
            if type(value) is int
        },
    }
    for key, check in checks.items():
        params[key] = check(params[key], key)
    resolved = dict(params)
    resolved["output_activation"], resolved["loss"] = resolve_auto(
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


def _progress_bar(total: int):
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="epoch", leave=False)


# ---------------------------------------------------------------- files
_FILE_ENTRIES = ("config", "parameters", "classes", "optimizer_first", "optimizer_second")
_META_FIELDS = (
    "params",
    "task",
    "fitted",
    "history",
    "best_epoch",
    "stop_reason",
    "rng",
    "optimizer_steps",
    "schedule_state",
)
_FILE_TASKS = ("regression", "multiclass", "binary", "multilabel")
_HISTORY_KEYS = (
    "loss",
    "accuracy",
    "val_loss",
    "val_accuracy",
    "function_evaluations",
    "learning_rate",
)
# fit's own reasons, then lbfgs's (its table's "none" means it did not stop).
_STOP_REASONS = ("epochs", "early_stopping", "callback") + tuple(
    reason for reason in _core.LBFGS_STOPS if reason != "none"
)


def _read_state(file: Any) -> dict[str, Any]:
    """The state ``_restore`` takes, from a model file, every field checked against the others.

    Sizes come first: the parameter count the layers imply must be the size of
    the ``parameters`` entry (read from its header) before any array is read.
    """
    meta = json.loads(str(file.read("config", "U", (), max_bytes=MAX_TEXT_BYTES)))
    if not isinstance(meta, dict):
        raise ValueError(f"config: expected a JSON object, got {type(meta).__name__}")
    meta.setdefault("schedule_state", None)  # written since schedules exist
    _check_fields(meta, _META_FIELDS, "config")
    params = meta["params"]
    if not isinstance(params, dict):
        raise ValueError(f"config.params: expected a JSON object, got {type(params).__name__}")
    unknown = sorted(set(params) - {"layers", *DEFAULTS})
    if unknown:
        raise ValueError(f"config.params: unexpected fields {unknown}")
    layers = _check_layers(params["layers"])
    n_parameters = sum(a * b + b for a, b in zip(layers[:-1], layers[1:]))
    dtype = check_dtype(params.get("dtype", DEFAULTS["dtype"]), "config.params.dtype")
    parameters = as_float_array(
        file.read("parameters", "f", (n_parameters,)), "parameters", dtype, ndim=1
    )

    if ("optimizer_first" in file) != ("optimizer_second" in file):
        raise ValueError("optimizer_first: an optimizer state with one of its two moments missing")
    first = second = None
    if "optimizer_first" in file:
        # The engine keeps two vectors (velocity, Adam's moments) for every optimizer;
        # lbfgs keeps history_size of each (its s and y pairs).
        size = n_parameters
        if params.get("optimizer", DEFAULTS["optimizer"]) == "lbfgs":
            history_size = params.get("history_size", DEFAULTS["history_size"])
            size *= check_int(history_size, "config.params.history_size", 1, ENGINE_INT_MAX)
        first, second = (
            as_float_array(file.read(name, "f", (size,)), name, dtype, ndim=1)
            for name in ("optimizer_first", "optimizer_second")
        )

    task = check_choice(meta["task"], "config.task", _FILE_TASKS)
    fitted = _check_bool(meta["fitted"], "config.fitted")
    n_out = layers[-1]
    # A file before 'auto' existed holds explicit settings; 'auto' ones are resolved
    # as the first fit resolved them.
    output, loss = resolve_auto(
        params.get("output_activation", "identity"),
        params.get("loss", "mse"),
        n_out,
        "none" if task == "regression" else "multilabel" if task == "multilabel" else "labels",
    )
    wanted = params.get("task", DEFAULTS["task"])
    classes = None
    if task == "regression":
        if "classes" in file:
            raise ValueError("classes: a regression model has no classes")
        if fitted and wanted == "classification":
            raise ValueError(
                "config.task: a fitted regression model built with task='classification'"
            )
    else:
        if wanted == "regression":
            raise ValueError(f"config.task: a {task} model built with task='regression'")
        count = {"multiclass": n_out, "binary": 2, "multilabel": n_out}[task]
        fits = {
            "multiclass": output == "softmax",
            "binary": n_out == 1 and output in _BINARY_TARGETS,
            "multilabel": output == "sigmoid" and loss == "cross_entropy" and n_out > 1,
        }[task]
        if not fits:
            raise ValueError(
                f"config.task: a {task} model cannot have {n_out} {output} output(s) with {loss}"
            )
        if "classes" not in file:
            raise ValueError(f"classes: a {task} model without classes")
        classes = file.read("classes", "biufUS", (count,))
        if classes.dtype.kind == "f" and not np.isfinite(classes).all():
            raise ValueError("classes: expected finite labels, got NaN or infinite values")
        if not np.all(classes[1:] > classes[:-1]):
            raise ValueError(
                f"classes: expected sorted distinct labels, got {classes[:10].tolist()}"
            )
        if task == "multilabel" and not np.array_equal(classes, np.arange(n_out)):
            raise ValueError(f"classes: expected 0..{n_out - 1} for a multilabel model")

    history = meta["history"]
    if not isinstance(history, dict) or not set(history) <= set(_HISTORY_KEYS):
        raise ValueError(
            f"config.history: expected an object with some of {list(_HISTORY_KEYS)}, got "
            f"{describe(history)}"
        )
    lengths = set()
    for key, values in history.items():
        if not isinstance(values, list) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in values
        ):
            raise ValueError(f"config.history.{key}: expected a list of numbers")
        lengths.add(len(values))
    if len(lengths) > 1:
        raise ValueError(
            f"config.history: expected series of one length, got lengths {sorted(lengths)}"
        )
    best = meta["best_epoch"]
    if best is not None:
        best = check_int(best, "config.best_epoch", 1, max(lengths, default=0))
    stop = meta["stop_reason"]
    if stop is not None:
        check_choice(stop, "config.stop_reason", _STOP_REASONS)
    rng = meta["rng"]
    if rng is not None:
        if not isinstance(rng, list) or len(rng) != 6 or not all(isinstance(w, str) for w in rng):
            raise ValueError("config.rng: expected 6 strings (4 generator words, spare, flag)")
        for i, word in enumerate(rng[:4]):
            if not word.isdigit() or int(word) >= 2**64:
                raise ValueError(
                    f"config.rng[{i}]: expected an unsigned 64-bit integer, got {word!r}"
                )
        try:
            spare = float(rng[4])
        except ValueError:
            spare = float("nan")
        if not np.isfinite(spare):
            raise ValueError(f"config.rng[4]: expected a finite number, got {rng[4]!r}")
        check_choice(rng[5], "config.rng[5]", ("True", "False"))
    steps = check_int(meta["optimizer_steps"], "config.optimizer_steps", 0, 2**63 - 1)
    schedule = meta["schedule_state"]
    if schedule is not None:
        if not isinstance(schedule, list) or len(schedule) != 5:
            raise ValueError(
                "config.schedule_state: expected 5 values (epochs, samples, scale, best, waited)"
            )
        epochs, samples = (
            check_int(v, f"config.schedule_state[{i}]", 0, 2**63 - 1)
            for i, v in enumerate(schedule[:2])
        )
        scale, best = (
            check_real(v, f"config.schedule_state[{i + 2}]") for i, v in enumerate(schedule[2:4])
        )
        if not (np.isfinite(scale) and scale > 0) or np.isnan(best):
            raise ValueError("config.schedule_state: expected a finite scale > 0 and a best loss")
        waited = check_int(schedule[4], "config.schedule_state[4]", 0, ENGINE_INT_MAX)
        meta["schedule_state"] = [epochs, samples, scale, best, waited]
    return dict(
        meta,
        optimizer_steps=steps,
        parameters=parameters,
        classes=classes,
        optimizer_first=first,
        optimizer_second=second,
    )


def _check_fields(found: dict, expected: Sequence[str], name: str) -> None:
    missing = [key for key in expected if key not in found]
    unknown = sorted(set(found) - set(expected))
    if missing or unknown:
        raise ValueError(f"{name}: missing fields {missing}, unexpected fields {unknown}")
