"""annlib.grid_search: every configuration × fold trained in C++ threads, or on a Dask cluster.

The search is planned here (the grid, the folds, the targets, one seed per
configuration) and carried out by the engine's ``fit_jobs``: one call trains and
scores a whole batch of jobs on C++ threads with the GIL released.  A job's
result depends only on the job (its configuration, its seed and its fold), so a
search gives the same scores for any ``n_jobs`` and on any backend.

Only numpy and annlib are imported here; tqdm, dask and pandas are imported
when a search asks for them.
"""

from __future__ import annotations

import math
import numbers
import time
from typing import Any, Callable, Iterable, Mapping, NamedTuple, Sequence

import numpy as np

from . import _core
from ._checks import (
    ENGINE_INT_MAX,
    as_float_array,
    check_choice,
    check_dtype,
    check_float,
    check_int,
    check_name,
    check_seed,
    describe,
    fill_names,
)
from ._targets import TargetEncoding, label_array
from .mlp import DEFAULTS, MLP, engine_config

SCORINGS = _core.SCORINGS  # the engine's table
BACKENDS = ("threads", "dask")
#: Most configurations grid_search trains without ``n_iter`` (each is also planned,
#: i.e. checked, up front); bigger grids are sampled with ``n_iter``.
MAX_CONFIGURATIONS = 100_000

#: Keys a ``param_grid`` may hold besides the MLP constructor's parameters:
#: the hidden layer sizes and ``MLP.fit``'s training length and early stopping.
EXTRA_KEYS = ("hidden", "epochs", "early_stopping", "patience", "tol")

#: ``MLP.fit``'s defaults for the early-stopping keys.
FIT_DEFAULTS = {"early_stopping": False, "patience": 10, "tol": 1e-4}

#: Hidden layer sizes of configurations whose grid has no ``hidden`` key.
DEFAULT_HIDDEN = (16,)

# Defaults that differ from annlib.MLP's when the targets are class labels.
_CLASSIFIER_DEFAULTS = {"output_activation": "softmax", "loss": "cross_entropy"}


class _Job(NamedTuple):
    """One configuration on one fold, in the plain data a Dask worker can unpickle."""

    config: int  # position of the configuration in the search (its config is built once per batch)
    layers: tuple[int, ...]
    params: dict[str, Any]  # MLP constructor parameters, seed and dtype included
    epochs: int
    fold: int
    targets: int
    accuracy: str
    threshold: float
    stopping: dict[str, Any]  # early_stopping, patience and tol, as MLP.fit takes them


class GridSearchResult:
    """What ``grid_search`` found: one record per configuration, the best one and its model.

    Attributes
    ----------
    results : list of dict
        One record per configuration, in grid order: ``params`` (the grid's values),
        ``mean_score``, ``std_score``, ``scores`` (one per fold), ``fit_time`` and
        ``score_time`` (mean seconds per fold), ``epochs`` (the most a fold may
        train), ``epochs_trained`` (per fold: fewer with early stopping), ``seed`` (of the
        configuration's models), ``rank`` (1 = best) and ``error`` (None, or why a
        fold diverged; its score is then NaN).
    histories : list of list of dict
        ``histories[i][f]``: the per-epoch ``loss`` (and ``accuracy``) of
        configuration i on fold f.
    scoring : str
        ``accuracy`` (higher is better), ``mse`` or ``loss`` (lower is better).
    best_index, best_params, best_score : the best configuration (None if every one diverged).
    best_model : annlib.MLP or None
        The best configuration refitted on all of (X, y) (None with ``refit=False``).
    seed : int
        The search's seed (drawn when ``seed=None`` was given).
    elapsed : float
        Seconds of the whole search, refit included.
    """

    def __init__(self, results, histories, scoring, best_model, seed, elapsed, n_folds):
        self.results: list[dict[str, Any]] = results
        self.histories: list[list[dict[str, list[float]]]] = histories
        self.scoring: str = scoring
        self.greater_is_better: bool = scoring == "accuracy"
        self.best_model: MLP | None = best_model
        self.seed: int = seed
        self.elapsed: float = elapsed
        self.n_folds: int = n_folds
        ranked = [r for r in results if r["rank"] is not None]
        self.best_index: int | None = (
            results.index(min(ranked, key=lambda r: r["rank"])) if ranked else None
        )

    @property
    def best_params(self) -> dict[str, Any] | None:
        """The grid values of the best configuration."""
        return None if self.best_index is None else dict(self.results[self.best_index]["params"])

    @property
    def best_score(self) -> float | None:
        """The best configuration's mean score over the folds."""
        return None if self.best_index is None else self.results[self.best_index]["mean_score"]

    def to_pandas(self):
        """The records as a ``pandas.DataFrame``: ``param_<name>`` columns, then the scores
        (``split<f>_score``, ``split<f>_epochs`` for the epochs fold f trained).

        Raises ImportError when pandas is not installed.
        """
        try:
            import pandas as pd
        except ImportError:
            raise ImportError(
                "GridSearchResult.to_pandas needs pandas: pip install pandas"
            ) from None
        rows = []
        for record in self.results:
            row = {f"param_{key}": value for key, value in record["params"].items()}
            row.update(
                {
                    key: value
                    for key, value in record.items()
                    if key not in ("params", "scores", "epochs_trained")
                }
            )
            row.update({f"split{f}_score": score for f, score in enumerate(record["scores"])})
            row.update({f"split{f}_epochs": n for f, n in enumerate(record["epochs_trained"])})
            rows.append(row)
        return pd.DataFrame(rows)

    def __len__(self) -> int:
        return len(self.results)

    def __repr__(self) -> str:
        best = (
            "none" if self.best_index is None else f"{self.best_score:.4g} with {self.best_params}"
        )
        return (
            f"GridSearchResult({len(self.results)} configurations × {self.n_folds} folds, "
            f"scoring={self.scoring!r}, best {best})"
        )


