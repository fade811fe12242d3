"""annlib.ModernHopfield against Ramsauer et al. (2020): the softmax update, its energy, its regimes."""

from __future__ import annotations

import doctest
import pickle

import numpy as np
import pytest

import annlib
from annlib import Hopfield, ModernHopfield, random_patterns

DTYPES = ["float64", "float32"]
TOLERANCE = {"float64": 1e-12, "float32": 2e-5}


def numpy_update(X, Q, beta):
    scores = beta * Q @ X.T
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    return weights @ X


def numpy_energy(X, xi, beta):
    z = beta * X @ xi
    lse = (z.max() + np.log(np.exp(z - z.max()).sum())) / beta
    M2 = (X**2).sum(axis=1).max()
    return -lse + 0.5 * xi @ xi + np.log(len(X)) / beta + 0.5 * M2


@pytest.fixture
def gaussian_patterns():
    return np.random.default_rng(0).normal(size=(30, 16))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("beta", [0.05, 1.0, 8.0])
def test_one_update_equals_a_numpy_softmax_update(gaussian_patterns, beta, dtype):
    X = gaussian_patterns
    queries = np.random.default_rng(1).normal(size=(300, 16))  # three chunks of the engine
    net = ModernHopfield(beta, dtype=dtype)
    net.store(X)
    got = net.retrieve(queries, steps=1).states
    assert got.dtype == np.dtype(dtype)
    expected = numpy_update(X, queries, beta)
    np.testing.assert_allclose(got, expected, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])
    np.testing.assert_allclose(net.update(queries), got)
    two = net.retrieve(queries, steps=2).states
    np.testing.assert_allclose(
        two, numpy_update(X, expected, beta), rtol=10 * TOLERANCE[dtype], atol=10 * TOLERANCE[dtype]
    )


def test_large_beta_retrieves_a_pattern_in_one_step_from_half_its_units():
    X = random_patterns(50, 128, seed=2)
    net = ModernHopfield(beta=2.0)
    net.store(X)
    mask = np.zeros(128, dtype=bool)
    mask[:64] = True
    result = net.retrieve(X, steps=1, mask=mask)
    np.testing.assert_allclose(result.states, X, atol=1e-9)
    np.testing.assert_array_equal(result.pattern, np.arange(50))
    assert (result.weight > 1 - 1e-9).all() and not result.metastable.any()
    # The theory's condition holds: each pattern is separated by far more than ~2 ln(P) / beta.
    assert (net.separation() > 2 * np.log(50) / 2.0).all()


def test_small_beta_averages_every_pattern_a_metastable_state():
    X = random_patterns(40, 32, seed=3)
    net = ModernHopfield(beta=1e-7)
    net.store(X)
    result = net.retrieve(random_patterns(5, 32, seed=4), steps=1)
    np.testing.assert_allclose(result.states, np.broadcast_to(X.mean(axis=0), (5, 32)), atol=1e-5)
    assert result.metastable.all()
    np.testing.assert_allclose(result.weight, 1 / 40, rtol=1e-4)


@pytest.mark.parametrize("beta", [0.02, 0.2, 2.0])
def test_the_energy_never_rises_along_the_updates(gaussian_patterns, beta):
    X = gaussian_patterns
    net = ModernHopfield(beta)
    net.store(X)
    state = np.random.default_rng(5).normal(scale=3.0, size=(20, 16))
    energies = [net.energy(state)]
    for _ in range(15):
        state = net.update(state)
        energies.append(net.energy(state))
    energies = np.array(energies)
    assert (np.diff(energies, axis=0) <= 1e-10 * np.abs(energies).max()).all()
    assert (energies[-1] < energies[0]).all()
    assert (energies >= -1e-9).all()  # the constants make E >= 0


def test_energy_matches_the_formula(gaussian_patterns):
    net = ModernHopfield(0.7)
    net.store(gaussian_patterns)
    states = np.random.default_rng(6).normal(size=(4, 16))
    expected = [numpy_energy(gaussian_patterns, s, 0.7) for s in states]
    np.testing.assert_allclose(net.energy(states), expected, rtol=1e-12)
    assert net.energy(states[0]) == pytest.approx(expected[0], rel=1e-12)


def test_until_converged_stops_when_nothing_moves(gaussian_patterns):
    net = ModernHopfield(0.5)
    net.store(gaussian_patterns)
    queries = np.random.default_rng(7).normal(size=(10, 16))
    result = net.retrieve(queries, steps=None, tol=1e-10, max_steps=500)
    assert result.converged.all()
    assert (result.steps > 1).all()
    np.testing.assert_allclose(net.update(result.states), result.states, atol=1e-8)
    capped = net.retrieve(queries, steps=None, tol=0.0, max_steps=3)
    np.testing.assert_array_equal(capped.steps, 3)


