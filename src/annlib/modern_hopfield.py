"""The modern Hopfield network: continuous states, softmax update, one-step retrieval.

Ramsauer et al. (2020), "Hopfield Networks is All You Need" (arXiv:2008.02217).
Stored patterns are the rows of X (P x N); a query is a row vector xi of N
numbers, and one update is

    xi <- softmax(beta * xi @ X.T) @ X          (rows: queries Q (B, N) -> softmax(beta Q X^T) X)

which is ``xi <- X^T softmax(beta X xi)`` in the paper's column notation, and
attention with keys = values = the patterns.  The energy it never raises is

    E(xi) = -1/beta log sum_mu exp(beta x_mu . xi) + 1/2 xi . xi + 1/beta log P + 1/2 M^2

with M the largest pattern norm (the constants put E in [0, 2 M^2]).  With a
large beta and well separated patterns one update retrieves the pattern
nearest the query; with a small beta the update averages many patterns (a
metastable state), and as beta -> 0 it returns their mean.

>>> import numpy as np, annlib
>>> X = annlib.random_patterns(10, 64, seed=0)
>>> net = annlib.ModernHopfield(beta=1.0)
>>> net.store(X)
>>> query = X[3].copy(); query[32:] = 0            # half the units unknown
>>> result = net.retrieve(query)
>>> int(result.pattern), bool(np.allclose(result.states, X[3]))
(3, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _core
from ._checks import (
    as_float_array,
    check_dtype,
    check_float,
    check_int,
)
from ._lock import ModelLock
from ._memory_files import SavedMemory
from .hopfield import ArrayLike

__all__ = ["ModernHopfield", "Retrieval"]

#: The entries of a saved network.
_FILE_ENTRIES = ("beta", "dtype", "patterns")

_ENGINES = {
    np.dtype(np.float64): _core.ModernHopfield64,
    np.dtype(np.float32): _core.ModernHopfield32,
}


@dataclass(frozen=True)
class Retrieval:
    """What ``ModernHopfield.retrieve`` found, for one query or for a batch.

    Attributes:
        states: the final states, the shape of the queries.
        steps: updates applied (int, or an int array for a batch).
        converged: the last update moved no unit by more than ``tol``.
        pattern: the stored pattern with the largest softmax weight in the last
            update: the one the query retrieved (index into the patterns).
        weight: that weight, 1 for a clean retrieval and about 1/k for a state
            averaging k patterns.
        metastable: ``weight < metastable_below`` (0.5 by default): no single
            pattern dominates the final state, which averages several.
    """

    states: np.ndarray
    steps: Any
    converged: Any
    pattern: Any
    weight: Any
    metastable: Any


class ModernHopfield(SavedMemory, kind="ModernHopfield", entries=_FILE_ENTRIES):
    """A modern Hopfield network with inverse temperature ``beta``.

    Args:
        beta: inverse temperature (> 0): large values retrieve single patterns,
            small ones average them.  Can be changed later (``net.beta = ...``).
        dtype: ``'float64'`` or ``'float32'`` (patterns, states and arithmetic).

    Threads:
        Any number of threads may read at once (``retrieve``, ``update``, ``energy``, ``weights``, ``separation``, ``save``, pickling); a
        write (``store``, ``add``, setting ``beta``) waits for them and runs alone (``annlib._lock.ModelLock``).

    Raises:
        TypeError, ValueError: for bad arguments, naming the argument.
    """

    def __init__(self, beta: float = 1.0, dtype: Any = "float64") -> None:
        beta = check_float(beta, "beta")
        self._dtype = check_dtype(dtype)
        self._lock = ModelLock()
        self._engine = _ENGINES[self._dtype](beta)

    @property
    def beta(self) -> float:
        """The inverse temperature."""
        return self._engine.beta

    @beta.setter
    def beta(self, value: float) -> None:
        value = check_float(value, "beta")
        with self._lock.write("beta"):
            self._engine.beta = value

    @property
    def dtype(self) -> np.dtype:
        """Floating-point type of patterns and states."""
        return self._dtype

    @property
    def n_units(self) -> int:
        """Length N of a pattern (0 before ``store``)."""
        return self._engine.n_units

    @property
    def n_patterns(self) -> int:
        """Number of stored patterns P."""
        with self._lock.read():
            return self._engine.n_patterns

    @property
    def patterns(self) -> np.ndarray:
        """The stored patterns X (P x N, a copy)."""
        with self._lock.read():
            return self._engine.patterns

    def _vectors(self, value: Any, name: str) -> tuple[np.ndarray, bool]:
        n = self.n_units
        array = as_float_array(value, name, self._dtype, ndim=(1, 2), columns=n or None)
        single = array.ndim == 1
        if single:
            if n and array.shape[0] != n:
                raise ValueError(f"{name}: expected {n} units, got {array.shape[0]}")
            array = array.reshape(1, -1)
        return array, single

    def store(self, patterns: ArrayLike) -> None:
        """Replace the stored patterns by ``patterns`` (P x N real numbers, one per row)."""
        array = as_float_array(patterns, "patterns", self._dtype, ndim=2)
        with self._lock.write("store"):
            self._engine.store(array)

    def add(self, patterns: ArrayLike) -> None:
        """Store ``patterns`` (rows of N numbers) after those already stored."""
        if self.n_patterns == 0:
            return self.store(patterns)
        array, _ = self._vectors(patterns, "patterns")
        with self._lock.write("add"):
            self._engine.add(array)

    def retrieve(
        self,
        queries: ArrayLike,
        steps: int | None = 1,
        *,
        mask: ArrayLike | None = None,
        tol: float = 1e-6,
        max_steps: int = 100,
        metastable_below: float = 0.5,
    ) -> Retrieval:
        """Update each query ``steps`` times, or until it converges (``steps=None``).

        Args:
            queries: one query (1-D) or many (2-D, one per row); many run in
                parallel threads, the GIL released.
            steps: the number of updates, or ``None`` to update until no unit
                moves by more than ``tol`` times the largest |pattern entry|
                (at most ``max_steps`` updates).
            mask: which units of the queries are known (True) for partial
                queries: the unknown ones are set to 0 before the first update,
                which then fills them in.  The shape of the queries, or one row
                for all of them.
            tol: the convergence threshold (relative, see ``steps``).
            max_steps: the most updates with ``steps=None``.
            metastable_below: a final state whose largest softmax weight is
                below this counts as metastable (an average of patterns).

        Returns:
            A ``Retrieval`` (states, steps, converged, pattern, weight, metastable).
        """
        array, single = self._vectors(queries, "queries")
        if mask is not None:
            known = np.asarray(mask)
            if known.dtype != np.bool_:
                raise TypeError(f"mask: expected an array of booleans, got dtype {known.dtype}")
            try:
                known = np.broadcast_to(known.reshape(-1, array.shape[1]), array.shape)
            except ValueError:
                raise ValueError(
                    f"mask: expected the shape of the queries {array.shape} or ({array.shape[1]},),"
                    f" got {np.shape(mask)}"
                ) from None
            array = np.where(known, array, 0).astype(self._dtype)
        tol = check_float(tol, "tol", 0.0)
        metastable_below = check_float(metastable_below, "metastable_below", 0.0, 1.0)
        if steps is None:
            count, until = check_int(max_steps, "max_steps", 1), True
        else:
            count, until = check_int(steps, "steps", 1), False
        with self._lock.read():
            X = self._engine.patterns
            scale = float(np.abs(X).max()) if X.size else 1.0
            states, done, converged, pattern, weight = self._engine.retrieve(
                array, count, until, tol * scale
            )
        metastable = weight < metastable_below
        if single:
            return Retrieval(
                states[0],
                int(done[0]),
                bool(converged[0]),
                int(pattern[0]),
                float(weight[0]),
                bool(metastable[0]),
            )
        return Retrieval(states, done, converged, pattern, weight, metastable)

    def update(self, states: ArrayLike) -> np.ndarray:
        """One update ``softmax(beta states X^T) X`` of each state: a new array."""
        return self.retrieve(states, 1).states

    def weights(self, states: ArrayLike) -> np.ndarray:
        """The softmax weights ``softmax(beta X xi)`` of each state: (P,) or (B, P)."""
        array, single = self._vectors(states, "states")
        with self._lock.read():
            out = self._engine.weights(array)
        return out[0] if single else out

    def energy(self, states: ArrayLike) -> float | np.ndarray:
        """The energy (see the module) of one state (a float) or of each row."""
        array, single = self._vectors(states, "states")
        with self._lock.read():
            values = self._engine.energy(array)
        return float(values[0]) if single else values

    def separation(self) -> np.ndarray:
        """Each pattern's separation ``Delta_mu = x_mu . x_mu - max_{nu != mu} x_mu . x_nu``.

        Ramsauer et al. (2020, theorem 4): a pattern is retrieved in one update
        from queries near it when ``Delta_mu >= 2 / (beta P) + (1 / beta) log(2 (P - 1) P beta M^2)``
        (M the largest pattern norm); negative values mean another pattern
        overlaps it more than itself.
        """
        with self._lock.read():
            return self._engine.separation()

    # ---- persistence ------------------------------------------------------------

    def _arrays_unlocked(self) -> dict[str, np.ndarray]:
        return {
            "beta": np.array(self._engine.beta),
            "dtype": np.array(self._dtype.name),
            "patterns": self._engine.patterns,
        }

    @classmethod
    def _from_file(cls, file: Any) -> ModernHopfield:
        beta = check_float(file.read("beta", "f", ()).item(), "beta")
        net = cls(beta, dtype=str(file.read("dtype", "U", (), max_bytes=256)))
        patterns = file.read("patterns", "f", (None, None))
        if patterns.size:
            net.store(patterns)
        return net

    def __repr__(self) -> str:
        return self._repr(beta=self.beta, n_units=self.n_units, n_patterns=self.n_patterns)
