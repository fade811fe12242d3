"""annlib.DenseAssociativeMemory against the theory of dense associative memories."""

from __future__ import annotations

import doctest
import itertools
import pickle

import numpy as np
import pytest

import annlib
from annlib import DenseAssociativeMemory, Hopfield, flip, random_patterns

DTYPES = ["float64", "float32"]
FORMS = [
    ("polynomial", 2),
    ("polynomial", 3),
    ("polynomial", 4),
    ("polynomial", 7),
    ("rectified_polynomial", 3),
    ("exponential", 3),
]
FORM_IDS = [f"{kind}-{degree}" for kind, degree in FORMS]


def F(kind, degree, x):
    if kind == "exponential":
        return np.exp(x)
    if kind == "rectified_polynomial":
        x = np.maximum(x, 0.0)
    return x.astype(float) ** degree


def numpy_recall(patterns, probe, kind, degree, max_iter=50):
    """The paper's asynchronous update in sequential order, straight from the energies."""
    s = probe.copy()
    for sweep in range(1, max_iter + 1):
        flips = 0
        for i in range(s.size):
            a = patterns @ s - patterns[:, i] * s[i]
            gain = np.sum(F(kind, degree, a + patterns[:, i]) - F(kind, degree, a - patterns[:, i]))
            new = 1.0 if gain >= 0 else -1.0
            flips += new != s[i]
            s[i] = new
        if flips == 0:
            return s, sweep
    return s, max_iter


def memory_with(patterns, kind="polynomial", degree=3, seed=0, dtype="float64"):
    memory = DenseAssociativeMemory(
        patterns.shape[1], interaction=kind, degree=degree, seed=seed, dtype=dtype
    )
    memory.train(patterns)
    return memory


# ---- the update is the paper's -------------------------------------------------


@pytest.mark.parametrize(("kind", "degree"), FORMS, ids=FORM_IDS)
def test_sequential_recall_equals_a_numpy_implementation_of_the_update(kind, degree):
    patterns = random_patterns(12, 40, seed=3)
    probes = flip(patterns[:6], 0.3, seed=4)
    memory = memory_with(patterns, kind, degree)
    result = memory.recall(probes, order="sequential")
    for k, probe in enumerate(probes):
        expected, sweeps = numpy_recall(patterns, probe, kind, degree)
        np.testing.assert_array_equal(result.states[k], expected)
        assert result.iterations[k] == sweeps
    assert result.converged.all()


@pytest.mark.parametrize(("kind", "degree"), FORMS, ids=FORM_IDS)
def test_energy_is_minus_the_sum_of_F_of_the_overlaps(kind, degree):
    patterns = random_patterns(9, 30, seed=5)
    states = random_patterns(4, 30, seed=6)
    memory = memory_with(patterns, kind, degree)
    values = F(kind, degree, states @ patterns.T).sum(axis=1)
    expected = -np.log(values) if kind == "exponential" else -values
    np.testing.assert_allclose(memory.energy(states), expected, rtol=1e-12)


# ---- degree 2 is the classical Hebbian network -----------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_degree_2_has_exactly_the_fixed_points_of_the_hebbian_network(dtype):
    patterns = random_patterns(3, 12, seed=7)
    hopfield = Hopfield(12, zero_diagonal=True, dtype=dtype)
    hopfield.train(patterns)
    every_state = np.array(list(itertools.product([-1.0, 1.0], repeat=12)))
    memory = memory_with(patterns, degree=2, dtype=dtype)
    dense_fixed = every_state[memory.stable(every_state)]
    np.testing.assert_array_equal(dense_fixed, hopfield.attractors())


@pytest.mark.parametrize("mode", ["async", "sync"])
@pytest.mark.parametrize("order", ["random", "sequential"])
def test_degree_2_recalls_exactly_what_the_hebbian_network_recalls(mode, order):
    # Above the classical limit (P/N = 0.25), so recall often ends off the patterns.
    patterns = random_patterns(16, 64, seed=8)
    probes = flip(patterns, 0.2, seed=9)
    hopfield = Hopfield(64, zero_diagonal=True, seed=11)
    hopfield.train(patterns)
    memory = memory_with(patterns, degree=2, seed=11)
    expected = hopfield.recall(probes, mode=mode, order=order, max_iter=30)
    got = memory.recall(probes, mode=mode, order=order, max_iter=30)
    assert not (expected.states == patterns).all(axis=1).all()  # the comparison is not trivial
    np.testing.assert_array_equal(got.states, expected.states)
    np.testing.assert_array_equal(got.iterations, expected.iterations)
    np.testing.assert_array_equal(got.converged, expected.converged)
    np.testing.assert_array_equal(got.cycle, expected.cycle)


