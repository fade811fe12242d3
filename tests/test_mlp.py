"""annlib.MLP: gradients, known results, determinism, files and bad input."""

import collections
import copy
import itertools
import pickle
import re

import numpy as np
import pytest
from conftest import HIDDEN, OUTPUT_LOSS, gaussian_classes

import annlib
from annlib import MLP, _core

# depth = number of weight layers; depth 1 has no hidden layer, so one hidden activation suffices.
GRADIENT_CASES = [("tanh", out, loss, 1) for out, loss in OUTPUT_LOSS] + [
    (hidden, out, loss, depth)
    for hidden, (out, loss), depth in itertools.product(HIDDEN, OUTPUT_LOSS, [2, 3, 4])
]


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# One numpy formula per activation of the engine's table (leaky_relu with slope 0.01).
ACTIVATION_FORMULAS = {
    "identity": lambda z: z,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "bipolar_sigmoid": lambda z: 2 / (1 + np.exp(-z)) - 1,
    "relu": lambda z: np.maximum(z, 0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "softmax": softmax,
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("activation", _core.ACTIVATIONS)
def test_activations_compute_their_formula(activation, dtype):
    # Every activation may be an output's: with W = I and b = 0 the outputs are f(X).
    formula = ACTIVATION_FORMULAS[activation]  # a new activation needs its row above
    X = np.random.default_rng(0).normal(0.0, 3.0, size=(50, 3))
    model = MLP([3, 3], output_activation=activation, dtype=dtype, seed=0)
    model.weights = [np.eye(3)]
    rtol = 1e-6 if dtype == "float32" else 1e-13
    np.testing.assert_allclose(model.outputs(X), formula(X), rtol=rtol, atol=rtol)


def targets_for(output, n, k, rng):
    """Targets in the range of the output activation (probabilities for softmax)."""
    if output == "softmax":
        return np.eye(k)[rng.integers(0, k, n)]
    if output == "sigmoid":
        return rng.random((n, k))
    if output in ("tanh", "bipolar_sigmoid"):
        return rng.uniform(-0.9, 0.9, (n, k))
    return rng.normal(size=(n, k))


def numerical_gradient(model, X, T, eps=1e-6):
    """Central finite differences of the engine's loss over every parameter."""
    engine = model._engine
    p = engine.parameters.copy()
    grad = np.empty_like(p)
    for i in range(p.size):
        q = p.copy()
        q[i] = p[i] + eps
        engine.set_parameters(q)
        up = engine.loss(X, T)
        q[i] = p[i] - eps
        engine.set_parameters(q)
        down = engine.loss(X, T)
        grad[i] = (up - down) / (2 * eps)
    engine.set_parameters(p)
    return grad


@pytest.mark.parametrize(
    "hidden,output,loss,depth",
    GRADIENT_CASES,
    ids=["-".join(map(str, case)) for case in GRADIENT_CASES],
)
def test_backward_matches_finite_differences(hidden, output, loss, depth):
    rng = np.random.default_rng(depth)
    layers = [3] + [4] * (depth - 1) + [3]
    model = MLP(
        layers,
        activation=hidden,
        output_activation=output,
        loss=loss,
        l2=0.01,
        init="normal",
        init_std=0.7,
        seed=7,
    )
    # Non-zero biases: with zero ones, a dead relu layer would put the next layer's
    # pre-activations exactly on a kink, where no finite difference agrees.
    model.biases = [rng.normal(0.0, 0.5, b.shape) for b in model.biases]
    X = rng.normal(size=(6, 3))
    T = targets_for(output, 6, 3, rng)
    analytic = np.concatenate([np.concatenate([dW.ravel(), db]) for dW, db in model.backward(X, T)])
    numeric = numerical_gradient(model, X, T)
    error = np.linalg.norm(analytic - numeric) / max(
        np.linalg.norm(analytic), np.linalg.norm(numeric), 1e-12
    )
    assert error < 1e-6


def numpy_backprop(weights, biases, X, T):
    """Forward and backward pass of a tanh network with softmax + cross-entropy, in numpy (float64)."""
    activations = [X]
    for i, (W, b) in enumerate(zip(weights, biases)):
        z = activations[-1] @ W + b
        if i < len(weights) - 1:
            activations.append(np.tanh(z))
        else:
            e = np.exp(z - z.max(axis=1, keepdims=True))
            activations.append(e / e.sum(axis=1, keepdims=True))
    delta = (activations[-1] - T) / len(X)
    grads = []
    for i in reversed(range(len(weights))):
        grads.insert(0, (activations[i].T @ delta, delta.sum(axis=0)))
        if i > 0:
            delta = (delta @ weights[i].T) * (1 - activations[i] ** 2)
    return activations, grads


# Layer sizes around every switch between the engine's register kernels for thin
# layers and Eigen's GEMM (columns of 1 to 4 SIMD registers or more, at most 4 sums,
# depth at most 16) and sample counts that end mid-register.
PRODUCT_PATH_LAYERS = [
    [2, 8, 2],
    [3, 1, 5, 2],
    [2, 9, 4],
    [5, 17, 3],
    [16, 16, 16],
    [17, 3, 33],
    [2, 40, 2],
    [4, 12, 6],
    [1, 2, 3, 4, 5, 6],
    [20, 4, 20],
    [2, 32, 32, 4],
    [3, 25, 2],
    [2, 65, 3],
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(
    "layers", PRODUCT_PATH_LAYERS, ids=["-".join(map(str, s)) for s in PRODUCT_PATH_LAYERS]
)
def test_forward_and_backward_match_numpy_for_every_product_path(layers, dtype):
    rng = np.random.default_rng(len(layers) * 100 + layers[1])
    model = MLP(
        layers,
        activation="tanh",
        output_activation="softmax",
        loss="cross_entropy",
        init="normal",
        init_std=0.5,
        seed=1,
        dtype=dtype,
    )
    weights = [w.astype(np.float64) for w in model.weights]
    biases = [rng.normal(size=b.shape).astype(dtype) for b in model.biases]
    model.biases = biases
    biases = [b.astype(np.float64) for b in biases]
    tolerance = (
        {"rtol": 1e-10, "atol": 1e-13} if dtype == "float64" else {"rtol": 2e-4, "atol": 2e-6}
    )
    for n in (1, 2, 3, 9, 64):
        X = rng.normal(size=(n, layers[0])).astype(dtype)
        T = np.eye(layers[-1], dtype=dtype)[rng.integers(0, layers[-1], n)]
        activations, grads = numpy_backprop(
            weights, biases, X.astype(np.float64), T.astype(np.float64)
        )
        for ours, expected in zip(model.forward(X)[1:], activations[1:]):
            np.testing.assert_allclose(ours, expected, **tolerance)
        for (dW, db), (dW_expected, db_expected) in zip(
            model._split(model._engine.gradient(X, T)), grads
        ):
            np.testing.assert_allclose(dW, dW_expected, **tolerance)
            np.testing.assert_allclose(db, db_expected, **tolerance)


def test_backward_shapes_and_no_side_effects(xor_data):
    X, y = xor_data
    model = MLP([2, 3, 1], output_activation="sigmoid", seed=0)
    before = model.weights
    grads = model.backward(X, y)
    assert [g[0].shape for g in grads] == [w.shape for w in model.weights]
    assert [g[1].shape for g in grads] == [b.shape for b in model.biases]
    for w0, w1 in zip(before, model.weights):
        np.testing.assert_array_equal(w0, w1)


def test_forward_returns_every_layer_and_matches_numpy(xor_data):
    X, _ = xor_data
    model = MLP([2, 3, 2], activation="bipolar_sigmoid", output_activation="softmax", seed=3)
    layers = model.forward(X)
    assert [a.shape for a in layers] == [(4, 2), (4, 3), (4, 2)]
    W, b = model.weights, model.biases
    hidden = 2 / (1 + np.exp(-(X @ W[0] + b[0]))) - 1
    z = hidden @ W[1] + b[1]
    expected = np.exp(z - z.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(layers[1], hidden, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(layers[2], expected, rtol=1e-12)
    np.testing.assert_allclose(model.outputs(X), expected, rtol=1e-12)


def test_sgd_step_moves_weights_against_the_gradient(xor_data):
    X, y = xor_data
    model = MLP([2, 3, 1], output_activation="sigmoid", optimizer="sgd", learning_rate=0.3, seed=0)
    grads = model.backward(X, y)
    W0 = model.weights
    loss_before = model.loss(X, y)
    assert model.step(X, y) == pytest.approx(loss_before)
    for w0, w1, (dW, _) in zip(W0, model.weights, grads):
        np.testing.assert_allclose(w1, w0 - 0.3 * dW, rtol=1e-12, atol=1e-15)


# One numpy step per optimizer, its textbook formula: (state, g, t, lr, settings) -> Δp.
# state holds the optimizer's vectors (zero at first); t counts steps from 1.
def sgd_step(state, g, t, lr, o):
    return -lr * g


def momentum_step(state, g, t, lr, o):
    state["v"] = o["momentum"] * state["v"] - lr * g
    return o["momentum"] * state["v"] - lr * g if o["nesterov"] else state["v"]


def adam_step(state, g, t, lr, o):
    state["m"] = o["beta1"] * state["m"] + (1 - o["beta1"]) * g
    state["v"] = o["beta2"] * state["v"] + (1 - o["beta2"]) * g * g
    m_hat, v_hat = state["m"] / (1 - o["beta1"] ** t), state["v"] / (1 - o["beta2"] ** t)
    return -lr * m_hat / (np.sqrt(v_hat) + o["eps"])


def rmsprop_step(state, g, t, lr, o):
    state["v"] = o["rho"] * state["v"] + (1 - o["rho"]) * g * g
    if not o["centered"]:
        return -lr * g / (np.sqrt(state["v"]) + o["eps"])
    state["m"] = o["rho"] * state["m"] + (1 - o["rho"]) * g
    return -lr * g / (np.sqrt(state["v"] - state["m"] ** 2) + o["eps"])


def adagrad_step(state, g, t, lr, o):  # Duchi, Hazan & Singer 2011
    state["G"] = state["G"] + g * g
    return -lr * g / (np.sqrt(state["G"]) + o["eps"])


def adamw_step(state, g, t, lr, o):  # Loshchilov & Hutter 2019: decay, then Adam's step
    change = -lr * o["weight_decay"] * state["p"] + adam_step(state, g, t, lr, o)
    state["p"] = state["p"] + change
    return change


def nadam_step(state, g, t, lr, o):  # Dozat 2016 with constant μ = beta1
    mu, nu = o["beta1"], o["beta2"]
    state["m"] = mu * state["m"] + (1 - mu) * g
    state["n"] = nu * state["n"] + (1 - nu) * g * g
    m_hat = mu * state["m"] / (1 - mu ** (t + 1)) + (1 - mu) * g / (1 - mu**t)
    n_hat = state["n"] / (1 - nu**t)
    return -lr * m_hat / (np.sqrt(n_hat) + o["eps"])


def rprop_step(state, g, t, lr, o):
    # iRprop− (Igel & Hüsken 2000): Δ grows while the sign of g holds, shrinks and
    # skips the step (g := 0) when it flips; the previous gradient starts at 0.
    if t == 1:
        state["delta"] = np.full_like(g, o["delta0"])
    agreement = state["g"] * g
    grow = np.minimum(state["delta"] * o["eta_plus"], o["delta_max"])
    shrink = np.maximum(state["delta"] * o["eta_minus"], o["delta_min"])
    state["delta"] = np.where(agreement > 0, grow, np.where(agreement < 0, shrink, state["delta"]))
    state["g"] = np.where(agreement < 0, 0.0, g)
    return -np.sign(state["g"]) * state["delta"]


REFERENCE_STEPS = {
    "sgd": sgd_step,
    "momentum": momentum_step,
    "adam": adam_step,
    "rmsprop": rmsprop_step,
    "adagrad": adagrad_step,
    "adamw": adamw_step,
    "nadam": nadam_step,
    "rprop": rprop_step,
    # lbfgs has no one-gradient update (its step is a line search): tests/test_full_batch.py
    # compares it with scikit-learn and minimises the Rosenbrock function.
    "lbfgs": None,
}
# Every optimizer of the engine with its defaults, plus the variants its flags select.
OPTIMIZER_CASES = [(name, {}) for name in _core.OPTIMIZERS] + [
    ("momentum", {"nesterov": True}),
    ("rmsprop", {"centered": True}),
    ("rmsprop", {"rho": 0.5, "eps": 1e-3}),
    ("adagrad", {"eps": 1e-3}),
    ("adamw", {"weight_decay": 0.5}),
    ("adamw", {"weight_decay": 0.0}),
    ("nadam", {"beta1": 0.5, "beta2": 0.9}),
    ("rprop", {"delta0": 0.05, "delta_max": 0.07, "eta_minus": 0.3}),
    ("lbfgs", {"history_size": 2}),
]
OPTIMIZER_IDS = [
    "-".join([name, *(f"{k}={v}" for k, v in settings.items())])
    for name, settings in OPTIMIZER_CASES
]


# A new optimizer needs its row in REFERENCE_STEPS (a KeyError here otherwise).
ONE_GRADIENT_CASES = [
    (case, case_id)
    for case, case_id in zip(OPTIMIZER_CASES, OPTIMIZER_IDS)
    if REFERENCE_STEPS[case[0]] is not None
]


@pytest.mark.parametrize(
    "optimizer,settings",
    [case for case, _ in ONE_GRADIENT_CASES],
    ids=[case_id for _, case_id in ONE_GRADIENT_CASES],
)
def test_optimizers_match_their_textbook_formulas(xor_data, optimizer, settings):
    X, y = xor_data
    model = MLP(
        [2, 3, 1],
        output_activation="sigmoid",
        optimizer=optimizer,
        learning_rate=0.05,
        seed=1,
        **settings,
    )
    reference = REFERENCE_STEPS[optimizer]
    params = model.get_params()
    start = model._engine.parameters.copy()
    expected = np.zeros_like(start)
    state = collections.defaultdict(lambda: np.zeros_like(start))
    state["p"] = start.copy()  # the parameters, for the rules that read them (adamw)
    for t in range(1, 6):
        g = model._engine.gradient(X, model._targets(y, 4, fitting=True))
        model.step(X, y)
        expected += reference(state, g, t, 0.05, params)
    np.testing.assert_allclose(model._engine.parameters - start, expected, rtol=1e-9, atol=1e-12)


def test_course_lab_momentum_is_heavy_ball_with_scaled_rate(xor_data):
    """Δw ← αΔw − (1−α)∂E/∂w; w ← w + ηΔw  equals momentum=α, learning_rate=η(1−α)."""
    X, y = xor_data
    alpha, eta = 0.9, 0.5
    model = MLP(
        [2, 3, 1],
        output_activation="bipolar_sigmoid",
        optimizer="momentum",
        momentum=alpha,
        learning_rate=eta * (1 - alpha),
        seed=2,
    )
    T = model._targets(y, 4, fitting=True)
    w = model._engine.parameters.copy()
    dw = np.zeros_like(w)
    for _ in range(4):
        g = model._engine.gradient(X, T)
        dw = alpha * dw - (1 - alpha) * g
        w = w + eta * dw
        model.step(X, y)
    np.testing.assert_allclose(model._engine.parameters, w, rtol=1e-10)


# ------------------------------------------------------------------ known results
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_xor_is_learned_with_four_hidden_units(xor_data, dtype):
    X, y = xor_data
    model = MLP(
        [2, 4, 1],
        activation="tanh",
        output_activation="sigmoid",
        loss="cross_entropy",
        learning_rate=0.5,
        seed=1,
        dtype=dtype,
    ).fit(X, y, epochs=3000)
    assert model.accuracy(X, y) == 1.0
    assert model.predict(X).tolist() == [0, 1, 1, 0]
    assert model.history["loss"][-1] < 0.05


def test_two_gaussian_classes_above_97_percent():
    X, y = gaussian_classes(150, seed=0)
    X_test, y_test = gaussian_classes(150, seed=1)
    model = MLP(
        [2, 8, 1],
        activation="bipolar_sigmoid",
        output_activation="bipolar_sigmoid",
        learning_rate=0.05,
        batch_size=16,
        seed=0,
    ).fit(X, y, epochs=100)
    assert model.accuracy(X_test, y_test) > 0.97


def test_four_spirals_above_90_percent_with_a_deeper_net(spirals):
    X, y = spirals
    model = MLP(
        [2, 32, 32, 32, 4],
        activation="tanh",
        output_activation="softmax",
        loss="cross_entropy",
        optimizer="adam",
        learning_rate=0.01,
        batch_size=32,
        seed=0,
    ).fit(X, y, epochs=300)
    assert model.accuracy(X, y) > 0.90
    assert model.history["accuracy"][-1] > 0.90


def test_regression_and_autoencoder_targets():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (200, 1))
    model = MLP(
        [1, 16, 1], activation="tanh", optimizer="adam", learning_rate=0.02, batch_size=20, seed=0
    )
    model.fit(X, np.sin(3 * X[:, 0]), epochs=300)
    assert not model.is_classifier
    assert model.predict(X).shape == (200,)
    assert model.mse(X, np.sin(3 * X[:, 0])) < 0.01
    with pytest.raises(ValueError, match="accuracy: this model is a regressor"):
        model.accuracy(X, X[:, 0])
    codes = np.eye(4)
    auto = MLP(
        [4, 2, 4],
        activation="tanh",
        output_activation="sigmoid",
        optimizer="adam",
        learning_rate=0.05,
        seed=0,
    ).fit(codes, codes, epochs=2000)
    assert auto.predict(codes).shape == (4, 4)
    assert (auto.predict(codes).argmax(axis=1) == np.arange(4)).all()


def test_string_labels_one_hot_and_probabilities():
    X, y = gaussian_classes(50)
    labels = np.where(y == 0, "red", "blue")
    model = MLP(
        [2, 6, 2], output_activation="softmax", loss="cross_entropy", learning_rate=0.3, seed=0
    ).fit(X, labels, epochs=200)
    assert model.classes_.tolist() == ["blue", "red"]
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(model.predict(X)) <= {"red", "blue"}
    assert model.accuracy(X, labels) > 0.95
    with pytest.raises(ValueError, match=r"y: labels unseen at fit time: \['green'\]"):
        model.accuracy(X[:1], ["green"])


def test_multilabel_sigmoid_cross_entropy():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    Y = (X[:, :2] > 0).astype(int)
    model = MLP(
        [3, 8, 2],
        output_activation="sigmoid",
        loss="cross_entropy",
        optimizer="adam",
        learning_rate=0.05,
        seed=0,
    ).fit(X, Y, epochs=200)
    assert model.predict(X).shape == (200, 2)
    assert model.accuracy(X, Y) > 0.9


# ------------------------------------------------------------------ training options
def test_history_validation_and_early_stopping():
    X, y = gaussian_classes(100)
    Xv, yv = gaussian_classes(50, seed=3)
    model = MLP(
        [2, 8, 2], output_activation="softmax", loss="cross_entropy", learning_rate=0.1, seed=0
    )
    model.fit(
        X, y, epochs=3000, validation_data=(Xv, yv), early_stopping=True, patience=5, tol=1e-3
    )
    assert set(model.history) == {"loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"}
    n = len(model.history["loss"])
    assert model.stop_reason_ == "early_stopping" and n < 3000
    assert all(len(v) == n for v in model.history.values())
    best = model.best_epoch_
    assert model.history["val_loss"][best - 1] == pytest.approx(model.loss(Xv, yv))
    assert n - best == 5


def test_validation_fraction_holds_out_data():
    X, y = gaussian_classes(100)
    model = MLP([2, 4, 2], output_activation="softmax", loss="cross_entropy", seed=0)
    model.fit(X, y, epochs=5, validation_fraction=0.2)
    assert len(model.history["val_loss"]) == 5


def test_callback_sees_history_and_can_stop():
    X, y = gaussian_classes(30)
    seen = []

    def callback(epoch, history, model):
        seen.append((epoch, len(history["loss"]), model.weights[0].copy()))
        return epoch < 20

    model = MLP([2, 4, 2], output_activation="softmax", seed=0).fit(
        X, y, epochs=100, callback=callback, callback_every=5
    )
    assert [s[0] for s in seen] == [5, 10, 15, 20]
    assert [s[1] for s in seen] == [5, 10, 15, 20]
    assert model.stop_reason_ == "callback" and len(model.history["loss"]) == 20
    assert not np.array_equal(seen[0][2], seen[-1][2])


def test_callback_exception_propagates_and_model_stays_usable():
    X, y = gaussian_classes(30)
    model = MLP([2, 4, 2], output_activation="softmax", seed=0)

    def boom(epoch, history, model):
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        model.fit(X, y, epochs=10, callback=boom)
    assert len(model.history["loss"]) == 1
    assert np.isfinite(model.predict_proba(X)).all()


def test_verbose_progress_bar_runs(capsys):
    X, y = gaussian_classes(20)
    MLP([2, 3, 2], output_activation="softmax", seed=0).fit(X, y, epochs=20, verbose=True)
    assert "epoch" in capsys.readouterr().err


@pytest.mark.parametrize("batch_size", [None, 1, 7])
def test_batch_modes_and_fit_continues_from_current_weights(batch_size):
    X, y = gaussian_classes(40)
    a = MLP([2, 4, 2], output_activation="softmax", batch_size=batch_size, seed=5)
    b = MLP([2, 4, 2], output_activation="softmax", batch_size=batch_size, seed=5)
    a.fit(X, y, epochs=10).fit(X, y, epochs=10)
    b.fit(X, y, epochs=10)
    assert not np.array_equal(a.weights[0], b.weights[0])
    b.fit(X, y, epochs=10)
    np.testing.assert_array_equal(a.weights[0], b.weights[0])


def test_divergence_raises_and_keeps_finite_weights():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3)) * 100
    y = X.sum(axis=1) * 100
    model = MLP([3, 8, 1], activation="identity", optimizer="sgd", learning_rate=10.0, seed=0)
    with pytest.raises(annlib.DivergenceError, match="learning_rate"):
        model.fit(X, y, epochs=1000)
    assert all(np.isfinite(w).all() for w in model.weights)
    assert isinstance(annlib.DivergenceError("x"), FloatingPointError)
    epochs_done = len(model.history["loss"])
    assert epochs_done < 1000


# ------------------------------------------------------------------ determinism
def test_same_seed_same_numbers_different_seed_different():
    X, y = gaussian_classes(40)
    kwargs = dict(output_activation="softmax", loss="cross_entropy", batch_size=8, seed=11)
    a = MLP([2, 5, 2], **kwargs).fit(X, y, epochs=20)
    b = MLP([2, 5, 2], **kwargs).fit(X, y, epochs=20)
    c = MLP([2, 5, 2], **{**kwargs, "seed": 12}).fit(X, y, epochs=20)
    for wa, wb in zip(a.weights, b.weights):
        np.testing.assert_array_equal(wa, wb)
    assert a.history == b.history
    assert not np.array_equal(a.weights[0], c.weights[0])
    assert a.history["loss"] != c.history["loss"]


def test_reset_restores_initial_weights():
    X, y = gaussian_classes(20)
    model = MLP([2, 5, 2], output_activation="softmax", seed=3)
    initial = model.weights
    model.fit(X, y, epochs=5)
    model.reset()
    for w0, w1 in zip(initial, model.weights):
        np.testing.assert_array_equal(w0, w1)
    assert model.classes_ is None and model.history == {}


@pytest.mark.parametrize(
    "init,check",
    [
        (
            "normal",
            lambda w, fan_in, fan_out: abs(w.mean() - 0.5) < 0.05 and abs(w.std() - 0.2) < 0.03,
        ),
        ("glorot", lambda w, fan_in, fan_out: np.abs(w).max() <= np.sqrt(6 / (fan_in + fan_out))),
        (
            "he",
            lambda w, fan_in, fan_out: (
                abs(w.std() - np.sqrt(2 / fan_in)) < 0.1 * np.sqrt(2 / fan_in)
            ),
        ),
    ],
)
def test_initialisation_follows_its_distribution(init, check):
    model = MLP([100, 80, 3], init=init, init_mean=0.5, init_std=0.2, seed=0)
    assert check(model.weights[0], 100, 80)
    assert all((b == 0).all() for b in model.biases)


# ------------------------------------------------------------------ arrays
def test_any_layout_and_dtype_of_input_gives_the_same_answer():
    X, y = gaussian_classes(20)
    model = MLP([2, 4, 2], output_activation="softmax", seed=0).fit(X, y, epochs=5)
    reference = model.outputs(X)
    big = np.zeros((80, 4))
    big[::2, ::2] = X
    np.testing.assert_array_equal(model.outputs(big[::2, ::2]), reference)
    np.testing.assert_array_equal(model.outputs(np.asfortranarray(X)), reference)
    np.testing.assert_array_equal(model.outputs(X.tolist()), reference)
    Xi = np.array([[1, 2], [3, 4]])
    np.testing.assert_array_equal(model.outputs(Xi), model.outputs(Xi.astype(float)))


def test_float32_model_computes_in_float32():
    X, y = gaussian_classes(20)
    model = MLP([2, 4, 2], output_activation="softmax", seed=0, dtype="float32").fit(X, y, epochs=5)
    assert model.outputs(X).dtype == np.float32
    assert model.weights[0].dtype == np.float32
    wide = MLP([2, 4, 2], output_activation="softmax", seed=0).fit(X, y, epochs=5)
    np.testing.assert_allclose(model.outputs(X), wide.outputs(X), atol=1e-5)


def test_weights_and_biases_are_settable():
    model = MLP([2, 3, 1], seed=0)
    model.weights = [np.ones((2, 3)), np.full((3, 1), 2.0)]
    model.biases = [np.zeros(3), np.array([0.5])]
    np.testing.assert_allclose(model.outputs([[1.0, 1.0]]), [[3 * 2 * np.tanh(2.0) + 0.5]])


def test_large_prediction_in_blocks_matches_small_batches():
    model = MLP([2, 8, 2], output_activation="softmax", seed=0)
    grid = np.random.default_rng(0).normal(size=(10000, 2))
    full = model.outputs(grid)
    np.testing.assert_allclose(full[5000:5010], model.outputs(grid[5000:5010]), rtol=1e-12)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_block_parallel_prediction_and_loss_do_not_depend_on_threads(dtype):
    # 20 000 samples = 5 blocks: two threads share them out, one thread walks them.
    model = MLP([3, 16, 4], output_activation="softmax", loss="cross_entropy", seed=1, dtype=dtype)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(20_000, 3))
    y = rng.integers(0, 4, size=20_000)
    model.fit(X[:100], y[:100], epochs=2)
    before = annlib.get_num_threads()
    try:
        runs = []
        for threads in (1, 2):
            annlib.set_num_threads(threads)
            runs.append((model.outputs(X), model.loss(X, y)))
    finally:
        annlib.set_num_threads(before)
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]
    # And each block is what predicting its samples alone gives.
    rtol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(
        runs[0][0][12_288:12_300], model.outputs(X[12_288:12_300]), rtol=rtol
    )


