"""Hopfield networks: store binary patterns, then recall them from noisy probes.

The work happens in the C++ engine (``annlib._core.Hopfield64`` / ``Hopfield32``);
this module validates input, names things and keeps the friendly API.

States are ±1 vectors (or 0/1 vectors for the sparse rule), one per row of a
2-D array.  The update of unit i is ``s_i <- sign(h_i - theta_i)`` with the
field ``h = W s``, the threshold ``theta`` (``bias``) and **sign(0) = +1**;
sparse networks use ``x_i <- 1/2 + 1/2 sign(h_i - theta_i)``.  The energy is
``E(s) = -1/2 s^T W s + theta^T s``.

>>> import annlib
>>> net = annlib.Hopfield(100, seed=0)
>>> patterns = annlib.random_patterns(5, 100, seed=1)
>>> net.train(patterns)
>>> result = net.recall(annlib.flip(patterns[0], 0.1, seed=2))
>>> bool((result.states == patterns[0]).all())
True
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Sequence, Union

import numpy as np

from . import _core
from ._checks import (
    ENGINE_INT_MAX,
    ENGINE_INT_MIN,
    as_float_array,
    check_choice,
    check_dtype,
    check_float,
    check_int,
    check_name,
    check_real,
    check_seed,
    describe,
)
from ._lock import ModelLock
from ._memory_files import SavedMemory
from ._patterns import flip, random_patterns

__all__ = ["Hopfield", "RecallResult", "capacity_curve", "flip", "random_patterns"]

#: Learning rule names (described in ``Hopfield``), update modes and orders: the engine's tables.
RULES = _core.RULES
MODES = _core.MODES
ORDERS = _core.ORDERS
#: Largest network whose fixed points ``attractors()`` enumerates (2**24 states).
MAX_ATTRACTOR_UNITS = 24
# The entries of a saved network besides annlib_kind and format_version.
_FILE_ENTRIES = (
    "n_units",
    "rule",
    "zero_diagonal",
    "normalize",
    "dtype",
    "seed",
    "streams_used",
    "W",
    "bias",
    "projection_diagonal",
    "activity",
    "n_patterns",
    "patterns",
    "margin",
    "max_epochs",
    "perceptron_patterns",
)

_ENGINES = {np.dtype(np.float64): _core.Hopfield64, np.dtype(np.float32): _core.Hopfield32}
_ENERGY_TRACES = {False: "none", True: "sweep", "sweep": "sweep", "step": "sweep", "unit": "unit"}

ArrayLike = Union[np.ndarray, Sequence[Any]]


def _check_bool(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: expected True or False, got {describe(value)}")
    return bool(value)


def _check_track_energy(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return _ENERGY_TRACES[bool(value)]
    if isinstance(value, str) and value in _ENERGY_TRACES:
        return _ENERGY_TRACES[value]
    raise ValueError(
        f"track_energy: expected False, True, 'sweep', 'step' or 'unit', got {describe(value)}"
    )


@dataclass(frozen=True)
class RecallResult:
    """What ``Hopfield.recall`` found, for one probe or for a batch.

    Attributes:
        states: final states, the shape of the probes.
        iterations: sweeps (async) or steps (sync) performed, the last one
            included (it changed nothing when the probe converged); an int for one
            probe, an int array for a batch.
        converged: a sweep/step changed nothing (bool or bool array).
        cycle: synchronous updates fell into a 2-cycle (bool or bool array).
        energy: ``None`` unless asked for; else the energy before recall and
            after every sweep/step (or every single-unit update with
            ``track_energy='unit'``): an array for one probe, a list of arrays
            (one per probe, of different lengths) for a batch.
    """

    states: np.ndarray
    iterations: Any
    converged: Any
    cycle: Any
    energy: Any = None


class Hopfield(SavedMemory, kind="Hopfield", entries=_FILE_ENTRIES):
    """A Hopfield network of ``n_units`` binary units.

    Unit i becomes high (+1, or 1 when sparse) when its field ``h_i = (W s)_i``
    reaches its threshold ``theta_i``, so sign(0) = +1.  A field within rounding
    error of the threshold, ``|h_i - theta_i| <= 16 eps (sum_j |W_ij| + |theta_i|)``,
    counts as equal to it: a field that is exactly 0 in real arithmetic comes out
    as +-1e-17 depending on the summation order, and batch recall would otherwise
    differ from one-by-one recall by luck.

    Args:
        n_units: number of units N, an int >= 1.
        rule: str, default 'hebbian': the learning rule used by ``train``/``add``:

            * ``'hebbian'``: ``W = (1/N) sum_p p p^T``;
            * ``'storkey'``: Storkey's (1997) incremental rule, more capacity;
            * ``'pseudoinverse'``: the projection ``W = X (X^T X)^-1 X^T`` onto the
              span of the patterns (stores up to N linearly independent ones);
            * ``'sparse_hebbian'``: 0/1 patterns of activity rho,
              ``W = (1/N) sum_p (p - rho)(p - rho)^T``.
              Such networks need a threshold: ``bias = rho (1 - rho) (1/2 - rho)``
              lies halfway between the fields of active and inactive units.
            * ``'perceptron'``: each unit trained as a perceptron until every
              pattern is stable with the ``margin`` (Gardner 1988): up to 2N
              random patterns at margin 0.  W is not symmetric (no energy).
              ``train`` raises RuntimeError, keeping the weights reached, when
              ``max_epochs`` passes do not suffice; ``perceptron_report`` tells.
        zero_diagonal: bool, default True: set ``W_ii = 0`` after learning (no
            self-coupling).
        normalize: bool, default True: keep the factor 1/N; ``False`` gives N
            times the weights (for the Hebbian rule exactly ``W = sum_p p p^T``).
        bias: float or N floats, default 0.0: the threshold theta, one number
            for every unit or one per unit (finite).
        seed: int in [0, 2**64) or None, default None: seeds every random choice
            (update orders, Glauber noise); ``None`` draws one.
        dtype: str, default 'float64': ``'float64'`` or ``'float32'`` (weights,
            states and arithmetic).
        margin: float >= 0, default 0.0: the perceptron rule's stability margin
            kappa, in units where a unit's stability is ``xi_i h_i sqrt(N) / |w_i|``.
        max_epochs: int >= 1, default 1000: the perceptron rule's most passes over
            the patterns.

    Files:
        ``save``/``load`` files are the safe format (checked on load, never run
        code); pickling (``copy``, ``multiprocessing``) is for trusted data only.

    Threads:
        Any number of threads may read a network at once (``recall``,
        ``update``, ``energy``, ``stable``, ``attractors``, the ``W``/``bias``
        getters, ``save``, pickling; concurrent recalls each draw their own
        random streams); a write (``train``, ``add``, the ``W``/``bias``
        setters) waits for them and runs alone, so a recall sees the weights
        before or after a write, never a mix.

    Raises:
        TypeError, ValueError: for bad arguments, naming the argument.

    >>> net = Hopfield(8, zero_diagonal=False, normalize=False)
    >>> net.train([[-1, -1, 1, -1, 1, -1, -1, 1]])
    >>> net.W[0, :3]
    array([ 1.,  1., -1.])
    """

    def __init__(
        self,
        n_units: int,
        rule: str = "hebbian",
        zero_diagonal: bool = True,
        normalize: bool = True,
        bias: float | ArrayLike = 0.0,
        seed: int | None = None,
        dtype: Any = "float64",
        margin: float = 0.0,
        max_epochs: int = 1000,
    ) -> None:
        n_units = check_int(n_units, "n_units", ENGINE_INT_MIN, ENGINE_INT_MAX)
        rule = check_name(rule, "rule", RULES)
        zero_diagonal = _check_bool(zero_diagonal, "zero_diagonal")
        normalize = _check_bool(normalize, "normalize")
        self._dtype = check_dtype(dtype)
        self._lock = ModelLock()
        self._engine = _ENGINES[self._dtype](
            n_units, rule, zero_diagonal, normalize, check_seed(seed)
        )
        self._engine.set_perceptron(
            check_float(margin, "margin"), check_int(max_epochs, "max_epochs")
        )
        self.bias = bias

    # ---- properties -----------------------------------------------------------

    @property
    def n_units(self) -> int:
        """Number of units N."""
        return self._engine.n_units

    @property
    def rule(self) -> str:
        """The learning rule's name."""
        with self._lock.read():
            return self._engine.rule

    @property
    def zero_diagonal(self) -> bool:
        """Whether learning zeroes the diagonal of W."""
        return self._engine.zero_diagonal

    @property
    def normalize(self) -> bool:
        """Whether learning keeps the factor 1/N."""
        return self._engine.normalize

    @property
    def dtype(self) -> np.dtype:
        """Floating-point type of weights and states."""
        return self._dtype

    @property
    def seed(self) -> int:
        """The seed of every random choice."""
        return self._engine.seed

    @property
    def sparse(self) -> bool:
        """True for 0/1 units (the sparse Hebbian rule), False for ±1 units."""
        with self._lock.read():
            return self._engine.sparse

    @property
    def activity(self) -> float:
        """Mean activity rho of the sparse patterns (set by ``train``)."""
        with self._lock.read():
            return self._engine.activity

    @property
    def n_patterns(self) -> int:
        """Number of patterns learnt so far."""
        with self._lock.read():
            return self._engine.n_patterns

    @property
    def patterns(self) -> np.ndarray | None:
        """The stored ±1 patterns (P x N, a copy) while ``W`` is exactly their Hebbian sum.

        ``None`` once ``W`` is set by hand and for the Storkey, pseudo-inverse and
        sparse rules, which keep only ``W``.  While they are known, P < N / 2 and
        N < 32768, fields come from them, ``W s = c (X (X^T s) - P s)`` (without
        the ``- P s`` when the diagonal is kept): 2NP multiply-adds per state
        instead of N², and exact, since ``X^T s`` and ``X (X^T s)`` are integers.
        Asynchronous recall then keeps only the overlaps ``X^T s``, P numbers per
        probe.
        """
        with self._lock.read():
            return self._engine.stored_patterns

    @property
    def W(self) -> np.ndarray:
        """The N x N weights (a copy).  Setting validates shape and finiteness.

        Any square matrix is accepted; a non-symmetric one still updates and
        recalls, but ``energy`` then refuses, since the energy no longer decreases.
        """
        with self._lock.read():
            return self._engine.get_weights()

    @W.setter
    def W(self, value: ArrayLike) -> None:
        W = as_float_array(value, "W", self._dtype, ndim=2)
        n = self.n_units
        if W.shape != (n, n):
            raise ValueError(f"W: expected an array of shape ({n}, {n}), got shape {W.shape}")
        with self._lock.write("W"):
            self._engine.set_weights(W)

    @property
    def bias(self) -> np.ndarray:
        """The thresholds theta, one per unit (a copy); set a number or N values."""
        with self._lock.read():
            return self._engine.get_bias()

    @bias.setter
    def bias(self, value: float | ArrayLike) -> None:
        n = self.n_units
        if np.ndim(value) == 0:
            theta = np.full(n, check_float(value, "bias"), dtype=self._dtype)
        else:
            theta = as_float_array(value, "bias", self._dtype, ndim=1)
            if theta.shape != (n,):
                raise ValueError(f"bias: expected a number or {n} values, got shape {theta.shape}")
        with self._lock.write("bias"):
            self._engine.set_bias(theta)

    # ---- validation -------------------------------------------------------------

    def _states(self, value: Any, name: str, sparse: bool | None = None) -> tuple[np.ndarray, bool]:
        """Validated states as a C-contiguous (B, N) array, and whether one was 1-D."""
        sparse = self.sparse if sparse is None else sparse
        n = self.n_units
        array = as_float_array(value, name, self._dtype, ndim=(1, 2), columns=n)
        single = array.ndim == 1
        if single:
            if array.shape[0] != n:
                raise ValueError(f"{name}: expected {n} units, got {array.shape[0]}")
            array = array.reshape(1, n)
        low = 0.0 if sparse else -1.0
        bad = (array != 1.0) & (array != low)
        if bad.any():
            kind = "0 or 1 (sparse network)" if sparse else "-1 or +1"
            hint = ""
            if not sparse and np.isin(array, (0.0, 1.0)).all():
                hint = (
                    "; 0/1 patterns need a sparse network, Hopfield(n_units, rule='sparse_hebbian') "
                    "(or train(patterns, sparse=True) on one), or pass them as ±1: 2 * patterns - 1"
                )
            raise ValueError(f"{name}: expected values {kind}, got {array[bad][0]!r}{hint}")
        return array, single

    # ---- learning ---------------------------------------------------------------

    def train(self, patterns: ArrayLike, sparse: bool | None = None) -> None:
        """Forget what was stored and learn ``patterns`` (P x N, one per row).

        ``train`` never changes the rule: ``sparse=True`` states that the
        patterns are 0/1 and is accepted only by a ``'sparse_hebbian'`` network
        (create it with ``Hopfield(n_units, rule='sparse_hebbian')``);
        ``sparse=False`` states ±1 patterns and is refused by a sparse network;
        ``None`` (default) takes the patterns the rule takes.

        Raises:
            ValueError: empty pattern set, wrong length, values other than ±1
                (0/1 for the sparse rule; the message says how to store 0/1
                patterns), NaN, or a ``sparse`` that contradicts the rule.
        """
        if sparse is not None:
            sparse = _check_bool(sparse, "sparse")
        with self._lock.write("train"):
            self._train(patterns, sparse)

    def _train(self, patterns: ArrayLike, sparse: bool | None) -> None:
        engine = self._engine  # the write lock is held: no property that takes it again
        if sparse is not None and sparse != engine.sparse:
            wanted = (
                "'sparse_hebbian'"
                if sparse
                else "'hebbian', 'storkey', 'pseudoinverse' or 'perceptron'"
            )
            raise ValueError(
                f"sparse: expected {engine.sparse} or None for rule {engine.rule!r} (which takes "
                f"{'0/1' if engine.sparse else '±1'} patterns), got {sparse}; train never changes "
                f"the rule: create the network with rule={wanted} for "
                f"{'0/1' if sparse else '±1'} patterns"
            )
        array, _ = self._states(patterns, "patterns")
        engine.train(array)
        self._check_perceptron()

    @property
    def perceptron_report(self) -> dict[str, Any]:
        """What the perceptron rule's last ``train``/``add`` reached.

        ``epochs`` (passes over the patterns, the most any unit needed),
        ``converged``, ``unstable`` (unit-pattern pairs still below the margin)
        and ``worst_stability`` (the smallest ``xi_i h_i sqrt(N) / |w_i|``).
        """
        return self._engine.perceptron_report

    def _check_perceptron(self) -> None:
        report = self._engine.perceptron_report
        if self._engine.rule == "perceptron" and not report["converged"]:
            raise RuntimeError(
                f"perceptron: did not converge in max_epochs={self._engine.max_epochs} epochs: "
                f"{report['unstable']} unit-pattern pairs still below margin "
                f"{self._engine.margin} (worst stability {report['worst_stability']:.3g}); the "
                "weights reached are kept.  Store fewer patterns (at most 2N at margin 0, "
                "fewer with a margin), lower the margin or raise max_epochs"
            )

    def add(self, patterns: ArrayLike) -> None:
        """Learn ``patterns`` on top of what is stored (same rule, same form).

        Hebbian rules add outer products, Storkey's rule continues pattern by
        pattern, and the pseudo-inverse rule extends its projection.  A sparse
        network keeps the activity it measured in ``train``.
        """
        with self._lock.write("add"):
            array, _ = self._states(patterns, "patterns")
            if self._engine.sparse and self._engine.n_patterns == 0:
                self._engine.train(array)  # the activity comes from the first patterns
            else:
                self._engine.add(array)
        self._check_perceptron()

    # ---- dynamics ---------------------------------------------------------------

    def energy(self, states: ArrayLike) -> float | np.ndarray:
        """Energy ``-1/2 s^T W s + theta^T s`` of one state (a float) or each row.

        Raises:
            ValueError: bad states, or a non-symmetric W.
        """
        with self._lock.read():
            array, single = self._states(states, "states")
            values = self._engine.energy(array)
        return float(values[0]) if single else values

    def update(
        self,
        states: ArrayLike,
        mode: str = "async",
        order: str = "random",
        positions: Sequence[int] | np.ndarray | None = None,
        temperature: float = 0.0,
    ) -> np.ndarray:
        """One update of each state: a new array, the shape of ``states``.

        ``mode='sync'`` updates every unit at once from the old fields;
        ``mode='async'`` sweeps the units one at a time in ``order`` (a fresh
        random permutation, or 0..N-1), each seeing the flips before it.  With
        ``positions``, only those units are updated (async: in that order,
        repeats allowed).  ``temperature > 0`` makes updates stochastic
        (Glauber): P(s_i = +1) = 1 / (1 + exp(-2 (h_i - theta_i) / T)).
        """
        mode = check_name(mode, "mode", MODES)
        order = check_name(order, "order", ORDERS)
        temperature = check_real(temperature, "temperature")
        units = None
        if positions is not None:
            units = np.asarray(positions)
            if units.ndim != 1 or (units.size and units.dtype.kind not in "iu"):
                raise TypeError(
                    f"positions: expected a 1-D sequence of unit indices, got {describe(positions)}"
                )
            if units.size and (units.min() < 0 or units.max() >= self.n_units):
                bad = units[(units < 0) | (units >= self.n_units)][0]
                raise IndexError(
                    f"positions: expected unit indices in [0, {self.n_units}), got {int(bad)}"
                )
            units = [int(i) for i in units]
        with self._lock.read():
            array, single = self._states(states, "states")
            out = self._engine.update(array, mode, order, units, temperature)
        return out[0] if single else out

    def recall(
        self,
        probes: ArrayLike,
        mode: str = "async",
        order: str = "random",
        max_iter: int = 100,
        track_energy: bool | str = False,
        temperature: float = 0.0,
    ) -> RecallResult:
        """Update ``probes`` until nothing changes (or ``max_iter`` sweeps/steps).

        Args:
            probes: one state (1-D) or many (2-D, one per row); many are recalled
                in parallel threads.
            mode: ``'async'`` (one unit at a time; always converges for a symmetric
                W with non-negative diagonal) or ``'sync'`` (all units at once; may
                end in a 2-cycle, reported in ``cycle``).
            order: async visiting order, ``'random'`` (a fresh permutation per
                sweep) or ``'sequential'``.
            max_iter: most sweeps/steps, the one confirming convergence included.
            track_energy: ``True`` (or ``'sweep'``/``'step'``) records the energy
                after each sweep/step; ``'unit'`` after every single-unit update
                (async only).
            temperature: ``> 0`` for Glauber updates; recall then stops only when
                a whole sweep happens to change nothing.

        Returns:
            A ``RecallResult`` (states, iterations, converged, cycle, energy).

        The random stream of each probe is fixed by the seed and by how many
        probes the network has updated or recalled before, so a batch gives the
        same result as its probes one by one, on any number of threads.
        """
        mode = check_name(mode, "mode", MODES)
        order = check_name(order, "order", ORDERS)
        max_iter = check_int(max_iter, "max_iter", ENGINE_INT_MIN, ENGINE_INT_MAX)
        trace = _check_track_energy(track_energy)
        temperature = check_real(temperature, "temperature")
        with self._lock.read():
            # Validated under the lock: train(sparse=True) changes which values are states.
            array, single = self._states(probes, "probes")
            states, iterations, converged, cycle, energy = self._engine.recall(
                array, mode, order, max_iter, trace, temperature
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

    def test_recall(self, probe: ArrayLike, target: ArrayLike, **options: Any) -> tuple[Any, Any]:
        """Whether recall from ``probe`` ends exactly at ``target``, and in how many iterations.

        ``options`` go to ``recall``.  For one probe returns ``(bool, int)``; for a
        batch (row k of ``probe`` against row k of ``target``) two arrays.
        """
        probes, single = self._states(probe, "probe")
        targets, _ = self._states(target, "target")
        if targets.shape != probes.shape:
            raise ValueError(
                f"target: expected the shape of probe {probes.shape}, got {targets.shape}"
            )
        result = self.recall(probes, **options)
        hit = (result.states == targets).all(axis=1)
        if single:
            return bool(hit[0]), int(result.iterations[0])
        return hit, result.iterations

    def stable(self, patterns: ArrayLike) -> bool | np.ndarray:
        """Whether each pattern (row) is a fixed point of the deterministic update."""
        with self._lock.read():
            array, single = self._states(patterns, "patterns")
            flags = self._engine.stable(array)
        return bool(flags[0]) if single else flags

    def attractors(self) -> np.ndarray:
        """Every fixed point of the network, found by trying all 2**N states.

        Returns a (K, N) array in lexicographic order.  Only for N <= 24.
        """
        if self.n_units > MAX_ATTRACTOR_UNITS:
            raise ValueError(
                f"n_units: expected at most {MAX_ATTRACTOR_UNITS} units for an exhaustive search, "
                f"got {self.n_units}"
            )
        with self._lock.read():
            return self._engine.attractors()

    # ---- persistence ------------------------------------------------------------

    def _arrays_unlocked(self) -> dict[str, np.ndarray]:
        engine = self._engine
        arrays = {
            "n_units": np.array(self.n_units),
            "rule": np.array(self.rule),
            "zero_diagonal": np.array(self.zero_diagonal),
            "normalize": np.array(self.normalize),
            "dtype": np.array(self._dtype.name),
            "seed": np.array(engine.seed, dtype=np.uint64),
            "streams_used": np.array(engine.streams_used, dtype=np.uint64),
            "W": self.W,
            "bias": self.bias,
            "projection_diagonal": np.asarray(engine.projection_diagonal, dtype=self._dtype),
            "activity": np.array(engine.activity),
            "n_patterns": np.array(engine.n_patterns),
            "margin": np.array(engine.margin),
            "max_epochs": np.array(engine.max_epochs),
        }
        trained_on = engine.perceptron_patterns
        if trained_on.size:
            arrays["perceptron_patterns"] = trained_on.astype(np.int8)
        stored = engine.stored_patterns
        if stored is not None:
            arrays["patterns"] = stored.astype(np.int8)
        return arrays

    @classmethod
    def _from_file(cls, file: Any) -> Hopfield:
        """A network from its saved entries (a ``ModelFile`` or ``StateArrays``).

        Sizes come first: ``n_units`` must be the side of ``W`` and the length of
        every per-unit entry, and ``n_patterns`` the row count of ``patterns``,
        all read from the headers before the network (N x N weights) is built.
        """
        n = check_int(file.read("n_units", "iu", ()).item(), "n_units", 1, ENGINE_INT_MAX)
        rule = check_choice(str(file.read("rule", "U", (), max_bytes=256)), "rule", RULES)
        flags = {name: bool(file.read(name, "b", ())) for name in ("zero_diagonal", "normalize")}
        dtype = check_dtype(str(file.read("dtype", "U", (), max_bytes=256)))
        seed = check_int(file.read("seed", "iu", ()).item(), "seed", 0, 2**64 - 1)
        streams = check_int(
            file.read("streams_used", "iu", ()).item(), "streams_used", 0, 2**64 - 1
        )
        n_patterns = check_int(
            file.read("n_patterns", "iu", ()).item(), "n_patterns", 0, ENGINE_INT_MAX
        )
        activity = check_float(file.read("activity", "f", ()).item(), "activity", 0.0, 1.0)
        W = as_float_array(file.read("W", "f", (n, n)), "W", dtype)
        bias = as_float_array(file.read("bias", "f", (n,)), "bias", dtype, ndim=1)
        diagonal = as_float_array(
            file.read("projection_diagonal", "f", (n,)), "projection_diagonal", dtype, ndim=1
        )
        patterns = None
        if "patterns" in file:  # older files keep only W
            if rule != "hebbian":
                raise ValueError(
                    f"patterns: expected none for the {rule!r} rule, which keeps only W"
                )
            patterns = np.asarray(file.read("patterns", "iuf", (n_patterns, n)), dtype=dtype)
        perceptron = {}
        if "margin" in file:  # older files have no perceptron settings
            perceptron["margin"] = check_float(file.read("margin", "f", ()).item(), "margin", 0.0)
            perceptron["max_epochs"] = check_int(
                file.read("max_epochs", "iu", ()).item(), "max_epochs", 1, ENGINE_INT_MAX
            )
        trained_on = None
        if "perceptron_patterns" in file:
            trained_on = file.read("perceptron_patterns", "iuf", (None, n))
        net = cls(n, rule=rule, seed=seed, dtype=dtype, **flags, **perceptron)
        net.W = W
        net.bias = bias
        net._engine.restore(diagonal, activity, n_patterns, streams)
        if patterns is not None:
            net._engine.restore_patterns(patterns)
        if trained_on is not None and trained_on.size:
            net._engine.restore_perceptron_patterns(np.asarray(trained_on, dtype=dtype))
        return net

    @classmethod
    def load(cls, path: str | os.PathLike) -> Hopfield:
        """Read a network written by ``save``.

        Every size is checked against the entries present before the network is
        built (``n_units`` against ``W``'s header, ``n_patterns`` against the stored
        patterns), so a file cannot make ``load`` allocate more than the network
        it holds.  Files never run code; pickle can, so never unpickle (or
        ``copy``/send through ``multiprocessing``) a network from untrusted data.

        Raises:
            FileNotFoundError: no such file.
            ValueError: not a saved Hopfield, corrupt, or from a newer annlib.
        """
        return super().load(path)

    def __repr__(self) -> str:
        return self._repr(
            n_units=self.n_units,
            rule=self.rule,
            n_patterns=self.n_patterns,
            zero_diagonal=self.zero_diagonal,
            normalize=self.normalize,
        )


def capacity_curve(
    n_units: int,
    loads: ArrayLike | float,
    rule: str = "hebbian",
    noise: float = 0.1,
    trials: int = 5,
    seed: int | None = None,
    *,
    mode: str = "async",
    max_iter: int = 100,
    activity: float = 0.1,
    zero_diagonal: bool = True,
    dtype: Any = "float64",
) -> np.ndarray:
    """Fraction of stored patterns recalled exactly, at each load P/N.

    For every load, ``trials`` networks of ``n_units`` units learn
    ``P = max(1, round(load * n_units))`` random patterns (``rule``, normalised,
    with a zero diagonal unless ``zero_diagonal=False`` keeps each unit's
    self-coupling, P/N for ±1 patterns); each pattern, with a fraction ``noise`` of its units
    flipped, is recalled (``mode``, random order, ``max_iter``) and counts if the
    recall ends exactly on it.  Sparse rules use 0/1 patterns of mean
    ``activity`` rho and the threshold rho (1 - rho) (1/2 - rho) (derived for a
    zero diagonal).  Runs in C++,
    reproducibly by ``seed``.

    >>> capacity_curve(100, [0.05, 0.3], trials=2, seed=0).round(1)
    array([1., 0.])
    """
    n_units = check_int(n_units, "n_units", ENGINE_INT_MIN, ENGINE_INT_MAX)
    values = as_float_array(np.atleast_1d(loads) if np.ndim(loads) == 0 else loads, "loads", ndim=1)
    rule = check_name(rule, "rule", RULES)
    noise = check_real(noise, "noise")
    trials = check_int(trials, "trials", ENGINE_INT_MIN, ENGINE_INT_MAX)
    mode = check_name(mode, "mode", MODES)
    max_iter = check_int(max_iter, "max_iter", ENGINE_INT_MIN, ENGINE_INT_MAX)
    activity = check_real(activity, "activity")
    zero_diagonal = _check_bool(zero_diagonal, "zero_diagonal")
    resolved = check_dtype(dtype)
    fractions = _core.hopfield_capacity_curve(
        n_units,
        values.tolist(),
        rule,
        noise,
        trials,
        check_seed(seed),
        mode,
        max_iter,
        activity,
        zero_diagonal,
        resolved.name,
    )
    return np.asarray(fractions, dtype=np.float64)
