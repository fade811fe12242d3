"""annlib.Hopfield against Hopfield-network theory, plus its contract for bad input and files."""

from __future__ import annotations

import copy
import itertools
import pickle
from math import erfc, sqrt

import numpy as np
import pytest

import annlib
from annlib import Hopfield, _core, capacity_curve, flip, random_patterns

DTYPES = ["float64", "float32"]
# Every rule of the engine's table whose units are ±1 (the sparse rule's are 0/1).
BIPOLAR_RULES = [rule for rule in _core.RULES if not Hopfield(1, rule=rule).sparse]
# The perceptron rule's W is not symmetric (no energy) and depends on the order in
# which patterns arrive (tests/test_hopfield_perceptron.py covers it).
SYMMETRIC_RULES = [rule for rule in BIPOLAR_RULES if rule != "perceptron"]

# The classic 8-unit example: three patterns that are Hebbian fixed points.
X1 = [-1, -1, 1, -1, 1, -1, -1, 1]
X2 = [-1, -1, -1, -1, -1, 1, -1, -1]
X3 = [-1, 1, 1, -1, -1, 1, -1, 1]
CLASSIC = np.array([X1, X2, X3], dtype=float)
ALL_8 = np.array(list(itertools.product([-1.0, 1.0], repeat=8)))


def classic_network(zero_diagonal: bool, dtype: str = "float64") -> Hopfield:
    net = Hopfield(8, zero_diagonal=zero_diagonal, normalize=False, seed=0, dtype=dtype)
    net.train(CLASSIC)
    return net


def fixed_points_by_brute_force(W: np.ndarray, bias: np.ndarray, low: float) -> np.ndarray:
    n = W.shape[0]
    states = np.array(list(itertools.product([low, 1.0], repeat=n)))
    after = np.where(states @ W.T >= bias, 1.0, low)
    return states[(after == states).all(axis=1)]


def numpy_energy(W, bias, s):
    return -0.5 * s @ W @ s + bias @ s


# ---- the classic 8-unit patterns ------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("zero_diagonal", [False, True])
def test_classic_patterns_are_fixed_points(zero_diagonal, dtype):
    net = classic_network(zero_diagonal, dtype)
    expected = CLASSIC.T @ CLASSIC
    if zero_diagonal:
        np.fill_diagonal(expected, 0)
    np.testing.assert_array_equal(net.W, expected)
    assert net.stable(CLASSIC).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_classic_diagonal_kept_has_14_fixed_points_and_sync_never_cycles(dtype):
    net = classic_network(zero_diagonal=False, dtype=dtype)
    attractors = net.attractors()
    assert attractors.shape == (14, 8)
    assert net.stable(attractors).all()
    assert {tuple(p) for p in CLASSIC} <= {tuple(a) for a in attractors}
    result = net.recall(ALL_8, mode="sync")
    assert not result.cycle.any()
    assert result.converged.all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_classic_zero_diagonal_has_exactly_the_six_stored_states(dtype):
    net = classic_network(zero_diagonal=True, dtype=dtype)
    found = {tuple(a) for a in net.attractors()}
    assert found == {tuple(s * p) for p in CLASSIC for s in (1, -1)}


def test_classic_zero_diagonal_sync_cycles_but_async_never_does():
    net = classic_network(zero_diagonal=True)
    sync = net.recall(ALL_8, mode="sync")
    assert sync.cycle.sum() >= 100  # 186 of the 256 starting states
    assert not (sync.cycle & sync.converged).any()
    # A 2-cycle's last state maps back onto the one before it.
    cycled = sync.states[sync.cycle]
    once = net.update(cycled, mode="sync")
    assert (once != cycled).any(axis=1).all()
    np.testing.assert_array_equal(net.update(once, mode="sync"), cycled)
    for order in _core.ORDERS:
        result = net.recall(ALL_8, mode="async", order=order)
        assert result.converged.all() and not result.cycle.any()
        assert net.stable(result.states).all()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sparse", [False, True])
def test_attractors_equal_brute_force_search(dtype, sparse):
    rng = np.random.default_rng(7)
    n = 11
    net = Hopfield(n, rule="sparse_hebbian" if sparse else "hebbian", seed=1, dtype=dtype)
    A = rng.normal(size=(n, n))
    net.W = (A + A.T) / 2
    net.bias = rng.normal(scale=0.3, size=n)
    expected = fixed_points_by_brute_force(
        net.W.astype(float), net.bias.astype(float), 0.0 if sparse else -1.0
    )
    np.testing.assert_array_equal(net.attractors(), expected)