# ------------------------------------------------------------------ files
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_save_load_pickle_deepcopy_round_trips(tmp_path, dtype):
    X, y = gaussian_classes(30)
    labels = np.where(y == 0, "a", "b")
    model = MLP(
        [2, 4, 2],
        output_activation="softmax",
        loss="cross_entropy",
        optimizer="adam",
        seed=4,
        dtype=dtype,
    ).fit(X, labels, epochs=10)
    path = model.save(tmp_path / "model.npz")
    copies = [MLP.load(path), pickle.loads(pickle.dumps(model)), copy.deepcopy(model)]
    for clone in copies:
        np.testing.assert_array_equal(clone.predict_proba(X), model.predict_proba(X))
        assert clone.predict(X).tolist() == model.predict(X).tolist()
        assert clone.get_params() == model.get_params()
        assert clone.history == model.history
        assert clone.dtype == model.dtype


@pytest.mark.parametrize("optimizer,settings", OPTIMIZER_CASES, ids=OPTIMIZER_IDS)
def test_copies_continue_training_exactly_like_the_original(tmp_path, optimizer, settings):
    X, y = gaussian_classes(30)
    model = MLP(
        [2, 4, 2],
        output_activation="softmax",
        optimizer=optimizer,
        batch_size=None if optimizer in _core.FULL_BATCH_OPTIMIZERS else 8,
        seed=4,
        **settings,
    )
    model.fit(X, y, epochs=3)
    copies = [
        MLP.load(model.save(tmp_path / "m.npz")),
        pickle.loads(pickle.dumps(model)),
        copy.deepcopy(model),
    ]
    model.fit(X, y, epochs=3)
    for clone in copies:
        clone.fit(X, y, epochs=3)
        np.testing.assert_array_equal(clone.weights[0], model.weights[0])
        assert clone.history == model.history


