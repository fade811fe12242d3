"""annlib.datasets: shapes, balance, determinism, the geometry each generator promises, bad input."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import annlib
from annlib import datasets

BINARY = {
    "two_gaussians": datasets.two_gaussians,
    "xor": datasets.xor,
    "moons": datasets.moons,
    "circles": datasets.circles,
}
GENERATORS = {**BINARY, "spirals": datasets.spirals}


def linear_accuracy(X, y):
    """Training accuracy of the least-squares linear classifier sign([X, 1] w) on 0/1 labels."""
    A = np.column_stack([X, np.ones(len(X))])
    targets = 2.0 * y - 1.0
    w = np.linalg.lstsq(A, targets, rcond=None)[0]
    return float(np.mean((A @ w > 0) == (targets > 0)))


# --- shapes, dtypes, balance, determinism ---------------------------------


@pytest.mark.parametrize("name", GENERATORS)
@pytest.mark.parametrize("n", [8, 101])
def test_generator_shapes_dtypes_and_balanced_labels(name, n):
    X, y = GENERATORS[name](n, seed=0)
    classes = 4 if name == "spirals" else 2
    assert X.shape == (n, 2) and X.dtype == np.float64 and X.flags.c_contiguous
    assert y.shape == (n,) and y.dtype == np.int64
    assert np.isfinite(X).all()
    counts = np.bincount(y, minlength=classes)
    assert counts.tolist() == [n // classes + (k < n % classes) for k in range(classes)]


@pytest.mark.parametrize("name", GENERATORS)
def test_same_seed_same_data_and_different_seed_different_data(name):
    make = GENERATORS[name]
    X1, y1 = make(60, seed=3)
    X2, y2 = make(60, seed=3)
    X3, _ = make(60, seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("name", BINARY)
def test_pm1_labels_recode_the_same_samples(name):
    X01, y01 = BINARY[name](40, seed=1)
    Xpm, ypm = BINARY[name](40, seed=1, labels="pm1")
    np.testing.assert_array_equal(X01, Xpm)
    np.testing.assert_array_equal(ypm, 2 * y01 - 1)


@pytest.mark.parametrize("name", GENERATORS)
def test_shuffle_false_groups_samples_by_class_and_is_a_permutation_of_the_shuffled_set(name):
    X, y = GENERATORS[name](40, seed=2, shuffle=False)
    assert (np.diff(y) >= 0).all()
    Xs, ys = GENERATORS[name](40, seed=2)
    assert not np.array_equal(ys, y)
    order, order_shuffled = np.lexsort(X.T), np.lexsort(Xs.T)
    np.testing.assert_array_equal(Xs[order_shuffled], X[order])
    np.testing.assert_array_equal(ys[order_shuffled], y[order])


# --- geometry each generator promises --------------------------------------


def test_two_gaussians_follow_the_given_means_and_spreads():
    means = ((2.0, -1.0), (-3.0, 0.5))
    X, y = datasets.two_gaussians(20000, means=means, stds=((0.1, 0.4), (0.7, 0.2)), seed=0)
    for k, std in enumerate([(0.1, 0.4), (0.7, 0.2)]):
        np.testing.assert_allclose(X[y == k].mean(axis=0), means[k], atol=0.03)
        np.testing.assert_allclose(X[y == k].std(axis=0), std, rtol=0.05)


def test_two_gaussians_are_linearly_separable_but_not_after_split_first():
    X, y = datasets.two_gaussians(2000, seed=0)
    assert linear_accuracy(X, y) > 0.95
    X, y = datasets.two_gaussians(2000, seed=0, split_first=True)
    # Class 0 now sits on both sides of class 1 along x; the best a straight
    # line can do is cut off one half of class 0 or use the small y offset.
    assert linear_accuracy(X, y) < 0.85
    class0 = X[y == 0]
    assert np.sum(class0[:, 0] > 0) == pytest.approx(500, abs=20)  # two clusters of equal size
    np.testing.assert_allclose(np.abs(class0[:, 0]).mean(), 1.0, atol=0.03)  # mirrored about x = 0


def test_xor_without_noise_is_the_truth_table_and_noise_stays_bounded():
    X, y = datasets.xor(4, noise=0.0, seed=0)
    table = {(0.0, 0.0): 0, (0.0, 1.0): 1, (1.0, 0.0): 1, (1.0, 1.0): 0}
    assert {tuple(x): int(label) for x, label in zip(X.tolist(), y)} == table
    X, y = datasets.xor(400, noise=0.2, seed=0)
    corners = np.round(X)
    assert np.abs(X - corners).max() <= 0.2
    np.testing.assert_array_equal(y, np.logical_xor(corners[:, 0], corners[:, 1]))
    assert linear_accuracy(X, y) < 0.8


def test_spirals_are_rotated_copies_of_one_another():
    classes = 3
    X, y = datasets.spirals(300, classes=classes, noise=0.0, seed=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    angle = np.arctan2(X[:, 1], X[:, 0])
    # On arm k: angle = 2π·r + 2πk/classes (mod 2π) when turns=1 and noise=0.
    residual = np.angle(np.exp(1j * (angle - 2 * np.pi * radius - 2 * np.pi * y / classes)))
    np.testing.assert_allclose(residual, 0.0, atol=1e-9)
    assert radius.max() < 1.0


def test_moons_and_circles_lie_on_their_curves_without_noise():
    X, y = datasets.moons(200, noise=0.0, seed=0)
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0)
    assert (X[y == 0, 1] >= 0).all()
    np.testing.assert_allclose(np.hypot(X[y == 1, 0] - 1.0, X[y == 1, 1] - 0.5), 1.0)
    assert (X[y == 1, 1] <= 0.5).all()
    X, y = datasets.circles(200, noise=0.0, factor=0.3, seed=0)
    np.testing.assert_allclose(np.hypot(*X.T), np.where(y == 0, 1.0, 0.3))


# --- glyphs and images ------------------------------------------------------


@pytest.mark.parametrize("size", [7, 8, 16, 32])
def test_glyphs_are_pm1_and_distinct_for_distinct_characters(size):
    text = datasets.GLYPH_CHARACTERS
    images = datasets.glyphs(text, size=size)
    assert images.shape == (len(text), size * size) and images.dtype == np.float64
    assert set(np.unique(images)) <= {-1.0, 1.0}
    assert len({image.tobytes() for image in images}) == len(text)


def test_glyphs_keep_a_margin_and_lower_case_draws_capitals():
    image = datasets.glyphs("W", size=32)[0].reshape(32, 32)
    assert (image[:2] == -1).all() and (image[-2:] == -1).all()
    assert (image == 1).any(axis=0).sum() == 20  # 5 columns scaled by 4
    np.testing.assert_array_equal(datasets.glyphs("abc"), datasets.glyphs("ABC"))


def test_digit_images_are_the_glyphs_in_zero_one_and_blur_keeps_the_range():
    sharp = datasets.digit_image(7, size=16)
    np.testing.assert_array_equal(sharp, (datasets.glyphs("7", 16)[0].reshape(16, 16) + 1) / 2)
    soft = datasets.digit_image(7, size=16, blur=1.0)
    assert soft.shape == (16, 16) and soft.min() >= 0 and soft.max() <= 1
    assert len(np.unique(soft)) > 2
    assert np.corrcoef(sharp.ravel(), soft.ravel())[0, 1] > 0.7


@pytest.mark.parametrize("shape", [(5, 7), (6, 4, 3), (1, 1)])
def test_image_round_trip_through_xy(shape):
    image = np.random.default_rng(0).random(shape)
    X, y = datasets.image_to_xy(image)
    height, width = shape[:2]
    assert X.shape == (height * width, 2)
    assert X.min() >= -1 and X.max() <= 1
    np.testing.assert_array_equal(X, datasets.xy_grid(height, width))
    np.testing.assert_array_equal(datasets.xy_to_image(y, height, width), image)
    if len(shape) == 2:
        np.testing.assert_array_equal(datasets.xy_to_image(y[:, None], height, width), image)


def test_xy_grid_corners_and_orientation():
    grid = datasets.xy_grid(3, 4).reshape(3, 4, 2)
    np.testing.assert_array_equal(grid[0, 0], [-1, 1])  # top left
    np.testing.assert_array_equal(grid[-1, -1], [1, -1])  # bottom right
    fine = datasets.xy_grid(12, 16)  # a finer grid covers the same square
    assert fine.min(axis=0).tolist() == [-1, -1] and fine.max(axis=0).tolist() == [1, 1]


# --- split ------------------------------------------------------------------


@pytest.mark.parametrize(
    "n, fraction, n_test",
    [(100, 0.25, 25), (10, 0.3, 3), (7, 0.5, 4), (3, 0.01, 1), (3, 0.99, 2)],
)
def test_split_sizes_and_disjoint_sets(n, fraction, n_test):
    X = np.arange(2 * n).reshape(n, 2)
    y = np.arange(n)
    X_train, X_test, y_train, y_test = datasets.split(X, y, fraction, seed=0)
    assert len(X_test) == len(y_test) == n_test
    assert len(X_train) == len(y_train) == n - n_test
    np.testing.assert_array_equal(X_train[:, 0] // 2, y_train)  # rows stay paired
    np.testing.assert_array_equal(X_test[:, 0] // 2, y_test)
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(n))


def test_split_is_deterministic_by_seed():
    X, y = datasets.two_gaussians(50, seed=0)
    first = datasets.split(X, y, seed=1)
    again = datasets.split(X, y, seed=1)
    other = datasets.split(X, y, seed=2)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[3], other[3]) or not np.array_equal(first[1], other[1])


def test_stratified_split_keeps_class_proportions():
    y = np.repeat([0, 1, 2], [60, 30, 10])
    X = np.arange(100)
    _, X_test, _, y_test = datasets.split(X, y, 0.2, seed=0, stratify=True)
    assert np.bincount(y_test).tolist() == [12, 6, 2]
    np.testing.assert_array_equal(y[X_test], y_test)


# --- shared helpers and the package surface ---------------------------------


def test_flip_and_random_patterns_are_the_shared_helpers():
    from annlib import _patterns

    assert datasets.flip is _patterns.flip
    assert datasets.random_patterns is _patterns.random_patterns


def test_import_annlib_does_not_import_matplotlib():
    code = "import sys, annlib; annlib.datasets.xor(4); print('matplotlib' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_every_public_name_is_documented():
    for name in datasets.__all__:
        if callable(getattr(datasets, name)):
            assert getattr(datasets, name).__doc__, name
    assert annlib.datasets is datasets


# --- bad arguments ----------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, argument",
    [
        (lambda: datasets.two_gaussians(1), ValueError, "n"),
        (lambda: datasets.two_gaussians(10.5), TypeError, "n"),
        (lambda: datasets.two_gaussians(10, means=(1, 2)), ValueError, "means"),
        (lambda: datasets.two_gaussians(10, means=((0, 0), (1, 1), (2, 2))), ValueError, "means"),
        (lambda: datasets.two_gaussians(10, means=((0, np.nan), (1, 1))), ValueError, "means"),
        (lambda: datasets.two_gaussians(10, stds=(0.1, -0.2)), ValueError, "stds"),
        (lambda: datasets.two_gaussians(10, stds=(0.1, 0.2, 0.3)), ValueError, "stds"),
        (lambda: datasets.two_gaussians(10, split_first="yes"), TypeError, "split_first"),
        (lambda: datasets.two_gaussians(10, labels="+-"), ValueError, "labels"),
        (lambda: datasets.two_gaussians(10, seed=-1), ValueError, "seed"),
        (lambda: datasets.two_gaussians(10, seed=1.5), TypeError, "seed"),
        (lambda: datasets.two_gaussians(10, shuffle=None), TypeError, "shuffle"),
        (lambda: datasets.xor(3), ValueError, "n"),
        (lambda: datasets.xor(8, noise=-0.1), ValueError, "noise"),
        (lambda: datasets.xor(8, noise="big"), TypeError, "noise"),
        (lambda: datasets.spirals(100, classes=1), ValueError, "classes"),
        (lambda: datasets.spirals(3, classes=4), ValueError, "n"),
        (lambda: datasets.spirals(100, turns=0), ValueError, "turns"),
        (lambda: datasets.moons(10, noise=float("inf")), ValueError, "noise"),
        (lambda: datasets.circles(10, factor=1.0), ValueError, "factor"),
        (lambda: datasets.circles(10, factor=0.0), ValueError, "factor"),
        (lambda: datasets.glyphs("A~"), ValueError, "text"),
        (lambda: datasets.glyphs(""), ValueError, "text"),
        (lambda: datasets.glyphs(5), TypeError, "text"),
        (lambda: datasets.glyphs("A", size=6), ValueError, "size"),
        (lambda: datasets.digit_image(10), ValueError, "digit"),
        (lambda: datasets.digit_image(1, blur=-1), ValueError, "blur"),
        (lambda: datasets.image_to_xy(np.zeros(5)), ValueError, "image"),
        (lambda: datasets.image_to_xy([["a"]]), TypeError, "image"),
        (lambda: datasets.xy_grid(0, 3), ValueError, "height"),
        (lambda: datasets.xy_to_image(np.zeros(5), 2, 3), ValueError, "values"),
        (lambda: datasets.split(np.zeros(5), np.zeros(4)), ValueError, "y"),
        (lambda: datasets.split(np.zeros(1), np.zeros(1)), ValueError, "X"),
        (lambda: datasets.split(np.zeros(5), np.zeros(5), 1.0), ValueError, "test_fraction"),
        (lambda: datasets.split(np.zeros(5), np.zeros(5), 0.0), ValueError, "test_fraction"),
        (
            lambda: datasets.split(np.zeros(4), np.arange(4), 0.2, stratify=True),
            ValueError,
            "test_fraction",
        ),
    ],
)
def test_bad_arguments_are_rejected_naming_the_argument(call, error, argument):
    with pytest.raises(error, match=rf"^{argument}:"):
        call()


def test_unknown_glyph_message_names_the_character():
    with pytest.raises(ValueError, match=r"unsupported '~'"):
        datasets.glyphs("A~")


def test_docstring_examples_run():
    import doctest

    result = doctest.testmod(datasets, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 10 and result.failed == 0
