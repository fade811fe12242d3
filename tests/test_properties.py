"""Properties of annlib.MLP that must hold for every architecture and setting (hypothesis).

Each test draws whole configurations: depth 1-5, widths 1-64, per-layer
activations, output and loss, optimizer, batch size, dtype and the memory
layout of the inputs.  The examples are derandomized, so CI sees the same
cases every run; a failure prints the smallest configuration that shows it.
"""

from __future__ import annotations

import pickle
import tempfile
from pathlib import Path

import numpy as np
from conftest import HIDDEN, OUTPUT_LOSS
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import annlib
from annlib import MLP, _core

BOUNDS = {"sigmoid": (0, 1), "softmax": (0, 1), "tanh": (-1, 1), "bipolar_sigmoid": (-1, 1)}


def check(max_examples):
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@st.composite
def architectures(draw, max_width=64):
    """Constructor keywords for a random network: layers, activations, output and loss."""
    depth = draw(st.integers(1, 5))  # weight layers; depth - 1 hidden layers
    layers = draw(st.lists(st.integers(1, max_width), min_size=depth + 1, max_size=depth + 1))
    output, loss = draw(st.sampled_from(OUTPUT_LOSS))
    if output == "softmax":
        layers[-1] = max(layers[-1], 2)
    hidden = draw(st.lists(st.sampled_from(HIDDEN), min_size=depth - 1, max_size=depth - 1))
    # One name for all hidden layers or one per layer: both spellings are public.
    activation = hidden[0] if hidden and len(set(hidden)) == 1 and draw(st.booleans()) else hidden
    return dict(layers=layers, activation=activation, output_activation=output, loss=loss)


@st.composite
def hyper_parameters(draw):
    optimizer = draw(st.sampled_from(_core.OPTIMIZERS))
    full_batch = optimizer in _core.FULL_BATCH_OPTIMIZERS
    return dict(
        optimizer=optimizer,
        nesterov=draw(st.booleans()),
        centered=draw(st.booleans()),
        learning_rate=draw(st.sampled_from([1e-4, 1e-3, 0.01, 0.1, 0.5])),
        batch_size=None if full_batch else draw(st.sampled_from([None, 1, 3, 16, 1000])),
        shuffle=draw(st.booleans()),
        l2=draw(st.sampled_from([0.0, 1e-3, 0.1])),
        init=draw(st.sampled_from(_core.INITS)),
        leaky_slope=draw(st.sampled_from([0.0, 0.01, 0.3])),
        dtype=draw(st.sampled_from(["float64", "float32"])),
        seed=draw(st.integers(0, 2**64 - 1)),
    )


def targets_for(arch, n, rng):
    """Targets every configuration accepts, as (n, k) floats or (n,) 0/1 labels."""
    k = arch["layers"][-1]
    output, loss = arch["output_activation"], arch["loss"]
    if output == "softmax":
        return np.eye(k)[rng.integers(0, k, n)]
    if output == "sigmoid" and loss == "cross_entropy":
        return rng.integers(0, 2, n) if k == 1 else rng.integers(0, 2, (n, k)).astype(float)
    if output == "sigmoid":
        return rng.uniform(0.05, 0.95, (n, k))
    if output in ("tanh", "bipolar_sigmoid"):
        return rng.uniform(-0.9, 0.9, (n, k))
    return rng.normal(size=(n, k))


def assert_outputs_in_range(model, Y):
    assert np.isfinite(Y).all()
    low, high = BOUNDS.get(model.get_params()["output_activation"], (-np.inf, np.inf))
    assert (Y >= low).all() and (Y <= high).all()
    if model.get_params()["output_activation"] == "softmax":
        np.testing.assert_allclose(
            Y.sum(axis=1), 1.0, rtol=1e-4 if model.dtype == np.float32 else 1e-12
        )


