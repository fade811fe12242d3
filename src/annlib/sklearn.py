"""scikit-learn's ``MLPClassifier`` and ``MLPRegressor``, trained by annlib's C++ engine.

The one-line swap: ``from annlib.sklearn import MLPClassifier`` instead of
``from sklearn.neural_network import MLPClassifier``.  The constructors take
scikit-learn's parameters, in its order, with its defaults and meanings
(``solver``, ``alpha``, ``batch_size='auto'``, ``learning_rate_init``,
``max_iter``, ``n_iter_no_change``, ``warm_start``, ...), set the same fitted
attributes (``coefs_``, ``loss_curve_``, ``n_iter_``, ...) and follow the same
stopping rule; annlib's extras (more solvers and activations, one activation
per hidden layer, ``dtype``, other initialisations) are keyword parameters
after those.  The trained network is ``model_``, an ``annlib.MLP``.

scikit-learn is an optional dependency: ``pip install annlib[sklearn]``.
``import annlib`` never imports this module.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import numbers
import warnings
from typing import Any

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import LabelBinarizer
    from sklearn.utils import check_random_state
    from sklearn.utils._available_if import available_if
    from sklearn.utils.multiclass import check_classification_targets, type_of_target
    from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data
except ImportError as error:  # scikit-learn missing, or older than 1.6 (no validate_data)
    raise ImportError(
        "annlib.sklearn needs scikit-learn >= 1.6: pip install annlib[sklearn]"
    ) from error

from ._checks import ENGINE_INT_MAX, check_choice, check_float, check_int, describe
from .mlp import HIDDEN_ACTIVATIONS, INITS, MLP, OPTIMIZERS, _check_bool

__all__ = ["MLPClassifier", "MLPRegressor"]

_FLOATS = [np.float64, np.float32]

# scikit-learn's activation names and annlib's (logistic is annlib's sigmoid).
_ACTIVATIONS = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}
_SCHEDULES = ("constant", "invscaling", "adaptive")
# scikit-learn's solvers, then annlib's other optimizers under their own names
# ('momentum' is solver='sgd' with momentum > 0).
_SOLVERS = ("lbfgs", "sgd", "adam") + tuple(
    name for name in OPTIMIZERS if name not in ("sgd", "momentum", "adam", "lbfgs")
)
_FULL_BATCH_SOLVERS = ("lbfgs", "rprop")
# annlib's former estimator parameters, for the TypeError that names their new spelling.
_RENAMED = {
    "epochs": "max_iter",
    "optimizer": "solver",
    "l2": "alpha",
    "patience": "n_iter_no_change",
    "beta1": "beta_1",
    "beta2": "beta_2",
    "eps": "epsilon",
    "nesterov": "nesterovs_momentum",
    "seed": "random_state",
}


def _suggest_names(init):
    """Wrap ``__init__`` so an unknown keyword is a TypeError naming the closest valid one.

    ``functools.wraps`` keeps ``__wrapped__``, so ``inspect.signature`` (and with it
    scikit-learn's ``get_params``) still sees the real parameter list.
    """
    valid = [name for name in inspect.signature(init).parameters if name != "self"]

    @functools.wraps(init)
    def checked(self, *args, **kwargs):
        for name in kwargs:
            if name not in valid:
                close = _RENAMED.get(name) or next(
                    iter(difflib.get_close_matches(name, valid, n=1)), None
                )
                hint = f"; did you mean {close!r}?" if close else f"; expected one of {valid}"
                raise TypeError(f"{type(self).__name__}() got an unknown parameter {name!r}{hint}")
        init(self, *args, **kwargs)

    return checked


class _BaseMLP(BaseEstimator):
    """What the classifier and the regressor share: the settings, the fit loops, the attributes."""

    _OUTPUT: str  # the regressor's output activation; the classifier's depends on y

    # -------------------------------------------------------------- settings
    def _check_settings(self) -> dict[str, Any]:
        """Every setting checked (name and expected value in the message) before any work."""
        s: dict[str, Any] = {}
        s["hidden"] = _check_hidden_layer_sizes(self.hidden_layer_sizes)
        s["activation"] = _check_activation(self.activation, len(s["hidden"]))
        s["solver"] = check_choice(self.solver, "solver", _SOLVERS)
        s["alpha"] = check_float(self.alpha, "alpha", 0.0)
        if isinstance(self.batch_size, str):
            check_choice(self.batch_size, "batch_size", ("auto",))
            s["batch_size"] = "auto"
        else:
            s["batch_size"] = check_int(self.batch_size, "batch_size", 1, ENGINE_INT_MAX)
        s["learning_rate"] = check_choice(self.learning_rate, "learning_rate", _SCHEDULES)
        s["learning_rate_init"] = check_float(
            self.learning_rate_init, "learning_rate_init", 0.0, exclusive_minimum=True
        )
        s["power_t"] = check_float(self.power_t, "power_t", 0.0)
        s["max_iter"] = check_int(self.max_iter, "max_iter", 1, ENGINE_INT_MAX)
        for name in ("shuffle", "verbose", "warm_start", "nesterovs_momentum", "early_stopping"):
            s[name] = _check_bool(getattr(self, name), name)
        s["tol"] = check_float(self.tol, "tol", 0.0)
        s["momentum"] = check_float(self.momentum, "momentum", 0.0, 1.0)
        s["validation_fraction"] = check_float(
            self.validation_fraction, "validation_fraction", 0.0, 1.0, exclusive_maximum=True
        )
        for name in ("beta_1", "beta_2"):
            s[name] = check_float(getattr(self, name), name, 0.0, 1.0, exclusive_maximum=True)
        s["epsilon"] = check_float(self.epsilon, "epsilon", 0.0, exclusive_minimum=True)
        s["n_iter_no_change"] = check_int(self.n_iter_no_change, "n_iter_no_change", 1)
        s["max_fun"] = check_int(self.max_fun, "max_fun", 1, ENGINE_INT_MAX)
        if self.init is not None:
            check_choice(self.init, "init", INITS)
        state = self.random_state
        if isinstance(state, bool) or not isinstance(
            state, (type(None), numbers.Integral, np.random.RandomState)
        ):
            raise TypeError(
                f"random_state: expected None, an integer or a numpy RandomState, got "
                f"{describe(state)}"
            )
        return s

    def _engine_params(self, s: dict[str, Any], n_samples: int) -> tuple[dict[str, Any], int]:
        """annlib.MLP's parameters for these settings, and the minibatch size used."""
        solver = s["solver"]
        if solver in _FULL_BATCH_SOLVERS:
            batch = n_samples
        elif s["batch_size"] == "auto":
            batch = min(200, n_samples)
        else:
            if s["batch_size"] > n_samples:
                warnings.warn(
                    "Got `batch_size` less than 1 or larger than sample size. "
                    "It is going to be clipped"
                )
            batch = min(s["batch_size"], n_samples)
        if solver == "sgd":
            optimizer = "momentum" if s["momentum"] > 0 else "sgd"
        else:
            optimizer = solver
        params = {
            "activation": s["activation"],
            "optimizer": optimizer,
            "learning_rate": s["learning_rate_init"],
            "momentum": s["momentum"],
            "nesterov": s["nesterovs_momentum"],
            "beta1": s["beta_1"],
            "beta2": s["beta_2"],
            "eps": s["epsilon"],
            # scikit-learn adds (alpha/2)·ΣW² / (the batch's size) to each batch's loss:
            # annlib's l2 is the factor of ΣW²/2 itself.
            "l2": s["alpha"] / batch,
            "batch_size": None if batch >= n_samples else batch,
            "shuffle": s["shuffle"],
            "max_fun": s["max_fun"],
            "gtol": s["tol"],
            "dtype": self.dtype,
            "task": "regression",  # the estimator encodes the targets itself
            **{name: getattr(self, name) for name in _PASSED_THROUGH},
        }
        if self.init is not None:
            params["init"] = self.init
        return params, batch

    # -------------------------------------------------------------- fitting
    def _fit(self, X: np.ndarray, T: np.ndarray, incremental: bool) -> None:
        s = self._check_settings()
        if incremental and s["early_stopping"]:
            raise ValueError("partial_fit does not support early_stopping=True")
        first_pass = not hasattr(self, "model_") or (not s["warm_start"] and not incremental)
        n_samples = X.shape[0]
        self._random_state = check_random_state(self.random_state)
        params, batch = self._engine_params(s, n_samples)
        layers = [X.shape[1], *s["hidden"], T.shape[1]]
        if first_pass:
            self._initialize(T, layers, s, params)
        elif not incremental or not hasattr(self, "_schedule"):
            # A new fit (warm_start) keeps the weights but starts a new optimizer, as
            # scikit-learn does; partial_fit continues the optimizer it has.
            weights, biases = self.model_.weights, self.model_.biases
            self.__dict__.pop("_schedule", None)
            self.model_ = MLP(layers, seed=self._seed(), **params)
            self.model_.weights, self.model_.biases = weights, biases
        if s["solver"] == "lbfgs":
            self._fit_lbfgs(X, T, s)
        else:
            self._fit_stochastic(X, T, s, incremental)

    def _seed(self) -> int | None:
        """The engine's seed: an integer random_state is the seed itself."""
        state = self.random_state
        if state is None:
            return None
        if isinstance(state, numbers.Integral) and not isinstance(state, bool):
            return int(state) % (2**32)
        return int(self._random_state.randint(np.iinfo(np.int32).max))

    def _initialize(self, T: np.ndarray, layers: list[int], s: dict, params: dict) -> None:
        self.model_ = MLP(layers, seed=self._seed(), **params)
        if self.init is None:
            # scikit-learn's initialisation, drawn from random_state as scikit-learn draws it:
            # weights and biases uniform in ±√(f / (fan_in + fan_out)), f = 2 for logistic, else 6.
            factor = 2.0 if self.activation == "logistic" else 6.0
            weights, biases = [], []
            for fan_in, fan_out in zip(layers[:-1], layers[1:]):
                bound = np.sqrt(factor / (fan_in + fan_out))
                weights.append(self._random_state.uniform(-bound, bound, (fan_in, fan_out)))
                biases.append(self._random_state.uniform(-bound, bound, fan_out))
            self.model_.weights, self.model_.biases = weights, biases
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = T.shape[1]
        self.n_layers_ = len(layers)
        if s["solver"] not in _FULL_BATCH_SOLVERS:
            self.loss_curve_ = []
            self._no_improvement_count = 0
            if s["early_stopping"]:
                self.validation_scores_ = []
                self.best_validation_score_ = -np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.best_validation_score_ = None
        self.__dict__.pop("_schedule", None)

    def _fit_lbfgs(self, X: np.ndarray, T: np.ndarray, s: dict) -> None:
        self.model_.fit(X, T, epochs=s["max_iter"])
        history = self.model_.history
        self.n_iter_ = len(history["loss"])
        self.loss_ = float(history["loss"][-1])
        if self.model_.stop_reason_ in ("epochs", "max_fun"):
            warnings.warn(
                f"lbfgs failed to converge after {self.n_iter_} iteration(s) "
                f"(stopped by {self.model_.stop_reason_}: max_iter={s['max_iter']}, "
                f"max_fun={s['max_fun']}).",
                ConvergenceWarning,
            )

    def _fit_stochastic(self, X: np.ndarray, T: np.ndarray, s: dict, incremental: bool) -> None:
        early_stopping = s["early_stopping"]
        X_val = T_val = None
        if early_stopping:
            stratify = T if isinstance(self, ClassifierMixin) and T.shape[1] == 1 else None
            X, X_val, T, T_val = train_test_split(
                X,
                T,
                random_state=self._random_state,
                test_size=s["validation_fraction"],
                stratify=stratify,
            )
            if X_val.shape[0] < 2:
                raise ValueError(
                    "The validation set is too small. Increase 'validation_fraction' "
                    "or the size of your dataset."
                )
        n_samples = X.shape[0]
        if not hasattr(self, "_schedule"):
            self._schedule = {"learning_rate": s["learning_rate_init"]}
        schedule = self._schedule
        is_sgd = s["solver"] == "sgd"
        epochs = 1 if incremental else s["max_iter"]
        self.n_iter_ = 0
        stopped = False

        def end_of_epoch(epoch: int, history: dict, model: MLP) -> bool:
            """scikit-learn's bookkeeping and stopping rule after one epoch; False ends model.fit."""
            nonlocal stopped
            self.loss_ = float(history["loss"][-1])
            self.n_iter_ += 1
            self.t_ += n_samples
            self.loss_curve_.append(self.loss_)
            if s["verbose"]:
                print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}")
            self._update_no_improvement_count(early_stopping, model, X_val, T_val, s["tol"])
            if is_sgd and s["learning_rate"] == "invscaling":
                schedule["learning_rate"] = s["learning_rate_init"] / (self.t_ + 1) ** s["power_t"]
            if self._no_improvement_count > s["n_iter_no_change"]:
                what = "Validation score" if early_stopping else "Training loss"
                message = (
                    f"{what} did not improve more than tol={s['tol']:f} for "
                    f"{s['n_iter_no_change']} consecutive epochs."
                )
                if is_sgd and s["learning_rate"] == "adaptive" and schedule["learning_rate"] > 1e-6:
                    schedule["learning_rate"] /= 5.0
                    self._no_improvement_count = 0
                    if s["verbose"]:
                        print(f"{message} Setting learning rate to {schedule['learning_rate']:f}")
                else:
                    if s["verbose"]:
                        print(f"{message} Stopping.")
                    stopped = True
                    return False
            # A new learning rate takes effect between two calls of model.fit.
            return model.get_params()["learning_rate"] == schedule["learning_rate"]

        while self.n_iter_ < epochs and not stopped:
            if self.model_.get_params()["learning_rate"] != schedule["learning_rate"]:
                self.model_.set_params(learning_rate=schedule["learning_rate"])
            self.model_.fit(X, T, epochs=epochs - self.n_iter_, callback=end_of_epoch)
        if not stopped and not incremental and self.n_iter_ == s["max_iter"]:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({s['max_iter']}) reached and the "
                "optimization hasn't converged yet.",
                ConvergenceWarning,
            )
        if early_stopping:
            self.model_.weights, self.model_.biases = self._best_parameters

    def _update_no_improvement_count(self, early_stopping, model, X_val, T_val, tol) -> None:
        if early_stopping:
            score = self._score_outputs(model.outputs(X_val), T_val)
            self.validation_scores_.append(score)
            if self.verbose:
                print(f"Validation score: {score:f}")
            if score < self.best_validation_score_ + tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best_parameters = (model.weights, model.biases)
        else:
            if self.loss_curve_[-1] > self.best_loss_ - tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if self.loss_curve_[-1] < self.best_loss_:
                self.best_loss_ = self.loss_curve_[-1]

    # -------------------------------------------------------------- attributes and prediction
    @property
    def coefs_(self) -> list[np.ndarray]:
        """The weight matrices, ``coefs_[i]`` of shape (units of layer i, units of layer i+1)."""
        if "model_" not in self.__dict__:
            raise AttributeError("coefs_: the estimator is not fitted yet")
        return self.model_.weights

    @coefs_.setter
    def coefs_(self, values: list[np.ndarray]) -> None:
        self.model_.weights = values

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """The bias vectors, ``intercepts_[i]`` of shape (units of layer i+1,)."""
        if "model_" not in self.__dict__:
            raise AttributeError("intercepts_: the estimator is not fitted yet")
        return self.model_.biases

    @intercepts_.setter
    def intercepts_(self, values: list[np.ndarray]) -> None:
        self.model_.biases = values

    def _outputs(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=_FLOATS)
        return self.model_.outputs(X)