def grid_search(
    param_grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Sequence[Any]]],
    X: Any,
    y: Any,
    *,
    base_params: Mapping[str, Any] | None = None,
    cv: Any = 3,
    validation_data: tuple[Any, Any] | None = None,
    scoring: str | None = None,
    n_jobs: int = -1,
    seed: int | None = 0,
    n_iter: int | None = None,
    epochs: int = 100,
    refit: bool = True,
    verbose: bool = False,
    backend: str = "threads",
    client: Any = None,
) -> GridSearchResult:
    """Train and score every configuration of ``param_grid`` on every fold, in C++ threads.

    Each (configuration, fold) pair is one job; all jobs run in one call to the
    engine, with the GIL released, on ``n_jobs`` threads (one GEMM thread per job).
    Every configuration's models get their own seed, derived from ``seed`` and the
    configuration's position in the grid, so the scores are the same for any
    ``n_jobs`` and either backend.

    Parameters
    ----------
    param_grid : dict of lists, or a list of such dicts
        Names mapped to the values to try (every combination is one
        configuration): any ``annlib.MLP`` constructor parameter
        (``activation``, ``learning_rate``, ``optimizer``, ``batch_size`` with
        ``None`` for full batch, ``init``, ``init_std``, ``l2``, ``seed``,
        ``dtype``, ...), ``hidden`` (hidden layer sizes such as ``(16,)`` or
        ``(16, 16)``; default ``(16,)``; the input and output sizes come from
        the data), ``epochs``, and ``MLP.fit``'s ``early_stopping``, ``patience``
        and ``tol``: with ``early_stopping=True`` a fold stops training when its
        training loss has not improved by ``tol`` for ``patience`` epochs and keeps
        its best epoch's weights.  A list of dicts searches the union of their grids.
    base_params : dict or None, default None
        Settings shared by every configuration (one value per name, the same
        names as ``param_grid``), e.g. ``{"optimizer": "adam", "hidden": (32,)}``;
        a grid key of the same name wins.  Results report only the grid's keys.
    X : array-like (n, d)
    y : array-like
        Class labels (integers, strings, bools: a classifier, by default
        ``output_activation='softmax'`` and ``loss='cross_entropy'``) or float
        targets (regression, by default MLP's ``identity``/``mse``).  The grid
        may set ``output_activation`` and ``loss`` to anything ``annlib.MLP``
        accepts for these targets.
    cv : int >= 2, iterable of (train, test) index arrays, or a splitter, default 3
        ``k`` shuffled folds (stratified for class labels) drawn from ``seed``.
    validation_data : (X_val, y_val) or None, default None
        Instead of ``cv``: train on all of (X, y), score on (X_val, y_val).
    scoring : {SCORINGS} or None, default None
        Score on the held-out samples (None: the targets' default): accuracy
        (default for class labels; higher is better), mean squared error of the
        outputs (default for regression) or the training loss (mean loss plus L2
        penalty); lower is better for both.
    n_jobs : int >= 1 or -1, default -1
        Threads; ``-1`` uses ``annlib.get_num_threads()``.  Ignored by ``backend='dask'``.
    seed : int in [0, 2**64) or None, default 0
        Seeds the folds, the random search and every configuration's models.
    n_iter : int >= 1 or None, default None
        Random search: try ``n_iter`` configurations drawn without replacement
        from the grid (all of them if the grid is smaller), reproducibly from ``seed``.
        The grid is never listed, so it may be of any size; without ``n_iter`` it
        may hold at most ``MAX_CONFIGURATIONS`` (100 000) configurations.
    epochs : int >= 1, default 100
        Epochs of configurations whose grid has no ``epochs`` key.
    refit : bool, default True
        Train the best configuration on all of (X, y) into ``best_model``.
    verbose : bool, default False
        Show a tqdm progress bar over the fits.
    backend : 'threads' or 'dask', default 'threads'
        ``dask`` splits the configurations into chunks and runs each chunk with
        the same native batch function on the workers of a ``dask.distributed``
        cluster (annlib must be installed on every worker).
    client : dask.distributed.Client or None, default None
        The cluster's client for ``backend='dask'``; default: the current client.
        For a real cluster: ``Client('tcp://scheduler:8786')``.

    Returns
    -------
    GridSearchResult
        ``.results`` (one record per configuration), ``.to_pandas()``,
        ``.best_params``, ``.best_score``, ``.best_model``.

    Raises
    ------
    ValueError, TypeError
        A bad argument, an unknown ``param_grid`` key or a bad value; the message
        names it.  Every value, and every configuration that will be trained, is
        checked before any training starts.
    KeyboardInterrupt
        Ctrl-C, within a fraction of a second (``threads`` backend).

    Notes
    -----
    On a Dask cluster: start a scheduler (``dask scheduler``) and, on every
    machine, workers with annlib installed (``dask worker tcp://scheduler:8786
    --nthreads <cores>``), then ``client = distributed.Client('tcp://scheduler:8786')``
    and ``grid_search(..., backend='dask', client=client)``.  X, y and the folds
    are sent to every worker once; each task trains a chunk of configurations on
    one thread.  Scores equal the local run's when the workers run the same annlib
    build on the same kind of CPU (a ``-march=native`` build is tied to its CPU:
    build for a mixed cluster with ``-C cmake.define.ANNLIB_NATIVE=OFF``).

    Examples
    --------
    >>> result = annlib.grid_search({"hidden": [(4,), (16,)], "learning_rate": [0.1, 0.5]},
    ...                             X, y, cv=3, epochs=200)            # doctest: +SKIP
    >>> result.best_params, result.best_score                           # doctest: +SKIP
    """
    started = time.perf_counter()
    n_jobs = _check_n_jobs(n_jobs)
    seed = check_seed(seed)
    epochs = check_int(epochs, "epochs", 1, ENGINE_INT_MAX)
    if n_iter is not None:
        n_iter = check_int(n_iter, "n_iter", 1)
    refit = _check_bool(refit, "refit")
    verbose = _check_bool(verbose, "verbose")
    backend = check_choice(backend, "backend", BACKENDS)
    if client is not None and backend != "dask":
        raise ValueError(f"client: only used with backend='dask', got backend={backend!r}")

    X = as_float_array(X, "X", np.float64, ndim=2)
    y = _check_targets(y, X.shape[0], "y")
    labels = y.ndim == 1 and y.dtype.kind in "biuUS"
    X_val = y_val = None
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise TypeError(
                f"validation_data: expected a tuple (X_val, y_val), got {describe(validation_data)}"
            )
        X_val = as_float_array(
            validation_data[0], "validation_data[0]", np.float64, ndim=2, columns=X.shape[1]
        )
        y_val = _check_targets(validation_data[1], X_val.shape[0], "validation_data[1]")
        if y_val.ndim != y.ndim:
            raise ValueError(
                f"validation_data[1]: expected a {y.ndim}-D array like y, got {y_val.ndim}-D"
            )
    if scoring is None:
        scoring = "accuracy" if labels else "mse"
    scoring = check_name(scoring, "scoring", SCORINGS)

    grid = _Grid(param_grid)
    fixed = _check_base_params(base_params)
    if n_iter is None and grid.size > MAX_CONFIGURATIONS:
        raise ValueError(
            f"param_grid: expected at most {MAX_CONFIGURATIONS} configurations to try them all, "
            f"got {grid.size}; pass n_iter=... to try a random sample of them"
        )
    if n_iter is not None and min(n_iter, grid.size) > MAX_CONFIGURATIONS:
        raise ValueError(
            f"n_iter: expected at most {MAX_CONFIGURATIONS} configurations, got {n_iter}"
        )
    if n_iter is None or n_iter >= grid.size:
        chosen = list(range(grid.size))
    else:
        rng = np.random.default_rng(np.random.SeedSequence([seed, 2]))
        chosen = _sample(grid.size, n_iter, rng)

    # Plan every configuration up front: a bad combination fails before any training.
    base = dict(DEFAULTS, **(_CLASSIFIER_DEFAULTS if labels else {}))
    base.pop("seed")
    classes = None
    if labels:
        classes = np.unique(y if y_val is None else np.concatenate([y, y_val]))
    plans = [_plan(grid[i], i, base, seed, epochs, X.shape[1], y, classes, fixed) for i in chosen]

    if validation_data is None:
        data = X
        folds = _folds(cv, X, y, labels, seed)
    else:
        data = np.concatenate([X, X_val])
        folds = [(np.arange(X.shape[0]), np.arange(X.shape[0], data.shape[0]))]

    targets, jobs = _make_jobs(plans, len(folds), y, y_val, scoring)

    bar = None
    if verbose:
        from tqdm.auto import tqdm

        # tqdm shows the time left, estimated from the fits done so far.
        sampled = f" of {grid.size}" if len(plans) < grid.size else ""
        bar = tqdm(
            total=len(jobs),
            unit="fit",
            desc=f"{len(plans)}{sampled} configurations × {len(folds)} folds",
        )
    try:
        if backend == "threads":
            progress = None if bar is None else (lambda done: bar.update(done - bar.n))
            outcomes = _fit_batch(data, targets, folds, jobs, scoring, n_jobs, progress)
        else:
            outcomes = _fit_on_dask(client, data, targets, folds, jobs, scoring, len(folds), bar)
    finally:
        if bar is not None:
            bar.close()

    results, histories = _records(plans, outcomes, len(folds), scoring)
    best_model = None
    best = [r for r in results if r["rank"] == 1]
    if refit and best:
        plan = plans[results.index(best[0])]
        best_model = MLP(list(plan.layers), **plan.params).fit(
            X, y, epochs=plan.epochs, classes=classes, **plan.stopping
        )
    return GridSearchResult(
        results, histories, scoring, best_model, seed, time.perf_counter() - started, len(folds)
    )