# ---- energy -------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rule", SYMMETRIC_RULES)
def test_energy_never_increases_along_async_updates(rule, dtype):
    n = 64
    net = Hopfield(n, rule=rule, seed=3, dtype=dtype)
    net.train(random_patterns(10, n, seed=4))
    starts = random_patterns(12, n, seed=5)
    result = net.recall(starts, track_energy="unit")
    scale = np.abs(net.W).sum()
    for trace, iterations, final in zip(result.energy, result.iterations, result.states):
        assert len(trace) == 1 + n * iterations
        assert np.all(np.diff(trace) <= 1e-5 * scale if dtype == "float32" else 1e-12 * scale)
        assert trace[-1] == pytest.approx(net.energy(final), rel=1e-4, abs=1e-4)
    sweeps = net.recall(starts, track_energy=True)
    for trace, iterations in zip(sweeps.energy, sweeps.iterations):
        assert len(trace) == iterations + 1
        assert np.all(np.diff(trace) <= 1e-5 * scale)


def test_energy_matches_its_formula_with_bias():
    n = 20
    rng = np.random.default_rng(0)
    net = Hopfield(n, bias=rng.normal(size=n), seed=0)
    net.train(random_patterns(3, n, seed=1))
    states = random_patterns(5, n, seed=2)
    expected = [numpy_energy(net.W, net.bias, s) for s in states]
    np.testing.assert_allclose(net.energy(states), expected, rtol=1e-12, atol=1e-12)
    assert net.energy(states[0]) == pytest.approx(expected[0])


def test_sync_energy_trace_per_step():
    net = classic_network(zero_diagonal=True)
    result = net.recall(ALL_8, mode="sync", track_energy=True)
    for trace, iterations, final in zip(result.energy, result.iterations, result.states):
        assert len(trace) == iterations + 1
        assert trace[-1] == pytest.approx(net.energy(final))


@pytest.mark.parametrize("mode", _core.MODES)
def test_energy_trace_stays_exact_over_long_glauber_runs(mode):
    # Hundreds of steps of incremental field updates: the periodic refresh keeps
    # the fields (and so the traced energies) equal to a fresh computation.
    net = Hopfield(50, seed=0)
    net.train(random_patterns(4, 50, seed=1))
    result = net.recall(
        random_patterns(3, 50, seed=2), mode=mode, temperature=2.0, max_iter=300, track_energy=True
    )
    assert (result.iterations == 300).all()
    for trace, final in zip(result.energy, result.states):
        assert trace[-1] == pytest.approx(net.energy(final), abs=1e-10)


# ---- capacity ------------------------------------------------------------------------


@pytest.mark.parametrize("load", [0.10, 0.138, 0.20])
def test_hebbian_one_step_error_matches_erfc(load):
    n = 1000
    p = round(load * n)
    errors, bits = 0, 0
    for trial in range(2):
        patterns = random_patterns(p, n, seed=10 + trial)
        net = Hopfield(n, seed=trial)
        net.train(patterns)
        errors += int((net.update(patterns, mode="sync") != patterns).sum())
        bits += patterns.size
    expected = 0.5 * erfc(sqrt(n / (2 * p)))
    sigma = sqrt(expected * (1 - expected) / bits)
    # 4 sigma, widened 1.5x because bits of one pattern share their crosstalk.
    assert abs(errors / bits - expected) <= 6 * sigma


def test_hebbian_patterns_all_stable_at_low_load_and_mostly_not_at_high_load():
    n = 1000
    # P/N = 0.05: 50 000 bits with error rate ~3e-6 each, so all stable for ~85 % of seeds.
    low = random_patterns(50, n, seed=0)
    net = Hopfield(n, seed=0)
    net.train(low)
    assert net.stable(low).all()
    high = random_patterns(250, n, seed=21)  # P/N = 0.25: ~23 wrong bits per pattern
    net.train(high)
    assert net.stable(high).mean() < 0.5


