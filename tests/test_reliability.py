"""Threads, memory and divergence: results never depend on what else is running.

Predictions from one model in several threads, Ctrl-C during fit and the basic
divergence behaviour are tested in test_mlp.py.
"""

from __future__ import annotations

import gc
import os
import pickle
import re
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from conftest import gaussian_classes, spiral_classes

import annlib
from annlib import MLP, search

# Different enough to exercise every code path at once: minibatches with shuffling,
# online learning, full batch, float32, momentum and Adam, and one network large
# enough that its GEMMs run on several threads.
CONFIGS = [
    dict(
        layers=[2, 16, 4], output_activation="softmax", loss="cross_entropy", batch_size=8, seed=1
    ),
    dict(
        layers=[2, 8, 8, 4],
        activation="relu",
        output_activation="softmax",
        optimizer="adam",
        learning_rate=0.01,
        batch_size=1,
        seed=2,
    ),
    dict(
        layers=[2, 12, 4],
        activation="sigmoid",
        output_activation="softmax",
        optimizer="momentum",
        nesterov=True,
        seed=3,
    ),
    dict(layers=[2, 16, 4], output_activation="softmax", batch_size=16, dtype="float32", seed=4),
    dict(layers=[2, 10, 1], activation="tanh", seed=5),  # a regressor on the radius
    dict(
        layers=[2, 256, 256, 4],
        output_activation="softmax",
        loss="cross_entropy",
        batch_size=400,
        seed=6,
    ),
]


def train(config, X, y):
    params = dict(config)
    layers = params.pop("layers")
    model = MLP(layers, **params)
    targets = np.hypot(X[:, 0], X[:, 1]) if layers[-1] == 1 else y
    return model.fit(X, targets, epochs=15, validation_fraction=0.2)


def fingerprint(model):
    return [w.copy() for w in model.weights + model.biases], dict(model.history)


def assert_identical(a, b):
    (weights_a, history_a), (weights_b, history_b) = a, b
    for wa, wb in zip(weights_a, weights_b):
        np.testing.assert_array_equal(wa, wb)
    assert history_a == history_b


def test_models_fitted_concurrently_equal_models_fitted_one_after_another():
    X, y = spiral_classes(100)
    sequential = [fingerprint(train(config, X, y)) for config in CONFIGS]
    barrier = threading.Barrier(len(CONFIGS))

    def train_together(config):
        barrier.wait()  # all fits start at once
        return fingerprint(train(config, X, y))

    for _ in range(2):
        with ThreadPoolExecutor(len(CONFIGS)) as pool:
            concurrent = list(pool.map(train_together, CONFIGS))
        for a, b in zip(sequential, concurrent):
            assert_identical(a, b)


def test_one_model_fitted_from_two_threads_runs_the_fits_one_at_a_time():
    X, y = gaussian_classes(50)
    config = dict(output_activation="softmax", batch_size=4, seed=7)
    reference = MLP([2, 6, 2], **config).fit(X, y, epochs=5).fit(X, y, epochs=5)
    shared = MLP([2, 6, 2], **config)
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda _: shared.fit(X, y, epochs=5), range(2)))
    for a, b in zip(reference.weights, shared.weights):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------ memory
def resident_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class Stop(Exception):
    pass


def stop(*_):
    raise Stop


def one_cycle(i, X, y, path):
    """Create, fit, predict, save, load, pickle, and take every error path once."""
    model = MLP([2, 8, 2], output_activation="softmax", batch_size=4, seed=i).fit(X, y, epochs=3)
    model.predict(X)
    model.predict_proba(X)
    model.backward(X, y)
    clone = MLP.load(model.save(path))
    pickle.loads(pickle.dumps(clone)).outputs(X)
    try:  # an exception thrown by the engine
        model._engine.set_parameters(np.zeros(1))
    except ValueError:
        pass
    try:  # a Python exception raised inside the engine's loop
        model.fit(X, y, epochs=2, callback=stop)
    except Stop:
        pass
    try:  # divergence: the engine restores the last finite weights
        MLP([2, 2], activation="identity", learning_rate=1e6, seed=i).fit(
            X * 1e3, X * 1e3, epochs=50
        )
    except annlib.DivergenceError:
        pass