# ---- capacity ---------------------------------------------------------------------


def test_degree_3_at_N_100_recalls_ten_times_the_classical_capacity():
    # Krotov & Hopfield (2016): all patterns stay fixed points up to about
    # N^2 / (2 * 3!! * ln N) = 362 patterns for N = 100 (cubic energy), against
    # 0.138 N = 14 for the classical network.  P = 150 keeps a factor 2.4 of margin;
    # measured with these seeds: every pattern recalled from 10% noise up to
    # P = 200, 92% at 300, 61% at 450 (the bound is asymptotic in N).
    N, P = 100, 150
    patterns = random_patterns(P, N, seed=12)
    memory = memory_with(patterns, degree=3)
    assert memory.stable(patterns).all()
    result = memory.recall(flip(patterns, 0.1, seed=13))
    assert (result.states == patterns).all(axis=1).mean() >= 0.99
    classical = Hopfield(N)
    classical.train(patterns)
    assert (classical.recall(flip(patterns, 0.1, seed=13)).states == patterns).all(
        axis=1
    ).mean() < 0.1


# ---- energy and stability -----------------------------------------------------------


@pytest.mark.parametrize(("kind", "degree"), FORMS, ids=FORM_IDS)
def test_energy_never_rises_under_asynchronous_updates(kind, degree):
    N = 60
    patterns = random_patterns(40, N, seed=14)
    memory = memory_with(patterns, kind, degree)
    result = memory.recall(random_patterns(8, N, seed=15), track_energy="unit")
    for trace in result.energy:
        assert len(trace) > N
        steps = np.diff(trace)
        assert (steps <= 1e-9 * np.abs(trace[:-1]).max()).all()
    np.testing.assert_allclose([t[-1] for t in result.energy], memory.energy(result.states))


def test_the_exponential_form_is_finite_and_recalls_at_N_1000():
    N = 1000
    patterns = random_patterns(300, N, seed=16)
    memory = memory_with(patterns, "exponential")
    energies = memory.energy(patterns)
    # -log sum_mu e^(xi^mu . xi^nu): the own overlap N dominates.
    np.testing.assert_allclose(energies, -N, rtol=1e-6)
    probes = flip(patterns[:20], 0.3, seed=17)
    result = memory.recall(probes, track_energy=True)
    assert all(np.isfinite(trace).all() for trace in result.energy)
    np.testing.assert_array_equal(result.states, patterns[:20])
    assert memory.stable(patterns).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_stored_patterns_are_stable_and_others_mostly_not(dtype):
    patterns = random_patterns(30, 50, seed=18)
    memory = memory_with(patterns, degree=3, dtype=dtype)
    assert memory.stable(patterns).all()
    assert memory.stable(patterns[0]) is True
    assert memory.stable(random_patterns(20, 50, seed=19)).mean() < 0.5


def test_sync_recall_detects_two_cycles():
    # Two units coupled antiferromagnetically by the two patterns: from (+1, +1)
    # both flip at once, forever.
    patterns = np.array([[1.0, -1.0], [-1.0, 1.0]])
    memory = memory_with(patterns, degree=2)
    result = memory.recall([1.0, 1.0], mode="sync", max_iter=10)
    assert result.cycle and not result.converged
    assert memory.recall([1.0, 1.0], mode="async").converged


# ---- batches, threads, determinism ----------------------------------------------------


def test_a_batch_equals_its_probes_one_by_one_on_any_number_of_threads():
    patterns = random_patterns(80, 64, seed=20)
    probes = flip(patterns[:24], 0.25, seed=21)
    batch = memory_with(patterns, seed=5).recall(probes)
    single = memory_with(patterns, seed=5)
    previous = annlib.get_num_threads()
    try:
        annlib.set_num_threads(1)
        one_thread = memory_with(patterns, seed=5).recall(probes)
    finally:
        annlib.set_num_threads(previous)
    for k, probe in enumerate(probes):
        result = single.recall(probe)
        np.testing.assert_array_equal(result.states, batch.states[k])
        assert result.iterations == batch.iterations[k]
    np.testing.assert_array_equal(one_thread.states, batch.states)


def test_add_equals_training_on_everything():
    patterns = random_patterns(20, 40, seed=22)
    whole = memory_with(patterns)
    split = memory_with(patterns[:7])
    split.add(patterns[7:])
    np.testing.assert_array_equal(split.patterns, whole.patterns)
    probes = random_patterns(5, 40, seed=23)
    np.testing.assert_array_equal(split.energy(probes), whole.energy(probes))
    assert split.n_patterns == 20