def test_storkey_stores_more_than_hebbian():
    n, p = 100, 25
    stable = {}
    for rule in ("hebbian", "storkey"):
        fractions = []
        for trial in range(3):
            patterns = random_patterns(p, n, seed=30 + trial)
            net = Hopfield(n, rule=rule, seed=trial)
            net.train(patterns)
            fractions.append(net.stable(patterns).mean())
        stable[rule] = np.mean(fractions)
    assert stable["storkey"] > stable["hebbian"] + 0.2
    curves = {
        rule: capacity_curve(n, [0.15, 0.25], rule=rule, noise=0.05, trials=2, seed=1)
        for rule in ("hebbian", "storkey")
    }
    assert (curves["storkey"] >= curves["hebbian"]).all()
    assert curves["storkey"][1] > curves["hebbian"][1] + 0.2


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [0.0, 0.6])
def test_pseudoinverse_keeps_half_n_patterns_stable(bias, dtype):
    n = 100
    patterns = random_patterns(n // 2, n, bias=bias, seed=40)  # bias 0.6: strongly correlated
    net = Hopfield(n, rule="pseudoinverse", seed=0, dtype=dtype)
    net.train(patterns)
    assert net.stable(patterns).all()
    full = Hopfield(n, rule="pseudoinverse", zero_diagonal=False, seed=0)
    full.train(patterns)
    np.testing.assert_allclose(full.W @ patterns.T, patterns.T, atol=1e-9)  # a projection
    np.testing.assert_allclose(full.W, full.W @ full.W, atol=1e-9)


def test_capacity_curve_falls_with_load_and_is_reproducible():
    loads = [0.02, 0.1, 0.3]
    curve = capacity_curve(200, loads, noise=0.1, trials=2, seed=5)
    assert curve.shape == (3,)
    assert curve[0] == 1.0 and curve[2] < 0.2 and curve[0] >= curve[1] >= curve[2]
    np.testing.assert_array_equal(curve, capacity_curve(200, loads, noise=0.1, trials=2, seed=5))
    assert (
        capacity_curve(300, 0.02, rule="sparse_hebbian", activity=0.1, noise=0.02, seed=0)[0] == 1.0
    )
    assert capacity_curve(100, [0.05], mode="sync", dtype="float32", seed=0)[0] == 1.0


def test_capacity_curve_with_the_diagonal_kept_holds_every_pattern_it_held_without():
    # Same seed, same patterns.  Noise 0: a pattern counts if it is a fixed point,
    # and keeping W_ii = P/N adds P/N to every aligned field, so each pattern that
    # was stable stays stable; past the usual capacity many more become stable.
    loads = [0.05, 0.15, 0.3, 0.6]
    zero = capacity_curve(200, loads, noise=0.0, trials=3, seed=8)
    kept = capacity_curve(200, loads, noise=0.0, trials=3, seed=8, zero_diagonal=False)
    assert np.all(kept >= zero)
    assert kept[1] > zero[1] + 0.2 and kept[2] > zero[2] + 0.1
    with pytest.raises(TypeError, match="^zero_diagonal: expected True or False"):
        capacity_curve(200, loads, zero_diagonal="no")


# ---- learning rules ---------------------------------------------------------------


def storkey_reference(patterns, zero_diagonal):
    p_count, n = patterns.shape
    W = np.zeros((n, n))
    for x in patterns:
        new = W.copy()
        for i in range(n):
            for j in range(n):
                h_ij = sum(W[i, k] * x[k] for k in range(n) if k not in (i, j))
                h_ji = sum(W[j, k] * x[k] for k in range(n) if k not in (i, j))
                new[i, j] += (x[i] * x[j] - x[i] * h_ji - h_ij * x[j]) / n
        W = new
        if zero_diagonal:
            np.fill_diagonal(W, 0)
    return W


@pytest.mark.parametrize("zero_diagonal", [True, False])
def test_storkey_matches_the_rule_as_published(zero_diagonal):
    patterns = random_patterns(4, 7, seed=50)
    net = Hopfield(7, rule="storkey", zero_diagonal=zero_diagonal, seed=0)
    net.train(patterns)
    np.testing.assert_allclose(net.W, storkey_reference(patterns, zero_diagonal), atol=1e-12)


@pytest.mark.parametrize("rule", SYMMETRIC_RULES)
def test_add_continues_what_train_started(rule):
    patterns = random_patterns(12, 40, seed=60)
    whole = Hopfield(40, rule=rule, seed=0)
    whole.train(patterns)
    parts = Hopfield(40, rule=rule, seed=0)
    parts.train(patterns[:5])
    parts.add(patterns[5:9])
    parts.add(patterns[9])
    parts.add(patterns[10:])
    np.testing.assert_allclose(parts.W, whole.W, atol=1e-12)
    assert parts.n_patterns == whole.n_patterns == 12


@pytest.mark.parametrize("normalize", [True, False])
def test_hebbian_weights(normalize):
    n = 30
    patterns = random_patterns(4, n, seed=70)
    net = Hopfield(n, normalize=normalize, seed=0)
    net.train(patterns)
    expected = patterns.T @ patterns / (n if normalize else 1)
    np.fill_diagonal(expected, 0)
    np.testing.assert_allclose(net.W, expected, atol=1e-12)


def test_sparse_patterns_are_stored_and_recalled():
    n = 300
    rng = np.random.default_rng(80)
    patterns = (rng.random((15, n)) < 0.1).astype(float)
    rho = patterns.mean()
    # The threshold halfway between the signals of active and inactive units.
    net = Hopfield(n, bias=rho * (1 - rho) * (0.5 - rho), seed=0)
    net.train(patterns, sparse=True)
    assert net.rule == "sparse_hebbian" and net.sparse
    assert net.activity == pytest.approx(patterns.mean())
    expected = (patterns - rho).T @ (patterns - rho) / n
    np.fill_diagonal(expected, 0)
    np.testing.assert_allclose(net.W, expected, atol=1e-12)
    assert net.stable(patterns).all()
    probes = flip(patterns, 0.02, seed=1)
    for mode in _core.MODES:
        np.testing.assert_array_equal(net.recall(probes, mode=mode).states, patterns)
    with pytest.raises(ValueError, match="probes"):
        net.recall(2 * patterns - 1)
    net.train(2 * patterns - 1, sparse=False)
    assert net.rule == "hebbian" and not net.sparse


# ---- updates and recall ---------------------------------------------------------------


@pytest.fixture
def small_net():
    net = Hopfield(60, seed=11)
    net.train(random_patterns(6, 60, seed=12))
    return net


def test_sync_update_is_sign_of_field_with_sign_zero_plus_one():
    net = Hopfield(4, normalize=False, seed=0)
    net.W = np.zeros((4, 4))  # every field is exactly 0
    np.testing.assert_array_equal(net.update([-1, -1, 1, -1], mode="sync"), [1, 1, 1, 1])
    states = random_patterns(10, 60, seed=1)
    big = Hopfield(60, seed=0)
    big.train(random_patterns(5, 60, seed=2))
    np.testing.assert_array_equal(
        big.update(states, mode="sync"), np.where(states @ big.W >= 0, 1.0, -1.0)
    )


def test_async_sequential_sweep_matches_a_python_loop(small_net):
    states = random_patterns(5, 60, seed=13)
    expected = states.copy()
    W = small_net.W
    for s in expected:
        for i in range(60):
            s[i] = 1.0 if W[i] @ s >= 0 else -1.0
    np.testing.assert_array_equal(small_net.update(states, order="sequential"), expected)


@pytest.mark.parametrize("mode", _core.MODES)
def test_update_positions_touches_only_those_units(small_net, mode):
    state = random_patterns(1, 60, seed=14)[0]
    positions = [5, 2, 40, 2]
    after = small_net.update(state, mode=mode, positions=positions)
    untouched = np.setdiff1d(np.arange(60), positions)
    np.testing.assert_array_equal(after[untouched], state[untouched])
    W = small_net.W
    if mode == "sync":
        for i in positions:
            assert after[i] == (1.0 if W[i] @ state >= 0 else -1.0)
    else:
        s = state.copy()
        for i in positions:
            s[i] = 1.0 if W[i] @ s >= 0 else -1.0
        np.testing.assert_array_equal(after, s)


@pytest.mark.parametrize(
    "mode, order, temperature",
    [
        ("sync", "random", 0.0),
        ("async", "random", 0.0),
        ("async", "sequential", 0.0),
        ("async", "random", 0.05),
        ("sync", "random", 0.05),
    ],
)
def test_batch_recall_equals_one_by_one_on_any_thread_count(mode, order, temperature):
    patterns = random_patterns(9, 60, seed=15)
    probes = flip(np.vstack([patterns, random_patterns(6, 60, seed=16)]), 0.3, seed=17)
    options = dict(mode=mode, order=order, temperature=temperature, max_iter=20)
    results = []
    threads = annlib.get_num_threads()
    try:
        for n_threads in (1, 2):
            annlib.set_num_threads(n_threads)
            batch_net = Hopfield(60, seed=18)
            batch_net.train(patterns)
            single_net = Hopfield(60, seed=18)
            single_net.train(patterns)
            batch = batch_net.recall(probes, **options)
            singles = [single_net.recall(p, **options) for p in probes]
            np.testing.assert_array_equal(batch.states, [r.states for r in singles])
            np.testing.assert_array_equal(batch.iterations, [r.iterations for r in singles])
            np.testing.assert_array_equal(batch.converged, [r.converged for r in singles])
            np.testing.assert_array_equal(batch.cycle, [r.cycle for r in singles])
            results.append(batch.states)
    finally:
        annlib.set_num_threads(threads)
    np.testing.assert_array_equal(results[0], results[1])


def test_same_seed_same_result_and_other_seeds_differ():
    patterns = random_patterns(5, 80, seed=19)
    probes = random_patterns(10, 80, seed=20)

    def run(seed):
        net = Hopfield(80, seed=seed)
        net.train(patterns)
        first = net.recall(probes, temperature=0.3, max_iter=5).states
        return first, net.recall(probes, temperature=0.3, max_iter=5).states

    a, b = run(1), run(1)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert (a[0] != a[1]).any()  # the network moves on to fresh random streams
    assert (run(2)[0] != a[0]).any()


def test_glauber_probability_of_plus_one():
    temperature, theta = 0.8, 0.3
    net = Hopfield(1, bias=theta, seed=0)
    outcomes = net.update(-np.ones((20000, 1)), temperature=temperature)
    expected = 1 / (1 + np.exp(-2 * (0.0 - theta) / temperature))
    sigma = sqrt(expected * (1 - expected) / 20000)
    assert abs((outcomes == 1).mean() - expected) < 5 * sigma


def test_recall_restores_noisy_patterns(small_net):
    patterns = random_patterns(6, 60, seed=12)
    probes = flip(patterns, 0.1, seed=21)
    for mode in _core.MODES:
        result = small_net.recall(probes, mode=mode)
        np.testing.assert_array_equal(result.states, patterns)
        assert result.converged.all()
    single = small_net.recall(probes[0], track_energy=True)
    assert isinstance(single.iterations, int) and isinstance(single.converged, bool)
    assert single.states.shape == (60,) and single.energy.shape == (single.iterations + 1,)
    assert small_net.test_recall(probes[0], patterns[0]) == (True, single.iterations)
    hits, iterations = small_net.test_recall(probes, patterns, mode="sync")
    assert hits.all() and iterations.shape == (6,)


def test_max_iter_stops_recall_unconverged(small_net):
    probes = random_patterns(4, 60, seed=22)
    result = small_net.recall(probes, max_iter=1, mode="sync")
    assert (result.iterations == 1).all()
    assert not result.converged[~(probes == result.states).all(axis=1)].any()


def test_non_symmetric_weights_recall_but_have_no_energy():
    net = Hopfield(5, seed=0)
    W = np.arange(25.0).reshape(5, 5) - 12
    net.W = W
    np.testing.assert_array_equal(net.W, W)
    net.recall(np.ones(5), max_iter=3)
    with pytest.raises(ValueError, match="^W: expected a symmetric"):
        net.energy(np.ones(5))
    with pytest.raises(ValueError, match="^W: expected a symmetric"):
        net.recall(np.ones(5), track_energy=True)


# ---- bad input ------------------------------------------------------------------------


def _net():
    net = Hopfield(4, seed=0)
    net.train([[1, -1, 1, -1]])
    return net


BAD_INPUT = [
    (lambda: Hopfield(0), ValueError, "n_units"),
    (lambda: Hopfield(2.5), TypeError, "n_units"),
    (lambda: Hopfield(4, rule="oja"), ValueError, "rule"),
    (lambda: Hopfield(4, dtype="int8"), ValueError, "dtype"),
    (lambda: Hopfield(4, zero_diagonal="yes"), TypeError, "zero_diagonal"),
    (lambda: Hopfield(4, bias=[1, 2]), ValueError, "bias"),
    (lambda: Hopfield(4, bias=float("nan")), ValueError, "bias"),
    (lambda: Hopfield(4, seed=-1), ValueError, "seed"),
    (lambda: _net().train([[1, 0, 1, -1]]), ValueError, "patterns"),
    (lambda: _net().train([[1, -1, 1]]), ValueError, "patterns"),
    (lambda: _net().train(np.empty((0, 4))), ValueError, "patterns"),
    (lambda: _net().train([[1, -1, np.nan, 1]]), ValueError, "patterns"),
    (lambda: _net().train([["a", "b", "c", "d"]]), TypeError, "patterns"),
    (lambda: _net().train(np.ones((2, 2, 4))), ValueError, "patterns"),
    (lambda: Hopfield(4, rule="storkey").train([[1, 0, 1, 0]], sparse=True), ValueError, "sparse"),
    (lambda: _net().add([[1, -1, 1, -1, 1]]), ValueError, "patterns"),
    (lambda: _net().recall([1, -1, 1, 0.5]), ValueError, "probes"),
    (lambda: _net().recall([1, -1, 1]), ValueError, "probes"),
    (lambda: _net().recall([1, -1, 1, 1], mode="parallel"), ValueError, "mode"),
    (lambda: _net().recall([1, -1, 1, 1], order="backwards"), ValueError, "order"),
    (lambda: _net().recall([1, -1, 1, 1], max_iter=0), ValueError, "max_iter"),
    (lambda: _net().recall([1, -1, 1, 1], temperature=-1), ValueError, "temperature"),
    (lambda: _net().recall([1, -1, 1, 1], track_energy="often"), ValueError, "track_energy"),
    (
        lambda: _net().recall([1, -1, 1, 1], mode="sync", track_energy="unit"),
        ValueError,
        "track_energy",
    ),
    (lambda: _net().update([1, -1, 1, 1], positions=[0, 4]), IndexError, "positions"),
    (lambda: _net().update([1, -1, 1, 1], positions=[0.5]), TypeError, "positions"),
    (lambda: _net().update([1, -1, 1, 1], mode="both"), ValueError, "mode"),
    (lambda: _net().energy([[1, -1, 1, 1]] * 2 + [[1, 1, 1, 2]]), ValueError, "states"),
    (lambda: _net().stable([1, 1]), ValueError, "patterns"),
    (lambda: _net().test_recall([1, 1, 1, 1], [1, 1, 1]), ValueError, "target"),
    (lambda: setattr(_net(), "W", np.ones((4, 3))), ValueError, "W"),
    (lambda: setattr(_net(), "W", np.ones((3, 3))), ValueError, "W"),
    (lambda: setattr(_net(), "W", np.full((4, 4), np.inf)), ValueError, "W"),
    (lambda: Hopfield(25).attractors(), ValueError, "n_units"),
    (lambda: capacity_curve(0, [0.1]), ValueError, "n_units"),
    (lambda: capacity_curve(50, [0.1, -0.1]), ValueError, "loads"),
    (lambda: capacity_curve(50, []), ValueError, "loads"),
    (lambda: capacity_curve(50, [0.1], noise=1.5), ValueError, "noise"),
    (lambda: capacity_curve(50, [0.1], trials=0), ValueError, "trials"),
    (lambda: capacity_curve(50, [0.1], rule="x"), ValueError, "rule"),
    (lambda: capacity_curve(50, [0.1], max_iter=0), ValueError, "max_iter"),
    (lambda: flip([1, 2], 0.5), ValueError, "states"),
    (lambda: random_patterns(0, 4), ValueError, "P"),
]


@pytest.mark.parametrize(
    "call, error, argument", BAD_INPUT, ids=[f"{i}-{a}" for i, (_, _, a) in enumerate(BAD_INPUT)]
)
def test_bad_input_names_the_argument(call, error, argument):
    with pytest.raises(error, match=rf"^{argument}: expected"):
        call()


@pytest.mark.parametrize("dtype", DTYPES)
def test_engine_validates_input_too(dtype):
    engine = (annlib._core.Hopfield64 if dtype == "float64" else annlib._core.Hopfield32)(
        4, "hebbian", True, True, 0
    )
    with pytest.raises(ValueError, match="^patterns: expected values -1 or \\+1"):
        engine.train(np.array([[1, 0, 1, 1]], dtype=dtype))
    with pytest.raises(ValueError, match="^probes: expected states of 4 units"):
        engine.recall(np.ones((1, 3), dtype=dtype), "async", "random", 10, "none", 0.0)
    with pytest.raises(ValueError, match="^max_iter"):
        engine.recall(np.ones((1, 4), dtype=dtype), "async", "random", 0, "none", 0.0)
    with pytest.raises(ValueError, match="^rule"):
        annlib._core.Hopfield64(4, "nope", True, True, 0)
    with pytest.raises(IndexError, match="^positions"):
        engine.update(np.ones((1, 4), dtype=dtype), "async", "random", [7], 0.0)


# ---- persistence ----------------------------------------------------------------------


@pytest.fixture(params=_core.RULES)
def trained(request):
    rule = request.param
    n = 30
    net = Hopfield(n, rule=rule, bias=0.01 * np.arange(n), seed=123, dtype="float64")
    patterns = random_patterns(5, n, seed=90)
    net.train((patterns + 1) / 2 if rule == "sparse_hebbian" else patterns)
    net.recall(net.update(patterns[:2] if rule != "sparse_hebbian" else (patterns[:2] + 1) / 2))
    return net


def assert_same_network(a, b, probes):
    np.testing.assert_array_equal(a.W, b.W)
    np.testing.assert_array_equal(a.bias, b.bias)
    assert repr(a) == repr(b)
    assert (a.rule, a.n_patterns, a.activity, a.seed, a.dtype) == (
        b.rule,
        b.n_patterns,
        b.activity,
        b.seed,
        b.dtype,
    )
    # Same random streams from here on: recall and add agree.
    np.testing.assert_array_equal(
        a.recall(probes, temperature=0.2).states, b.recall(probes, temperature=0.2).states
    )
    extra = probes[:1]
    a.add(extra)
    b.add(extra)
    np.testing.assert_array_equal(a.W, b.W)


def _probes(net):
    patterns = random_patterns(4, net.n_units, seed=91)
    return (patterns + 1) / 2 if net.sparse else patterns


def test_save_load_round_trip(trained, tmp_path):
    trained.save(tmp_path / "net")
    loaded = Hopfield.load(tmp_path / "net.npz")
    assert_same_network(trained, loaded, _probes(trained))


@pytest.mark.parametrize("duplicate", [lambda net: pickle.loads(pickle.dumps(net)), copy.deepcopy])
def test_pickle_and_deepcopy_round_trip(trained, duplicate):
    assert_same_network(trained, duplicate(trained), _probes(trained))


def test_float32_round_trip(tmp_path):
    net = Hopfield(16, dtype="float32", seed=3)
    net.train(random_patterns(3, 16, seed=1))
    assert net.W.dtype == np.float32 and net.recall(np.ones(16)).states.dtype == np.float32
    net.save(tmp_path / "f32.npz")
    loaded = Hopfield.load(tmp_path / "f32.npz")
    assert loaded.dtype == np.float32
    np.testing.assert_array_equal(loaded.W, net.W)


def test_corrupt_and_foreign_files_are_refused(tmp_path):
    net = Hopfield(8, seed=0)
    net.save(tmp_path / "good.npz")
    data = bytearray((tmp_path / "good.npz").read_bytes())
    middle = data.index(b"\x93NUMPY", data.index(b"W.npy")) + 200  # inside the weights
    data[middle : middle + 64] = b"\xff" * 64
    (tmp_path / "corrupt.npz").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="^path:"):
        Hopfield.load(tmp_path / "corrupt.npz")
    np.savez(tmp_path / "other.npz", annlib_kind=np.array("MLP"), format_version=np.array(1))
    with pytest.raises(ValueError, match="^path: expected a saved Hopfield"):
        Hopfield.load(tmp_path / "other.npz")
    np.savez(tmp_path / "partial.npz", annlib_kind=np.array("Hopfield"), format_version=np.array(1))
    with pytest.raises(ValueError, match="^path:"):
        Hopfield.load(tmp_path / "partial.npz")
    with pytest.raises(FileNotFoundError):
        Hopfield.load(tmp_path / "missing.npz")