def test_save_writes_the_name_as_given_and_load_reads_it(tmp_path):
    model = MLP([2, 2], seed=0)
    written = model.save(tmp_path / "net")
    assert written.name == "net" and sorted(p.name for p in tmp_path.iterdir()) == ["net"]
    np.testing.assert_array_equal(MLP.load(tmp_path / "net").weights[0], model.weights[0])


def test_missing_corrupt_and_wrong_files_raise(tmp_path):
    with pytest.raises(FileNotFoundError, match="path: no such file"):
        MLP.load(tmp_path / "missing.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip file at all")
    with pytest.raises(ValueError, match="path: .* is not a readable annlib model file"):
        MLP.load(bad)
    good = MLP([2, 3, 1], seed=0).save(tmp_path / "good.npz")
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ValueError, match="path"):
        MLP.load(truncated)
    other = tmp_path / "other.npz"
    np.savez(other, annlib_kind=np.array("Hopfield"), format_version=np.array(1))
    with pytest.raises(ValueError, match="expected a saved MLP, got a saved Hopfield"):
        MLP.load(other)
    future = tmp_path / "future.npz"
    np.savez(future, annlib_kind=np.array("MLP"), format_version=np.array(99))
    with pytest.raises(ValueError, match="format version 99"):
        MLP.load(future)


