"""classify_recall on hand-made states and basin_radius against exhaustive enumeration."""

from __future__ import annotations

import doctest
import itertools

import numpy as np
import pytest

import annlib
from annlib import DenseAssociativeMemory, Hopfield, ModernHopfield, random_patterns
from annlib.recall_analysis import basin_radius, classify_recall

X = np.array(
    [
        [1, 1, 1, -1, -1, 1, -1, 1, 1],
        [1, -1, 1, 1, -1, -1, 1, -1, 1],
        [-1, 1, 1, 1, 1, 1, -1, -1, -1],
        [1, 1, -1, 1, -1, 1, 1, 1, -1],
    ],
    dtype=float,
)


def brute_force_mixtures(state, patterns):
    found = set()
    for triple in itertools.combinations(range(len(patterns)), 3):
        for signs in itertools.product((1, -1), repeat=3):
            if (np.sign(np.array(signs) @ patterns[list(triple)]) == state).all():
                found.add(triple)
    return found


def test_hand_made_states_get_their_kinds():
    mixture = np.sign(X[0] - X[1] + X[3])
    assert not (np.abs(X @ mixture) == 9).any()  # a genuine mixture, no pattern
    spurious = np.array([-1, -1, -1, -1, 1, 1, 1, 1, -1], dtype=float)
    assert not brute_force_mixtures(spurious, X) and not (np.abs(X @ spurious) == 9).any()
    result = classify_recall([X[2], -X[1], mixture, spurious], X)
    assert result.kind.tolist() == ["retrieved", "reversed", "mixture", "spurious"]
    assert result.pattern.tolist() == [2, 1, -1, -1]
    assert result.components[2].tolist() == [0, 1, 3]
    assert (np.sign(result.signs[2] @ X[[0, 1, 3]]) == mixture).all()
    assert result.counts() == {
        "cycle": 0,
        "retrieved": 1,
        "reversed": 1,
        "mixture": 1,
        "spurious": 1,
    }


def test_mixture_search_agrees_with_brute_force_on_random_states():
    patterns = random_patterns(7, 11, seed=0)
    states = np.vstack([random_patterns(150, 11, seed=1), np.sign(patterns[:3].sum(axis=0))])
    result = classify_recall(states, patterns)
    for state, kind, components in zip(states, result.kind, result.components):
        exact = brute_force_mixtures(state, patterns)
        if kind == "mixture":
            assert tuple(components) in exact
        elif kind == "spurious":
            assert not exact
    assert (result.kind == "mixture").sum() > 10  # the check is not vacuous


def test_cycles_come_from_the_recall_result():
    classic = np.array(
        [
            [-1, -1, 1, -1, 1, -1, -1, 1],
            [-1, -1, -1, -1, -1, 1, -1, -1],
            [-1, 1, 1, -1, -1, 1, -1, 1],
        ],
        dtype=float,
    )
    net = Hopfield(8, normalize=False)
    net.train(classic)
    every = np.array(list(itertools.product([-1.0, 1.0], repeat=8)))
    result = net.recall(every, mode="sync")
    kinds = classify_recall(result, classic)
    np.testing.assert_array_equal(kinds.kind == "cycle", result.cycle)
    # With a zero diagonal the six stored states are the only fixed points.
    assert set(kinds.kind[~result.cycle]) <= {"retrieved", "reversed"}


def test_the_classical_network_above_capacity_ends_in_mixtures_and_spurious_states():
    patterns = random_patterns(12, 100, seed=2)
    net = Hopfield(100, seed=3)
    net.train(patterns)
    counts = classify_recall(net.recall(random_patterns(200, 100, seed=4)), patterns).counts()
    assert counts["spurious"] > 0 and counts["mixture"] > 0
    assert sum(counts.values()) == 200


def small_network():
    net = Hopfield(12, seed=0)
    patterns = random_patterns(2, 12, seed=3)
    net.train(patterns)
    return net, patterns


def exact_success(net, pattern, k):
    probes = []
    for units in itertools.combinations(range(pattern.size), k):
        probe = pattern.copy()
        probe[list(units)] *= -1
        probes.append(probe)
    return (net.recall(np.array(probes), mode="sync").states == pattern).all(axis=1).mean()


def test_basin_radius_matches_exhaustive_enumeration_on_a_small_network():
    net, patterns = small_network()
    fractions = np.arange(7) / 12
    exact = np.array([[exact_success(net, x, k) for k in range(7)] for x in patterns])
    trials = 400
    result = basin_radius(
        net, patterns, fractions, probability=0.6, trials=trials, seed=1, mode="sync"
    )
    error = np.sqrt(exact * (1 - exact) / trials)
    assert (np.abs(result.success - exact) <= 4 * error + 1e-12).all()
    # The level 0.6 is far (> 5 standard errors) from every exact value, so the radius is exact.
    assert (np.abs(exact - 0.6) > 5 * np.sqrt(0.25 / trials)).all()
    first_failure = np.argmin(exact >= 0.6, axis=1)
    np.testing.assert_array_equal(result.radius, fractions[first_failure - 1])
    np.testing.assert_array_equal(result.fractions, fractions)


def test_basins_shrink_with_load():
    N = 100
    radii = []
    for P in (3, 8, 12):
        net = Hopfield(N, seed=5)
        patterns = random_patterns(P, N, seed=6)
        net.train(patterns)
        radii.append(basin_radius(net, patterns[:3], trials=10, seed=7).radius.mean())
    assert radii[0] > radii[1] > radii[2]


def test_basin_radius_takes_dense_and_modern_memories():
    patterns = random_patterns(20, 60, seed=8)
    dense = DenseAssociativeMemory(60, degree=3, seed=0)
    dense.train(patterns)
    modern = ModernHopfield(beta=0.5)
    modern.store(patterns)
    for model in (dense, modern):
        result = basin_radius(model, patterns[:4], trials=8, seed=9)
        assert (result.radius >= 0.15).all()  # measured 0.2 to 0.3
        assert result.success.shape == (4, 26)


BAD = [
    (lambda: classify_recall([1, 2, 1], [[1, 1, 1]]), ValueError, "final_states: expected values"),
    (lambda: classify_recall([1, 1], [[1, 1, 1]]), ValueError, "final_states: expected 3 units"),
    (lambda: classify_recall([1, 1, 1], [[1, 1, 1]], cycle=[True, False]), ValueError, "cycle:"),
    (
        lambda: basin_radius(small_network()[0], [1] * 12, fractions=[0.2, 0.1]),
        ValueError,
        "fractions",
    ),
    (lambda: basin_radius(small_network()[0], [1] * 12, probability=0), ValueError, "probability"),
    (lambda: basin_radius(small_network()[0], [1] * 12, trials=0), ValueError, "trials"),
    (lambda: basin_radius(object(), [1] * 12), TypeError, "model: expected a model with recall"),
]


@pytest.mark.parametrize(("call", "error", "message"), BAD, ids=[b[2] for b in BAD])
def test_bad_input_raises_naming_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_the_module_examples_run():
    assert doctest.testmod(annlib.recall_analysis).failed == 0
