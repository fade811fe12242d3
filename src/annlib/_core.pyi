"""Type stubs for annlib._core, the compiled engine (C++17 + Eigen).

Use the Python classes in ``annlib``; these are their engines.
"""

from typing import Any, Callable, Optional

import numpy as np
import numpy.typing as npt

class DivergenceError(FloatingPointError):
    """Training produced a non-finite loss or weight; the last finite weights were kept."""

# The engine's name tables, in table order (src/cpp/annlib/*.hpp).
ACTIVATIONS: tuple[str, ...]
HIDDEN_ACTIVATIONS: tuple[str, ...]
LOSSES: tuple[str, ...]
OPTIMIZERS: tuple[str, ...]
SCHEDULES: tuple[str, ...]
FULL_BATCH_OPTIMIZERS: tuple[str, ...]  # no minibatches: batch_size must be None
LBFGS_STOPS: tuple[str, ...]  # why lbfgs stopped ('none': it did not)
INITS: tuple[str, ...]
ACCURACY_RULES: tuple[str, ...]
RULES: tuple[str, ...]
MODES: tuple[str, ...]
ORDERS: tuple[str, ...]
ENERGY_TRACES: tuple[str, ...]
SCORINGS: tuple[str, ...]

def get_num_threads() -> int: ...
def set_num_threads(n: int) -> None: ...
def minimize_lbfgs(
    fun: Callable[[np.ndarray], tuple[float, npt.ArrayLike]],
    x0: npt.ArrayLike,
    history_size: int = 10,
    max_iter: int = 1000,
    max_fun: int = 15000,
    gtol: float = 1e-5,
    ftol: float = 2.2e-9,
) -> dict[str, Any]: ...

class MLPConfig:
    layers: list[int]
    hidden_activations: list[str]
    output_activation: str
    loss: str
    optimizer: str
    init: str
    leaky_slope: float
    learning_rate: float
    momentum: float
    nesterov: bool
    beta1: float
    beta2: float
    eps: float
    rho: float
    centered: bool
    weight_decay: float
    schedule: str
    power_t: float
    decay: float
    decay_every: int
    cosine_epochs: int
    cosine_restarts: bool
    min_learning_rate: float
    plateau_factor: float
    plateau_patience: int
    plateau_tol: float
    warmup_epochs: int
    delta0: float
    delta_min: float
    delta_max: float
    eta_plus: float
    eta_minus: float
    history_size: int
    max_fun: int
    gtol: float
    ftol: float
    l2: float
    max_grad_norm: float
    batch_size: int
    shuffle: bool
    init_mean: float
    init_std: float
    seed: int
    def __init__(self) -> None: ...
    def validate(self) -> None: ...

class _MLPEngine:
    def __init__(self, config: MLPConfig) -> None: ...
    @property
    def config(self) -> MLPConfig: ...
    def set_config(self, config: MLPConfig) -> None: ...
    def reset(self) -> None: ...
    @property
    def n_parameters(self) -> int: ...
    def weight(self, layer: int) -> np.ndarray: ...
    def bias(self, layer: int) -> np.ndarray: ...
    def set_weight(self, layer: int, w: npt.ArrayLike) -> None: ...
    def set_bias(self, layer: int, b: npt.ArrayLike) -> None: ...
    @property
    def parameters(self) -> np.ndarray: ...
    def set_parameters(self, parameters: npt.ArrayLike) -> None: ...
    def forward(self, X: npt.ArrayLike) -> list[np.ndarray]: ...
    def predict(self, X: npt.ArrayLike) -> np.ndarray: ...
    def loss(self, X: npt.ArrayLike, T: npt.ArrayLike) -> float: ...
    def count_correct(
        self, X: npt.ArrayLike, T: npt.ArrayLike, rule: str, threshold: float
    ) -> int: ...
    def gradient(self, X: npt.ArrayLike, T: npt.ArrayLike) -> np.ndarray: ...
    def gradient_and_deltas(
        self, X: npt.ArrayLike, T: npt.ArrayLike
    ) -> tuple[np.ndarray, list[np.ndarray]]: ...
    def step(self, X: npt.ArrayLike, T: npt.ArrayLike) -> float: ...
    def fit(
        self,
        X: npt.ArrayLike,
        T: npt.ArrayLike,
        epochs: int,
        accuracy: str,
        threshold: float,
        early_stopping: bool,
        patience: int,
        tol: float,
        restore_best: bool,
        callback_every: int,
        callback: Optional[Callable[..., Any]],
        X_val: Optional[npt.ArrayLike],
        T_val: Optional[npt.ArrayLike],
    ) -> dict[str, Any]: ...
    @property
    def history(self) -> dict[str, Any]: ...
    def get_schedule_state(self) -> tuple[int, int, float, float, int]: ...
    def set_schedule_state(
        self, epochs: int, samples: int, scale: float, best: float, waited: int
    ) -> None: ...

