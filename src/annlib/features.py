"""Input features built from the raw inputs: TensorFlow Playground's crosses and polynomials.

A feature is named by a small formula over the inputs ``x1, x2, ..., xd`` (numbered
from 1 like the Playground's X1, X2), and the name is the whole specification:

- ``x1``            an input as it is
- ``x1^2``          a power (any integer exponent >= 1)
- ``sin(x1)``, ``cos(x1)``
- ``x1*x2``, ``x1^2*x2``, ``sin(x1)*x2``   products of the above

So ``cross(X, names)`` computes exactly the columns its names say, and a
transformer's ``get_feature_names_out()`` builds the same transformer again:
``Crosses(c.get_feature_names_out())`` transforms like ``c``.

``PLAYGROUND`` lists the seven features TensorFlow Playground offers on its 2-D
data.  ``polynomial(X, degree)`` gives every monomial of degree 1 to ``degree``
of any number of inputs (no constant column: every layer has a bias).

``CrossedModel(crosses, model)`` trains and predicts on raw inputs through the
crosses; ``annlib.plot.decision_boundary`` and ``annlib.plot.unit_maps`` see its
``features`` and draw in the raw input plane.

>>> import numpy as np
>>> cross(np.array([[2.0, 3.0]]), ["x1*x2", "x2^2"]).tolist()
[[6.0, 9.0]]
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from typing import Any, Sequence

import numpy as np

from ._checks import as_float_array, check_int, describe

__all__ = [
    "PLAYGROUND",
    "CrossedModel",
    "Crosses",
    "cross",
    "polynomial",
    "polynomial_names",
]

#: TensorFlow Playground's seven input features, in its order.
PLAYGROUND = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")

_FUNCTIONS = {"sin": np.sin, "cos": np.cos}
_POWER = re.compile(r"x([1-9][0-9]*)(?:\^([1-9][0-9]*))?")
_CALL = re.compile(r"(sin|cos)\(x([1-9][0-9]*)\)")


def _parse(name: Any) -> list[tuple[str, int, int]]:
    """A feature name as factors ``(function, input index from 0, exponent)``."""
    if not isinstance(name, str):
        raise TypeError(f"features: expected names like 'x1*x2', got {describe(name)}")
    factors = []
    for part in name.replace(" ", "").split("*"):
        power, call = _POWER.fullmatch(part), _CALL.fullmatch(part)
        if power:
            factors.append(("x", int(power[1]) - 1, int(power[2] or 1)))
        elif call:
            factors.append((call[1], int(call[2]) - 1, 1))
        else:
            raise ValueError(
                f"features: expected names built from x1, x2, ... like 'x1', 'x1^2', 'x1*x2', "
                f"'sin(x1)', got {name!r}"
            )
    return factors


def _inputs(X: Any, name: str = "X") -> np.ndarray:
    return as_float_array(X, name, ndim=2)


def _check_names(names: Any) -> list[str]:
    if isinstance(names, str) or not isinstance(names, (Sequence, np.ndarray)):
        raise TypeError(f"features: expected a list of feature names, got {describe(names)}")
    names = list(names)
    if not names:
        raise ValueError("features: expected at least one feature name, got none")
    for n in names:
        _parse(n)
    names = [str(n).replace(" ", "") for n in names]
    repeated = [n for n, count in Counter(names).items() if count > 1]
    if repeated:
        raise ValueError(f"features: expected distinct names, got {repeated} more than once")
    return names


def _n_inputs_needed(names: Sequence[str]) -> int:
    return max(index for n in names for _, index, _ in _parse(n)) + 1


def cross(X: Any, names: Sequence[str]) -> np.ndarray:
    """The features ``names`` of the samples ``X``: one column per name, in order.

    Parameters
    ----------
    X : (n, d) array-like
        Raw inputs; ``x1`` is column 0.
    names : sequence of str
        Feature names (see the module docstring), e.g. ``PLAYGROUND``.

    Returns
    -------
    (n, len(names)) float64 array.

    Raises
    ------
    ValueError
        An unknown name, or a name using an input X does not have.
    """
    names = _check_names(names)
    X = _inputs(X)
    needed = _n_inputs_needed(names)
    if needed > X.shape[1]:
        raise ValueError(
            f"X: expected at least {needed} columns for features {names}, got {X.shape[1]}"
        )
    out = np.ones((X.shape[0], len(names)))
    for column, name in enumerate(names):
        for function, index, exponent in _parse(name):
            values = X[:, index] if function == "x" else _FUNCTIONS[function](X[:, index])
            out[:, column] *= values if exponent == 1 else values**exponent
    return out


def polynomial_names(n_inputs: int, degree: int) -> list[str]:
    """Names of every monomial of degree 1..``degree`` in ``n_inputs`` inputs.

    Ordered by degree, then like ``itertools.combinations_with_replacement``
    (scikit-learn's ``PolynomialFeatures`` order without its constant):
    ``polynomial_names(2, 2) == ['x1', 'x2', 'x1^2', 'x1*x2', 'x2^2']``.
    """
    n_inputs = check_int(n_inputs, "n_inputs", 1)
    degree = check_int(degree, "degree", 1)
    names = []
    for d in range(1, degree + 1):
        for combination in itertools.combinations_with_replacement(range(n_inputs), d):
            counts = Counter(combination)
            names.append(
                "*".join(
                    f"x{i + 1}" + (f"^{counts[i]}" if counts[i] > 1 else "") for i in sorted(counts)
                )
            )
    return names


def polynomial(X: Any, degree: int) -> np.ndarray:
    """Every monomial of degree 1..``degree`` of the columns of ``X`` (see ``polynomial_names``)."""
    X = _inputs(X)
    return cross(X, polynomial_names(X.shape[1], degree))


class Crosses:
    """A scikit-learn-style transformer from raw inputs to named features.

    Parameters
    ----------
    features : sequence of str, optional
        The feature names to compute (see the module docstring), e.g.
        ``["x1^2", "x2^2"]`` or ``annlib.features.PLAYGROUND``.
    degree : int, optional
        Instead of names: every monomial of degree 1..``degree`` of however many
        inputs ``fit`` sees.  Give exactly one of ``features`` and ``degree``.

    Attributes (after ``fit``)
    --------------------------
    n_features_in_ : int
        Number of raw inputs.
    feature_names_ : list of str
        The output features' names, the transformer's whole specification.

    >>> import numpy as np
    >>> Crosses(degree=2).fit(np.zeros((1, 2))).get_feature_names_out().tolist()
    ['x1', 'x2', 'x1^2', 'x1*x2', 'x2^2']
    """

    def __init__(self, features: Sequence[str] | None = None, degree: int | None = None) -> None:
        self.features = features
        self.degree = degree

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's arguments."""
        return {"features": self.features, "degree": self.degree}

    def set_params(self, **params: Any) -> "Crosses":
        """Change constructor arguments; the transformer must be fitted again."""
        unknown = sorted(set(params) - {"features", "degree"})
        if unknown:
            raise TypeError(
                f"set_params() got unknown parameter(s) {unknown}; expected features, degree"
            )
        for key, value in params.items():
            setattr(self, key, value)
        for attribute in ("n_features_in_", "feature_names_"):
            self.__dict__.pop(attribute, None)
        return self

    def fit(self, X: Any, y: Any = None) -> "Crosses":
        """Remember the number of inputs and the output names; ``y`` is ignored."""
        X = _inputs(X)
        if (self.features is None) == (self.degree is None):
            raise ValueError(
                "features: give exactly one of features (a list of names) and degree, got "
                f"features={describe(self.features)}, degree={describe(self.degree)}"
            )
        if self.features is None:
            names = polynomial_names(X.shape[1], check_int(self.degree, "degree", 1))
        else:
            names = _check_names(self.features)
            needed = _n_inputs_needed(names)
            if needed > X.shape[1]:
                raise ValueError(
                    f"X: expected at least {needed} columns for features {names}, got {X.shape[1]}"
                )
        self.n_features_in_ = X.shape[1]
        self.feature_names_ = names
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "feature_names_"):
            raise RuntimeError("Crosses: call fit(X) first (it learns the number of inputs)")

    def transform(self, X: Any) -> np.ndarray:
        """The features of ``X``, shape (n, len(feature_names_))."""
        self._check_fitted()
        X = as_float_array(X, "X", ndim=2, columns=self.n_features_in_)
        return cross(X, self.feature_names_)

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        """The output names; with ``input_features``, the inputs' own names replace x1, x2, ...

        The default names build the same transformer again: ``Crosses(names)``.
        """
        self._check_fitted()
        names = list(self.feature_names_)
        if input_features is not None:
            inputs = [str(n) for n in input_features]
            if len(inputs) != self.n_features_in_:
                raise ValueError(
                    f"input_features: expected {self.n_features_in_} names, got {len(inputs)}"
                )
            # Greedy digits: x12 is input 12, never x1 followed by '2'.
            pattern = re.compile(r"x([1-9][0-9]*)")
            names = [pattern.sub(lambda m: inputs[int(m[1]) - 1], n) for n in names]
        return np.asarray(names, dtype=object)

    def __repr__(self) -> str:
        if self.features is None:
            return f"Crosses(degree={self.degree!r})"
        return f"Crosses({list(self.features)!r})"


