"""Shared fixtures: small deterministic data sets for the MLP tests."""

import numpy as np
import pytest

from annlib import _core

# Every hidden activation, and every (output activation, loss) pair the engine
# accepts: the tables the gradient and property tests run over, read from the
# engine's name tables so a new activation or loss is tested without a new row here.
HIDDEN = list(_core.HIDDEN_ACTIVATIONS)


def _accepted(output: str, loss: str) -> bool:
    config = _core.MLPConfig()
    config.layers = [2, 2]
    config.output_activation = output
    config.loss = loss
    try:
        config.validate()
    except ValueError:
        return False
    return True


OUTPUT_LOSS = [
    (output, loss)
    for loss in _core.LOSSES
    for output in _core.ACTIVATIONS
    if _accepted(output, loss)
]


@pytest.fixture
def xor_data():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return X, np.array([0, 1, 1, 0])


def gaussian_classes(n_per_class=100, seed=0):
    """Two Gaussian classes with different means and spreads (the classic lab data)."""
    rng = np.random.default_rng(seed)
    a = rng.normal((1.0, 0.3), 0.2, size=(n_per_class, 2))
    b = rng.normal((0.0, -0.1), 0.3, size=(n_per_class, 2))
    return np.vstack([a, b]), np.repeat([0, 1], n_per_class)


def spiral_classes(n_per_class=100, classes=4, noise=0.05, seed=0):
    """Interleaved spirals, one arm per class."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for c in range(classes):
        r = np.linspace(0.1, 1.0, n_per_class)
        angle = np.linspace(0.0, 1.5 * np.pi, n_per_class) + 2 * np.pi * c / classes
        arm = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
        X.append(arm + rng.normal(0.0, noise, arm.shape))
        y.append(np.full(n_per_class, c))
    return np.vstack(X), np.concatenate(y)


@pytest.fixture
def gaussians():
    return gaussian_classes()


@pytest.fixture
def spirals():
    return spiral_classes()