def test_weights_are_the_softmax_of_the_scores(gaussian_patterns):
    net = ModernHopfield(1.5)
    net.store(gaussian_patterns)
    state = np.random.default_rng(8).normal(size=16)
    weights = net.weights(state)
    scores = 1.5 * gaussian_patterns @ state
    expected = np.exp(scores - scores.max())
    np.testing.assert_allclose(weights, expected / expected.sum(), rtol=1e-12)
    assert net.retrieve(state).pattern == int(np.argmax(scores))


def test_separation_matches_its_definition(gaussian_patterns):
    net = ModernHopfield()
    net.store(gaussian_patterns)
    G = gaussian_patterns @ gaussian_patterns.T
    others = np.where(np.eye(30, dtype=bool), -np.inf, G).max(axis=1)
    np.testing.assert_allclose(net.separation(), np.diag(G) - others, rtol=1e-12)


def test_a_batch_equals_its_queries_one_by_one(gaussian_patterns):
    net = ModernHopfield(0.3)
    net.store(gaussian_patterns)
    queries = np.random.default_rng(9).normal(size=(7, 16))
    batch = net.retrieve(queries, steps=None)
    for k, query in enumerate(queries):
        single = net.retrieve(query, steps=None)
        np.testing.assert_allclose(single.states, batch.states[k], rtol=1e-12, atol=1e-12)
        assert single.steps == batch.steps[k]


def test_add_appends_patterns(gaussian_patterns):
    net = ModernHopfield()
    net.add(gaussian_patterns[:10])
    net.add(gaussian_patterns[10:])
    np.testing.assert_array_equal(net.patterns, gaussian_patterns)
    assert (net.n_patterns, net.n_units) == (30, 16)


@pytest.mark.parametrize("dtype", DTYPES)
def test_save_load_and_pickle_keep_beta_and_patterns(tmp_path, gaussian_patterns, dtype):
    net = ModernHopfield(0.25, dtype=dtype)
    net.store(gaussian_patterns)
    net.save(tmp_path / "modern")
    queries = np.random.default_rng(10).normal(size=(3, 16))
    for copy in (ModernHopfield.load(tmp_path / "modern.npz"), pickle.loads(pickle.dumps(net))):
        assert repr(copy) == repr(net)
        np.testing.assert_array_equal(copy.retrieve(queries).states, net.retrieve(queries).states)


def test_load_refuses_another_kind_of_model(tmp_path):
    Hopfield(4).save(tmp_path / "h.npz")
    with pytest.raises(ValueError, match="expected a saved ModernHopfield"):
        ModernHopfield.load(tmp_path / "h.npz")


BAD = [
    (lambda net: ModernHopfield(beta=0.0), ValueError, "beta: expected a finite number > 0"),
    (lambda net: ModernHopfield(beta="hot"), TypeError, "beta: expected a real number"),
    (lambda net: setattr(net, "beta", -1.0), ValueError, "beta: expected a finite number > 0"),
    (lambda net: ModernHopfield(dtype="int32"), ValueError, "dtype: expected"),
    (lambda net: ModernHopfield().retrieve([1.0]), ValueError, "patterns: expected at least one"),
    (lambda net: net.retrieve([1.0] * 5), ValueError, "queries: expected 4 units, got 5"),
    (lambda net: net.retrieve([[1.0] * 3]), ValueError, "queries: expected 4 columns"),
    (lambda net: net.retrieve([np.nan] * 4), ValueError, "queries: expected finite values"),
    (lambda net: net.retrieve([1.0] * 4, steps=0), ValueError, "steps: expected an integer >= 1"),
    (lambda net: net.retrieve([1.0] * 4, steps=1.5), TypeError, "steps: expected an integer"),
    (lambda net: net.retrieve([1.0] * 4, steps=None, max_steps=0), ValueError, "max_steps"),
    (lambda net: net.retrieve([1.0] * 4, tol=-1.0), ValueError, "tol: expected a number >= 0"),
    (
        lambda net: net.retrieve([1.0] * 4, mask=[1, 0, 1, 0]),
        TypeError,
        "mask: expected an array of booleans",
    ),
    (lambda net: net.retrieve([1.0] * 4, mask=[True] * 3), ValueError, "mask: expected the shape"),
    (lambda net: net.add([[1.0] * 3]), ValueError, "patterns: expected 4 columns"),
    (lambda net: net.store([1.0, 2.0]), ValueError, "patterns: expected a 2-D array"),
    (lambda net: net.energy([[np.inf] * 4]), ValueError, "states: expected finite values"),
]


@pytest.mark.parametrize(("call", "error", "message"), BAD, ids=[b[2] for b in BAD])
def test_bad_input_raises_naming_the_argument(call, error, message):
    net = ModernHopfield()
    net.store(np.eye(4))
    with pytest.raises(error, match=message):
        call(net)


def test_the_module_examples_run():
    assert doctest.testmod(annlib.modern_hopfield).failed == 0
