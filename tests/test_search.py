"""annlib.grid_search: the native parallel search, its determinism, its checks and its Dask backend."""

import math
import re
import subprocess
import sys

import numpy as np
import pytest
from conftest import spiral_classes

import annlib
from annlib import search as search_module

GRID = {"hidden": [(4,), (8, 8)], "learning_rate": [0.05, 0.3], "activation": ["tanh", "relu"]}


@pytest.fixture(scope="module")
def spirals3():
    return spiral_classes(60, classes=3)


def same_outcomes(a, b):
    """Scores and every per-epoch loss are bit-for-bit equal (times may differ)."""
    assert [r["params"] for r in a.results] == [r["params"] for r in b.results]
    assert [r["scores"] for r in a.results] == [r["scores"] for r in b.results]
    assert [r["seed"] for r in a.results] == [r["seed"] for r in b.results]
    assert a.histories == b.histories


# ------------------------------------------------------------------ what a job computes
def test_every_score_is_that_of_an_mlp_trained_alone_on_the_fold(spirals3):
    X, y = spirals3
    rng = np.random.default_rng(5)
    order = rng.permutation(len(y))
    folds = [(order[60:], order[:60]), (order[:120], order[120:])]
    grid = {"hidden": [(6,), (5, 5)], "optimizer": ["sgd", "adam"], "batch_size": [None, 16]}
    result = annlib.grid_search(grid, X, y, cv=folds, epochs=15, refit=False)
    assert len(result.results) == 8
    for record, history in zip(result.results, result.histories):
        params = {k: v for k, v in record["params"].items() if k != "hidden"}
        for f, (train, test) in enumerate(folds):
            net = annlib.MLP(
                [2, *record["params"]["hidden"], 3],
                output_activation="softmax",
                loss="cross_entropy",
                seed=record["seed"],
                **params,
            )
            net.fit(X[train], y[train], epochs=15, classes=[0, 1, 2])
            assert record["scores"][f] == net.accuracy(X[test], y[test])
            assert history[f]["loss"] == net.history["loss"]
        assert record["mean_score"] == pytest.approx(np.mean(record["scores"]))
        assert record["std_score"] == pytest.approx(np.std(record["scores"]))


def test_early_stopping_keys_train_each_fold_like_mlp_fit_with_early_stopping(spirals3):
    X, y = spirals3
    rng = np.random.default_rng(6)
    order = rng.permutation(len(y))
    folds = [(order[60:], order[:60]), (order[:120], order[120:])]
    grid = {"early_stopping": [False, True], "patience": [2, 5], "tol": [1e-3]}
    base = {"hidden": (6,), "optimizer": "adam", "learning_rate": 0.05}
    result = annlib.grid_search(grid, X, y, base_params=base, cv=folds, epochs=300)
    for record, history in zip(result.results, result.histories):
        stopping = record["params"]
        for f, (train, test) in enumerate(folds):
            net = annlib.MLP(
                [2, 6, 3],
                output_activation="softmax",
                loss="cross_entropy",
                optimizer="adam",
                learning_rate=0.05,
                seed=record["seed"],
            )
            net.fit(X[train], y[train], epochs=300, classes=[0, 1, 2], **stopping)
            assert record["scores"][f] == net.accuracy(X[test], y[test])
            assert history[f]["loss"] == net.history["loss"]
            assert record["epochs_trained"][f] == len(net.history["loss"])
    trained = {
        (r["params"]["early_stopping"], r["params"]["patience"]): r["epochs_trained"]
        for r in result.results
    }
    assert trained[(False, 2)] == trained[(False, 5)] == [300, 300]  # patience needs stopping
    assert all(n < 300 for n in trained[(True, 2)])  # Adam stops gaining 1e-3 early
    assert all(a <= b for a, b in zip(trained[(True, 2)], trained[(True, 5)]))
    frame = result.to_pandas()
    assert list(frame["split0_epochs"]) == [r["epochs_trained"][0] for r in result.results]
    # The refitted best model trains with the best configuration's early stopping too.
    best = result.best_params
    refit = annlib.MLP(
        [2, 6, 3],
        output_activation="softmax",
        loss="cross_entropy",
        optimizer="adam",
        learning_rate=0.05,
        seed=result.results[result.best_index]["seed"],
    )
    refit.fit(X, y, epochs=300, **best)
    assert result.best_model.history["loss"] == refit.history["loss"]