@pytest.mark.slow
def test_ten_thousand_create_fit_predict_save_load_cycles_keep_memory_flat(tmp_path):
    X, y = gaussian_classes(8)
    # Each save fsyncs: on a disk that, not annlib, would dominate the run, so use
    # memory-backed /dev/shm where there is one (the code path is the same).
    shm = "/dev/shm"
    folder = shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else tmp_path
    with tempfile.TemporaryDirectory(dir=folder) as work:
        path = os.path.join(work, "model.npz")
        resident = []  # after 1000 warm-up cycles (pools, caches, imports), then every 1000
        for i in range(10000):
            one_cycle(i, X, y, path)
            if (i + 1) % 1000 == 0:
                gc.collect()
                resident.append(resident_bytes())
    growth = np.diff(resident)
    # A leak grows memory in every stretch: one 17-parameter model per cycle adds over
    # 1000 × 136 bytes per sample.  The allocator may step once (a new arena, a moved
    # mmap threshold), so the typical stretch is judged, and the total loosely.
    assert np.median(growth) <= 16 * 1024, (
        f"resident memory grew by {growth.tolist()} bytes per 1000 cycles"
    )
    assert resident[-1] - resident[0] < 8 << 20, (
        f"resident memory grew by {resident[-1] - resident[0]} bytes"
    )


# ------------------------------------------------------------------ divergence
def diverging_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3)) * 100
    return X, X.sum(axis=1) * 100


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("optimizer", ["sgd", "momentum"])
@pytest.mark.parametrize("batch_size", [None, 10])
def test_divergence_keeps_the_latest_weights_with_a_finite_loss(dtype, optimizer, batch_size):
    X, y = diverging_data()
    model = MLP(
        [3, 8, 1],
        activation="identity",
        optimizer=optimizer,
        learning_rate=50.0,
        batch_size=batch_size,
        seed=0,
        dtype=dtype,
    )
    ends = [model.weights]  # ends[j]: the weights at the end of epoch j
    with pytest.raises(
        annlib.DivergenceError, match=r"^training diverged at epoch \d+ .*learning_rate \(now 50\)"
    ) as raised:
        model.fit(X, y, epochs=10000, callback=lambda epoch, history, m: ends.append(m.weights))
    message = str(raised.value)
    epoch = int(re.search(r"at epoch (\d+)", message).group(1))
    kept = re.search(r"end of epoch (\d+)", message)
    kept = int(kept.group(1)) if kept else 0
    assert len(ends) == epoch and len(model.history["loss"]) == epoch - 1
    assert kept in (epoch - 1, epoch - 2, 0)
    for w, end in zip(model.weights, ends[kept]):
        np.testing.assert_array_equal(w, end)
    # The point of keeping them: the model still answers with numbers.
    assert np.isfinite(model.loss(X, y))
    assert np.isfinite(model.outputs(X)).all()


def test_after_divergence_the_optimizer_starts_afresh():
    """The velocity that blew up is dropped: training on equals a new model from the same weights."""
    X, y = diverging_data()
    diverged = MLP(
        [3, 8, 1], activation="identity", optimizer="momentum", learning_rate=10.0, seed=0
    )
    with pytest.raises(annlib.DivergenceError):
        diverged.fit(X, y, epochs=10000)
    # Sane weights and rate on both; only an optimizer state left over could tell them apart.
    fresh = MLP([3, 8, 1], activation="identity", optimizer="momentum", learning_rate=1e-9, seed=1)
    diverged.set_params(learning_rate=1e-9)
    diverged.weights, diverged.biases = fresh.weights, fresh.biases
    diverged.fit(X, y, epochs=3)
    fresh.fit(X, y, epochs=3)
    for a, b in zip(diverged.weights, fresh.weights):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_diverging_step_keeps_the_weights_it_started_from(dtype):
    X, y = diverging_data()
    model = MLP([3, 8, 1], activation="identity", learning_rate=1e30, seed=0, dtype=dtype)
    for _ in range(20):
        before = model.weights
        try:
            model.step(X * 1e6, y * 1e6)
        except annlib.DivergenceError as error:
            assert "previous weights were kept" in str(error)
            for w, b in zip(model.weights, before):
                np.testing.assert_array_equal(w, b)
            return
    pytest.fail("step never diverged")


