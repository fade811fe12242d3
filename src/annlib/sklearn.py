"""scikit-learn estimators around annlib.MLP: ``MLPClassifier`` and ``MLPRegressor``.

They take annlib.MLP's hyper-parameters under the same names (plus
``hidden_layer_sizes``, ``epochs``, the early-stopping settings and
``random_state``), store them untouched, and build and train an
``annlib.MLP`` in ``fit``; so they work in ``Pipeline``, ``GridSearchCV``,
``cross_val_score`` and ``clone``.  The trained network is ``model_``.

scikit-learn is an optional dependency: ``pip install annlib[sklearn]``.
``import annlib`` never imports this module.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_is_fitted, validate_data
except ImportError as error:  # scikit-learn missing, or older than 1.6 (no validate_data)
    raise ImportError(
        "annlib.sklearn needs scikit-learn >= 1.6: pip install annlib[sklearn]"
    ) from error

from ._checks import ENGINE_INT_MAX, check_float, check_int, check_seed, describe
from .mlp import _BINARY_TARGETS, DEFAULTS, MLP, _check_bool

__all__ = ["MLPClassifier", "MLPRegressor"]

_FLOATS = [np.float64, np.float32]

# Single bounded outputs that can separate two classes (MLP's binary targets).
_BINARY_OUTPUTS = tuple(_BINARY_TARGETS)


class _MLPEstimator(BaseEstimator):
    """What the classifier and the regressor share: building, training and reporting."""

    # annlib.MLP's constructor parameters, passed through under the same names
    # (its seed is random_state here; its task is fixed by the estimator's kind: _TASK).
    _MLP_PARAMS = tuple(name for name in DEFAULTS if name not in ("seed", "task"))
    _TASK: str

    def _new_model(self, n_features: int, n_outputs: int) -> MLP:
        hidden = _check_hidden_layer_sizes(self.hidden_layer_sizes)
        params = {name: getattr(self, name) for name in self._MLP_PARAMS}
        return MLP([n_features, *hidden, n_outputs], seed=self._seed(), task=self._TASK, **params)

    def _seed(self) -> int | None:
        """random_state as MLP's seed: an int is used as is, so ``random_state=3`` is ``seed=3``."""
        state = self.random_state
        if state is None:
            return None
        if isinstance(state, np.random.RandomState):
            return int(state.randint(np.iinfo(np.int32).max))
        if isinstance(state, numbers.Integral) and not isinstance(state, bool):
            return check_seed(state, "random_state")
        raise TypeError(
            f"random_state: expected None, an integer or a numpy RandomState, got {describe(state)}"
        )

    def _train(
        self, X: np.ndarray, targets: np.ndarray, epochs: int, classes: Any, partial: bool
    ) -> None:
        """Run MLP.fit and record the curves; ``partial`` (partial_fit) appends to them."""
        settings = self._settings()
        early_stopping = settings["early_stopping"] and not partial
        extra = {"validation_fraction": settings["validation_fraction"]} if early_stopping else {}
        self.model_.fit(
            X,
            targets,
            epochs=epochs,
            early_stopping=early_stopping,
            patience=settings["patience"],
            tol=settings["tol"],
            verbose=settings["verbose"],
            classes=classes,
            **extra,
        )
        history = self.model_.history
        previous = list(getattr(self, "loss_curve_", [])) if partial else []
        self.loss_curve_ = previous + list(history["loss"])
        self.n_iter_ = len(self.loss_curve_)
        if "val_loss" in history:
            self.validation_loss_curve_ = list(history["val_loss"])
            self.best_epoch_ = self.model_.best_epoch_

    def _settings(self) -> dict[str, Any]:
        """The training settings, checked like annlib.MLP checks them (early_stopping="False"
        is a TypeError, not early stopping); fit and partial_fit call it before building."""
        return {
            "epochs": check_int(self.epochs, "epochs", 1, ENGINE_INT_MAX),
            "early_stopping": _check_bool(self.early_stopping, "early_stopping"),
            "validation_fraction": check_float(
                self.validation_fraction,
                "validation_fraction",
                0.0,
                1.0,
                exclusive_minimum=True,
                exclusive_maximum=True,
            ),
            "patience": check_int(self.patience, "patience", 1, ENGINE_INT_MAX),
            "tol": check_float(self.tol, "tol", 0.0),
            "verbose": _check_bool(self.verbose, "verbose"),
        }

    def _inputs(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        return validate_data(self, X, reset=False, dtype=_FLOATS)


class MLPClassifier(ClassifierMixin, _MLPEstimator):
    """A multi-layer perceptron classifier trained by annlib's C++ engine.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int
        Sizes of the hidden layers; the input and output sizes come from the data.
    activation, output_activation, loss, optimizer, learning_rate, momentum, nesterov,
    beta1, beta2, eps, rho, centered, weight_decay, delta0, delta_min, delta_max, eta_plus,
    eta_minus, history_size, max_fun, gtol, ftol, schedule, power_t, decay, decay_every,
    cosine_epochs, cosine_restarts, min_learning_rate, plateau_factor, plateau_patience,
    plateau_tol, warmup_epochs, l2, max_grad_norm, batch_size, shuffle, init, init_mean,
    init_std, leaky_slope, dtype
        As in ``annlib.MLP``.  ``output_activation='softmax'`` (default) has one
        output per class; a single ``sigmoid``/``tanh``/``bipolar_sigmoid``
        output separates two classes.  ``batch_size=None`` is full batch (which
        ``rprop`` and ``lbfgs`` need).
    epochs : int
        Passes over the data in ``fit`` (``partial_fit`` makes one).
    early_stopping, validation_fraction, patience, tol
        Hold out ``validation_fraction`` of the data and stop when its loss has not
        improved by ``tol`` for ``patience`` epochs, keeping the best weights.
    random_state : None, int or numpy.random.RandomState
        Seed of the network (weights, shuffling, validation split); an integer is
        the seed itself.
    verbose : bool
        Show a progress bar over epochs.

    Attributes
    ----------
    classes_, n_features_in_, model_ (the trained annlib.MLP), loss_curve_, n_iter_
    (epochs run), and with early stopping validation_loss_curve_ and best_epoch_.

    Examples
    --------
    >>> from annlib.sklearn import MLPClassifier
    >>> clf = MLPClassifier(hidden_layer_sizes=(8,), epochs=100, random_state=0)  # doctest: +SKIP
    >>> clf.fit(X, y).score(X, y)                                                  # doctest: +SKIP
    """

    _TASK = "classification"

    def __init__(
        self,
        hidden_layer_sizes=(16,),
        activation="tanh",
        output_activation="softmax",
        loss="cross_entropy",
        optimizer="adam",
        learning_rate=0.001,
        momentum=0.9,
        nesterov=False,
        beta1=0.9,
        beta2=0.999,
        eps=1e-8,
        rho=0.9,
        centered=False,
        weight_decay=0.01,
        delta0=0.1,
        delta_min=1e-6,
        delta_max=50.0,
        eta_plus=1.2,
        eta_minus=0.5,
        history_size=10,
        max_fun=15000,
        gtol=1e-5,
        ftol=2.2e-9,
        schedule="constant",
        power_t=0.5,
        decay=0.5,
        decay_every=10,
        cosine_epochs=100,
        cosine_restarts=False,
        min_learning_rate=0.0,
        plateau_factor=5.0,
        plateau_patience=2,
        plateau_tol=1e-4,
        warmup_epochs=0,
        l2=0.0,
        max_grad_norm=0.0,
        batch_size=32,
        shuffle=True,
        init="glorot",
        init_mean=0.0,
        init_std=0.1,
        leaky_slope=0.01,
        epochs=200,
        early_stopping=False,
        validation_fraction=0.1,
        patience=10,
        tol=1e-4,
        random_state=None,
        dtype="float64",
        verbose=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.output_activation = output_activation
        self.loss = loss
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.rho = rho
        self.centered = centered
        self.weight_decay = weight_decay
        self.delta0 = delta0
        self.delta_min = delta_min
        self.delta_max = delta_max
        self.eta_plus = eta_plus
        self.eta_minus = eta_minus
        self.history_size = history_size
        self.max_fun = max_fun
        self.gtol = gtol
        self.ftol = ftol
        self.schedule = schedule
        self.power_t = power_t
        self.decay = decay
        self.decay_every = decay_every
        self.cosine_epochs = cosine_epochs
        self.cosine_restarts = cosine_restarts
        self.min_learning_rate = min_learning_rate
        self.plateau_factor = plateau_factor
        self.plateau_patience = plateau_patience
        self.plateau_tol = plateau_tol
        self.warmup_epochs = warmup_epochs
        self.l2 = l2
        self.max_grad_norm = max_grad_norm
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.init = init
        self.init_mean = init_mean
        self.init_std = init_std
        self.leaky_slope = leaky_slope
        self.epochs = epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.tol = tol
        self.random_state = random_state
        self.dtype = dtype
        self.verbose = verbose

    def fit(self, X: Any, y: Any) -> "MLPClassifier":
        """Train a new network on (X, y) for ``epochs`` epochs; returns ``self``."""
        epochs = self._settings()["epochs"]
        X, y = validate_data(self, X, y, dtype=_FLOATS)
        check_classification_targets(y)
        classes, index = np.unique(y, return_inverse=True)
        self._start(X.shape[1], classes)
        self._train(X, index, epochs, np.arange(len(classes)), partial=False)
        return self

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> "MLPClassifier":
        """One epoch over (X, y), continuing from the current weights; returns ``self``.

        The first call (on an unfitted estimator) needs ``classes``, every label
        that any call will see.
        """
        self._settings()
        first = not hasattr(self, "model_")
        X, y = validate_data(self, X, y, dtype=_FLOATS, reset=first)
        check_classification_targets(y)
        if first:
            if classes is None:
                raise ValueError(
                    "classes: expected every class label on the first call to partial_fit, got None"
                )
            self._start(X.shape[1], np.unique(np.asarray(classes)))
        elif classes is not None and not np.array_equal(
            np.unique(np.asarray(classes)), self.classes_
        ):
            raise ValueError(
                f"classes: expected the classes of the first call {self.classes_.tolist()}, "
                f"got {np.unique(np.asarray(classes)).tolist()}"
            )
        index = np.searchsorted(self.classes_, y).clip(0, len(self.classes_) - 1)
        unseen = self.classes_[index] != y
        if np.any(unseen):
            raise ValueError(
                f"y: labels not in classes_ {self.classes_.tolist()}: {np.unique(y[unseen]).tolist()}"
            )
        self._train(X, index, 1, np.arange(len(self.classes_)), partial=True)
        return self

    def _start(self, n_features: int, classes: np.ndarray) -> None:
        if len(classes) < 2:
            raise ValueError(
                f"y: expected at least 2 classes to tell apart, got 1 class: {classes.tolist()}"
            )
        if self.output_activation == "softmax":
            n_outputs = len(classes)
        elif self.output_activation in _BINARY_OUTPUTS:
            if len(classes) != 2:
                raise ValueError(
                    f"output_activation: Only binary classification is supported with a single "
                    f"{self.output_activation!r} output; got {len(classes)} classes (use 'softmax')"
                )
            n_outputs = 1
        else:
            raise ValueError(
                f"output_activation: expected 'softmax' or one of {_BINARY_OUTPUTS} for a classifier, "
                f"got {self.output_activation!r}"
            )
        self.model_ = self._new_model(n_features, n_outputs)
        self.classes_ = classes

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in the order of ``classes_``."""
        X = self._inputs(X)
        return self.model_.predict_proba(X)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of every sample."""
        X = self._inputs(X)
        return self.classes_[self.model_.predict(X)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # A single bounded output tells two classes apart; softmax any number.
        tags.classifier_tags.multi_class = self.output_activation not in _BINARY_OUTPUTS
        return tags


class MLPRegressor(RegressorMixin, _MLPEstimator):
    """A multi-layer perceptron regressor trained by annlib's C++ engine.

    Parameters are those of ``MLPClassifier`` with ``output_activation='identity'``
    and ``loss='mse'`` by default.  ``y`` may have several columns (one output each).
    A bounded ``output_activation`` (``sigmoid``, ``tanh``) regresses onto targets in
    its range; it never turns the estimator into a classifier.
    """

    # A regressor stays a regressor whatever y holds (0/1 targets for a sigmoid output included).
    _TASK = "regression"

    def __init__(
        self,
        hidden_layer_sizes=(16,),
        activation="tanh",
        output_activation="identity",
        loss="mse",
        optimizer="adam",
        learning_rate=0.001,
        momentum=0.9,
        nesterov=False,
        beta1=0.9,
        beta2=0.999,
        eps=1e-8,
        rho=0.9,
        centered=False,
        weight_decay=0.01,
        delta0=0.1,
        delta_min=1e-6,
        delta_max=50.0,
        eta_plus=1.2,
        eta_minus=0.5,
        history_size=10,
        max_fun=15000,
        gtol=1e-5,
        ftol=2.2e-9,
        schedule="constant",
        power_t=0.5,
        decay=0.5,
        decay_every=10,
        cosine_epochs=100,
        cosine_restarts=False,
        min_learning_rate=0.0,
        plateau_factor=5.0,
        plateau_patience=2,
        plateau_tol=1e-4,
        warmup_epochs=0,
        l2=0.0,
        max_grad_norm=0.0,
        batch_size=32,
        shuffle=True,
        init="glorot",
        init_mean=0.0,
        init_std=0.1,
        leaky_slope=0.01,
        epochs=200,
        early_stopping=False,
        validation_fraction=0.1,
        patience=10,
        tol=1e-4,
        random_state=None,
        dtype="float64",
        verbose=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.output_activation = output_activation
        self.loss = loss
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.rho = rho
        self.centered = centered
        self.weight_decay = weight_decay
        self.delta0 = delta0
        self.delta_min = delta_min
        self.delta_max = delta_max
        self.eta_plus = eta_plus
        self.eta_minus = eta_minus
        self.history_size = history_size
        self.max_fun = max_fun
        self.gtol = gtol
        self.ftol = ftol
        self.schedule = schedule
        self.power_t = power_t
        self.decay = decay
        self.decay_every = decay_every
        self.cosine_epochs = cosine_epochs
        self.cosine_restarts = cosine_restarts
        self.min_learning_rate = min_learning_rate
        self.plateau_factor = plateau_factor
        self.plateau_patience = plateau_patience
        self.plateau_tol = plateau_tol
        self.warmup_epochs = warmup_epochs
        self.l2 = l2
        self.max_grad_norm = max_grad_norm
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.init = init
        self.init_mean = init_mean
        self.init_std = init_std
        self.leaky_slope = leaky_slope
        self.epochs = epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.tol = tol
        self.random_state = random_state
        self.dtype = dtype
        self.verbose = verbose

    def fit(self, X: Any, y: Any) -> "MLPRegressor":
        """Train a new network on (X, y) for ``epochs`` epochs; returns ``self``."""
        epochs = self._settings()["epochs"]
        X, y = validate_data(self, X, y, dtype=_FLOATS, multi_output=True, y_numeric=True)
        targets = self._start(X.shape[1], y)
        self._train(X, targets, epochs, None, partial=False)
        return self

    def partial_fit(self, X: Any, y: Any) -> "MLPRegressor":
        """One epoch over (X, y), continuing from the current weights; returns ``self``."""
        self._settings()
        first = not hasattr(self, "model_")
        X, y = validate_data(
            self, X, y, dtype=_FLOATS, multi_output=True, y_numeric=True, reset=first
        )
        if first:
            targets = self._start(X.shape[1], y)
        else:
            targets = np.asarray(y, dtype=np.float64).reshape(y.shape[0], -1)
            if targets.shape[1] != self.n_outputs_:
                raise ValueError(
                    f"y: expected {self.n_outputs_} target columns as in the first call, "
                    f"got {targets.shape[1]}"
                )
        self._train(X, targets, 1, None, partial=True)
        return self

    def _start(self, n_features: int, y: np.ndarray) -> np.ndarray:
        targets = np.asarray(y, dtype=np.float64).reshape(y.shape[0], -1)
        self.model_ = self._new_model(n_features, targets.shape[1])
        self.n_outputs_ = targets.shape[1]
        self._single_output = y.ndim == 1
        return targets

    def predict(self, X: Any) -> np.ndarray:
        """Predicted targets: shape (n_samples,) if ``y`` was 1-D at fit, else (n_samples, n_outputs)."""
        X = self._inputs(X)
        Y = self.model_.outputs(X)
        return Y[:, 0] if self._single_output else Y

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


def _check_hidden_layer_sizes(value: Any) -> tuple[int, ...]:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,)
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple, np.ndarray)):
        raise TypeError(
            f"hidden_layer_sizes: expected a tuple of layer sizes like (16,), got {describe(value)}"
        )
    return tuple(check_int(size, f"hidden_layer_sizes[{i}]", 1) for i, size in enumerate(value))
