"""annlib.gradient_check: backpropagation against central finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import HIDDEN, OUTPUT_LOSS

import annlib


def _data(n_outputs, output_activation, loss, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(7, 3))
    if output_activation == "softmax":
        y = rng.integers(0, n_outputs, size=7)
        y[:n_outputs] = np.arange(n_outputs)  # every class present
    elif loss == "cross_entropy" or output_activation in ("sigmoid",):
        y = rng.integers(0, 2, size=(7, n_outputs)).astype(float)
    else:
        y = rng.uniform(-0.8, 0.8, size=(7, n_outputs))
    return X, y


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("output_activation, loss", OUTPUT_LOSS)
def test_gradient_check_passes_on_the_engine(hidden, output_activation, loss):
    net = annlib.MLP(
        [3, 4, 3, 3],
        activation=hidden,
        output_activation=output_activation,
        loss=loss,
        l2=0.01,
        init="normal",
        init_std=0.5,
        seed=3,
        task="regression" if output_activation != "softmax" else "auto",
    )
    X, y = _data(3, output_activation, loss)
    before = net.weights, net.biases
    result = annlib.gradient_check(net, X, y)
    assert result.passed, result
    assert result.worst_error < 1e-5
    assert len(result.weight_errors) == len(result.bias_errors) == 3
    # The model is left exactly as it was.
    for a, b in zip(before[0] + before[1], net.weights + net.biases):
        np.testing.assert_array_equal(a, b)


def test_gradient_check_float32_uses_a_larger_step():
    net = annlib.MLP([3, 5, 1], dtype="float32", seed=0)
    X, y = _data(1, "identity", "mse")
    result = annlib.gradient_check(net, X, y)
    assert result.eps == 1e-2
    assert result.passed, result


def test_gradient_check_catches_a_wrong_gradient_and_says_where(monkeypatch):
    net = annlib.MLP([3, 4, 2], seed=1)
    X, y = _data(2, "identity", "mse")
    correct = annlib.MLP.backward

    def wrong(self, X, y, **kwargs):
        pairs = correct(self, X, y, **kwargs)
        dW, db = pairs[1]
        dW = dW.copy()
        dW[2, 1] *= 1.05  # 5 % off in one weight
        pairs[1] = (dW, db)
        return pairs

    monkeypatch.setattr(annlib.MLP, "backward", wrong)
    result = annlib.gradient_check(net, X, y)
    assert not result.passed
    assert result.worst == (1, "weights", (2, 1))
    assert 0.04 < result.worst_error < 0.06
    assert result.weight_errors[0] < 1e-5 and result.bias_errors[1] < 1e-5
    text = repr(result)
    assert "FAILED" in text and "weights[1][2, 1]" in text
    assert len(text.splitlines()) == 2 + 2  # header, column names, one row per layer


def test_gradient_check_sees_a_model_changed_by_hand():
    net = annlib.MLP([2, 2, 1], activation="sigmoid", seed=0)
    net.weights = [np.array([[1.0, -2.0], [0.5, 3.0]]), np.array([[2.0], [-1.0]])]
    net.biases = [np.array([0.1, -0.2]), np.array([0.3])]
    X, y = np.array([[0.2, -0.4], [1.0, 0.5]]), np.array([0.3, -0.7])
    result = annlib.gradient_check(net, X, y)
    assert result.passed, result
    # The numeric gradient is the gradient of the loss one can compute by hand.
    w = net.weights[1].copy()
    w[0, 0] += 1e-5
    shifted = annlib.MLP([2, 2, 1], activation="sigmoid", seed=0)
    shifted.weights, shifted.biases = [net.weights[0], w], net.biases
    slope = (shifted.loss(X, y) - net.loss(X, y)) / 1e-5
    assert result.numeric[1][0][0, 0] == pytest.approx(slope, rel=1e-4)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"eps": 0.0}, ValueError, "eps: expected a number > 0"),
        ({"tolerance": -1.0}, ValueError, "tolerance: expected a number >= 0"),
    ],
)
def test_gradient_check_bad_arguments(kwargs, error, match):
    net = annlib.MLP([2, 1], seed=0)
    with pytest.raises(error, match=match):
        annlib.gradient_check(net, [[0.0, 1.0]], [1.0], **kwargs)


def test_gradient_check_needs_a_model():
    with pytest.raises(TypeError, match="model: expected an object with backward"):
        annlib.gradient_check(object(), [[0.0]], [0.0])


# --- backward(return_deltas=True) ------------------------------------------------

_DERIVATIVE_FROM_ACTIVATION = {
    "sigmoid": lambda a: a * (1 - a),
    "tanh": lambda a: 1 - a**2,
    "bipolar_sigmoid": lambda a: (1 - a**2) / 2,
    "relu": lambda a: (a > 0).astype(float),
    "leaky_relu": lambda a: np.where(a > 0, 1.0, 0.01),
    "identity": lambda a: np.ones_like(a),
}


def _numpy_deltas(net, X, T):
    """Textbook backpropagation of the mean loss, from the engine's own forward pass."""
    params = net.get_params()
    hidden = params["activation"]
    hidden = [hidden] * (len(net.layers) - 2) if isinstance(hidden, str) else hidden
    A = net.forward(X)
    Y = A[-1]
    n, k = Y.shape
    if params["loss"] == "cross_entropy":
        delta = (Y - T) / n
    else:
        delta = (Y - T) / (n * k) * _DERIVATIVE_FROM_ACTIVATION[params["output_activation"]](Y)
    deltas = [delta]
    for i in range(len(net.layers) - 2, 0, -1):
        delta = (delta @ net.weights[i].T) * _DERIVATIVE_FROM_ACTIVATION[hidden[i - 1]](A[i])
        deltas.insert(0, delta)
    return A, deltas


