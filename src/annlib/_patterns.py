"""Random binary patterns and noise, shared by annlib.datasets and annlib.hopfield."""

from __future__ import annotations

import numpy as np

from ._checks import ENGINE_INT_MAX, as_float_array, check_float, check_int, check_seed


def random_patterns(P: int, N: int, bias: float = 0.0, seed: int | None = None) -> np.ndarray:
    """P random ±1 patterns of N units, each unit +1 with probability (1 + bias) / 2.

    Returns a (P, N) float64 array.  ``bias`` in [-1, 1] sets the mean activity:
    0 gives balanced patterns, 0.8 mostly +1.  ``(random_patterns(...) + 1) / 2``
    gives sparse 0/1 patterns with activity (1 + bias) / 2.

    >>> random_patterns(3, 8, seed=0).shape
    (3, 8)
    """
    P = check_int(P, "P", 1, ENGINE_INT_MAX)
    N = check_int(N, "N", 1, ENGINE_INT_MAX)
    bias = check_float(bias, "bias", -1.0, 1.0)
    rng = np.random.default_rng(check_seed(seed))
    return np.where(rng.random((P, N)) < (1.0 + bias) / 2.0, 1.0, -1.0)


def flip(
    states, fraction: float, seed: int | None = None, sparse: bool | None = None
) -> np.ndarray:
    """Return a copy of ``states`` with ``round(fraction * N)`` units of each pattern flipped.

    ``states`` is one pattern (1-D) or a batch (2-D, one pattern per row) of ±1
    values, or of 0/1 values for sparse patterns (``sparse=None`` decides from
    the data: any 0 means 0/1).  Exactly that many distinct units are flipped in
    every pattern, chosen at random (reproducibly by ``seed``).

    >>> flip([1, 1, 1, 1], 0.5, seed=0).tolist().count(-1.0)
    2
    """
    array = as_float_array(states, "states", ndim=(1, 2), finite=False).copy()
    fraction = check_float(fraction, "fraction", 0.0, 1.0)
    if sparse is None:
        sparse = bool(np.any(array == 0))
    allowed = (0.0, 1.0) if sparse else (-1.0, 1.0)
    if not np.isin(array, allowed).all():
        kind = "0/1" if sparse else "±1"
        raise ValueError(
            f"states: expected {kind} values only, got others (e.g. {array[~np.isin(array, allowed)][0]})"
        )
    rng = np.random.default_rng(check_seed(seed))
    batch = array.reshape(-1, array.shape[-1])
    n_flip = int(round(fraction * batch.shape[1]))
    for row in batch:
        units = rng.choice(batch.shape[1], size=n_flip, replace=False)
        row[units] = 1.0 - row[units] if sparse else -row[units]
    return batch.reshape(array.shape)