@pytest.mark.parametrize("scoring", ["mse", "loss"])
def test_regression_scores_are_the_held_out_mse_or_loss(scoring):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.1 * rng.normal(size=90)
    folds = [(np.arange(60), np.arange(60, 90))]
    result = annlib.grid_search(
        {"l2": [0.0, 0.01]}, X, y, cv=folds, scoring=scoring, epochs=20, refit=False
    )
    for record in result.results:
        net = annlib.MLP([3, 16, 1], l2=record["params"]["l2"], seed=record["seed"]).fit(
            X[:60], y[:60], epochs=20
        )
        expected = net.mse(X[60:], y[60:]) if scoring == "mse" else net.loss(X[60:], y[60:])
        assert record["scores"][0] == pytest.approx(expected, rel=1e-12)
    assert not result.greater_is_better
    best = min(result.results, key=lambda r: r["mean_score"])
    assert result.best_params == best["params"] and best["rank"] == 1


# ------------------------------------------------------------------ determinism
def test_results_are_identical_for_one_and_two_threads(spirals3):
    X, y = spirals3
    one = annlib.grid_search(GRID, X, y, epochs=30, n_jobs=1, seed=4)
    two = annlib.grid_search(GRID, X, y, epochs=30, n_jobs=2, seed=4)
    same_outcomes(one, two)
    np.testing.assert_array_equal(one.best_model.weights[0], two.best_model.weights[0])


def test_a_different_seed_gives_different_models(spirals3):
    X, y = spirals3
    a = annlib.grid_search({"hidden": [(4,)]}, X, y, epochs=10, seed=1, refit=False)
    b = annlib.grid_search({"hidden": [(4,)]}, X, y, epochs=10, seed=2, refit=False)
    assert a.results[0]["seed"] != b.results[0]["seed"]
    assert a.histories != b.histories


def test_random_search_is_reproducible_and_matches_the_full_grid(spirals3):
    X, y = spirals3
    full = annlib.grid_search(GRID, X, y, epochs=10, seed=3, refit=False)
    sample = annlib.grid_search(GRID, X, y, epochs=10, seed=3, n_iter=3, refit=False)
    again = annlib.grid_search(GRID, X, y, epochs=10, seed=3, n_iter=3, refit=False)
    same_outcomes(sample, again)
    assert len(sample.results) == 3
    # A configuration's models depend on its place in the grid, not on what else was sampled.
    by_params = {str(r["params"]): r for r in full.results}
    for record in sample.results:
        assert record["scores"] == by_params[str(record["params"])]["scores"]
    draws = {
        tuple(
            str(r["params"])
            for r in annlib.grid_search(GRID, X, y, epochs=1, seed=s, n_iter=3, refit=False).results
        )
        for s in range(6)
    }
    assert len(draws) > 1  # the seed chooses the sample
    assert len(annlib.grid_search(GRID, X, y, epochs=1, n_iter=100, refit=False).results) == 8


# ------------------------------------------------------------------ the result
def test_best_model_is_the_best_configuration_refitted(spirals3):
    X, y = spirals3
    X_val, y_val = spiral_classes(30, classes=3, seed=1)
    result = annlib.grid_search(GRID, X, y, validation_data=(X_val, y_val), epochs=40, seed=0)
    best = result.results[result.best_index]
    assert best["rank"] == 1
    assert best["mean_score"] == max(r["mean_score"] for r in result.results)
    assert result.best_score == best["mean_score"] and result.best_params == best["params"]
    model = result.best_model
    assert model.layers == (2, *best["params"]["hidden"], 3)
    assert model.get_params()["learning_rate"] == best["params"]["learning_rate"]
    # With validation data the jobs trained on all of (X, y): the refit is the same network.
    assert model.accuracy(X_val, y_val) == pytest.approx(result.best_score, abs=1e-12)
    assert sorted(r["rank"] for r in result.results) == list(range(1, 9))


def test_records_and_dataframe(spirals3):
    X, y = spirals3
    result = annlib.grid_search({"hidden": [4, (4, 4)], "epochs": [3, 6]}, X, y, cv=2, refit=False)
    record = result.results[3]
    assert record["params"] == {"hidden": (4, 4), "epochs": 6}
    assert record["epochs"] == 6 and len(result.histories[3][0]["loss"]) == 6
    assert set(record) >= {
        "params",
        "mean_score",
        "std_score",
        "scores",
        "fit_time",
        "score_time",
        "rank",
        "seed",
    }
    assert record["fit_time"] > 0 and result.best_model is None
    pd = pytest.importorskip("pandas")
    frame = result.to_pandas()
    assert isinstance(frame, pd.DataFrame) and len(frame) == 4
    assert {"param_hidden", "param_epochs", "mean_score", "split0_score", "split1_score"} <= set(
        frame.columns
    )
    assert "GridSearchResult(4 configurations × 2 folds" in repr(result)