@pytest.mark.parametrize(
    "hidden, output_activation, loss",
    [
        (["tanh", "sigmoid"], "identity", "mse"),
        (["relu", "leaky_relu"], "sigmoid", "mse"),
        (["bipolar_sigmoid", "identity"], "sigmoid", "cross_entropy"),
        (["sigmoid", "relu"], "tanh", "mse"),
    ],
)
def test_backward_returns_every_layers_delta_like_numpy_backprop(hidden, output_activation, loss):
    net = annlib.MLP(
        [3, 5, 4, 2],
        activation=hidden,
        output_activation=output_activation,
        loss=loss,
        l2=0.1,
        seed=2,
        task="regression",
    )
    rng = np.random.default_rng(5)
    X = rng.normal(size=(9, 3))
    T = rng.integers(0, 2, size=(9, 2)).astype(float)
    gradients, deltas = net.backward(X, T, return_deltas=True)
    A, expected = _numpy_deltas(net, X, T)
    assert [d.shape for d in deltas] == [(9, 5), (9, 4), (9, 2)]
    for got, want in zip(deltas, expected):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)
    # The gradients follow from the deltas: dW = Aᵀδ + l2·W, db = Σδ.
    for i, ((dW, db), delta) in enumerate(zip(gradients, deltas)):
        np.testing.assert_allclose(dW, A[i].T @ delta + 0.1 * net.weights[i], rtol=1e-10)
        np.testing.assert_allclose(db, delta.sum(axis=0), rtol=1e-10, atol=1e-15)
    # And they are the plain backward's.
    for (dW, db), (dW0, db0) in zip(gradients, net.backward(X, T)):
        np.testing.assert_array_equal(dW, dW0)
        np.testing.assert_array_equal(db, db0)


def test_backward_deltas_of_softmax_cross_entropy_are_outputs_minus_targets_over_n():
    net = annlib.MLP([2, 3, 3], output_activation="softmax", loss="cross_entropy", seed=0)
    X = np.random.default_rng(0).normal(size=(6, 2))
    y = np.array([0, 1, 2, 0, 1, 2])
    _, deltas = net.backward(X, y, return_deltas=True)
    np.testing.assert_allclose(deltas[-1], (net.outputs(X) - np.eye(3)[y]) / 6, atol=1e-15)
    assert deltas[-1].dtype == np.float64 and deltas[-1].flags.owndata


def test_backward_return_deltas_must_be_a_bool():
    with pytest.raises(TypeError, match="return_deltas: expected True or False"):
        annlib.MLP([2, 1], seed=0).backward([[0.0, 1.0]], [1.0], return_deltas=1)