def test_repr_and_exports():
    net = Hopfield(10, rule="storkey", seed=0)
    assert (
        repr(net)
        == "Hopfield(n_units=10, rule='storkey', n_patterns=0, zero_diagonal=True, normalize=True, dtype='float64')"
    )
    from annlib import _patterns, hopfield

    assert annlib.flip is hopfield.flip is _patterns.flip
    assert annlib.random_patterns is hopfield.random_patterns is _patterns.random_patterns
    assert annlib.capacity_curve is hopfield.capacity_curve


RECALL_INTERRUPT_SCRIPT = r"""
import os, signal, sys, threading, time
import numpy as np
import annlib
net = annlib.Hopfield(256, seed=0)
net.train(annlib.random_patterns(10, 256, seed=0))
probes = annlib.flip(annlib.random_patterns(64, 256, seed=1), 0.1, seed=2)
# A shell's background job starts us with SIGINT ignored (inherited through exec).
signal.signal(signal.SIGINT, signal.default_int_handler)
threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
start = time.perf_counter()
try:
    # Glauber dynamics at T > 0 never settle: this would run for minutes.
    net.recall(probes, mode="async", temperature=0.5, max_iter=1_000_000)
except KeyboardInterrupt:
    waited = time.perf_counter() - start - 0.5
    result = net.recall(probes[:2], mode="async")
    assert result.converged.all()
    print(f"interrupted after {waited:.3f}s")
    sys.exit(0)
sys.exit("recall was not interrupted")
"""