grid_search.__doc__ = fill_names(grid_search.__doc__, SCORINGS=SCORINGS)


# ---------------------------------------------------------------- the grid
class _Grid:
    """The configurations of a param_grid (or a list of them), addressable by index.

    Index i decodes like ``itertools.product`` over the grid's keys in the given
    order (the last key varies fastest); a list of grids concatenates them.
    """

    def __init__(self, param_grid: Any) -> None:
        if isinstance(param_grid, Mapping):
            grids, self._named = [param_grid], False
        elif (
            isinstance(param_grid, (list, tuple))
            and param_grid
            and all(isinstance(g, Mapping) for g in param_grid)
        ):
            grids, self._named = list(param_grid), True
        else:
            raise TypeError(
                f"param_grid: expected a dict of lists of values (or a list of such dicts), got {describe(param_grid)}"
            )
        self._grids: list[list[tuple[str, list[Any]]]] = []
        for g, grid in enumerate(grids):
            items = []
            for key, values in grid.items():
                where = f"param_grid[{g}][{key!r}]" if self._named else f"param_grid[{key!r}]"
                _check_key(key, where)
                if isinstance(values, (str, bytes)) or not isinstance(
                    values, (list, tuple, range, np.ndarray)
                ):
                    raise TypeError(
                        f"{where}: expected a list of values to try, got {describe(values)}"
                    )
                values = list(values)
                if not values:
                    raise ValueError(f"{where}: expected at least one value, got an empty list")
                items.append(
                    (key, [_check_value(key, v, f"{where}[{i}]") for i, v in enumerate(values)])
                )
            self._grids.append(items)
        self._sizes = [math.prod(len(values) for _, values in items) for items in self._grids]

    @property
    def size(self) -> int:
        """Number of configurations (a Python int: may exceed what ``len`` can return)."""
        return sum(self._sizes)

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> dict[str, Any]:
        for items, size in zip(self._grids, self._sizes):
            if index < size:
                chosen = {}
                for key, values in reversed(items):
                    index, position = divmod(index, len(values))
                    chosen[key] = values[position]
                return {key: chosen[key] for key, _ in items}
            index -= size
        raise IndexError(index)