def test_numpy_values_and_an_empty_grid(spirals3):
    X, y = spirals3
    result = annlib.grid_search(
        {"learning_rate": np.logspace(-2, -1, 2), "batch_size": np.array([8])},
        X,
        y,
        epochs=2,
        refit=False,
    )
    assert [type(v) for v in result.results[0]["params"].values()] == [float, int]
    default = annlib.grid_search({}, X, y, epochs=2)
    assert len(default) == 1 and default.best_model.layers == (2, *search_module.DEFAULT_HIDDEN, 3)


def test_folds_partition_the_samples_and_are_stratified():
    y = np.repeat([0, 1, 2], [30, 60, 90])
    X = np.zeros((len(y), 1))
    folds = search_module._folds(3, X, y, stratify=True, seed=0)
    tests = np.concatenate([test for _, test in folds])
    np.testing.assert_array_equal(np.sort(tests), np.arange(len(y)))
    for train, test in folds:
        assert len(np.intersect1d(train, test)) == 0 and len(train) + len(test) == len(y)
        np.testing.assert_array_equal(np.bincount(y[test]), [10, 20, 30])


def test_user_folds_and_sklearn_splitters_are_accepted(spirals3):
    X, y = spirals3
    model_selection = pytest.importorskip("sklearn.model_selection")
    splitter = model_selection.KFold(3, shuffle=True, random_state=0)
    a = annlib.grid_search({"hidden": [(4,)]}, X, y, cv=splitter, epochs=5, refit=False)
    b = annlib.grid_search(
        {"hidden": [(4,)]}, X, y, cv=list(splitter.split(X)), epochs=5, refit=False
    )
    same_outcomes(a, b)


def test_grid_values_reach_the_engine(spirals3):
    X, y = spirals3
    grid = [
        {
            "dtype": ["float32", "float64"],
            "batch_size": [None, 1],
            "init": ["normal"],
            "init_std": [0.5],
            "seed": [5],
        },
        {"optimizer": ["adam"], "output_activation": ["softmax"], "loss": ["mse"], "seed": [11]},
    ]
    result = annlib.grid_search(grid, X, y, epochs=3, cv=2, refit=False)
    assert len(result.results) == 5
    assert [r["seed"] for r in result.results] == [5, 5, 5, 5, 11]
    assert all(0 <= r["mean_score"] <= 1 for r in result.results)
    # float32 and float64 runs of the same configuration and seed agree to float32 precision.
    np.testing.assert_allclose(
        result.histories[0][0]["loss"], result.histories[2][0]["loss"], rtol=1e-4
    )


def test_a_diverging_configuration_is_reported_not_fatal():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    result = annlib.grid_search({"learning_rate": [0.01, 1e10]}, X, X[:, 0] - X[:, 1], epochs=50)
    bad = result.results[1]
    assert math.isnan(bad["mean_score"]) and bad["rank"] is None and "diverged" in bad["error"]
    assert result.best_index == 0 and result.best_model is not None