def test_ctrl_c_stops_recall_within_a_second_and_leaves_the_network_usable():
    import re
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", RECALL_INTERRUPT_SCRIPT], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    waited = float(re.search(r"interrupted after ([\d.]+)s", done.stdout).group(1))
    assert waited < 1.0


# ------------------------------------------------------------------ huge but finite weights
def exact_sign_update(state, unit):
    """Unit `unit`'s next value under W = -B (1 - I), B > 0, in exact integer arithmetic."""
    others = int(state.sum() - state[unit])
    return 1 if -others >= 0 else -1


def all_states(n):
    return np.array(
        [[1 if (code >> (n - 1 - u)) & 1 else -1 for u in range(n)] for code in range(2**n)]
    )


@pytest.mark.parametrize("n", [3, 5])
@pytest.mark.parametrize("dtype, big", [("float64", 1e308), ("float32", 2e38)])
def test_huge_finite_weights_keep_stable_update_recall_and_attractors_exact(n, dtype, big):
    # The row sums of |W| used for the tie margin overflowed to inf (every unit went
    # high), and a column of W times a change of 2 overflows the running fields.
    net = Hopfield(n, dtype=dtype)
    net.W = -big * (1 - np.eye(n))
    states = all_states(n)
    sync = np.array([[exact_sign_update(s, i) for i in range(n)] for s in states])
    fixed = (sync == states).all(axis=1)
    np.testing.assert_array_equal(net.stable(states), fixed)
    np.testing.assert_array_equal(net.update(states, mode="sync"), sync)
    sequential = states.copy()
    for s in sequential:
        for i in range(n):
            s[i] = exact_sign_update(s, i)
    np.testing.assert_array_equal(net.update(states, mode="async", order="sequential"), sequential)
    np.testing.assert_array_equal(net.attractors(), states[fixed])
    result = net.recall(states, mode="async")
    assert result.converged.all()
    assert net.stable(result.states).all()
    result = net.recall(states, mode="sync")
    np.testing.assert_array_equal(result.converged | result.cycle, np.ones(len(states), bool))
    np.testing.assert_array_equal(result.states[result.converged], states[fixed])