def _sample(size: int, count: int, rng: np.random.Generator) -> list[int]:
    """``count`` distinct indices below ``size``, sorted, without listing the ``size`` indices.

    Floyd's algorithm: ``count`` draws and a set of ``count`` numbers, so a grid
    of 10**12 (or 10**40) configurations samples as fast as one of 100.
    """
    chosen: set[int] = set()
    for top in range(size - count, size):
        pick = _below(top + 1, rng)
        chosen.add(top if pick in chosen else pick)
    return sorted(chosen)


def _below(bound: int, rng: np.random.Generator) -> int:
    """A uniform integer in [0, bound), for any Python int ``bound`` (rejection over 64-bit words)."""
    if bound <= 2**63:
        return int(rng.integers(bound))
    bits = bound.bit_length()
    while True:
        words = rng.integers(0, 2**64, size=(bits + 63) // 64, dtype=np.uint64)
        value = int.from_bytes(words.tobytes(), "little") >> (64 * len(words) - bits)
        if value < bound:
            return value


def _check_base_params(base_params: Any) -> dict[str, Any]:
    """base_params checked value by value, like a grid of one-element lists."""
    if base_params is None:
        return {}
    if not isinstance(base_params, Mapping):
        raise TypeError(
            f"base_params: expected a dict of parameter values, got {describe(base_params)}"
        )
    checked = {}
    for key, value in base_params.items():
        where = f"base_params[{key!r}]"
        _check_key(key, where)
        checked[key] = _check_value(key, value, where)
    return checked


def _check_key(key: Any, where: str) -> None:
    if not isinstance(key, str):
        raise TypeError(f"{where}: expected a parameter name (a string), got {describe(key)}")
    if key == "layers":
        raise ValueError(
            f"{where}: search the hidden layer sizes with 'hidden' (inputs and outputs come from the data)"
        )
    if key not in DEFAULTS and key not in EXTRA_KEYS:
        raise ValueError(
            f"{where}: unknown parameter {key!r}; expected some of {sorted([*DEFAULTS, *EXTRA_KEYS])}"
        )


def _check_value(key: str, value: Any, where: str) -> Any:
    """One grid value checked on its own; combinations are checked by ``_plan``."""
    if isinstance(value, np.generic):
        value = value.item()  # np.logspace(...) values are reported as plain floats
    if key == "hidden":
        return _check_hidden(value, where)
    if key in ("epochs", "patience"):
        return check_int(value, where, 1, ENGINE_INT_MAX)
    if key == "early_stopping":
        return _check_bool(value, where)
    if key == "tol":
        return check_float(value, where, 0.0)
    if key == "seed":
        return None if value is None else check_seed(value, where)
    if key == "dtype":
        return check_dtype(value, where).name
    # Any other MLP parameter: the configuration of a tiny model with this value and
    # settings that suit it, validated by the engine (its checks and messages judge it).
    trial: dict[str, Any] = {**DEFAULTS, key: value, "seed": 0}
    if key == "loss" and value == "cross_entropy":
        trial["output_activation"] = "softmax"
    n_hidden = len(value) if key == "activation" and isinstance(value, (list, tuple)) else 1
    try:
        engine_config([2] + [2] * n_hidden + [2], trial).validate()
    except (ValueError, TypeError) as error:
        message = str(error)
        if message.startswith(f"{key}: "):
            message = message[len(key) + 2 :]
        raise type(error)(f"{where}: {message}") from None
    return tuple(value) if isinstance(value, list) else value


def _check_hidden(value: Any, where: str) -> tuple[int, ...]:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,)
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple, np.ndarray)):
        raise TypeError(
            f"{where}: expected hidden layer sizes like (16,) or (16, 8), got {describe(value)}"
        )
    return tuple(
        check_int(size, f"{where}[{i}]", 1, ENGINE_INT_MAX) for i, size in enumerate(value)
    )


