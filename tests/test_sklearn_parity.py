"""annlib.sklearn beside scikit-learn: the same parameters give the same quality.

Each case fits scikit-learn's estimator and annlib's with identical parameters
(the same random_state, so the same initial weights) on scaled data and
compares the training score: accuracy for classifiers (subset accuracy for
multilabel), R² for regressors.  Small networks and max_iter keep the module fast.
"""

import time

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn", minversion="1.6")

from sklearn import datasets, neural_network  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import annlib.sklearn  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SOLVERS = {
    "adam": dict(solver="adam", learning_rate_init=0.01, max_iter=30),
    "sgd": dict(solver="sgd", learning_rate_init=0.05, max_iter=30),
    "lbfgs": dict(solver="lbfgs", max_iter=30),
}


def _multilabel():
    return datasets.make_multilabel_classification(
        n_samples=300, n_features=10, n_classes=3, random_state=0
    )


def _regression():
    X, y = datasets.load_diabetes(return_X_y=True)
    return X, (y - y.mean()) / y.std()


DATA = {
    "iris": lambda: datasets.load_iris(return_X_y=True),
    "digits": lambda: tuple(a[:600] for a in datasets.load_digits(return_X_y=True)),
    "wine": lambda: datasets.load_wine(return_X_y=True),
    "breast_cancer": lambda: datasets.load_breast_cancer(return_X_y=True),
    "diabetes_regression": _regression,
    "multilabel": _multilabel,
}


@pytest.fixture(scope="module", params=list(DATA))
def dataset(request):
    X, y = DATA[request.param]()
    return request.param, StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("solver", list(SOLVERS))
def test_score_within_two_points_of_scikit_learn(dataset, solver):
    name, X, y = dataset
    kind = "MLPRegressor" if name.endswith("regression") else "MLPClassifier"
    params = dict(hidden_layer_sizes=(16,), random_state=0, **SOLVERS[solver])
    reference = getattr(neural_network, kind)(**params)
    ours = getattr(annlib.sklearn, kind)(**params)
    start = time.perf_counter()
    reference.fit(X, y)
    middle = time.perf_counter()
    ours.fit(X, y)
    end = time.perf_counter()
    theirs, mine = reference.score(X, y), ours.score(X, y)
    print(
        f"{name} {solver}: sklearn {theirs:.4f} ({middle - start:.3f} s), "
        f"annlib {mine:.4f} ({end - middle:.3f} s)"
    )
    assert mine >= theirs - 0.02, (mine, theirs)
    assert ours.n_iter_ <= params["max_iter"]
    if solver != "lbfgs":
        assert len(ours.loss_curve_) == ours.n_iter_


def test_same_seed_gives_the_same_network_and_a_new_seed_another():
    X, y = datasets.load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    fits = [
        annlib.sklearn.MLPClassifier(hidden_layer_sizes=(16,), max_iter=20, random_state=seed)
        .fit(X, y)
        .predict_proba(X)
        for seed in (4, 4, 5)
    ]
    np.testing.assert_array_equal(fits[0], fits[1])
    assert not np.allclose(fits[0], fits[2])