class CrossedModel:
    """A model trained on the features of its raw inputs: ``model(crosses(X))``.

    ``fit``, ``predict``, ``predict_proba``, ``outputs``, ``forward``,
    ``backward``, ``loss`` and ``accuracy`` take raw inputs and hand the crossed
    ones to ``model``; everything else (``layers``, ``weights``, ``history``,
    ...) is the model's own.  The plots see ``features`` and draw in the raw
    input plane.

    Parameters
    ----------
    features : Crosses (or any transformer with fit/transform) or a list of feature names
    model : annlib.MLP whose input layer has one unit per feature

    >>> import annlib
    >>> net = CrossedModel(["x1^2", "x2^2"], annlib.MLP([2, 1], output_activation="sigmoid"))
    """

    def __init__(self, features: Any, model: Any) -> None:
        if not callable(getattr(features, "transform", None)):
            features = Crosses(features)
        self.features = features
        self.model = model

    def _crossed(self, X: Any) -> np.ndarray:
        if not hasattr(self.features, "n_features_in_"):
            self.features.fit(_inputs(X))
        return self.features.transform(X)

    def fit(self, X: Any, y: Any, *args: Any, **kwargs: Any) -> "CrossedModel":
        """Train the model on ``features(X)``; a ``validation_data`` pair is crossed too."""
        validation = kwargs.get("validation_data")
        F = self._crossed(X)
        if (
            validation is not None
            and isinstance(validation, (tuple, list))
            and len(validation) == 2
        ):
            kwargs["validation_data"] = (self.features.transform(validation[0]), validation[1])
        callback = kwargs.get("callback")
        if callback is not None and callable(callback):
            # The callback sees this object, so that what it draws is in the raw plane.
            kwargs["callback"] = lambda epoch, history, _model: callback(epoch, history, self)
        self.model.fit(F, y, *args, **kwargs)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The model's predictions for the raw inputs ``X``."""
        return self.model.predict(self._crossed(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        """The model's class probabilities for the raw inputs ``X``."""
        return self.model.predict_proba(self._crossed(X))

    def outputs(self, X: Any) -> np.ndarray:
        """The model's output activations for the raw inputs ``X``."""
        return self.model.outputs(self._crossed(X))

    def forward(self, X: Any) -> list[np.ndarray]:
        """The model's activations ``[features(X), A1, ..., AL]``."""
        return self.model.forward(self._crossed(X))

    def backward(self, X: Any, y: Any, **kwargs: Any) -> Any:
        """The model's gradients (``MLP.backward``) on the features of ``X``."""
        return self.model.backward(self._crossed(X), y, **kwargs)

    def loss(self, X: Any, y: Any) -> float:
        """The model's loss on the features of ``X``."""
        return self.model.loss(self._crossed(X), y)

    def accuracy(self, X: Any, y: Any) -> float:
        """The model's accuracy on the features of ``X``."""
        return self.model.accuracy(self._crossed(X), y)

    @property
    def weights(self) -> list[np.ndarray]:
        """The model's weights (assigning sets the model's)."""
        return self.model.weights

    @weights.setter
    def weights(self, values: Any) -> None:
        self.model.weights = values

    @property
    def biases(self) -> list[np.ndarray]:
        """The model's biases (assigning sets the model's)."""
        return self.model.biases

    @biases.setter
    def biases(self, values: Any) -> None:
        self.model.biases = values

    def __getattr__(self, name: str) -> Any:
        if name in ("features", "model"):  # not set yet (unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.model, name)

    def __repr__(self) -> str:
        return f"CrossedModel({self.features!r}, {self.model!r})"