# ---------------------------------------------------------------- planning
class _Plan(NamedTuple):
    """One configuration, ready to become jobs."""

    shown: dict[str, Any]  # the grid's values, as reported
    layers: tuple[int, ...]
    params: dict[str, Any]  # MLP constructor parameters (seed and dtype included)
    epochs: int
    stopping: dict[str, Any]  # MLP.fit's early_stopping, patience and tol
    accuracy: str
    threshold: float
    encoding: tuple  # configurations with the same encoding share one target matrix
    encode: Callable[[np.ndarray, str], np.ndarray]


def _plan(
    config: dict[str, Any],
    index: int,
    base: dict[str, Any],
    seed: int,
    epochs: int,
    n_features: int,
    y: np.ndarray,
    classes: np.ndarray | None,
    fixed: dict[str, Any] | None = None,
) -> _Plan:
    shown = dict(config)
    config = {**(fixed or {}), **config}
    params = dict(base)
    params.update({key: value for key, value in config.items() if key not in EXTRA_KEYS})
    hidden = config.get("hidden", DEFAULT_HIDDEN)
    if params.get("seed") is None:
        # From the configuration's place in the grid (not from the order jobs run in),
        # so n_jobs, chunking and random sampling never change a configuration's models.
        params["seed"] = int(
            np.random.SeedSequence([seed, 0, index]).generate_state(1, np.uint64)[0]
        )
    if y.ndim == 2:
        n_outputs = y.shape[1]
    elif params["output_activation"] == "softmax" or (
        params["output_activation"] == "auto" and classes is not None
    ):
        n_outputs = len(classes) if classes is not None else len(np.unique(y))
    else:
        n_outputs = 1
    layers = (n_features, *hidden, n_outputs)
    try:
        coder = TargetEncoding.of(layers, params, params["dtype"])
        coder._targets(y, y.shape[0], fitting=True, classes=classes)
        # The jobs' engines are built from params: 'auto' settings as the encoding decided them.
        params["output_activation"], params["loss"] = coder.output_activation_, coder.loss_
        engine_config(layers, params).validate()
    except (ValueError, TypeError) as error:
        raise type(error)(
            f"param_grid: configuration {shown}"
            + (f" with base_params {fixed}" if fixed else "")
            + f" cannot be trained on these data: {error}"
        ) from None
    accuracy, threshold = coder._accuracy_rule()

    def encode(targets: np.ndarray, name: str) -> np.ndarray:
        return coder._targets(targets, targets.shape[0], fitting=False, name=name)

    encoding = (n_outputs, params["output_activation"], params["loss"])
    return _Plan(
        shown,
        layers,
        params,
        config.get("epochs", epochs),
        {key: config.get(key, default) for key, default in FIT_DEFAULTS.items()},
        accuracy,
        threshold,
        encoding,
        encode,
    )