class MLP64(_MLPEngine): ...
class MLP32(_MLPEngine): ...

class _HopfieldEngine:
    def __init__(
        self, n_units: int, rule: str, zero_diagonal: bool, normalize: bool, seed: int
    ) -> None: ...
    @property
    def n_units(self) -> int: ...
    @property
    def rule(self) -> str: ...
    def set_rule(self, rule: str) -> None: ...
    @property
    def zero_diagonal(self) -> bool: ...
    @property
    def normalize(self) -> bool: ...
    @property
    def sparse(self) -> bool: ...
    @property
    def activity(self) -> float: ...
    @property
    def n_patterns(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def streams_used(self) -> int: ...
    @property
    def symmetric(self) -> bool: ...
    @property
    def projection_diagonal(self) -> np.ndarray: ...
    def get_weights(self) -> np.ndarray: ...
    def set_weights(self, W: npt.ArrayLike) -> None: ...
    def get_bias(self) -> np.ndarray: ...
    def set_bias(self, bias: npt.ArrayLike) -> None: ...
    def restore(
        self,
        projection_diagonal: npt.ArrayLike,
        activity: float,
        n_patterns: int,
        streams_used: int,
    ) -> None: ...
    @property
    def stored_patterns(self) -> Optional[np.ndarray]: ...
    def restore_patterns(self, patterns: npt.ArrayLike) -> None: ...
    def train(self, patterns: npt.ArrayLike) -> None: ...
    def add(self, patterns: npt.ArrayLike) -> None: ...
    def energy(self, states: npt.ArrayLike) -> np.ndarray: ...
    def stable(self, states: npt.ArrayLike) -> np.ndarray: ...
    def update(
        self,
        states: npt.ArrayLike,
        mode: str,
        order: str,
        positions: Optional[npt.ArrayLike],
        temperature: float,
    ) -> np.ndarray: ...
    def recall(
        self,
        probes: npt.ArrayLike,
        mode: str,
        order: str,
        max_iter: int,
        track_energy: str,
        temperature: float,
    ) -> tuple[Any, ...]: ...
    def attractors(self) -> np.ndarray: ...

class Hopfield64(_HopfieldEngine): ...
class Hopfield32(_HopfieldEngine): ...

def hopfield_capacity_curve(
    n_units: int,
    loads: npt.ArrayLike,
    rule: str,
    noise: float,
    trials: int,
    seed: int,
    mode: str,
    max_iter: int,
    activity: float,
    zero_diagonal: bool,
    dtype: str,
) -> np.ndarray: ...

class SearchJob:
    """One configuration trained on one fold (the unit of annlib.grid_search)."""
    def __init__(
        self,
        config: MLPConfig,
        epochs: int,
        fold: int,
        targets: int,
        accuracy: str,
        threshold: float,
        early_stopping: bool = False,
        patience: int = 10,
        tol: float = 1e-4,
    ) -> None: ...
    @property
    def epochs(self) -> int: ...
    @property
    def early_stopping(self) -> bool: ...
    @property
    def patience(self) -> int: ...
    @property
    def tol(self) -> float: ...
    @property
    def fold(self) -> int: ...
    @property
    def targets(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def layers(self) -> list[int]: ...

def fit_jobs64(
    X: npt.ArrayLike,
    targets: list[npt.ArrayLike],
    folds: list[tuple[npt.ArrayLike, npt.ArrayLike]],
    jobs: list[SearchJob],
    scoring: str,
    n_threads: int,
    progress: Optional[Callable[[int], Any]] = None,
) -> list[dict[str, Any]]: ...
def fit_jobs32(
    X: npt.ArrayLike,
    targets: list[npt.ArrayLike],
    folds: list[tuple[npt.ArrayLike, npt.ArrayLike]],
    jobs: list[SearchJob],
    scoring: str,
    n_threads: int,
    progress: Optional[Callable[[int], Any]] = None,
) -> list[dict[str, Any]]: ...
