"""Regularisation of the updates: gradient clipping by the global norm."""

import numpy as np
import pytest
from conftest import gaussian_classes

import annlib
from annlib import MLP

X, Y = gaussian_classes(10)


def targets(model, y):
    return model._targets(y, len(y), fitting=True)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum"])
@pytest.mark.parametrize("l2", [0.0, 0.1])
def test_max_grad_norm_scales_the_update_gradient_to_that_norm(optimizer, l2):
    """The first step of both is −η g: clipped, −η g · min(1, limit/‖g‖)."""
    plain = MLP([2, 4, 2], output_activation="softmax", optimizer=optimizer, l2=l2, seed=2)
    g = plain._engine.gradient(X, targets(plain, Y))
    norm = np.linalg.norm(g)
    for limit in (norm / 4, norm * 4):  # clipped, then left alone
        clipped = MLP(
            [2, 4, 2],
            output_activation="softmax",
            optimizer=optimizer,
            l2=l2,
            max_grad_norm=limit,
            seed=2,
        )
        start = clipped._engine.parameters.copy()
        clipped.step(X, Y)
        expected = start - 0.01 * min(1.0, limit / norm) * g
        np.testing.assert_allclose(clipped._engine.parameters, expected, rtol=1e-12, atol=1e-15)


def test_max_grad_norm_clips_every_update_of_fit():
    """Full batch SGD with a tiny limit moves the weights by exactly η·limit per epoch."""
    model = MLP([2, 4, 2], output_activation="softmax", max_grad_norm=1e-3, optimizer="sgd", seed=5)
    for _ in range(3):
        before = model._engine.parameters.copy()
        model.fit(X, Y, epochs=1)
        moved = np.linalg.norm(model._engine.parameters - before)
        np.testing.assert_allclose(moved, 0.01 * 1e-3, rtol=1e-10)


def test_max_grad_norm_is_searchable_and_identical_for_any_n_jobs():
    grid = {"max_grad_norm": [0.0, 0.01, 1.0], "optimizer": ["sgd", "adamw"]}
    runs = [annlib.grid_search(grid, X, Y, epochs=5, n_jobs=jobs) for jobs in (1, 2)]
    assert [r["mean_score"] for r in runs[0].results] == [r["mean_score"] for r in runs[1].results]


@pytest.mark.parametrize(
    "value,error,match",
    [
        (
            -1.0,
            ValueError,
            r"^max_grad_norm: expected a finite number >= 0 \(0: no clipping\), got -1",
        ),
        (float("inf"), ValueError, "^max_grad_norm: expected a finite number >= 0"),
        ("1", TypeError, "^max_grad_norm: expected a real number"),
    ],
)
def test_bad_max_grad_norm_raises_clear_errors(value, error, match):
    with pytest.raises(error, match=match):
        MLP([2, 1], max_grad_norm=value)