# annlib's settings passed to annlib.MLP unchanged (the extras after scikit-learn's).
_PASSED_THROUGH = (
    "rho",
    "centered",
    "delta0",
    "delta_min",
    "delta_max",
    "eta_plus",
    "eta_minus",
    "history_size",
    "ftol",
    "init_mean",
    "init_std",
    "leaky_slope",
)

_SHARED_DOC = """
    Parameters
    ----------
    hidden_layer_sizes, activation, solver, alpha, batch_size, learning_rate,
    learning_rate_init, power_t, max_iter, shuffle, random_state, tol, verbose,
    warm_start, momentum, nesterovs_momentum, early_stopping, validation_fraction,
    beta_1, beta_2, epsilon, n_iter_no_change, max_fun
        scikit-learn's, with its defaults and meanings (see
        ``sklearn.neural_network.{name}``).  Extensions: ``activation`` may be a
        sequence with one name per hidden layer and takes annlib's other hidden
        activations ({activations}); ``solver`` also takes annlib's other
        optimizers ({solvers}).
    rho, centered : float, bool
        ``solver='rmsprop'``: the decay of the squared-gradient average; centered RMSProp.
    delta0, delta_min, delta_max, eta_plus, eta_minus : float
        ``solver='rprop'`` (full batch): the initial, smallest and largest step, and
        its growth and shrink factors.
    history_size, ftol : int, float
        ``solver='lbfgs'``: the (s, y) pairs kept (scipy's ``maxcor``) and the relative
        loss decrease that stops it (scipy's ``ftol``); ``tol`` is its ``gtol``.
    init : None or str
        None (default): scikit-learn's Glorot-uniform weights and biases, drawn from
        ``random_state`` exactly as scikit-learn draws them; else annlib's {inits}.
    init_mean, init_std : float
        ``init='normal'``: the mean and standard deviation.
    leaky_slope : float
        ``activation='leaky_relu'``: the slope below 0.
    dtype : 'float64' or 'float32'
        The precision of the weights and of the computation.

    Attributes
    ----------
    coefs_, intercepts_, loss_, best_loss_, loss_curve_, validation_scores_,
    best_validation_score_, t_, n_iter_, n_layers_, n_outputs_, out_activation_,
    n_features_in_, feature_names_in_ (and the classifier's classes_)
        As scikit-learn's.  ``model_`` is the trained ``annlib.MLP``.

    Notes
    -----
    ``fit`` has no ``sample_weight`` yet (the engine has no sample weights).
"""


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """scikit-learn's multi-layer perceptron classifier, trained by annlib's C++ engine.

    Softmax outputs for several classes, one logistic output for two, one logistic
    output per label for multilabel targets (a 0/1 indicator matrix); the loss is
    scikit-learn's log-loss.

    Examples
    --------
    >>> from annlib.sklearn import MLPClassifier
    >>> clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=100, random_state=0)  # doctest: +SKIP
    >>> clf.fit(X, y).score(X, y)                                                   # doctest: +SKIP
    """

    @_suggest_names
    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        rho=0.9,
        centered=False,
        delta0=0.1,
        delta_min=1e-6,
        delta_max=50.0,
        eta_plus=1.2,
        eta_minus=0.5,
        history_size=10,
        ftol=2.2e-9,
        init=None,
        init_mean=0.0,
        init_std=0.1,
        leaky_slope=0.01,
        dtype="float64",
    ):
        for name, value in list(locals().items()):
            if name not in ("self", "__class__"):
                setattr(self, name, value)

    def fit(self, X: Any, y: Any) -> "MLPClassifier":
        """Train on (X, y) (from scratch, or from the current weights with warm_start)."""
        self._check_settings()
        first = not hasattr(self, "model_") or not self.warm_start
        X, y = validate_data(self, X, y, dtype=_FLOATS, multi_output=True, reset=first)
        T = self._encode(y, first, classes=None)
        self._fit(X, T, incremental=False)
        return self

    @available_if(lambda self: _check_stochastic(self))
    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> "MLPClassifier":
        """One epoch over (X, y) from the current weights and optimizer state.

        The first call needs ``classes``, every label that any call will see.
        """
        self._check_settings()
        first = not hasattr(self, "model_")
        X, y = validate_data(self, X, y, dtype=_FLOATS, multi_output=True, reset=first)
        if first and classes is None:
            raise ValueError(
                "classes: expected every class label on the first call to partial_fit, got None"
            )
        T = self._encode(y, first, classes)
        self._fit(X, T, incremental=True)
        return self

    def _encode(self, y: np.ndarray, first: bool, classes: Any) -> np.ndarray:
        """y as the network's targets: one-hot, one 0/1 column (binary) or the label matrix."""
        check_classification_targets(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if first:
            binarizer = LabelBinarizer()
            if classes is not None and not type_of_target(y).startswith("multilabel"):
                binarizer.fit(np.asarray(classes))
            else:
                binarizer.fit(y)
            if len(binarizer.classes_) < 2:
                raise ValueError(
                    f"y: expected at least 2 classes to tell apart, got 1 class: "
                    f"{binarizer.classes_.tolist()}"
                )
            self._label_binarizer = binarizer
            self.classes_ = binarizer.classes_
            self.out_activation_ = "softmax" if binarizer.y_type_ == "multiclass" else "logistic"
        elif classes is not None and not np.array_equal(
            np.unique(np.asarray(classes)), self.classes_
        ):
            raise ValueError(
                f"classes: expected the classes of the first call {self.classes_.tolist()}, "
                f"got {np.unique(np.asarray(classes)).tolist()}"
            )
        if not type_of_target(y).startswith("multilabel"):
            unseen = np.setdiff1d(np.unique(y), self.classes_)
            if unseen.size:
                raise ValueError(
                    f"y: labels not in classes_ {self.classes_.tolist()}: {unseen.tolist()}"
                )
        return self._label_binarizer.transform(y).astype(np.float64)

    def _engine_params(self, s, n_samples):
        params, batch = super()._engine_params(s, n_samples)
        params["output_activation"] = "softmax" if self.out_activation_ == "softmax" else "sigmoid"
        params["loss"] = "cross_entropy"
        return params, batch

    def _score_outputs(self, outputs: np.ndarray, T: np.ndarray) -> float:
        """Accuracy (subset accuracy for multilabel) of the outputs against encoded targets."""
        if self.out_activation_ == "softmax":
            return float(np.mean(outputs.argmax(axis=1) == T.argmax(axis=1)))
        return float(accuracy_score(T > 0.5, outputs > 0.5))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (n_samples, n_classes); per label for multilabel targets."""
        Y = self._outputs(X)
        if self.out_activation_ == "logistic" and self._label_binarizer.y_type_ == "binary":
            return np.column_stack([1.0 - Y[:, 0], Y[:, 0]])
        return Y

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """The logarithm of ``predict_proba``."""
        return np.log(self.predict_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of every sample (the label matrix for multilabel targets)."""
        Y = self._outputs(X)
        if self.out_activation_ == "softmax":
            return self.classes_[Y.argmax(axis=1)]
        return self._label_binarizer.inverse_transform(Y)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, _BaseMLP):
    """scikit-learn's multi-layer perceptron regressor, trained by annlib's C++ engine.

    Identity outputs, one per target column, and scikit-learn's squared error
    (half the mean over every output).  ``loss='poisson'`` is not available (the
    engine has no exponential output).
    """

    @_suggest_names
    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        rho=0.9,
        centered=False,
        delta0=0.1,
        delta_min=1e-6,
        delta_max=50.0,
        eta_plus=1.2,
        eta_minus=0.5,
        history_size=10,
        ftol=2.2e-9,
        init=None,
        init_mean=0.0,
        init_std=0.1,
        leaky_slope=0.01,
        dtype="float64",
    ):
        for name, value in list(locals().items()):
            if name not in ("self", "__class__"):
                setattr(self, name, value)

    def fit(self, X: Any, y: Any) -> "MLPRegressor":
        """Train on (X, y) (from scratch, or from the current weights with warm_start)."""
        self._check_settings()
        first = not hasattr(self, "model_") or not self.warm_start
        X, y = validate_data(
            self, X, y, dtype=_FLOATS, multi_output=True, y_numeric=True, reset=first
        )
        self._fit(X, self._encode(y, first), incremental=False)
        return self

    @available_if(lambda self: _check_stochastic(self))
    def partial_fit(self, X: Any, y: Any) -> "MLPRegressor":
        """One epoch over (X, y) from the current weights and optimizer state."""
        self._check_settings()
        first = not hasattr(self, "model_")
        X, y = validate_data(
            self, X, y, dtype=_FLOATS, multi_output=True, y_numeric=True, reset=first
        )
        self._fit(X, self._encode(y, first), incremental=True)
        return self

    def _check_settings(self):
        check_choice(self.loss, "loss", ("squared_error",))
        return super()._check_settings()

    def _encode(self, y: np.ndarray, first: bool) -> np.ndarray:
        T = np.asarray(y, dtype=np.float64).reshape(y.shape[0], -1)
        if first:
            self._single_output = y.ndim == 1
            self.out_activation_ = "identity"
        elif T.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y: expected {self.n_outputs_} target columns as in the first call, "
                f"got {T.shape[1]}"
            )
        return T

    def _engine_params(self, s, n_samples):
        params, batch = super()._engine_params(s, n_samples)
        params["output_activation"] = "identity"
        params["loss"] = "mse"
        return params, batch

    def _score_outputs(self, outputs: np.ndarray, T: np.ndarray) -> float:
        return float(r2_score(T, outputs))

    def predict(self, X: Any) -> np.ndarray:
        """Predicted targets: (n_samples,) if ``y`` was 1-D at fit, else (n_samples, n_outputs)."""
        Y = self._outputs(X)
        return Y[:, 0] if self._single_output else Y

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