# ------------------------------------------------------------------ no crash, finite outputs
@check(200)
@given(
    arch=architectures(),
    params=hyper_parameters(),
    n=st.integers(1, 40),
    epochs=st.integers(1, 4),
    scale=st.sampled_from([1e-3, 1.0, 1e3]),
    data_seed=st.integers(0, 2**32 - 1),
)
def test_training_any_configuration_never_crashes_and_outputs_stay_finite(
    arch, params, n, epochs, scale, data_seed
):
    rng = np.random.default_rng(data_seed)
    X = rng.normal(size=(n, arch["layers"][0])) * scale
    y = targets_for(arch, n, rng)
    model = MLP(**arch, **params)
    try:
        model.fit(X, y, epochs=epochs)
    except annlib.DivergenceError:
        pass  # a documented outcome for a large learning rate; the weights stay finite
    assert all(np.isfinite(w).all() for w in model.weights + model.biases)
    assert_outputs_in_range(model, model.outputs(X))
    # Far outside the training range too: saturating activations must not give NaN.
    wide = rng.normal(size=(5, arch["layers"][0])) * 1e6
    assert_outputs_in_range(model, model.outputs(wide))


# ------------------------------------------------------------------ array layouts
def layouts(X):
    """The same matrix in every memory layout and dtype the API accepts."""
    n, d = X.shape
    padded = np.zeros((2 * n, 2 * d + 1))
    padded[::2, 1::2] = X
    reversed_twice = np.ascontiguousarray(X[::-1, ::-1])[::-1, ::-1]
    return {
        "fortran": np.asfortranarray(X),
        "strided": padded[::2, 1::2],
        "negative-strides": reversed_twice,
        "list": X.tolist(),
        "float32-input": X.astype(np.float32),
        "transposed-view": np.ascontiguousarray(X.T).T,
    }


@check(100)
@given(
    arch=architectures(max_width=16),
    dtype=st.sampled_from(["float64", "float32"]),
    n=st.integers(1, 30),
    data_seed=st.integers(0, 2**32 - 1),
    integer_inputs=st.booleans(),
)
def test_every_array_layout_gives_the_same_outputs_and_training(
    arch, dtype, n, data_seed, integer_inputs
):
    rng = np.random.default_rng(data_seed)
    d = arch["layers"][0]
    if integer_inputs:
        X_given = rng.integers(-3, 4, (n, d))
        X = X_given.astype(np.float64)
    else:
        X = X_given = rng.normal(size=(n, d))
    if dtype == "float32":
        X = X.astype(np.float32).astype(np.float64)  # the values a float32 model sees
    model = MLP(**arch, dtype=dtype, seed=1)
    reference = model.outputs(np.ascontiguousarray(X, dtype=dtype))
    np.testing.assert_array_equal(model.outputs(X_given), reference)
    for name, variant in layouts(X).items():
        if name == "float32-input" and dtype == "float64":
            continue  # float32 rounding changes the values themselves
        np.testing.assert_array_equal(model.outputs(variant), reference, err_msg=name)
    # Training reads the inputs through the same conversion: identical weights.
    y = targets_for(arch, n, rng)
    trained = MLP(**arch, dtype=dtype, seed=1, batch_size=4).fit(X, y, epochs=2)
    again = MLP(**arch, dtype=dtype, seed=1, batch_size=4).fit(layouts(X)["strided"], y, epochs=2)
    for a, b in zip(trained.weights, again.weights):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------ gradients
def kink_signs(model, X):
    """The sign of every pre-activation z = A W + b of the relu and leaky_relu layers (kink at 0),
    the output layer's included (a dead hidden layer leaves it at z = b = 0 exactly)."""
    params = model.get_params()
    activation = params["activation"]
    names = activation if isinstance(activation, list) else [activation] * (len(model.layers) - 2)
    names = [*names, params["output_activation"]]
    activations = model.forward(X)
    return [
        np.sign(A @ W + b)
        for A, W, b, name in zip(activations, model.weights, model.biases, names)
        if name in ("relu", "leaky_relu")
    ]


