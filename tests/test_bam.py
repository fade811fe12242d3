"""annlib.BAM (Kosko 1988): stored pairs recalled from either side, its energy, its files."""

from __future__ import annotations

import doctest
import pickle

import numpy as np
import pytest

import annlib
from annlib import BAM, Hopfield, flip, random_patterns

DTYPES = ["float64", "float32"]


@pytest.fixture
def pairs():
    return random_patterns(4, 80, seed=0), random_patterns(4, 60, seed=1)


def trained(pairs, dtype="float64"):
    bam = BAM(dtype=dtype)
    bam.train(*pairs)
    return bam


def test_weights_are_the_sum_of_outer_products(pairs):
    X, Y = pairs
    np.testing.assert_array_equal(trained(pairs).W, X.T @ Y)


@pytest.mark.parametrize("dtype", DTYPES)
def test_recalls_the_stored_pairs_from_either_side(pairs, dtype):
    X, Y = pairs
    bam = trained(pairs, dtype)
    from_x = bam.recall(x=X)
    np.testing.assert_array_equal(from_x.y, Y)
    np.testing.assert_array_equal(from_x.x, X)
    from_y = bam.recall(y=Y)
    np.testing.assert_array_equal(from_y.x, X)
    assert from_x.converged.all() and (from_x.iterations == 1).all()


@pytest.mark.parametrize("side", ["x", "y"])
def test_recalls_the_pairs_from_noisy_inputs_at_low_load(pairs, side):
    X, Y = pairs
    bam = trained(pairs)
    start = flip(X if side == "x" else Y, 0.15, seed=2)
    result = bam.recall(**{side: start})
    np.testing.assert_array_equal(result.x, X)
    np.testing.assert_array_equal(result.y, Y)
    single = bam.recall(**{side: start[2]})
    np.testing.assert_array_equal(single.y, Y[2])


def test_energy_is_minus_x_W_y_and_recall_lowers_it(pairs):
    X, Y = pairs
    bam = trained(pairs)
    x, y = random_patterns(6, 80, seed=3), random_patterns(6, 60, seed=4)
    np.testing.assert_allclose(bam.energy(x, y), -np.einsum("bi,ij,bj->b", x, bam.W, y))
    result = bam.recall(x=x)
    start = bam.energy(x, np.where(x @ bam.W >= 0, 1.0, -1.0))
    assert (bam.energy(result.x, result.y) <= start).all()


def test_add_equals_training_on_every_pair(pairs):
    X, Y = pairs
    bam = BAM()
    bam.add(X[:2], Y[:2])
    bam.add(X[2:], Y[2:])
    np.testing.assert_array_equal(bam.W, trained(pairs).W)
    assert bam.n_pairs == 4 and (bam.x_units, bam.y_units) == (80, 60)


@pytest.mark.parametrize("dtype", DTYPES)
def test_save_load_and_pickle(tmp_path, pairs, dtype):
    bam = trained(pairs, dtype)
    bam.save(tmp_path / "bam")
    for copy in (BAM.load(tmp_path / "bam.npz"), pickle.loads(pickle.dumps(bam))):
        assert repr(copy) == repr(bam)
        np.testing.assert_array_equal(copy.W, bam.W)
        np.testing.assert_array_equal(copy.recall(y=pairs[1]).x, pairs[0])


def test_load_refuses_another_kind_of_model(tmp_path):
    Hopfield(4).save(tmp_path / "h.npz")
    with pytest.raises(ValueError, match="expected a saved BAM"):
        BAM.load(tmp_path / "h.npz")


BAD = [
    (lambda bam: bam.recall(), ValueError, "x: expected exactly one of x= and y=, got neither"),
    (lambda bam: bam.recall(x=[1] * 5, y=[1] * 3), ValueError, "got both"),
    (lambda bam: BAM().recall(x=[1, 1]), ValueError, "pairs: expected stored pairs"),
    (lambda bam: bam.recall(x=[1] * 4), ValueError, "x: expected 5 units, got 4"),
    (lambda bam: bam.recall(y=[1, 0, 1]), ValueError, "y: expected values -1 or \\+1"),
    (
        lambda bam: bam.recall(x=[1] * 5, max_iter=0),
        ValueError,
        "max_iter: expected an integer >= 1",
    ),
    (lambda bam: bam.train([[1, -1]], [[1], [1]]), ValueError, "Y: expected 1 rows"),
    (lambda bam: bam.train([[1, 2]], [[1]]), ValueError, "X: expected values -1 or \\+1"),
    (lambda bam: bam.add([[1, 1]], [[1, 1, 1]]), ValueError, "X: expected 5 columns"),
    (lambda bam: bam.train([1, 1], [[1]]), ValueError, "X: expected a 2-D array"),
    (lambda bam: bam.energy([1] * 5, [1] * 4), ValueError, "y: expected 3 units"),
    (lambda bam: BAM(dtype="float16"), ValueError, "dtype: expected"),
]


@pytest.mark.parametrize(("call", "error", "message"), BAD, ids=[b[2] for b in BAD])
def test_bad_input_raises_naming_the_argument(call, error, message):
    bam = BAM()
    bam.train(random_patterns(2, 5, seed=5), random_patterns(2, 3, seed=6))
    with pytest.raises(error, match=message):
        call(bam)


def test_the_module_examples_run():
    assert doctest.testmod(annlib.bam).failed == 0