# ------------------------------------------------------------------ limits that always answer
def huge_grid():
    """Four keys of 1000 values each: 10**12 configurations."""
    values = np.linspace(0.01, 0.99, 1000).tolist()
    return {"learning_rate": values, "momentum": values, "l2": values, "init_std": values}


def test_a_grid_of_10_to_the_12_configurations_is_sampled_without_listing_it():
    X, y = gaussian_classes(10)
    started = time.perf_counter()
    result = annlib.grid_search(
        huge_grid(),
        X,
        y,
        base_params={"optimizer": "momentum"},
        n_iter=3,
        epochs=1,
        refit=False,
        cv=2,
    )
    assert len(result.results) == 3
    assert len({tuple(sorted(r["params"].items())) for r in result.results}) == 3
    assert time.perf_counter() - started < 5  # listing 10**12 indices would never end


def test_a_huge_grid_without_n_iter_is_refused_with_advice():
    X, y = gaussian_classes(10)
    with pytest.raises(
        ValueError,
        match=r"^param_grid: expected at most 100000 configurations "
        r"to try them all, got 1000000000000; pass n_iter=",
    ):
        annlib.grid_search(huge_grid(), X, y, epochs=1)


@pytest.mark.parametrize("size", [10, 10**6, 10**12, 10**40])
def test_sampling_draws_distinct_indices_within_the_grid(size):
    rng = np.random.default_rng(0)
    chosen = search._sample(size, 10, rng)
    assert len(set(chosen)) == 10 and chosen == sorted(chosen)
    assert all(0 <= i < size for i in chosen)
    assert search._sample(size, 10, np.random.default_rng(0)) == chosen  # reproducible


def test_sampling_is_uniform():
    counts = np.zeros(20)
    for seed in range(2000):
        for i in search._sample(20, 3, np.random.default_rng(seed)):
            counts[i] += 1
    expected = 2000 * 3 / 20
    assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected))


def test_the_progress_bar_shows_the_sample_and_the_grid_size(capsys):
    X, y = gaussian_classes(10)
    annlib.grid_search(
        {"learning_rate": [0.1, 0.2, 0.3, 0.4]},
        X,
        y,
        n_iter=2,
        epochs=1,
        refit=False,
        verbose=True,
        cv=2,
    )
    assert "2 of 4 configurations × 2 folds" in capsys.readouterr().err


# ------------------------------------------------------------------ accepted nonsense
def test_a_pandas_series_of_strings_is_accepted_as_labels():
    pandas = pytest.importorskip("pandas")
    X, y = gaussian_classes(20)
    labels = pandas.Series(np.where(y == 0, "cat", "dog"))  # dtype object
    model = MLP([2, 4, 2], output_activation="softmax", seed=0).fit(X, labels, epochs=5)
    assert model.classes_.tolist() == ["cat", "dog"]
    assert model.accuracy(X, labels) == model.accuracy(X, labels.to_numpy().astype(str))


@pytest.mark.parametrize(
    "labels,error,message",
    [
        (
            [0, "a", 1.5, 0] * 5,
            TypeError,
            "y: expected labels of one type, got a mix of number, string",
        ),
        (
            [True, 1, 0, False] * 5,
            TypeError,
            "y: expected labels of one type, got a mix of bool, number",
        ),
        ([2**64 - 1, -1] * 10, ValueError, "y: expected integer labels within one 64-bit type"),
    ],
    ids=["numbers-and-strings", "bools-and-numbers", "beyond-64-bit"],
)
def test_mixed_labels_are_refused(labels, error, message):
    X, _ = gaussian_classes(10)
    with pytest.raises(error, match=f"^{re.escape(message)}"):
        MLP([2, 4, 2], output_activation="softmax", seed=0).fit(X, labels, epochs=1)
    with pytest.raises(error, match=f"^{re.escape(message)}"):
        annlib.grid_search({"learning_rate": [0.1]}, X, labels, epochs=1)


def test_lists_of_ints_and_floats_stay_regression_targets():
    X, _ = gaussian_classes(10)
    targets = [0, 0.5, 1, 2.25] * 5
    model = MLP([2, 4, 1], seed=0).fit(X, targets, epochs=2)
    assert not model.is_classifier
    assert model.loss(X, targets) == model.loss(X, np.array(targets, dtype=float))


