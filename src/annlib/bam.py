"""Kosko's bidirectional associative memory: store pairs (x, y), recall one from the other.

B. Kosko (1988), "Bidirectional associative memories", IEEE Trans. Systems, Man
and Cybernetics 18(1).  Pairs of ±1 vectors are stored in one matrix
``W = sum_k x_k y_k^T`` (N_x x N_y); recall alternates ``y <- sign(W^T x)`` and
``x <- sign(W y)`` (a unit whose field is exactly 0 keeps its value; a y not
known yet starts at +1) until neither side changes.  Every half step lowers
or keeps the energy ``E(x, y) = -x^T W y``, so recall ends in a stable pair.

>>> import annlib
>>> X, Y = annlib.random_patterns(3, 40, seed=0), annlib.random_patterns(3, 30, seed=1)
>>> bam = annlib.BAM()
>>> bam.train(X, Y)
>>> bool((bam.recall(x=X[1]).y == Y[1]).all())
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _core
from ._checks import (
    as_float_array,
    check_dtype,
    check_int,
)
from ._lock import ModelLock
from ._memory_files import SavedMemory
from .dense_memory import as_spin_states
from .hopfield import ArrayLike

__all__ = ["BAM", "BamRecall"]

#: The entries of a saved memory.
_FILE_ENTRIES = ("dtype", "W", "n_pairs")

_ENGINES = {np.dtype(np.float64): _core.BAM64, np.dtype(np.float32): _core.BAM32}


@dataclass(frozen=True)
class BamRecall:
    """The stable pair ``BAM.recall`` ended in, for one start or for a batch.

    Attributes:
        x, y: the two sides (1-D for one start, one row per start for a batch).
        iterations: round trips (x -> y -> x) performed, the confirming one included.
        converged: the last round trip changed nothing.
    """

    x: np.ndarray
    y: np.ndarray
    iterations: Any
    converged: Any


class BAM(SavedMemory, kind="BAM", entries=_FILE_ENTRIES):
    """A bidirectional associative memory (sizes fixed by the first ``train``).

    Args:
        dtype: ``'float64'`` or ``'float32'``.

    Threads:
        Any number of threads may read at once (``recall``, ``energy``, ``W``,
        ``save``, pickling); a write (``train``, ``add``) waits for them and
        runs alone (``annlib._lock.ModelLock``).
    """

    def __init__(self, dtype: Any = "float64") -> None:
        self._dtype = check_dtype(dtype)
        self._lock = ModelLock()
        self._engine = _ENGINES[self._dtype]()

    @property
    def dtype(self) -> np.dtype:
        """Floating-point type of weights and states."""
        return self._dtype

    @property
    def x_units(self) -> int:
        """Length N_x of the x side (0 before ``train``)."""
        return self._engine.x_units

    @property
    def y_units(self) -> int:
        """Length N_y of the y side (0 before ``train``)."""
        return self._engine.y_units

    @property
    def n_pairs(self) -> int:
        """Number of stored pairs."""
        with self._lock.read():
            return self._engine.n_pairs

    @property
    def W(self) -> np.ndarray:
        """The N_x x N_y weights ``sum_k x_k y_k^T`` (a copy)."""
        with self._lock.read():
            return self._engine.get_weights()

    def _pairs(self, X: ArrayLike, Y: ArrayLike, fresh: bool) -> tuple[np.ndarray, np.ndarray]:
        """Validated (P, N_x) and (P, N_y) arrays; ``fresh``: any sizes (a new memory)."""
        x = as_float_array(X, "X", self._dtype, ndim=2)
        y = as_float_array(Y, "Y", self._dtype, ndim=2)
        x, _ = as_spin_states(x, "X", x.shape[1] if fresh else self.x_units, self._dtype)
        y, _ = as_spin_states(y, "Y", y.shape[1] if fresh else self.y_units, self._dtype)
        if x.shape[0] != y.shape[0]:
            raise ValueError(f"Y: expected {x.shape[0]} rows (one per row of X), got {y.shape[0]}")
        return x, y

    def train(self, X: ArrayLike, Y: ArrayLike) -> None:
        """Forget what was stored and store the pairs (X[k], Y[k]) (±1 rows).

        The sizes N_x and N_y become those of X's and Y's rows.
        """
        pairs = self._pairs(X, Y, fresh=True)
        with self._lock.write("train"):
            self._engine.train(*pairs)

    def add(self, X: ArrayLike, Y: ArrayLike) -> None:
        """Store more pairs on top of those stored (same sizes)."""
        if self.n_pairs == 0:
            return self.train(X, Y)
        pairs = self._pairs(X, Y, fresh=False)
        with self._lock.write("add"):
            self._engine.add(*pairs)

    def recall(
        self, x: ArrayLike | None = None, y: ArrayLike | None = None, max_iter: int = 100
    ) -> BamRecall:
        """Recall the stable pair reached from ``x`` or from ``y`` (exactly one of them).

        Either may be one vector or a batch (one per row; batches run in
        parallel threads, the GIL released).

        Raises:
            ValueError: neither or both given, bad values, or nothing stored.
        """
        if (x is None) == (y is None):
            raise ValueError(
                "x: expected exactly one of x= and y=, got "
                + ("both" if x is not None else "neither")
            )
        if self.n_pairs == 0:
            raise ValueError("pairs: expected stored pairs (call train first), got none")
        from_x = x is not None
        name, units = ("x", self.x_units) if from_x else ("y", self.y_units)
        start, single = as_spin_states(x if from_x else y, name, units, self._dtype)
        max_iter = check_int(max_iter, "max_iter", 1)
        with self._lock.read():
            xs, ys, iterations, converged = self._engine.recall(start, from_x, max_iter)
        if single:
            return BamRecall(xs[0], ys[0], int(iterations[0]), bool(converged[0]))
        return BamRecall(xs, ys, iterations, converged)

    def energy(self, x: ArrayLike, y: ArrayLike) -> float | np.ndarray:
        """``-x^T W y`` of one pair (a float) or of each row pair."""
        if self.n_pairs == 0:
            raise ValueError("pairs: expected stored pairs (call train first), got none")
        xs, single = as_spin_states(x, "x", self.x_units, self._dtype)
        ys, _ = as_spin_states(y, "y", self.y_units, self._dtype)
        if xs.shape[0] != ys.shape[0]:
            raise ValueError(f"y: expected {xs.shape[0]} rows (one per x), got {ys.shape[0]}")
        with self._lock.read():
            values = self._engine.energy(xs, ys)
        return float(values[0]) if single else values

    # ---- persistence ------------------------------------------------------------

    def _arrays_unlocked(self) -> dict[str, np.ndarray]:
        return {
            "dtype": np.array(self._dtype.name),
            "W": self._engine.get_weights(),
            "n_pairs": np.array(self._engine.n_pairs),
        }

    @classmethod
    def _from_file(cls, file: Any) -> BAM:
        memory = cls(dtype=str(file.read("dtype", "U", (), max_bytes=256)))
        W = as_float_array(
            file.read("W", "f", (None, None)), "W", memory._dtype, ndim=2, allow_empty=True
        )
        pairs = check_int(file.read("n_pairs", "iu", ()).item(), "n_pairs", 0)
        memory._engine.restore(W, pairs)
        return memory

    def __repr__(self) -> str:
        return self._repr(x_units=self.x_units, y_units=self.y_units, n_pairs=self.n_pairs)