# ---- persistence ------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_save_load_and_pickle_keep_everything_and_continue_the_random_streams(tmp_path, dtype):
    patterns = random_patterns(20, 32, seed=24)
    memory = memory_with(patterns, "rectified_polynomial", 4, seed=9, dtype=dtype)
    memory.recall(random_patterns(3, 32, seed=25))  # uses three random streams
    memory.save(tmp_path / "dense")
    copies = [
        DenseAssociativeMemory.load(tmp_path / "dense.npz"),
        pickle.loads(pickle.dumps(memory)),
    ]
    probes = random_patterns(4, 32, seed=26)
    expected = memory.recall(probes)
    for copy in copies:
        assert repr(copy) == repr(memory)
        assert copy.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(copy.patterns, patterns)
        np.testing.assert_array_equal(copy.recall(probes).states, expected.states)


def test_load_refuses_another_kind_of_model(tmp_path):
    net = Hopfield(8)
    net.save(tmp_path / "net.npz")
    with pytest.raises(ValueError, match="expected a saved DenseAssociativeMemory"):
        DenseAssociativeMemory.load(tmp_path / "net.npz")


# ---- bad input -------------------------------------------------------------------------

BAD_CONSTRUCTION = [
    ({"n_units": 0}, ValueError, "n_units: expected an integer >= 1"),
    ({"n_units": 2.5}, TypeError, "n_units: expected an integer"),
    ({"interaction": "cubic"}, ValueError, "interaction: expected one of"),
    ({"interaction": 3}, TypeError, "interaction: expected one of"),
    ({"degree": 1}, ValueError, r"degree: expected an integer in \[2, 30\], got 1"),
    ({"degree": 31}, ValueError, r"degree: expected an integer in \[2, 30\], got 31"),
    ({"degree": 3.0}, TypeError, "degree: expected an integer"),
    ({"dtype": "int8"}, ValueError, "dtype: expected 'float32' or 'float64'"),
    ({"seed": -1}, ValueError, "seed: expected an integer >= 0"),
]


@pytest.mark.parametrize(("changes", "error", "message"), BAD_CONSTRUCTION)
def test_bad_construction_raises_naming_the_argument(changes, error, message):
    arguments = {"n_units": 8, **changes}
    with pytest.raises(error, match=message):
        DenseAssociativeMemory(**arguments)


BAD_CALLS = [
    ("train", ([[1, -1, 1]],), ValueError, "patterns: expected 8 columns"),
    ("train", ([[1, 0, 1, 1, 1, 1, 1, 1]],), ValueError, "patterns: expected values -1 or \\+1"),
    ("train", (np.empty((0, 8)),), ValueError, "patterns: expected a non-empty array"),
    ("train", ([[np.nan] * 8],), ValueError, "patterns: expected finite values"),
    ("add", ([["a"] * 8],), TypeError, "patterns: expected an array of real numbers"),
    ("recall", ([1] * 7,), ValueError, "probes: expected 8 units, got 7"),
    ("recall", ([2] * 8,), ValueError, "probes: expected values -1 or \\+1, got 2.0"),
    ("recall", ([1] * 8, "parallel"), ValueError, "mode: expected one of"),
    ("recall", ([1] * 8, "async", "reverse"), ValueError, "order: expected one of"),
    ("recall", ([1] * 8, "async", "random", 0), ValueError, "max_iter: expected an integer >= 1"),
    ("recall", ([1] * 8, "sync", "random", 5, "unit"), ValueError, "track_energy: expected"),
    ("energy", (np.ones((2, 8, 1)),), ValueError, "states: expected a 1-D or 2-D array"),
    ("stable", ([1] * 9,), ValueError, "states: expected 8 units, got 9"),
]


@pytest.mark.parametrize(
    ("method", "args", "error", "message"), BAD_CALLS, ids=[f"{c[0]}-{c[3]}" for c in BAD_CALLS]
)
def test_bad_calls_raise_naming_the_argument(method, args, error, message):
    memory = memory_with(random_patterns(3, 8, seed=27))
    with pytest.raises(error, match=message):
        getattr(memory, method)(*args)


@pytest.mark.parametrize("method", ["energy", "stable", "recall"])
def test_an_empty_memory_says_it_needs_patterns(method):
    with pytest.raises(ValueError, match="patterns: expected at least one stored pattern"):
        getattr(DenseAssociativeMemory(8), method)([1] * 8)


def test_the_module_examples_run():
    assert doctest.testmod(annlib.dense_memory).failed == 0
