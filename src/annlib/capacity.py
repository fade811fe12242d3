"""Capacity curves of the associative memories after 1982 (the classical one is ``annlib.capacity_curve``).

Each function stores ``P = max(1, round(load * N))`` random ±1 patterns per
load in ``trials`` fresh memories, recalls every pattern from a copy with a
fraction ``noise`` of its units flipped (one batch, in the engine's threads)
and returns the fraction recalled exactly, one number per load.  The theory to
draw beside them is in ``annlib.theory``.

>>> dense_capacity_curve(32, [0.5, 8.0], degree=3, trials=1, seed=0).round(1)
array([1., 0.])
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ._checks import as_float_array, check_float, check_int, check_seed
from ._patterns import flip, random_patterns
from .bam import BAM
from .dense_memory import DenseAssociativeMemory
from .modern_hopfield import ModernHopfield

__all__ = ["bam_capacity_curve", "dense_capacity_curve", "modern_capacity_curve"]


def _loads(loads: Any) -> np.ndarray:
    values = as_float_array(np.atleast_1d(loads) if np.ndim(loads) == 0 else loads, "loads", ndim=1)
    if (values <= 0).any():
        raise ValueError(f"loads: expected numbers > 0, got {values[values <= 0][0]!r}")
    return values


def _curve(
    n_units: int, loads: Any, noise: float, trials: int, seed: Any, recalled: Callable
) -> np.ndarray:
    """The shared loop: ``recalled(patterns, probes, seed)`` counts the exact recalls."""
    n_units = check_int(n_units, "n_units", 2)
    values = _loads(loads)
    noise = check_float(noise, "noise", 0.0, 1.0)
    trials = check_int(trials, "trials", 1)
    rng = np.random.default_rng(check_seed(seed))
    out = np.zeros(values.size)
    for k, load in enumerate(values):
        P = max(1, int(round(load * n_units)))
        hits = 0
        for _ in range(trials):
            patterns = random_patterns(P, n_units, seed=int(rng.integers(2**63)))
            probes = flip(patterns, noise, seed=int(rng.integers(2**63)))
            hits += recalled(patterns, probes, int(rng.integers(2**63)))
        out[k] = hits / (P * trials)
    return out


def dense_capacity_curve(
    n_units: int,
    loads: Any,
    interaction: str = "polynomial",
    degree: int = 3,
    noise: float = 0.1,
    trials: int = 3,
    seed: int | None = None,
    *,
    mode: str = "async",
    max_iter: int = 100,
) -> np.ndarray:
    """Fraction of patterns a ``DenseAssociativeMemory`` recalls exactly, at each load P/N.

    Loads well beyond 1 are the point: the polynomial memory of degree n keeps
    its patterns up to about N^(n-1) / (2 (2n-3)!! ln N) of them
    (``theory.dense_capacity``), the exponential one exponentially many.
    """

    def recalled(patterns, probes, memory_seed):
        memory = DenseAssociativeMemory(
            patterns.shape[1], interaction=interaction, degree=degree, seed=memory_seed
        )
        memory.train(patterns)
        states = memory.recall(probes, mode=mode, max_iter=max_iter).states
        return int((states == patterns).all(axis=1).sum())

    return _curve(n_units, loads, noise, trials, seed, recalled)


def modern_capacity_curve(
    n_units: int,
    loads: Any,
    beta: float = 1.0,
    noise: float = 0.1,
    trials: int = 3,
    seed: int | None = None,
    *,
    steps: int | None = 1,
) -> np.ndarray:
    """Fraction of patterns a ``ModernHopfield`` retrieves, at each load P/N.

    A retrieval counts when the signs of the state after ``steps`` updates are
    the pattern's (the state itself is a softmax average, not exactly ±1).
    """

    def recalled(patterns, probes, _):
        net = ModernHopfield(beta)
        net.store(patterns)
        states = net.retrieve(probes, steps=steps).states
        return int((np.where(states >= 0, 1.0, -1.0) == patterns).all(axis=1).sum())

    return _curve(n_units, loads, noise, trials, seed, recalled)


def bam_capacity_curve(
    n_units: int,
    loads: Any,
    y_units: int | None = None,
    noise: float = 0.1,
    trials: int = 3,
    seed: int | None = None,
) -> np.ndarray:
    """Fraction of pairs a ``BAM`` recalls exactly (both sides) from a noisy x, at each load.

    x has ``n_units`` units, y ``y_units`` (default the same); the load is P / n_units.
    """
    y_units = n_units if y_units is None else check_int(y_units, "y_units", 1)

    def recalled(patterns, probes, pair_seed):
        Y = random_patterns(len(patterns), y_units, seed=pair_seed)
        bam = BAM()
        bam.train(patterns, Y)
        result = bam.recall(x=probes)
        return int(((result.x == patterns).all(axis=1) & (result.y == Y).all(axis=1)).sum())

    return _curve(n_units, loads, noise, trials, seed, recalled)