def _make_jobs(
    plans: list[_Plan], n_folds: int, y: np.ndarray, y_val: np.ndarray | None, scoring: str
) -> tuple[list[np.ndarray], list[_Job]]:
    """The target matrices (training then validation rows) and one job per configuration × fold."""
    # Configurations share their encoded targets when they encode them alike.
    target_index: dict[tuple, int] = {}
    targets: list[np.ndarray] = []
    jobs: list[_Job] = []
    for position, plan in enumerate(plans):
        if scoring == "accuracy" and plan.accuracy == "none":
            raise ValueError(
                f"scoring: 'accuracy' needs a classifier, but configuration {plan.shown} is a "
                "regressor (use scoring='mse' or 'loss')"
            )
        if plan.encoding not in target_index:
            T = plan.encode(y, "y")
            if y_val is not None:
                T = np.concatenate([T, plan.encode(y_val, "validation_data[1]")])
            target_index[plan.encoding] = len(targets)
            targets.append(np.ascontiguousarray(T, dtype=np.float64))
        for fold in range(n_folds):
            jobs.append(
                _Job(
                    position,
                    plan.layers,
                    plan.params,
                    plan.epochs,
                    fold,
                    target_index[plan.encoding],
                    plan.accuracy,
                    plan.threshold,
                    plan.stopping,
                )
            )
    return targets, jobs


