"""What recall ended in, and how far from a pattern recall still finds it.

* ``classify_recall`` names the final state of each probe: the stored pattern
  it equals (``'retrieved'``), a pattern's mirror image (``'reversed'``), the
  sign of a combination of three patterns (``'mixture'``, the symmetric
  mixture states of Amit, Gutfreund & Sompolinsky 1985), anything else
  (``'spurious'``), or a synchronous 2-cycle (``'cycle'``).
* ``basin_radius`` measures, for each stored pattern, the largest fraction of
  flipped units from which recall still ends at it with a given probability,
  and the whole basin-size curve behind it.

Both work with any model whose ``recall(probes)`` returns ±1 states
(``Hopfield``, ``DenseAssociativeMemory``); ``basin_radius`` also takes a
``ModernHopfield``, whose retrieval counts when it lands on the pattern.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np

from ._checks import as_float_array, check_float, check_int, check_seed, describe
from ._patterns import flip

__all__ = ["BasinResult", "RecallClassification", "basin_radius", "classify_recall"]

#: The kinds ``classify_recall`` names, in the order it tests them.
KINDS = ("cycle", "retrieved", "reversed", "mixture", "spurious")
_SIGNS = np.array(list(product((1.0, -1.0), repeat=3)))


@dataclass(frozen=True)
class RecallClassification:
    """What each final state is.

    Attributes:
        kind: (B,) array of names from ``KINDS``.
        pattern: (B,) index of the pattern retrieved or reversed, else -1.
        components: (B, 3) indices of a mixture's three patterns, else -1.
        signs: (B, 3) the signs of a mixture's patterns (state = sign of
            sum_k signs_k x_components_k), else 0.
    """

    kind: np.ndarray
    pattern: np.ndarray
    components: np.ndarray
    signs: np.ndarray

    def counts(self) -> dict[str, int]:
        """How many states of each kind (every kind listed, zeros included)."""
        return {name: int((self.kind == name).sum()) for name in KINDS}


def _spin_rows(value: Any, name: str, columns: int | None = None) -> np.ndarray:
    array = as_float_array(value, name, ndim=(1, 2), columns=columns)
    array = array.reshape(1, -1) if array.ndim == 1 else array
    if columns is not None and array.shape[1] != columns:
        raise ValueError(f"{name}: expected {columns} units, got {array.shape[1]}")
    bad = (array != 1.0) & (array != -1.0)
    if bad.any():
        raise ValueError(f"{name}: expected values -1 or +1, got {float(array[bad][0])!r}")
    return array


def _find_mixture(state: np.ndarray, patterns: np.ndarray) -> tuple[tuple, np.ndarray] | None:
    """Three patterns and signs whose signed sum has the sign of ``state``, or None.

    Exact, with pruning: writing o_k = eps_k x_k . s for a matching triple, each
    unit is the odd one out for at most one of the three, so o_a + o_b + o_c >= N
    and |o_a| + |o_b| + |o_c| >= N.  Patterns sorted by |x . s| stop each loop early.
    """
    N = state.size
    overlaps = np.abs(patterns @ state)
    order = np.argsort(-overlaps, kind="stable")
    size = overlaps[order]
    for ia in range(len(order)):
        if 3 * size[ia] < N:
            break
        for ib in range(ia + 1, len(order)):
            if size[ia] + 2 * size[ib] < N:
                break
            for ic in range(ib + 1, len(order)):
                if size[ia] + size[ib] + size[ic] < N:
                    break
                triple = (order[ia], order[ib], order[ic])
                sums = _SIGNS @ patterns[list(triple)]  # (8, N), odd so never 0
                match = (np.sign(sums) == state).all(axis=1)
                if match.any():
                    return tuple(sorted(triple)), _SIGNS[int(np.argmax(match))]
    return None


def classify_recall(final_states: Any, patterns: Any, cycle: Any = None) -> RecallClassification:
    """Classify the states recall ended in against the stored ``patterns``.

    Args:
        final_states: one ±1 state or a (B, N) batch, or the ``RecallResult``
            of a ``recall`` (its ``states`` and ``cycle`` are used).
        patterns: the stored ±1 patterns, (P, N).
        cycle: per state, whether recall ended in a 2-cycle (optional; taken
            from a ``RecallResult``).

    Returns:
        A ``RecallClassification`` (always batched: arrays of length B).

    A state matching several descriptions gets the first of ``'retrieved'``,
    ``'reversed'``, ``'mixture'``; ``'cycle'`` comes before all of them.

    >>> import numpy as np
    >>> X = np.array([[1, 1, 1, -1, -1, 1, -1], [1, -1, 1, 1, -1, -1, 1], [-1, 1, 1, 1, 1, 1, -1]])
    >>> mixture = np.sign(X.sum(axis=0))
    >>> classify_recall([X[1], -X[2], mixture], X).kind.tolist()
    ['retrieved', 'reversed', 'mixture']
    """
    if hasattr(final_states, "states") and hasattr(final_states, "cycle"):
        if cycle is None:
            cycle = final_states.cycle
        final_states = final_states.states
    X = _spin_rows(patterns, "patterns")
    S = _spin_rows(final_states, "final_states", columns=X.shape[1])
    B = S.shape[0]
    cycles = np.zeros(B, dtype=bool)
    if cycle is not None:
        cycles = np.asarray(cycle, dtype=bool).reshape(-1)
        if cycles.shape != (B,):
            raise ValueError(f"cycle: expected {B} flags (one per state), got {describe(cycle)}")
    kind = np.full(B, "spurious", dtype=object)
    pattern = np.full(B, -1)
    components = np.full((B, 3), -1)
    signs = np.zeros((B, 3))
    overlaps = S @ X.T  # (B, P): N for the pattern itself, -N for its mirror
    N = X.shape[1]
    for b in range(B):
        if cycles[b]:
            kind[b] = "cycle"
            continue
        same = np.flatnonzero(overlaps[b] == N)
        mirror = np.flatnonzero(overlaps[b] == -N)
        if same.size:
            kind[b], pattern[b] = "retrieved", same[0]
        elif mirror.size:
            kind[b], pattern[b] = "reversed", mirror[0]
        elif X.shape[0] >= 3:
            found = _find_mixture(S[b], X)
            if found is not None:
                kind[b] = "mixture"
                components[b], signs[b] = found
    return RecallClassification(kind.astype(str), pattern, components, signs)


@dataclass(frozen=True)
class BasinResult:
    """Basins of attraction of stored patterns.

    Attributes:
        radius: (P,) for each pattern, the largest tested fraction of flipped
            units such that recall ended at the pattern with probability >=
            ``probability`` from it and from every smaller tested fraction
            (0 if not even the pattern itself is stable).
        fractions: (F,) the fractions of flipped units tested.
        success: (P, F) the measured probability of ending at the pattern
            (the basin-size curve of each pattern).
        probability: the level the radius refers to.
    """

    radius: np.ndarray
    fractions: np.ndarray
    success: np.ndarray
    probability: float


def _lands_on(model: Any, probes: np.ndarray, target: np.ndarray, options: dict) -> np.ndarray:
    if hasattr(model, "recall"):
        states = model.recall(probes, **options).states
        return (states == target).all(axis=1)
    if hasattr(model, "retrieve"):
        states = model.retrieve(probes, **options).states
        scale = float(np.abs(target).max()) or 1.0
        return (np.abs(states - target) <= 1e-3 * scale).all(axis=1)
    raise TypeError(
        f"model: expected a model with recall() or retrieve(), got {type(model).__name__}"
    )


def basin_radius(
    model: Any,
    patterns: Any,
    fractions: Any = None,
    probability: float = 0.9,
    trials: int = 20,
    seed: int | None = None,
    **options: Any,
) -> BasinResult:
    """For each pattern, the largest fraction of flipped units recall still corrects.

    Args:
        model: a trained ``Hopfield``, ``DenseAssociativeMemory`` or
            ``ModernHopfield`` (the patterns need not be the ones it stored:
            any ±1 state whose basin you want).
        patterns: the ±1 patterns to measure, (P, N) or one pattern.
        fractions: fractions of flipped units to test, increasing, in [0, 1]
            (default 0, 0.02, ..., 0.5).
        probability: the level of the radius (in (0, 1]).
        trials: probes per pattern and fraction, each with ``round(f N)``
            distinct units flipped at random.
        seed: seeds the flips.
        **options: passed to ``model.recall`` (or ``retrieve``), e.g. ``mode='sync'``.

    Returns:
        A ``BasinResult`` (radius, fractions, success, probability).

    The estimate from ``trials`` probes has a standard error of about
    sqrt(p (1 - p) / trials) per point of the curve.
    """
    X = _spin_rows(patterns, "patterns")
    if fractions is None:
        grid = np.linspace(0.0, 0.5, 26)
    else:
        grid = as_float_array(fractions, "fractions", ndim=1)
        if (grid < 0).any() or (grid > 1).any() or (np.diff(grid) <= 0).any():
            raise ValueError(
                "fractions: expected increasing numbers in [0, 1], got " + describe(fractions)
            )
    probability = check_float(probability, "probability", 0.0, 1.0, exclusive_minimum=True)
    trials = check_int(trials, "trials", 1)
    rng = np.random.default_rng(check_seed(seed))
    success = np.zeros((X.shape[0], grid.size))
    for mu, pattern in enumerate(X):
        repeated = np.repeat(pattern[None, :], trials, axis=0)
        for f, fraction in enumerate(grid):
            probes = flip(repeated, float(fraction), seed=int(rng.integers(2**63)))
            success[mu, f] = _lands_on(model, probes, pattern, options).mean()
    good = success >= probability
    # The first tested fraction that fails ends the basin.
    first_failure = np.where(good.all(axis=1), grid.size, np.argmin(good, axis=1))
    radius = np.where(first_failure > 0, grid[np.maximum(first_failure - 1, 0)], 0.0)
    return BasinResult(radius, grid, success, probability)