def test_failed_save_keeps_the_previous_file(tmp_path, monkeypatch):
    model = MLP([2, 3, 1], seed=0)
    path = model.save(tmp_path / "model.npz")
    before = path.read_bytes()

    def failing_savez(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", failing_savez)
    with pytest.raises(OSError, match="disk full"):
        MLP([2, 3, 1], seed=1).save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


# ------------------------------------------------------------------ bad input
BAD_CONSTRUCTORS = [
    (dict(layers=[2]), ValueError, "layers: expected at least 2 sizes"),
    (dict(layers=[2, 0, 1]), ValueError, r"layers\[1\]: expected an integer >= 1"),
    (dict(layers=[2, -3]), ValueError, r"layers\[1\]"),
    (dict(layers="2,3"), TypeError, "layers: expected a list"),
    (dict(layers=[2, 2.5]), TypeError, r"layers\[1\]: expected an integer"),
    (dict(layers=[2, 3, 1], activation="swish"), ValueError, "activation: expected one of"),
    (
        dict(layers=[2, 3, 1], activation=["tanh", "relu"]),
        ValueError,
        "activation: expected one name per hidden",
    ),
    (dict(layers=[2, 3, 1], activation=3), TypeError, "activation"),
    (
        dict(layers=[2, 3, 1], output_activation="swish"),
        ValueError,
        "output_activation: expected one of",
    ),
    (dict(layers=[2, 3, 1], loss="hinge"), ValueError, "loss: expected one of"),
    (
        dict(layers=[2, 3, 1], loss="cross_entropy"),
        ValueError,
        "loss: cross_entropy needs a softmax or sigmoid",
    ),
    (
        dict(layers=[2, 3, 1], output_activation="softmax"),
        ValueError,
        "output_activation: softmax needs at least 2",
    ),
    (dict(layers=[2, 3, 1], optimizer="lion"), ValueError, "optimizer: expected one of"),
    (dict(layers=[2, 3, 1], rho=1.0), ValueError, r"rho: expected a number in \[0, 1\), got 1"),
    (dict(layers=[2, 3, 1], centered=1), TypeError, "centered: expected True or False"),
    (
        dict(layers=[2, 3, 1], weight_decay=-0.1),
        ValueError,
        "weight_decay: expected a finite number >= 0, got -0.1",
    ),
    (
        dict(layers=[2, 3, 1], optimizer="adamw", weight_decay=20.0, learning_rate=0.1),
        ValueError,
        r"weight_decay: expected weight_decay \* learning_rate < 1 for adamw, got 20 \* 0.1",
    ),
    (dict(layers=[2, 3, 1], init="zeros"), ValueError, "init: expected one of"),
    (
        dict(layers=[2, 3, 1], learning_rate=0),
        ValueError,
        "learning_rate: expected a finite number > 0",
    ),
    (dict(layers=[2, 3, 1], learning_rate=-1), ValueError, "learning_rate"),
    (
        dict(layers=[2, 3, 1], learning_rate=float("nan")),
        ValueError,
        "learning_rate: expected a finite number",
    ),
    (
        dict(layers=[2, 3, 1], learning_rate="fast"),
        TypeError,
        "learning_rate: expected a real number",
    ),
    (dict(layers=[2, 3, 1], momentum=1.0), ValueError, "momentum"),
    (dict(layers=[2, 3, 1], beta2=1.5), ValueError, "beta2"),
    (dict(layers=[2, 3, 1], l2=-0.1), ValueError, "l2: expected a finite number >= 0"),
    (dict(layers=[2, 3, 1], batch_size=0), ValueError, "batch_size: expected an integer >= 1"),
    (dict(layers=[2, 3, 1], batch_size=2.0), TypeError, "batch_size: expected an integer"),
    (dict(layers=[2, 3, 1], init_std=-1), ValueError, "init_std"),
    (dict(layers=[2, 3, 1], leaky_slope=2), ValueError, "leaky_slope"),
    (dict(layers=[2, 3, 1], seed=-1), ValueError, "seed: expected an integer >= 0"),
    (dict(layers=[2, 3, 1], dtype="int8"), ValueError, "dtype: expected 'float32' or 'float64'"),
    (dict(layers=[2, 3, 1], shuffle="yes"), TypeError, "shuffle: expected True or False"),
    (
        dict(layers=[2, 3, 1], learning_rat=0.1),
        TypeError,
        "unexpected keyword argument 'learning_rat'",
    ),
]


@pytest.mark.parametrize(
    "kwargs,error,message",
    BAD_CONSTRUCTORS,
    ids=[re.sub(r"\W+", "_", m)[:40] for _, _, m in BAD_CONSTRUCTORS],
)
def test_bad_constructor_arguments_raise_clear_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        MLP(**kwargs)


def _fitted_classifier():
    X, y = gaussian_classes(10)
    return MLP([2, 3, 2], output_activation="softmax", seed=0).fit(X, y, epochs=2), X, y


BAD_CALLS = [
    (lambda m, X, y: m.predict(X[:, :1]), ValueError, "X: expected 2 columns, got 1"),
    (lambda m, X, y: m.predict(X[0]), ValueError, "X: expected a 2-D array"),
    (lambda m, X, y: m.predict(np.empty((0, 2))), ValueError, "X: expected a non-empty array"),
    (
        lambda m, X, y: m.predict(np.where(X > 0.5, np.nan, X)),
        ValueError,
        "X: expected finite values",
    ),
    (lambda m, X, y: m.predict(np.full((2, 2), np.inf)), ValueError, "X: expected finite values"),
    (
        lambda m, X, y: m.predict(np.array([["a", "b"]])),
        TypeError,
        "X: expected an array of real numbers",
    ),
    (
        lambda m, X, y: m.predict(X.astype(complex)),
        TypeError,
        "X: expected an array of real numbers",
    ),
    (
        lambda m, X, y: m.predict(np.array([[1, None]], dtype=object)),
        TypeError,
        "X: .*dtype object",
    ),
    (lambda m, X, y: m.predict([[1, 2], [3]]), ValueError, "X: expected a rectangular array"),
    (lambda m, X, y: m.fit(X, y[:-1]), ValueError, "y: expected 20 targets"),
    (lambda m, X, y: m.fit(X, y, epochs=0), ValueError, "epochs: expected an integer >= 1"),
    (lambda m, X, y: m.fit(X, y, patience=0), ValueError, "patience"),
    (lambda m, X, y: m.fit(X, y, callback=3), TypeError, "callback: expected a callable"),
    (lambda m, X, y: m.fit(X, y, validation_fraction=1.5), ValueError, "validation_fraction"),
    (
        lambda m, X, y: m.fit(X, y, validation_data=X),
        TypeError,
        "validation_data: expected a tuple",
    ),
    (
        lambda m, X, y: m.fit(X, y, validation_data=(X[:, :1], y)),
        ValueError,
        r"validation_data\[0\]",
    ),
    (lambda m, X, y: m.fit(X, np.full(20, 7)), ValueError, r"y: labels unseen at fit time: \[7\]"),
    (lambda m, X, y: m.accuracy(X, np.full(20, 9)), ValueError, "y: labels unseen"),
    (
        lambda m, X, y: m.fit(X, np.array([object()] * len(y))),
        TypeError,
        "y: expected numbers or string labels",
    ),
    (
        lambda m, X, y: setattr(m, "weights", [np.ones((3, 3)), np.ones((3, 2))]),
        ValueError,
        r"weights\[0\]: expected shape \(2, 3\)",
    ),
    (
        lambda m, X, y: setattr(m, "weights", [np.ones((2, 3))]),
        ValueError,
        "weights: expected a list of 2",
    ),
    (
        lambda m, X, y: setattr(m, "biases", [np.full(3, np.nan), np.ones(2)]),
        ValueError,
        r"biases\[0\]: expected finite",
    ),
    (lambda m, X, y: m.set_params(layers=[2, 5, 2]), ValueError, "layers: cannot change"),
    (lambda m, X, y: m.set_params(learning_rate=-2), ValueError, "learning_rate"),
]


@pytest.mark.parametrize(
    "call,error,message", BAD_CALLS, ids=[re.sub(r"\W+", "_", m)[:40] for _, _, m in BAD_CALLS]
)
def test_bad_calls_raise_clear_errors(call, error, message):
    model, X, y = _fitted_classifier()
    with pytest.raises(error, match=message):
        call(model, X, y)


def test_softmax_with_wrong_class_count_is_rejected():
    X, y = gaussian_classes(10)
    with pytest.raises(ValueError, match="y: expected 3 classes"):
        MLP([2, 3, 3], output_activation="softmax").fit(X, y)
    model = MLP([2, 3, 3], output_activation="softmax", seed=0).fit(
        X, y, classes=[0, 1, 2], epochs=2
    )
    assert model.classes_.tolist() == [0, 1, 2]


def test_failed_first_fit_does_not_fix_the_classes():
    X, y = gaussian_classes(10)
    model = MLP([2, 3, 2], output_activation="softmax", seed=0)
    with pytest.raises(ValueError):
        model.fit(X, y, validation_data=(X[:, :1], y))
    assert model.classes_ is None
    model.fit(X, np.where(y == 0, "x", "y"), epochs=1)
    assert model.classes_.tolist() == ["x", "y"]


def test_set_params_changes_hyper_parameters_but_keeps_weights():
    model = MLP([2, 3, 1], seed=0)
    weights = model.weights
    model.set_params(learning_rate=0.5, optimizer="adam")
    assert model.get_params()["learning_rate"] == 0.5
    np.testing.assert_array_equal(model.weights[0], weights[0])
    assert "learning_rate=0.5" in repr(model)


# ------------------------------------------------------------------ threads and signals
INTERRUPT_SCRIPT = r"""
import signal, sys, threading, time, os
import numpy as np
import annlib
X = np.random.default_rng(0).normal(size=(2000, 20))
y = (X[:, 0] > 0).astype(int)
model = annlib.MLP([20, 64, 64, 2], output_activation="softmax", batch_size=1, seed=0)
# A shell's background job starts us with SIGINT ignored (inherited through exec).
signal.signal(signal.SIGINT, signal.default_int_handler)
threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
start = time.perf_counter()
try:
    model.fit(X, y, epochs=100000)
except KeyboardInterrupt:
    waited = time.perf_counter() - start - 0.5
    assert np.isfinite(model.predict_proba(X)).all()
    model.fit(X[:10], y[:10], epochs=1)
    print(f"interrupted after {waited:.3f}s epochs={len(model.history['loss'])}")
    sys.exit(0)
sys.exit("fit was not interrupted")
"""


def test_ctrl_c_stops_fit_within_a_second_and_leaves_the_model_usable():
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", INTERRUPT_SCRIPT], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    waited = float(re.search(r"interrupted after ([\d.]+)s", done.stdout).group(1))
    assert waited < 1.0


def test_fit_releases_the_gil():
    import threading

    X, y = gaussian_classes(200)
    model = MLP([2, 64, 64, 2], output_activation="softmax", batch_size=1, seed=0)
    ticks = 0
    worker = threading.Thread(target=model.fit, args=(X, y), kwargs={"epochs": 40})
    worker.start()
    while worker.is_alive():
        ticks += 1
    worker.join()
    assert ticks > 1000  # this thread kept running Python while the fit ran


def test_concurrent_predictions_from_one_model_agree():
    from concurrent.futures import ThreadPoolExecutor

    X, y = gaussian_classes(500)
    model = MLP([2, 16, 2], output_activation="softmax", seed=0).fit(X, y, epochs=5)
    expected = model.predict_proba(X)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: model.predict_proba(X), range(16)))
    for result in results:
        np.testing.assert_array_equal(result, expected)