@pytest.mark.parametrize("size,blur", [(8, 2.0), (8, 0.3), (7, 50.0), (16, 1e300)])
def test_a_blurred_digit_keeps_the_documented_shape(size, blur):
    image = annlib.datasets.digit_image(3, size=size, blur=blur)
    assert image.shape == (size, size)
    assert np.isfinite(image).all() and image.min() >= 0 and image.max() <= 1


def test_a_light_blur_keeps_the_centre_of_the_image_where_it_was():
    sharp = annlib.datasets.digit_image(3, size=16)
    blurred = annlib.datasets.digit_image(3, size=16, blur=0.5)
    rows = np.arange(16)
    for axis in (0, 1):
        centre = lambda image: (image.sum(axis=1 - axis) * rows).sum() / image.sum()  # noqa: E731
        assert abs(centre(sharp) - centre(blurred)) < 0.2


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: annlib.datasets.xor(10, noise=1e308), "noise: expected a number <= 1000000"),
        (lambda: annlib.datasets.spirals(10, noise=1e7), "noise: expected a number <= 1000000"),
        (lambda: annlib.datasets.spirals(10, turns=1e308), "turns: expected a number <= 1000000"),
        (lambda: annlib.datasets.two_gaussians(10, stds=1e308), "stds: expected values <= 1e+06"),
        (
            lambda: annlib.datasets.two_gaussians(10, means=[[1e308, 0], [0, 0]]),
            "means: expected values in",
        ),
    ],
    ids=["xor-noise", "spirals-noise", "spirals-turns", "gaussian-stds", "gaussian-means"],
)
def test_dataset_scales_beyond_any_use_are_refused_not_turned_into_inf(call, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}"):
        call()


@pytest.mark.parametrize("estimator", ["MLPClassifier", "MLPRegressor"])
@pytest.mark.parametrize(
    "setting,value,error,message",
    [
        ("early_stopping", "False", TypeError, "early_stopping: expected True or False"),
        ("verbose", "no", TypeError, "verbose: expected True or False"),
        ("validation_fraction", "0.1", TypeError, "validation_fraction: expected a real number"),
        ("validation_fraction", 1.5, ValueError, "validation_fraction: expected a number < 1.0"),
        ("patience", 2.5, TypeError, "patience: expected an integer"),
        ("tol", "small", TypeError, "tol: expected a real number"),
        ("epochs", 2**31, ValueError, "epochs: expected an integer <= 2147483647"),
    ],
)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_estimators_refuse_wrongly_typed_settings_like_mlp(
    estimator, setting, value, error, message, method
):
    from annlib import sklearn as estimators

    X, y = gaussian_classes(10)
    model = getattr(estimators, estimator)(**{"epochs": 2, setting: value})
    extra = {"classes": [0, 1]} if method == "partial_fit" and estimator == "MLPClassifier" else {}
    with pytest.raises(error, match=f"^{re.escape(message)}"):
        getattr(model, method)(X, y, **extra)
    assert not hasattr(model, "model_")  # refused before any network was built