@check(200)
@given(
    arch=architectures(),
    l2=st.sampled_from([0.0, 0.05]),
    n=st.integers(1, 8),
    data_seed=st.integers(0, 2**32 - 1),
    seed=st.integers(0, 2**32 - 1),
)
def test_backward_matches_finite_differences_in_float64(arch, l2, n, data_seed, seed):
    rng = np.random.default_rng(data_seed)
    model = MLP(**arch, l2=l2, seed=seed)
    X = rng.normal(size=(n, arch["layers"][0]))
    y = targets_for(arch, n, rng)
    eps = 1e-6
    grads = model.backward(X, y)
    W0, b0 = model.weights, model.biases
    loss = model.loss(X, y)
    signs = kink_signs(model, X)

    def loss_at(step, dW, db):
        """The loss there, or None when a hidden unit crossed relu's kink on the way."""
        model.weights = [w + step * d for w, d in zip(W0, dW)]
        model.biases = [b + step * d for b, d in zip(b0, db)]
        if any((a != b).any() for a, b in zip(kink_signs(model, X), signs)):
            return None
        return model.loss(X, y)

    g_norm = np.sqrt(sum((gw**2).sum() + (gb**2).sum() for gw, gb in grads))
    directions = []
    for _ in range(3):  # random directions test every parameter at once
        dW = [rng.normal(size=w.shape) for w in W0]
        db = [rng.normal(size=b.shape) for b in b0]
        norm = np.sqrt(sum((d**2).sum() for d in dW + db))
        directions.append(([d / norm for d in dW], [d / norm for d in db]))
    layer = rng.integers(len(W0))  # and one single weight and one single bias
    one_w = [np.zeros_like(w) for w in W0]
    one_w[layer][tuple(rng.integers(s) for s in W0[layer].shape)] = 1.0
    one_b = [np.zeros_like(b) for b in b0]
    one_b[layer][rng.integers(b0[layer].size)] = 1.0
    directions += [(one_w, [np.zeros_like(b) for b in b0]), ([np.zeros_like(w) for w in W0], one_b)]

    checked = 0
    for dW, db in directions:
        up, down = loss_at(eps, dW, db), loss_at(-eps, dW, db)
        if up is None or down is None:
            continue
        checked += 1
        numeric = (up - down) / (2 * eps)
        analytic = sum((gw * d).sum() for (gw, _), d in zip(grads, dW)) + sum(
            (gb * d).sum() for (_, gb), d in zip(grads, db)
        )
        assert abs(numeric - analytic) <= 1e-5 * g_norm + 1e-8 * max(1.0, abs(loss)), (
            numeric,
            analytic,
        )
    # Only a unit sitting exactly on the kink (z = 0, e.g. behind a dead relu layer) skips all.
    assume(checked > 0)


# ------------------------------------------------------------------ files
@check(100)
@given(
    arch=architectures(max_width=32),
    params=hyper_parameters(),
    n=st.integers(2, 30),
    data_seed=st.integers(0, 2**32 - 1),
    labels=st.sampled_from(["numbers", "strings"]),
    numpy_scalars=st.booleans(),
)
def test_save_then_load_gives_identical_predictions(
    arch, params, n, data_seed, labels, numpy_scalars
):
    rng = np.random.default_rng(data_seed)
    X = rng.normal(size=(n, arch["layers"][0]))
    y = targets_for(arch, n, rng)
    k = arch["layers"][-1]
    fit_kwargs = {}
    if arch["output_activation"] == "softmax":
        y = rng.integers(0, k, n)  # class labels, possibly not all present: classes= names them
        fit_kwargs["classes"] = np.arange(k)
        if labels == "strings":
            y, fit_kwargs["classes"] = (
                np.array([f"c{i}" for i in y]),
                np.array([f"c{i}" for i in range(k)]),
            )
    if numpy_scalars:  # e.g. values taken from np.logspace / np.arange in a grid search
        params = dict(
            params,
            learning_rate=np.float32(params["learning_rate"]),
            l2=np.float64(params["l2"]),
            shuffle=np.bool_(params["shuffle"]),
        )
        if params["batch_size"] is not None:
            params["batch_size"] = np.int64(params["batch_size"])
    model = MLP(**arch, **params)
    try:
        model.fit(X, y, epochs=2, **fit_kwargs)
    except annlib.DivergenceError:
        pass
    with tempfile.TemporaryDirectory() as folder:
        loaded = MLP.load(model.save(Path(folder) / "model.npz"))
    for clone in (loaded, pickle.loads(pickle.dumps(model))):
        np.testing.assert_array_equal(clone.outputs(X), model.outputs(X))
        np.testing.assert_array_equal(clone.predict(X), model.predict(X))
        assert clone.get_params() == model.get_params()
        assert clone.history == model.history
        assert clone.dtype == model.dtype
        # The optimizer state is not saved, but a loaded model trains on.
        try:
            clone.fit(X, y, epochs=1)
        except annlib.DivergenceError:
            pass