def test_verbose_shows_a_progress_bar(capsys, spirals3):
    X, y = spirals3
    annlib.grid_search(GRID, X, y, epochs=5, verbose=True, refit=False)
    assert "8 configurations × 3 folds" in capsys.readouterr().err


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "grid, error, name",
    [
        ({"lr": [0.1]}, ValueError, r"param_grid\['lr'\]: unknown parameter"),
        ({"layers": [[2, 4, 3]]}, ValueError, r"param_grid\['layers'\].*'hidden'"),
        ({"learning_rate": 0.1}, TypeError, r"param_grid\['learning_rate'\]: expected a list"),
        ({"learning_rate": "0.1"}, TypeError, r"param_grid\['learning_rate'\]: expected a list"),
        (
            {"learning_rate": []},
            ValueError,
            r"param_grid\['learning_rate'\]: expected at least one",
        ),
        (
            {"learning_rate": [0.1, -1.0]},
            ValueError,
            r"param_grid\['learning_rate'\]\[1\]: expected a finite number > 0",
        ),
        ({"activation": ["tanh", "swish"]}, ValueError, r"param_grid\['activation'\]\[1\]"),
        ({"optimizer": ["lion"]}, ValueError, r"param_grid\['optimizer'\]\[0\]"),
        (
            {"optimizer": ["sgd", "rprop"], "batch_size": [None, 8]},
            ValueError,
            r"batch_size: optimizer 'rprop' works on the full batch only",
        ),
        ({"batch_size": [None, 0]}, ValueError, r"param_grid\['batch_size'\]\[1\]"),
        ({"batch_size": [2.5]}, TypeError, r"param_grid\['batch_size'\]\[0\]"),
        ({"hidden": [(4,), (4, 0)]}, ValueError, r"param_grid\['hidden'\]\[1\]\[1\]"),
        ({"hidden": ["wide"]}, TypeError, r"param_grid\['hidden'\]\[0\]"),
        ({"epochs": [10, 0]}, ValueError, r"param_grid\['epochs'\]\[1\]"),
        (
            {"early_stopping": [True, "yes"]},
            TypeError,
            r"param_grid\['early_stopping'\]\[1\]: expected True or False",
        ),
        ({"patience": [0]}, ValueError, r"param_grid\['patience'\]\[0\]: expected an integer >= 1"),
        ({"patience": [2.5]}, TypeError, r"param_grid\['patience'\]\[0\]"),
        (
            {"patience": [2**31]},
            ValueError,
            r"param_grid\['patience'\]\[0\]: expected an integer <=",
        ),
        ({"epochs": [2**40]}, ValueError, r"param_grid\['epochs'\]\[0\]: expected an integer <="),
        ({"tol": [-1e-3]}, ValueError, r"param_grid\['tol'\]\[0\]: expected a number >= 0"),
        ({"tol": [float("nan")]}, ValueError, r"param_grid\['tol'\]\[0\]"),
        ({"dtype": ["float16"]}, ValueError, r"param_grid\['dtype'\]\[0\]"),
        ({"nesterov": ["yes"]}, TypeError, r"param_grid\['nesterov'\]\[0\]"),
        ({1: [0.1]}, TypeError, r"param_grid\[1\]: expected a parameter name"),
        (
            [{"hidden": [(4,)]}, {"momentum": [1.5]}],
            ValueError,
            r"param_grid\[1\]\['momentum'\]\[0\]",
        ),
        # Values that are fine alone but not together name both keys.
        (
            {"output_activation": ["identity"], "loss": ["cross_entropy"]},
            ValueError,
            "loss: cross_entropy needs",
        ),
        (
            {"hidden": [(4,), (4, 4)], "activation": [("tanh",)]},
            ValueError,
            r"configuration \{'hidden': \(4, 4\), 'activation': \('tanh',\)\}.*activation",
        ),
        (
            {"output_activation": ["sigmoid"]},
            ValueError,
            r"'output_activation': 'sigmoid'.*two classes",
        ),
    ],
)
def test_bad_param_grids_are_rejected_before_any_training(grid, error, name, spirals3, monkeypatch):
    X, y = spirals3
    monkeypatch.setattr(
        search_module, "_fit_batch", lambda *a, **k: pytest.fail("training started")
    )
    with pytest.raises(error, match=name):
        annlib.grid_search(grid, X, y, epochs=5)


def test_base_params_are_one_value_grids_that_results_do_not_list(spirals3):
    X, y = spirals3
    fixed = {"optimizer": "adam", "hidden": (6,), "epochs": 4, "batch_size": 16}
    grid = {"learning_rate": [0.01, 0.05]}
    with_base = annlib.grid_search(grid, X, y, base_params=fixed, cv=2)
    spelled_out = annlib.grid_search(
        {**grid, **{key: [value] for key, value in fixed.items()}}, X, y, cv=2
    )
    assert [r["params"] for r in with_base.results] == [
        {"learning_rate": 0.01},
        {"learning_rate": 0.05},
    ]
    assert [r["scores"] for r in with_base.results] == [r["scores"] for r in spelled_out.results]
    assert with_base.histories == spelled_out.histories
    assert len(with_base.histories[0][0]["loss"]) == 4
    model = with_base.best_model
    assert model.layers == (2, 6, 3) and model.get_params()["optimizer"] == "adam"
    # A grid key of the same name wins over base_params.
    override = annlib.grid_search(
        {"hidden": [(3,)]}, X, y, base_params={"hidden": (6,), "epochs": 2}, cv=2
    )
    assert override.best_model.layers == (2, 3, 3)