def growing_loss_model():
    """Losses 6.4e3, 7.6e8, 1.5e24 over three full-batch epochs: finite, but no training."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(3, 1)) * 1000, rng.normal(size=(3, 1))
    model = MLP(
        [1, 1, 1],
        activation=["relu"],
        output_activation="identity",
        loss="mse",
        optimizer="sgd",
        learning_rate=0.001,
        dtype="float32",
        seed=0,
    )
    return model, X, y


def test_a_loss_that_grows_by_eight_orders_of_magnitude_is_divergence():
    model, X, y = growing_loss_model()
    ends = [model.weights]
    with pytest.raises(
        annlib.DivergenceError,
        match=r"^training diverged at epoch 3 \(loss 1\.4\d+e\+24, more than 1e\+08 times the "
        r"starting weights' 6411.*end of epoch 1, the last with a finite loss below 6\.41\d*e\+11",
    ):
        model.fit(X, y, epochs=3, callback=lambda epoch, history, m: ends.append(m.weights))
    # The kept weights are those of the end of epoch 1, whose loss is within the limit,
    # not those of epoch 2 (loss 1.5e24) that the third epoch started from.
    for w, end in zip(model.weights, ends[1]):
        np.testing.assert_array_equal(w, end)
    assert model.history["loss"][0] == pytest.approx(6411.0, rel=1e-3)
    assert model.loss(X, y) < 1e8 * model.history["loss"][0]
    # Far outside the data, outputs stay finite in float32 (with the epoch-3 weights, ~7e16,
    # they overflowed).
    assert np.isfinite(model.outputs(np.array([[1e6], [-1e6]]))).all()


def test_a_loss_that_grows_less_than_eight_orders_of_magnitude_is_not_divergence():
    model, X, y = growing_loss_model()
    model.fit(X, y, epochs=2)  # 6.4e3 -> 7.6e8: bad training, but no divergence
    assert model.history["loss"][1] / model.history["loss"][0] == pytest.approx(1.19e5, rel=0.01)


@pytest.mark.parametrize("batch_size", [None, 20])
def test_a_huge_learning_rate_diverges_before_the_loss_overflows(batch_size):
    X, y = gaussian_classes(100)
    model = MLP(
        [2, 4, 2],
        output_activation="softmax",
        loss="cross_entropy",
        learning_rate=1e300,
        batch_size=batch_size,
        seed=0,
    )
    start = model.weights
    with pytest.raises(annlib.DivergenceError, match="diverged at epoch [12] "):
        model.fit(X, y, epochs=5)
    assert np.isfinite(model.loss(X, y))
    if batch_size is None:  # epoch 2 started from weights whose loss is ~1e299
        for w, s in zip(model.weights, start):
            np.testing.assert_array_equal(w, s)


# ------------------------------------------------------------------ losses summed in double
def test_float32_regression_with_targets_of_1e20_trains_with_the_float64_loss():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(50, 2)), rng.normal(size=(50, 1)) * 1e20
    losses = {}
    for dtype in ("float32", "float64"):
        model = MLP([2, 4, 1], dtype=dtype, learning_rate=1e-3, seed=0)
        model.fit(X, y, epochs=1)  # the float32 squares (1e40) used to overflow to inf
        losses[dtype] = (model.history["loss"][0], model.loss(X, y))
    assert np.isfinite(losses["float32"]).all()
    np.testing.assert_allclose(losses["float32"], losses["float64"], rtol=1e-5)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_huge_finite_logits_and_weights_give_a_finite_loss(dtype):
    X, ones = np.ones((1000, 1)), np.ones(1000, dtype=int)
    # sigmoid cross-entropy: 1000 softplus values of 1e36 sum to 1e39, past float32.
    model = MLP([1, 1], output_activation="sigmoid", loss="cross_entropy", dtype=dtype)
    model.fit(X, ones, epochs=1)
    model.weights, model.biases = [np.array([[-1e36]])], [np.zeros(1)]
    assert model.loss(X, ones) == pytest.approx(1e36, rel=1e-6)
    # The L2 penalty of a weight of 1e20: 0.5 * l2 * 1e40.
    model = MLP([1, 1], l2=1.0, dtype=dtype)
    model.weights = [np.array([[1e20]])]
    assert model.loss(np.zeros((2, 1)), np.zeros(2)) == pytest.approx(0.5e40, rel=1e-6)


def test_grid_search_scores_float32_mse_of_huge_targets_in_double():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(40, 2)), rng.normal(size=40) * 1e20
    result = annlib.grid_search(
        {"learning_rate": [1e-3]},
        X,
        y,
        base_params={"dtype": "float32"},
        scoring="mse",
        epochs=1,
        cv=2,
        refit=False,
    )
    assert np.isfinite(result.best_score) and result.best_score > 1e39


def test_mse_of_float32_regression_with_huge_targets_is_computed_in_double():
    X = np.linspace(-1, 1, 20).reshape(-1, 1)
    y = np.full((20, 1), 1e20)
    model = MLP([1, 2, 1], output_activation="identity", loss="mse", dtype="float32", seed=0)
    model.fit(X, y, epochs=1)
    expected = np.mean((model.outputs(X).astype(np.float64) - y) ** 2)
    assert np.isfinite(model.mse(X, y))
    assert model.mse(X, y) == pytest.approx(expected, rel=1e-6)
