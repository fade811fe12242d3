"""Learning-rate schedules: each gives its documented sequence, continues across fits and files."""

import math

import numpy as np
import pytest
from conftest import gaussian_classes

import annlib
from annlib import MLP, _core

N = 20  # samples of the data below
X, Y = gaussian_classes(N // 2)
ETA = 0.1


# The documented rate of epoch e (from 1) of each schedule with the settings of its row.
def constant(e, o):
    return ETA


def invscaling(e, o):  # scikit-learn: η0 / (t + 1)^power_t, t = samples seen before the epoch
    return ETA / ((e - 1) * N + 1) ** o.get("power_t", 0.5)


def step(e, o):
    return ETA * o["decay"] ** ((e - 1) // o["decay_every"])


def exponential(e, o):
    return ETA * o["decay"] ** (e - 1)


def cosine(e, o):
    T, low = o["cosine_epochs"], o.get("min_learning_rate", 0.0)
    tau = (e - 1) % T if o.get("cosine_restarts") else min(e - 1, T)
    return low + (ETA - low) * (1 + math.cos(math.pi * tau / T)) / 2


REFERENCE_RATES = {
    "constant": constant,
    "invscaling": invscaling,
    "step": step,
    "exponential": exponential,
    "cosine": cosine,
}
SCHEDULE_CASES = [
    ("constant", {}),
    ("invscaling", {}),
    ("invscaling", {"power_t": 0.25}),
    ("step", {"decay": 0.5, "decay_every": 3}),
    ("exponential", {"decay": 0.8}),
    ("cosine", {"cosine_epochs": 4, "min_learning_rate": 0.01}),
    ("cosine", {"cosine_epochs": 4, "cosine_restarts": True}),
]
IDS = ["-".join([n, *(f"{k}={v}" for k, v in o.items())]) for n, o in SCHEDULE_CASES]


def model(**params):
    return MLP(
        [2, 3, 2], output_activation="softmax", **{"learning_rate": ETA, "seed": 3, **params}
    )


def test_every_schedule_of_the_engine_has_a_reference_or_a_test_of_its_own():
    assert set(_core.SCHEDULES) == set(REFERENCE_RATES) | {"plateau"}


@pytest.mark.parametrize("schedule,settings", SCHEDULE_CASES, ids=IDS)
@pytest.mark.parametrize("warmup", [0, 3])
def test_schedules_produce_their_documented_rates(schedule, settings, warmup):
    net = model(schedule=schedule, warmup_epochs=warmup, **settings).fit(X, Y, epochs=10)
    expected = [
        REFERENCE_RATES[schedule](e, settings) * (min(1, e / warmup) if warmup else 1)
        for e in range(1, 11)
    ]
    np.testing.assert_allclose(net.history["learning_rate"], expected, rtol=1e-14)


def test_the_rate_of_the_history_is_the_rate_used():
    """Full-batch SGD: each epoch's parameter change is −η_e times its gradient."""
    net = MLP(
        [2, 3, 1], schedule="exponential", decay=0.5, learning_rate=ETA, optimizer="sgd", seed=1
    )
    y = X[:, 0] - X[:, 1]
    net.fit(X, y, epochs=1)
    for e in range(2, 5):
        before = net._engine.parameters.copy()
        gradient = net._engine.gradient(X, y.reshape(-1, 1))
        net.fit(X, y, epochs=1)
        assert net.history["learning_rate"] == [ETA * 0.5 ** (e - 1)]
        np.testing.assert_allclose(
            net._engine.parameters - before, -ETA * 0.5 ** (e - 1) * gradient, rtol=1e-12
        )


def plateau_run(rate, patience, factor, losses, tol=1e-4):
    """The plateau rates for a given sequence of monitored losses, by its definition."""
    rates, best, waited = [], math.inf, 0
    for loss in losses:
        rates.append(rate)
        if loss < best - tol:
            best, waited = loss, 0
        else:
            waited += 1
            if waited >= patience:
                rate, waited = rate / factor, 0
    return rates


@pytest.mark.parametrize("patience,factor", [(2, 5.0), (1, 2.0), (4, 10.0)])
def test_plateau_divides_the_rate_exactly_after_patience_epochs_without_improvement(
    patience, factor
):
    # A rate this large makes the loss stall and bounce, so the plateau is met.
    net = model(
        schedule="plateau", plateau_patience=patience, plateau_factor=factor, learning_rate=50.0
    )
    net.fit(X, Y, epochs=30)
    rates = net.history["learning_rate"]
    expected = plateau_run(50.0, patience, factor, net.history["loss"])
    np.testing.assert_allclose(rates, expected, rtol=1e-14)
    assert rates[-1] < rates[0]  # it did react


def test_plateau_waits_while_the_loss_improves():
    net = model(schedule="plateau", plateau_patience=1, plateau_tol=0.0).fit(X, Y, epochs=15)
    losses = net.history["loss"]
    assert all(b < a for a, b in zip(losses, losses[1:]))  # it improves every epoch...
    assert net.history["learning_rate"] == [ETA] * 15  # ...so the rate never drops


def test_plateau_monitors_the_validation_loss_when_there_is_one():
    Xv, yv = gaussian_classes(5, seed=9)
    net = model(schedule="plateau", plateau_patience=1, learning_rate=30.0)
    net.fit(X, Y, epochs=20, validation_data=(Xv, yv))
    expected = plateau_run(30.0, 1, 5.0, net.history["val_loss"])
    np.testing.assert_allclose(net.history["learning_rate"], expected, rtol=1e-14)


ALL_CASES = SCHEDULE_CASES + [("plateau", {"plateau_patience": 1}), ("step", {"warmup_epochs": 4})]


@pytest.mark.parametrize("schedule,settings", ALL_CASES)
def test_the_schedule_continues_across_fits_files_and_copies(tmp_path, schedule, settings):
    settings = {"decay_every": 2, "decay": 0.7, **settings}
    whole = model(schedule=schedule, **settings).fit(X, Y, epochs=8)
    half = model(schedule=schedule, batch_size=4, **settings).fit(X, Y, epochs=4)
    loaded = MLP.load(half.save(tmp_path / "m.npz"))
    for net in (half, loaded):
        net.fit(X, Y, epochs=4)
    np.testing.assert_array_equal(loaded._engine.parameters, half._engine.parameters)
    assert loaded.history == half.history
    if schedule != "plateau":  # the plateau's rates follow the losses, which batch_size changes
        assert loaded.history["learning_rate"] == whole.history["learning_rate"][4:]


def test_reset_and_a_new_schedule_start_the_schedule_again():
    net = model(schedule="exponential", decay=0.5).fit(X, Y, epochs=3)
    net.reset().fit(X, Y, epochs=1)
    assert net.history["learning_rate"] == [ETA]
    net.fit(X, Y, epochs=1)
    net.set_params(schedule="step", decay_every=1)
    net.fit(X, Y, epochs=2)
    assert net.history["learning_rate"] == [ETA, ETA * 0.5]


def test_schedules_are_searchable_and_identical_for_any_n_jobs():
    grid = {"schedule": ["constant", "cosine", "plateau"], "optimizer": ["sgd", "adamw"]}
    runs = [
        annlib.grid_search(grid, X, Y, base_params={"cosine_epochs": 3}, epochs=6, n_jobs=jobs)
        for jobs in (1, 2)
    ]
    assert [r["mean_score"] for r in runs[0].results] == [r["mean_score"] for r in runs[1].results]
    assert {r["params"]["schedule"] for r in runs[0].results} == {"constant", "cosine", "plateau"}


BAD = [
    ({"schedule": "linear"}, ValueError, "schedule: expected one of constant, invscaling"),
    ({"schedule": 3}, TypeError, "schedule: expected one of"),
    ({"power_t": -1.0}, ValueError, r"power_t: expected a finite number >= 0, got -1"),
    ({"decay": 0.0}, ValueError, r"decay: expected a number in \(0, 1\], got 0"),
    ({"decay": 1.5}, ValueError, r"decay: expected a number in \(0, 1\], got 1.5"),
    ({"decay_every": 0}, ValueError, "decay_every: expected an integer >= 1, got 0"),
    ({"decay_every": 2.5}, TypeError, "decay_every: expected an integer"),
    ({"cosine_epochs": -3}, ValueError, "cosine_epochs: expected an integer >= 1, got -3"),
    ({"cosine_restarts": "yes"}, TypeError, "cosine_restarts: expected True or False"),
    ({"min_learning_rate": -0.1}, ValueError, "min_learning_rate: expected a finite number >= 0"),
    ({"plateau_factor": 1.0}, ValueError, "plateau_factor: expected a finite number > 1, got 1"),
    ({"plateau_patience": 0}, ValueError, "plateau_patience: expected an integer >= 1, got 0"),
    ({"plateau_tol": float("nan")}, ValueError, "plateau_tol: expected a finite number >= 0"),
    ({"warmup_epochs": -1}, ValueError, "warmup_epochs: expected an integer >= 0, got -1"),
    ({"warmup_epochs": 2**40}, ValueError, "warmup_epochs: expected an integer <="),
]


@pytest.mark.parametrize("params,error,match", BAD, ids=[next(iter(p)) for p, _, _ in BAD])
def test_bad_schedule_settings_raise_clear_errors(params, error, match):
    with pytest.raises(error, match=f"^{match}"):
        model(**params)