# The pseudo-inverse (and Storkey) rule learns one pattern at a time, seconds in all
# for a large network; Ctrl-C is polled between patterns.  Sized by a time budget
# (a calibration run times a pattern; sanitizer builds are several times slower).
TRAIN_INTERRUPT_SCRIPT = r"""
import os, signal, sys, threading, time
import numpy as np
import annlib
n = 1024
net = annlib.Hopfield(n, rule=sys.argv[1])
start = time.perf_counter()
net.train(annlib.random_patterns(8, n, seed=0))
pattern_seconds = (time.perf_counter() - start) / 8
count = int(min(max(4.0 / pattern_seconds, 16), n - 1))
patterns = annlib.random_patterns(count, n, seed=1)
signal.signal(signal.SIGINT, signal.default_int_handler)
threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
start = time.perf_counter()
try:
    net.train(patterns)
except KeyboardInterrupt:
    waited = time.perf_counter() - start - 0.5
    # The network stores the patterns learnt before the interrupt, and works.
    assert 0 < net.n_patterns < count
    np.testing.assert_array_equal(net.W, net.W.T)
    learnt = patterns[: net.n_patterns]
    assert net.stable(learnt).all()
    assert net.recall(learnt[:2]).converged.all()
    print(f"interrupted after {waited:.3f}s pattern {pattern_seconds:.4f}s")
    sys.exit(0)
sys.exit("train was not interrupted")
"""


@pytest.mark.parametrize("rule", ["pseudoinverse", "storkey"])
def test_ctrl_c_stops_a_long_train_within_half_a_second_and_keeps_what_was_learnt(rule):
    import re
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", TRAIN_INTERRUPT_SCRIPT, rule],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    found = re.search(r"interrupted after ([\d.]+)s pattern ([\d.]+)s", done.stdout)
    waited, pattern = float(found.group(1)), float(found.group(2))
    assert waited < max(0.5, 3 * pattern), done.stdout