def misaligned(array):
    """A copy of ``array`` whose data starts one byte past an 8-byte boundary."""
    raw = bytearray(array.nbytes + 1)
    view = np.frombuffer(raw, dtype=array.dtype, offset=1, count=array.size).reshape(array.shape)
    view[...] = array
    assert not view.flags.aligned
    return view


def test_misaligned_arrays_are_accepted():
    X, y = gaussian_classes(20)
    model = MLP([2, 4, 2], output_activation="softmax", seed=0).fit(X, y, epochs=3)
    other = MLP([2, 4, 2], output_activation="softmax", seed=0).fit(misaligned(X), y, epochs=3)
    np.testing.assert_array_equal(other.outputs(misaligned(X)), model.outputs(X))


def test_task_regression_keeps_zero_one_targets_as_values():
    X, y = gaussian_classes(20)
    auto = MLP([2, 4, 1], output_activation="sigmoid", seed=0).fit(X, y, epochs=20)
    regression = MLP([2, 4, 1], output_activation="sigmoid", task="regression", seed=0).fit(
        X, y, epochs=20
    )
    assert auto.is_classifier and set(auto.predict(X)) <= {0, 1}
    assert not regression.is_classifier and regression.classes_ is None
    np.testing.assert_array_equal(regression.predict(X), regression.outputs(X)[:, 0])


