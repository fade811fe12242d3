"""Dense associative memory: binary units, energy -sum_mu F(xi^mu . s), capacity far beyond N.

Krotov & Hopfield (2016), "Dense associative memory for pattern recognition"
(NeurIPS), replaced the classical quadratic energy by ``E(s) = -sum_mu F(m_mu)``
with the overlaps ``m_mu = xi^mu . s`` and ``F(x) = x^n``: for n = 2 it is the
Hebbian Hopfield network, and the capacity grows like ``N^(n-1)``.  Demircigil
et al. (2017), "On a model of associative memory with huge storage capacity"
(J. Stat. Phys. 168), took ``F(x) = e^x``, with a capacity exponential in N.

The update of unit i compares the energies of its two values with the other
units fixed, ``s_i <- sign(sum_mu F(a_mu + xi_i^mu) - F(a_mu - xi_i^mu))`` where
``a_mu = m_mu - xi_i^mu s_i``, and sign(0) = +1.  The C++ engine keeps each
probe's P overlaps and updates them on a flip, so one visit costs P
operations, and recalls many probes in parallel threads.

>>> import annlib
>>> memory = annlib.DenseAssociativeMemory(100, degree=3, seed=0)
>>> patterns = annlib.random_patterns(200, 100, seed=1)   # twice N patterns
>>> memory.train(patterns)
>>> result = memory.recall(annlib.flip(patterns[0], 0.1, seed=2))
>>> bool((result.states == patterns[0]).all())
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _core
from ._checks import (
    as_float_array,
    check_choice,
    check_dtype,
    check_int,
    check_seed,
)
from ._lock import ModelLock
from ._memory_files import SavedMemory
from .hopfield import MODES, ORDERS, ArrayLike, RecallResult, _check_track_energy

__all__ = ["DenseAssociativeMemory", "INTERACTIONS"]

#: Interaction functions F, in the engine's table order.
INTERACTIONS = _core.INTERACTIONS
#: Largest polynomial degree n.
MAX_DEGREE = _core.DENSE_MAX_DEGREE

#: The entries of a saved memory.
_FILE_ENTRIES = ("n_units", "interaction", "degree", "dtype", "seed", "streams_used", "patterns")

_ENGINES = {
    np.dtype(np.float64): _core.DenseAssociativeMemory64,
    np.dtype(np.float32): _core.DenseAssociativeMemory32,
}


def as_spin_states(value: Any, name: str, n_units: int, dtype: np.dtype) -> tuple[np.ndarray, bool]:
    """Validated ±1 states as a C-contiguous (B, N) array, and whether one was given 1-D."""
    array = as_float_array(value, name, dtype, ndim=(1, 2), columns=n_units)
    single = array.ndim == 1
    if single:
        if array.shape[0] != n_units:
            raise ValueError(f"{name}: expected {n_units} units, got {array.shape[0]}")
        array = array.reshape(1, n_units)
    bad = (array != 1.0) & (array != -1.0)
    if bad.any():
        raise ValueError(f"{name}: expected values -1 or +1, got {float(array[bad][0])!r}")
    return array, single


class DenseAssociativeMemory(SavedMemory, kind="DenseAssociativeMemory", entries=_FILE_ENTRIES):
    """A dense associative memory of ``n_units`` ±1 units.

    Args:
        n_units: number of units N (>= 1).
        interaction: the function F of the energy ``E(s) = -sum_mu F(xi^mu . s)``:

            * ``'polynomial'``: ``F(x) = x^n`` (n = ``degree``; n = 2 is the
              classical Hebbian network with a zero diagonal);
            * ``'rectified_polynomial'``: ``F(x) = max(x, 0)^n``, which ignores
              patterns the state is anti-aligned with (no mirror attractors);
            * ``'exponential'``: ``F(x) = e^x``.  Evaluated relative to the
              largest overlap, so it never overflows; ``energy`` then reports
              ``-log sum_mu e^(xi^mu . s)``, a monotone function of
              ``-sum_mu e^(xi^mu . s)`` (which overflows past N ~ 700).
        degree: n of the polynomial forms, 2 to ``MAX_DEGREE`` (ignored by
            ``'exponential'``).
        seed: seeds the random visiting orders; ``None`` draws one.
        dtype: ``'float64'`` or ``'float32'``, the type of the state arrays (the
            engine computes in double either way: overlaps are exact integers).

    Threads:
        Any number of threads may read at once (``recall``, ``energy``, ``stable``, ``patterns``, ``save``, pickling); a
        write (``train``, ``add``) waits for them and runs alone (``annlib._lock.ModelLock``).

    Raises:
        TypeError, ValueError: for bad arguments, naming the argument.
    """

    def __init__(
        self,
        n_units: int,
        interaction: str = "polynomial",
        degree: int = 3,
        seed: int | None = None,
        dtype: Any = "float64",
    ) -> None:
        n_units = check_int(n_units, "n_units", 1)
        interaction = check_choice(interaction, "interaction", INTERACTIONS)
        degree = check_int(degree, "degree")
        self._dtype = check_dtype(dtype)
        self._lock = ModelLock()
        self._engine = _ENGINES[self._dtype](n_units, interaction, degree, check_seed(seed))

    # ---- properties -----------------------------------------------------------

    @property
    def n_units(self) -> int:
        """Number of units N."""
        return self._engine.n_units

    @property
    def interaction(self) -> str:
        """The interaction function's name."""
        return self._engine.interaction

    @property
    def degree(self) -> int:
        """The degree n of the polynomial forms."""
        return self._engine.degree

    @property
    def seed(self) -> int:
        """The seed of the random visiting orders."""
        return self._engine.seed

    @property
    def dtype(self) -> np.dtype:
        """Floating-point type of the state arrays."""
        return self._dtype

    @property
    def n_patterns(self) -> int:
        """Number of stored patterns P."""
        with self._lock.read():
            return self._engine.n_patterns

    @property
    def patterns(self) -> np.ndarray:
        """The stored patterns (P x N, a copy)."""
        with self._lock.read():
            return self._engine.patterns

    # ---- learning and dynamics --------------------------------------------------

    def _states(self, value: Any, name: str) -> tuple[np.ndarray, bool]:
        return as_spin_states(value, name, self.n_units, self._dtype)

    def train(self, patterns: ArrayLike) -> None:
        """Forget what was stored and store ``patterns`` (P x N of ±1, one per row).

        Raises:
            ValueError: empty set, wrong length or values other than ±1.
        """
        array, _ = self._states(patterns, "patterns")
        with self._lock.write("train"):
            self._engine.train(array)

    def add(self, patterns: ArrayLike) -> None:
        """Store ``patterns`` on top of those already stored."""
        array, _ = self._states(patterns, "patterns")
        with self._lock.write("add"):
            self._engine.add(array)

    def energy(self, states: ArrayLike) -> float | np.ndarray:
        """Energy ``-sum_mu F(xi^mu . s)`` of one state (a float) or of each row.

        For ``'exponential'`` it is ``-log sum_mu e^(xi^mu . s)`` (see the class).

        Raises:
            ValueError: bad states, or no stored patterns.
        """
        array, single = self._states(states, "states")
        with self._lock.read():
            values = self._engine.energy(array)
        return float(values[0]) if single else values

    def stable(self, states: ArrayLike) -> bool | np.ndarray:
        """Whether each state (row) is a fixed point of the update."""
        array, single = self._states(states, "states")
        with self._lock.read():
            flags = self._engine.stable(array)
        return bool(flags[0]) if single else flags

    def recall(
        self,
        probes: ArrayLike,
        mode: str = "async",
        order: str = "random",
        max_iter: int = 100,
        track_energy: bool | str = False,
    ) -> RecallResult:
        """Update ``probes`` until nothing changes (or ``max_iter`` sweeps/steps).

        Args:
            probes: one state (1-D) or many (2-D, one per row); many are recalled
                in parallel threads, the GIL released.
            mode: ``'async'`` (one unit at a time, each seeing the flips before it;
                the energy never rises) or ``'sync'`` (every unit from the old
                state; may end in a 2-cycle, reported in ``cycle``).
            order: async visiting order, ``'random'`` (a fresh permutation per
                sweep) or ``'sequential'``.
            max_iter: most sweeps/steps, the one confirming convergence included.
            track_energy: ``True`` (or ``'sweep'``/``'step'``) records the energy
                after each sweep/step; ``'unit'`` after every single-unit visit
                (async only).

        Returns:
            The ``RecallResult`` of ``Hopfield.recall`` (states, iterations,
            converged, cycle, energy).  As there, a batch gives the same result
            as its probes one by one, on any number of threads.
        """
        array, single = self._states(probes, "probes")
        mode = check_choice(mode, "mode", MODES)
        order = check_choice(order, "order", ORDERS)
        max_iter = check_int(max_iter, "max_iter", 1)
        trace = _check_track_energy(track_energy)
        if trace == "unit" and mode == "sync":
            raise ValueError(
                "track_energy: expected False, True or 'step' with mode='sync', got 'unit'"
            )
        with self._lock.read():
            states, iterations, converged, cycle, energy = self._engine.recall(
                array, mode, order, max_iter, trace
            )
        if single:
            return RecallResult(
                states[0],
                int(iterations[0]),
                bool(converged[0]),
                bool(cycle[0]),
                None if energy is None else energy[0],
            )
        return RecallResult(states, iterations, converged, cycle, energy)

    # ---- persistence ------------------------------------------------------------

    def _arrays_unlocked(self) -> dict[str, np.ndarray]:
        return {
            "n_units": np.array(self.n_units),
            "interaction": np.array(self.interaction),
            "degree": np.array(self.degree),
            "dtype": np.array(self._dtype.name),
            "seed": np.array(self._engine.seed, dtype=np.uint64),
            "streams_used": np.array(self._engine.streams_used, dtype=np.uint64),
            "patterns": self._engine.patterns.astype(np.int8),
        }

    @classmethod
    def _from_file(cls, file: Any) -> DenseAssociativeMemory:
        n = check_int(file.read("n_units", "iu", ()).item(), "n_units", 1)
        memory = cls(
            n,
            interaction=str(file.read("interaction", "U", (), max_bytes=256)),
            degree=check_int(file.read("degree", "iu", ()).item(), "degree"),
            seed=check_int(file.read("seed", "iu", ()).item(), "seed", 0, 2**64 - 1),
            dtype=str(file.read("dtype", "U", (), max_bytes=256)),
        )
        patterns = file.read("patterns", "iuf", (None, n))
        if patterns.size:
            memory.train(patterns)
        streams = file.read("streams_used", "iu", ()).item()
        memory._engine.restore(check_int(streams, "streams_used", 0, 2**64 - 1))
        return memory

    def __repr__(self) -> str:
        return self._repr(
            n_units=self.n_units,
            interaction=self.interaction,
            degree=self.degree,
            n_patterns=self.n_patterns,
        )
