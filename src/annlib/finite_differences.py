"""``gradient_check``: the engine's backpropagation against central finite differences.

For learners who change a network by hand (set weights, custom targets,
a new activation in the engine): every weight and bias is nudged by ±eps,
the loss is computed twice through ``model.loss``, and

    numeric = (loss(w + eps) - loss(w - eps)) / (2 eps)

is compared with ``model.backward``'s gradient, per layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._checks import check_float, describe

__all__ = ["GradientCheck", "gradient_check"]

# Below this size a gradient entry counts as zero: the relative error uses it as the
# denominator, so round-off in the two losses (~1e-16 |loss| / eps) does not turn
# a zero gradient into a "100 % error".
_SMALLEST_FLOAT64 = 1e-7
_SMALLEST_FLOAT32 = 1e-3


def _relative_error(analytic: np.ndarray, numeric: np.ndarray, smallest: float) -> np.ndarray:
    scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), smallest)
    return np.abs(analytic - numeric) / scale


@dataclass(frozen=True)
class GradientCheck:
    """The result of ``gradient_check``.

    Attributes
    ----------
    analytic, numeric : list of (dW, db)
        Per weight layer, ``model.backward``'s gradient and the central differences.
    weight_errors, bias_errors : list of float
        Per weight layer, the largest relative error |a - n| / max(|a|, |n|, floor).
    worst_error : float
        The largest relative error of all parameters.
    worst : tuple
        Where it is: ``(layer, 'weights', (i, j))`` or ``(layer, 'biases', (j,))``.
    tolerance : float
        ``passed`` is ``worst_error <= tolerance``.
    eps : float
    """

    analytic: list
    numeric: list
    weight_errors: list
    bias_errors: list
    worst_error: float
    worst: tuple
    tolerance: float
    eps: float

    @property
    def passed(self) -> bool:
        """True when every relative error is within ``tolerance``."""
        return bool(self.worst_error <= self.tolerance)

    def __repr__(self) -> str:
        layer, kind, index = self.worst
        where = f"{kind}[{layer}][{', '.join(str(i) for i in index)}]"
        verdict = "passed" if self.passed else "FAILED"
        lines = [
            f"GradientCheck({verdict}: worst relative error {self.worst_error:.2e} at {where}, "
            f"tolerance {self.tolerance:.0e}, eps {self.eps:.0e})",
            "  layer  weights   biases",
        ]
        for k, (w, b) in enumerate(zip(self.weight_errors, self.bias_errors)):
            lines.append(f"  {k:<5}  {w:.2e}  {b:.2e}")
        return "\n".join(lines)


def gradient_check(
    model: Any, X: Any, y: Any, eps: float | None = None, tolerance: float | None = None
) -> GradientCheck:
    """Compare ``model.backward(X, y)`` with central finite differences of ``model.loss(X, y)``.

    Every weight and bias is set to w ± eps in turn (through ``model.weights`` /
    ``model.biases``) and the loss computed; the model's parameters are restored
    afterwards, even on error.  Costs two losses per parameter: meant for small
    networks and a few samples.

    Parameters
    ----------
    model : annlib.MLP (or a look-alike with backward, loss, weights, biases)
    X, y : data and targets, as for ``model.loss``
    eps : float, optional
        The step; default 1e-6 for float64 models, 1e-2 for float32.
    tolerance : float, optional
        The largest relative error that passes; default 1e-5 (float64), 5e-2 (float32).
        ReLU kinks within ±eps of a sample can fail a correct gradient: use a
        smaller eps or other data then.

    Returns
    -------
    GradientCheck, whose repr is a per-layer table of the worst relative errors.

    >>> net = annlib.MLP([2, 3, 1], seed=0)  # doctest: +SKIP
    >>> annlib.gradient_check(net, [[0.5, -1.0]], [0.2]).passed  # doctest: +SKIP
    True
    """
    for attribute in ("backward", "loss", "weights", "biases"):
        if not hasattr(model, attribute):
            raise TypeError(
                f"model: expected an object with backward, loss, weights and biases (like "
                f"annlib.MLP), got {describe(model)}"
            )
    single = np.dtype(getattr(model, "dtype", np.float64)) == np.float32
    eps = check_float(
        (1e-2 if single else 1e-6) if eps is None else eps, "eps", 0.0, exclusive_minimum=True
    )
    tolerance = check_float(
        (5e-2 if single else 1e-5) if tolerance is None else tolerance, "tolerance", 0.0
    )
    smallest = _SMALLEST_FLOAT32 if single else _SMALLEST_FLOAT64

    analytic = [(np.array(dW), np.array(db)) for dW, db in model.backward(X, y)]
    weights = [np.array(w, dtype=np.float64) for w in model.weights]
    biases = [np.array(b, dtype=np.float64) for b in model.biases]
    numeric = []
    try:
        for k in range(len(weights)):
            pair = []
            for kind, arrays in (("weights", weights), ("biases", biases)):
                gradient = np.empty_like(arrays[k])
                for index in np.ndindex(arrays[k].shape):
                    value = arrays[k][index]
                    losses = []
                    for shift in (eps, -eps):
                        arrays[k][index] = value + shift
                        setattr(model, kind, arrays)
                        losses.append(model.loss(X, y))
                    arrays[k][index] = value
                    gradient[index] = (losses[0] - losses[1]) / (2 * eps)
                setattr(model, kind, arrays)
                pair.append(gradient)
            numeric.append(tuple(pair))
    finally:
        model.weights = weights
        model.biases = biases

    weight_errors, bias_errors = [], []
    worst_error, worst = -1.0, (0, "weights", (0, 0))
    for k, ((aW, ab), (nW, nb)) in enumerate(zip(analytic, numeric)):
        for kind, a, n, errors in (
            ("weights", aW, nW, weight_errors),
            ("biases", ab, nb, bias_errors),
        ):
            error = _relative_error(a.astype(np.float64), n, smallest)
            errors.append(float(error.max()))
            if error.max() > worst_error:
                worst_error = float(error.max())
                worst = (k, kind, tuple(int(i) for i in np.unravel_index(error.argmax(), a.shape)))
    return GradientCheck(
        analytic=analytic,
        numeric=numeric,
        weight_errors=weight_errors,
        bias_errors=bias_errors,
        worst_error=worst_error,
        worst=worst,
        tolerance=tolerance,
        eps=eps,
    )