def test_task_classification_takes_float_labels_and_rejects_outputs_that_cannot_classify():
    X, y = gaussian_classes(20)
    model = MLP([2, 4, 1], output_activation="tanh", task="classification", seed=0)
    model.fit(X, y.astype(float) + 1.0, epochs=5)
    assert model.classes_.tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match="task: classification needs a softmax output"):
        MLP([2, 4, 2], output_activation="identity", task="classification").fit(X, y)
    with pytest.raises(ValueError, match="task: expected one of"):
        MLP([2, 4, 1], task="clustering")


# A pass that runs for seconds in one piece (a full batch, a huge prediction) polls
# Ctrl-C between blocks of samples.  Sized by a time budget: a calibration run times
# one block (on one thread where the pass splits blocks between threads), the pass
# is made ~4 s long, and the allowed latency is 0.5 s or 1.5
# blocks, whichever is longer (sanitizer builds are several times slower).
LONG_PASS_SCRIPT = r"""
import os, signal, sys, threading, time
import numpy as np
import annlib
kind = sys.argv[1]
rng = np.random.default_rng(0)
layers = [64, 1024, 1024, 10]
model = annlib.MLP(layers, output_activation="softmax", loss="cross_entropy", dtype="float32", seed=0)
block = 1024 if kind == "fit" else 1818  # the engine's chunk / block for this network
def data(n):
    return rng.normal(size=(n, 64)).astype(np.float32), rng.integers(0, 10, n)
def run(X, y):
    if kind == "fit":
        model.fit(X, y, epochs=1)
    else:
        model.outputs(X)
X, y = data(block)
# A long prediction splits its blocks between threads, each block on one thread, so
# the calibration times one block on one thread too (what a worker needs to notice).
threads = annlib.get_num_threads()
if kind == "predict":
    annlib.set_num_threads(1)
run(X, y)  # warm-up: first-touch page faults and lazy initialisation
start = time.perf_counter()
run(X, y)
block_seconds = time.perf_counter() - start
annlib.set_num_threads(threads)
n = int(min(max(4.0 / block_seconds, 3) * block, 200_000))
X, y = data(n)
signal.signal(signal.SIGINT, signal.default_int_handler)
threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
start = time.perf_counter()
try:
    run(X, y)
except KeyboardInterrupt:
    waited = time.perf_counter() - start - 0.5
    assert np.isfinite(model.outputs(X[:5])).all()
    model.fit(X[:10], y[:10], epochs=1, classes=np.arange(10))
    print(f"interrupted after {waited:.3f}s block {block_seconds:.3f}s rows {n}")
    sys.exit(0)
sys.exit("the pass was not interrupted")
"""


@pytest.mark.parametrize("kind", ["fit", "predict"])
def test_ctrl_c_stops_a_long_full_batch_epoch_or_prediction_within_half_a_second(kind):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", LONG_PASS_SCRIPT, kind], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    found = re.search(r"interrupted after ([\d.]+)s block ([\d.]+)s", done.stdout)
    waited, block = float(found.group(1)), float(found.group(2))
    assert waited < max(0.5, 1.5 * block), done.stdout