for _estimator in (MLPClassifier, MLPRegressor):
    _estimator.__doc__ += _SHARED_DOC.format(
        name=_estimator.__name__,
        activations=", ".join(a for a in HIDDEN_ACTIVATIONS if a not in _ACTIVATIONS.values()),
        solvers=", ".join(_SOLVERS[3:]),
        inits=", ".join(INITS),
    )


def _check_stochastic(estimator: Any) -> bool:
    """partial_fit exists for the minibatch solvers only, as in scikit-learn."""
    if estimator.solver in _FULL_BATCH_SOLVERS:
        raise AttributeError(
            f"partial_fit is only available for stochastic optimizers; solver={estimator.solver!r}"
        )
    return True


def _check_activation(value: Any, n_hidden: int) -> str | list[str]:
    """scikit-learn's names (logistic is annlib's sigmoid), annlib's, or one per hidden layer."""
    names = tuple(_ACTIVATIONS) + tuple(a for a in HIDDEN_ACTIVATIONS if a != "sigmoid")
    if isinstance(value, str):
        return _ACTIVATIONS.get(check_choice(value, "activation", names), value)
    if not isinstance(value, (list, tuple)) or len(value) != n_hidden:
        raise TypeError(
            f"activation: expected a name or one name per hidden layer ({n_hidden}), "
            f"got {describe(value)}"
        )
    return [
        _ACTIVATIONS.get(check_choice(v, f"activation[{i}]", names), v) for i, v in enumerate(value)
    ]


def _check_hidden_layer_sizes(value: Any) -> tuple[int, ...]:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,)
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple, np.ndarray)):
        raise TypeError(
            f"hidden_layer_sizes: expected a tuple of layer sizes like (100,), got {describe(value)}"
        )
    return tuple(check_int(size, f"hidden_layer_sizes[{i}]", 1) for i, size in enumerate(value))