@pytest.mark.parametrize(
    "base_params, error, match",
    [
        ([("optimizer", "adam")], TypeError, r"base_params: expected a dict"),
        ({"momentun": 0.9}, ValueError, r"base_params\['momentun'\]: unknown parameter"),
        ({"learning_rate": -1.0}, ValueError, r"base_params\['learning_rate'\]: expected"),
        ({"hidden": "16"}, TypeError, r"base_params\['hidden'\]: expected hidden layer sizes"),
        (
            {"loss": "cross_entropy", "output_activation": "identity"},
            ValueError,
            r"with base_params .* cannot be trained",
        ),
    ],
)
def test_bad_base_params_name_the_key(base_params, error, match, spirals3):
    X, y = spirals3
    with pytest.raises(error, match=match):
        annlib.grid_search({"hidden": [(4,)]}, X, y, base_params=base_params, epochs=1)


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        ({"cv": 1}, ValueError, "cv"),
        ({"cv": 10_000}, ValueError, "cv"),
        ({"cv": [(np.arange(5), np.array([], dtype=int))]}, ValueError, r"cv\[0\]\[1\]"),
        ({"cv": [(np.arange(5), np.array([999]))]}, ValueError, r"cv\[0\]\[1\]"),
        ({"cv": "3"}, TypeError, "cv"),
        ({"n_jobs": 0}, ValueError, "n_jobs"),
        ({"n_iter": 0}, ValueError, "n_iter"),
        ({"scoring": "f1"}, ValueError, "scoring"),
        ({"backend": "ray"}, ValueError, "backend"),
        ({"client": object()}, ValueError, "client"),
        ({"validation_data": (np.zeros((4, 3)), np.zeros(4))}, ValueError, r"validation_data\[0\]"),
        ({"epochs": 0}, ValueError, "epochs"),
        ({"epochs": 2**31}, ValueError, "epochs: expected an integer <="),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, error, name, spirals3):
    X, y = spirals3
    with pytest.raises(error, match=name):
        annlib.grid_search({"hidden": [(4,)]}, X, y, **kwargs)


def test_accuracy_of_a_regressor_is_refused():
    X = np.random.default_rng(0).normal(size=(30, 2))
    with pytest.raises(ValueError, match="scoring: 'accuracy' needs a classifier"):
        annlib.grid_search({"hidden": [(4,)]}, X, X[:, 0], scoring="accuracy")


# ------------------------------------------------------------------ Ctrl-C
INTERRUPT_SCRIPT = r"""
import os, signal, sys, threading, time
import numpy as np
import annlib
X = np.random.default_rng(0).normal(size=(2000, 20))
y = (X[:, 0] > 0).astype(int)
# A shell's background job starts us with SIGINT ignored (inherited through exec).
signal.signal(signal.SIGINT, signal.default_int_handler)
threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
start = time.perf_counter()
try:
    grid = {"hidden": [(64, 64)], "batch_size": [1], "learning_rate": [0.01, 0.02, 0.03]}
    annlib.grid_search(grid, X, y, epochs=100000, n_jobs=2)
except KeyboardInterrupt:
    print(f"interrupted after {time.perf_counter() - start - 0.5:.3f}s")
    sys.exit(0)
sys.exit("the search was not interrupted")
"""


def test_ctrl_c_stops_the_search_within_a_second():
    done = subprocess.run(
        [sys.executable, "-c", INTERRUPT_SCRIPT], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert float(re.search(r"interrupted after ([\d.]+)s", done.stdout).group(1)) < 1.0


# ------------------------------------------------------------------ Dask
def test_dask_local_cluster_gives_the_local_results(spirals3):
    distributed = pytest.importorskip("distributed")
    X, y = spirals3
    local = annlib.grid_search(GRID, X, y, epochs=20, seed=8)
    with (
        distributed.LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = annlib.grid_search(GRID, X, y, epochs=20, seed=8, backend="dask", client=client)
    same_outcomes(local, remote)
    assert remote.best_params == local.best_params


def test_the_search_releases_the_gil_for_the_whole_batch(spirals3):
    import threading

    X, y = spirals3
    ticks = 0
    worker = threading.Thread(
        target=annlib.grid_search,
        args=(GRID, X, y),
        kwargs={"epochs": 200, "refit": False, "n_jobs": 1},
    )
    worker.start()
    while worker.is_alive():
        ticks += 1
    worker.join()
    assert ticks > 1000  # this thread kept running Python while the engine trained


def test_checking_planning_and_running_a_search_builds_no_model(spirals3, monkeypatch):
    # Only the refit makes an MLP; the grid's values, the plan and the jobs are
    # engine configurations (mlp.engine_config), checked by the engine.
    def no_model(*args, **kwargs):
        raise AssertionError("grid_search built an MLP")

    monkeypatch.setattr(search_module, "MLP", no_model)
    X, y = spirals3
    grid = {"hidden": [(4,)], "optimizer": ["sgd", "rmsprop"], "activation": ["tanh", ["relu"]]}
    result = annlib.grid_search(grid, X, y, cv=2, epochs=3, refit=False)
    assert len(result) == 4 and all(r["error"] is None for r in result.results)