def _folds(
    cv: Any, X: np.ndarray, y: np.ndarray, stratify: bool, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index arrays: k shuffled folds (stratified for labels) or the user's splits."""
    n = X.shape[0]
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        k = check_int(cv, "cv", 2, n)
        rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
        order = rng.permutation(n)
        if stratify:
            # Sorting the shuffled samples by class and dealing them out in turn puts
            # every class in every fold in proportion (up to one sample).
            _, label_index = np.unique(y, return_inverse=True)
            order = order[np.argsort(label_index[order], kind="stable")]
        fold_of = np.empty(n, dtype=np.int64)
        fold_of[order] = np.arange(n) % k
        return [(np.flatnonzero(fold_of != f), np.flatnonzero(fold_of == f)) for f in range(k)]
    if isinstance(cv, (str, bytes, bool)):
        splits = None
    elif hasattr(cv, "split"):
        splits = list(cv.split(X, y))
    elif isinstance(cv, Iterable):
        splits = list(cv)
    else:
        splits = None
    if splits is None:
        raise TypeError(
            f"cv: expected a number of folds, a list of (train, test) index arrays or a splitter, got {describe(cv)}"
        )
    if not splits:
        raise ValueError("cv: expected at least one (train, test) split, got none")
    folds = []
    for f, split in enumerate(splits):
        if not isinstance(split, (tuple, list)) or len(split) != 2:
            raise TypeError(
                f"cv[{f}]: expected a (train, test) pair of index arrays, got {describe(split)}"
            )
        folds.append(
            tuple(_check_indices(part, n, f"cv[{f}][{p}]") for p, part in enumerate(split))
        )
    return folds


def _check_indices(value: Any, n: int, name: str) -> np.ndarray:
    index = np.asarray(value)
    if index.dtype == bool and index.shape == (n,):
        index = np.flatnonzero(index)
    if index.ndim != 1 or index.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected a 1-D array of sample indices, got {describe(value)}")
    if index.size == 0:
        raise ValueError(f"{name}: expected at least one sample index, got none")
    if index.min() < 0 or index.max() >= n:
        raise ValueError(
            f"{name}: expected sample indices in [0, {n}), got {int(index.min())}..{int(index.max())}"
        )
    return index.astype(np.int64)


# ---------------------------------------------------------------- running
def _fit_batch(
    X: np.ndarray,
    targets: list[np.ndarray],
    folds: list,
    jobs: Sequence[_Job],
    scoring: str,
    n_threads: int = 0,
    progress: Callable[[int], Any] | None = None,
) -> list[dict[str, Any]]:
    """Train and score ``jobs`` with the engine's ``fit_jobs``; one dict per job, in order.

    The only function that trains: the threads backend calls it once for the
    whole search and every Dask task calls it for its chunk of configurations.
    """
    outcomes: list[dict[str, Any] | None] = [None] * len(jobs)
    by_dtype: dict[str, list[int]] = {}
    for i, job in enumerate(jobs):
        by_dtype.setdefault(job.params["dtype"], []).append(i)
    folds = [
        (np.asarray(train, dtype=np.int64), np.asarray(test, dtype=np.int64))
        for train, test in folds
    ]
    finished = 0
    for dtype, indices in by_dtype.items():
        configs: dict[int, Any] = {}
        batch = []
        for i in indices:
            job = jobs[i]
            if job.config not in configs:
                configs[job.config] = engine_config(job.layers, dict(job.params))
            batch.append(
                _core.SearchJob(
                    configs[job.config],
                    job.epochs,
                    job.fold,
                    job.targets,
                    job.accuracy,
                    job.threshold,
                    **job.stopping,
                )
            )
        fit_jobs = _core.fit_jobs64 if dtype == "float64" else _core.fit_jobs32
        hook = None if progress is None else (lambda done, before=finished: progress(before + done))
        # Aligned, C-ordered copies only where needed: arrays a Dask worker unpickles
        # can sit at odd offsets of a buffer, and the engine reads them as doubles.
        results = fit_jobs(
            np.require(X, dtype=dtype, requirements=["C", "A"]),
            [np.require(T, dtype=dtype, requirements=["C", "A"]) for T in targets],
            folds,
            batch,
            scoring,
            n_threads,
            hook,
        )
        for i, result in zip(indices, results):
            outcomes[i] = result
        finished += len(indices)
    return outcomes


def _fit_on_dask(
    client: Any,
    X: np.ndarray,
    targets: list[np.ndarray],
    folds: list,
    jobs: list[_Job],
    scoring: str,
    n_folds: int,
    bar: Any,
) -> list[dict[str, Any]]:
    """Run ``jobs`` as chunks of whole configurations on a dask.distributed cluster."""
    try:
        import distributed
    except ImportError:
        raise ImportError(
            "backend='dask' needs dask.distributed: pip install annlib[dask]"
        ) from None
    if client is None:
        try:
            client = distributed.get_client()
        except ValueError:
            raise ValueError(
                "client: backend='dask' needs a dask.distributed Client (pass client=, or create one first, "
                "e.g. Client('tcp://scheduler:8786'))"
            ) from None
    threads = max(1, sum(client.nthreads().values()))
    n_configs = len(jobs) // n_folds
    # About four chunks per worker thread: enough to balance uneven configurations,
    # few enough that scheduling costs nothing next to training.
    n_chunks = max(1, min(n_configs, 4 * threads))
    bounds = np.linspace(0, n_configs, n_chunks + 1).round().astype(int)
    data = client.scatter([X, targets, folds], broadcast=True)
    futures = []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        chunk = jobs[start * n_folds : stop * n_folds]
        # One thread per task: Dask runs as many tasks at once as each worker has threads.
        futures.append(
            client.submit(_fit_batch, data[0], data[1], data[2], chunk, scoring, 1, pure=False)
        )
    try:
        if bar is not None:
            for future in distributed.as_completed(futures):
                bar.update(len(future.result()))
        chunks = client.gather(futures)
    except BaseException:
        client.cancel(futures)
        raise
    return [outcome for chunk in chunks for outcome in chunk]


def _records(
    plans: list[_Plan], outcomes: list[dict[str, Any]], n_folds: int, scoring: str
) -> tuple[list[dict[str, Any]], list[list[dict[str, list[float]]]]]:
    results, histories = [], []
    for c, plan in enumerate(plans):
        folds = outcomes[c * n_folds : (c + 1) * n_folds]
        scores = [f["score"] for f in folds]
        errors = [f"fold {i}: {f['error']}" for i, f in enumerate(folds) if f["error"]]
        results.append(
            {
                "params": dict(plan.shown),
                "mean_score": float(np.mean(scores)),
                "std_score": _std(scores),
                "scores": scores,
                "fit_time": float(np.mean([f["fit_time"] for f in folds])),
                "score_time": float(np.mean([f["score_time"] for f in folds])),
                "epochs": plan.epochs,
                "epochs_trained": [len(f["loss"]) for f in folds],
                "seed": plan.params["seed"],
                "rank": None,
                "error": "; ".join(errors) or None,
            }
        )
        histories.append([{key: f[key] for key in ("loss", "accuracy") if f[key]} for f in folds])
    sign = -1.0 if scoring == "accuracy" else 1.0
    scored = [i for i, r in enumerate(results) if not math.isnan(r["mean_score"])]
    # Ties go to the earlier configuration in the grid (a stable sort).
    for rank, i in enumerate(
        sorted(scored, key=lambda i: sign * results[i]["mean_score"]), start=1
    ):
        results[i]["rank"] = rank
    return results, histories


def _std(scores: list[float]) -> float:
    with np.errstate(over="ignore"):  # scores near the float limit (a loss about to diverge)
        return float(np.std(scores))


# ---------------------------------------------------------------- small checks
def _check_n_jobs(n_jobs: Any) -> int:
    n_jobs = check_int(n_jobs, "n_jobs", maximum=ENGINE_INT_MAX)
    if n_jobs == -1:
        return 0
    if n_jobs < 1:
        raise ValueError(f"n_jobs: expected -1 (all threads) or an integer >= 1, got {n_jobs}")
    return n_jobs


def _check_bool(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: expected True or False, got {describe(value)}")
    return bool(value)


def _check_targets(y: Any, n_samples: int, name: str) -> np.ndarray:
    if y is None:
        raise TypeError(f"{name}: expected targets, got None")
    y = label_array(y, name)  # pandas string columns; mixed types raise
    if y.dtype.kind not in "biufUS":
        raise TypeError(f"{name}: expected numbers or string labels, got dtype {y.dtype}")
    if y.ndim not in (1, 2) or y.shape[0] != n_samples:
        raise ValueError(
            f"{name}: expected {n_samples} targets (one per sample of X), got shape {y.shape}"
        )
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError(f"{name}: expected finite values, got NaN or infinite targets")
    return y
