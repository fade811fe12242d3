"""Fields from the stored patterns (``Hopfield.patterns``) against fields from ``W``.

A Hebbian network that knows its patterns computes W s as c (X (X^T s) - P s)
and recalls asynchronously from the overlaps X^T s; a copy given only W (set
by hand) takes the dense path.  Both must make the same decisions everywhere,
ties (fields that are exactly zero) included.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from annlib import Hopfield, flip, random_patterns


def twins(n, p, dtype, zero_diagonal, normalize, bias):
    """A trained network and a copy that has only its weights."""
    options = dict(zero_diagonal=zero_diagonal, normalize=normalize, seed=7, dtype=dtype)
    net = Hopfield(n, bias=bias, **options)
    patterns = random_patterns(p, n, seed=n + p)
    net.train(patterns[: p // 2])
    net.add(patterns[p // 2 :])
    dense = Hopfield(n, bias=bias, **options)
    dense.W = net.W
    assert net.patterns is not None and dense.patterns is None
    np.testing.assert_array_equal(net.patterns, patterns)
    return net, dense, patterns


CASES = [
    # n, p: 60 / 6 gives many fields that are exactly 0 (ties), 101 / 5 a c = 1/N that rounds.
    (60, 6, "float64", True, True, 0.0),
    (60, 6, "float32", True, True, 0.0),
    (101, 5, "float64", False, True, 0.0),
    (101, 5, "float32", True, False, 0.0),
    (101, 8, "float64", True, True, "alternating"),
    (64, 4, "float32", False, False, "alternating"),
]


@pytest.mark.parametrize("n, p, dtype, zero_diagonal, normalize, bias", CASES)
@pytest.mark.parametrize(
    "mode, order, temperature",
    [
        ("async", "random", 0.0),
        ("async", "sequential", 0.0),
        ("sync", "random", 0.0),
        ("async", "random", 0.3),
    ],
)
def test_recall_from_patterns_equals_recall_from_w(
    n, p, dtype, zero_diagonal, normalize, bias, mode, order, temperature
):
    if bias == "alternating":  # far from every field k c, so rounding cannot tip a decision
        bias = 0.013 * (-1.0) ** np.arange(n) * (1.0 if normalize else n)
    net, dense, patterns = twins(n, p, dtype, zero_diagonal, normalize, bias)
    probes = np.vstack([flip(patterns, 0.25, seed=1), random_patterns(10, n, seed=2)])
    kwargs = dict(mode=mode, order=order, temperature=temperature, max_iter=30)
    if temperature == 0.0:
        kwargs["track_energy"] = "unit" if mode == "async" else "sweep"
    ours, theirs = net.recall(probes, **kwargs), dense.recall(probes, **kwargs)
    np.testing.assert_array_equal(ours.states, theirs.states)
    np.testing.assert_array_equal(ours.iterations, theirs.iterations)
    if temperature == 0.0:
        tolerance = 1e-4 if dtype == "float32" else 1e-10
        for a, b in zip(ours.energy, theirs.energy):
            np.testing.assert_allclose(a, b, rtol=tolerance, atol=tolerance * n)
    np.testing.assert_array_equal(net.stable(probes), dense.stable(probes))
    np.testing.assert_allclose(
        net.energy(probes), dense.energy(probes), rtol=1e-5 if dtype == "float32" else 1e-12
    )
    np.testing.assert_array_equal(
        net.update(probes, mode="sync"), dense.update(probes, mode="sync")
    )


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_exact_ties_go_to_plus_one(dtype):
    # Every state of 7 units against 4 patterns: many fields are exactly 0 in integers.
    patterns = random_patterns(4, 7, seed=8)
    net, dense, _ = twins(7, 4, dtype, True, True, 0.0)
    net.train(patterns)
    dense.W = net.W
    states = np.array(list(itertools.product([-1.0, 1.0], repeat=7)))
    exact = (states @ patterns.T) @ patterns - 4 * states  # N times the fields, integers
    ties = exact == 0
    assert ties.sum() > 50
    for twin in (net, dense):
        for unit in range(7):
            one = twin.update(states, mode="async", positions=[unit])
            np.testing.assert_array_equal(one[ties[:, unit], unit], 1.0)
            np.testing.assert_array_equal(one[:, unit], np.where(exact[:, unit] >= 0, 1.0, -1.0))


def test_patterns_are_known_only_while_w_is_their_hebbian_sum():
    patterns = random_patterns(4, 20, seed=3)
    net = Hopfield(20, seed=1)
    assert net.patterns.shape == (0, 20)  # nothing stored, W = 0
    net.train(patterns[:3])
    net.add(patterns[3:])
    np.testing.assert_array_equal(net.patterns, patterns)
    net.patterns[0, 0] *= -1  # a copy: the network keeps its own
    np.testing.assert_array_equal(net.patterns, patterns)
    net.W = net.W
    assert net.patterns is None
    net.add(patterns[:1])  # still Hebbian, but W came from outside
    assert net.patterns is None
    net.train(patterns)
    np.testing.assert_array_equal(net.patterns, patterns)
    sparse = Hopfield(20, rule="sparse_hebbian")
    sparse.train((patterns + 1) / 2, sparse=True)
    assert sparse.patterns is None
    for rule in ("storkey", "pseudoinverse"):
        other = Hopfield(20, rule=rule)
        other.train(patterns)
        assert other.patterns is None


def test_many_patterns_fall_back_to_w_and_agree():
    # P >= N / 2: fields from W are cheaper; the patterns are still reported.
    net = Hopfield(16, seed=2)
    patterns = random_patterns(12, 16, seed=4)
    net.train(patterns)
    dense = Hopfield(16, seed=2)
    dense.W = net.W
    probes = flip(patterns, 0.2, seed=5)
    np.testing.assert_array_equal(net.recall(probes).states, dense.recall(probes).states)
    assert net.patterns.shape == (12, 16)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_saved_patterns_round_trip_and_are_checked(tmp_path, dtype):
    net = Hopfield(30, seed=4, dtype=dtype)
    patterns = random_patterns(5, 30, seed=6)
    net.train(patterns)
    net.save(tmp_path / "net.npz")
    loaded = Hopfield.load(tmp_path / "net.npz")
    np.testing.assert_array_equal(loaded.patterns, patterns)
    probes = flip(patterns, 0.3, seed=7)
    np.testing.assert_array_equal(loaded.recall(probes).states, net.recall(probes).states)

    with np.load(tmp_path / "net.npz") as data:
        arrays = dict(data)
    older = {k: v for k, v in arrays.items() if k != "patterns"}
    np.savez(tmp_path / "older.npz", **older)
    assert Hopfield.load(tmp_path / "older.npz").patterns is None  # W alone still loads

    arrays["patterns"] = arrays["patterns"].copy()
    arrays["patterns"][2, 3] *= -1
    np.savez(tmp_path / "tampered.npz", **arrays)
    with pytest.raises(ValueError, match="patterns: expected the patterns whose Hebbian sum is W"):
        Hopfield.load(tmp_path / "tampered.npz")
    arrays["patterns"] = arrays["patterns"][:4]
    np.savez(tmp_path / "short.npz", **arrays)
    with pytest.raises(ValueError, match=r"patterns: expected shape \(5, 30\), got \(4, 30\)"):
        Hopfield.load(tmp_path / "short.npz")
