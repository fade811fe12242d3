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
