"""annlib.features: crosses and polynomials by name, the transformer, and the crossed model."""

from __future__ import annotations

import itertools
import pickle

import numpy as np
import pytest

import annlib
from annlib import features
from annlib.features import PLAYGROUND, CrossedModel, Crosses, cross, polynomial, polynomial_names


@pytest.fixture
def points():
    return np.random.default_rng(0).uniform(-2, 2, size=(50, 3))


def test_playground_features_are_the_seven_formulas(points):
    x1, x2 = points[:, 0], points[:, 1]
    expected = np.column_stack([x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)])
    np.testing.assert_allclose(cross(points[:, :2], PLAYGROUND), expected)


@pytest.mark.parametrize(
    "name, formula",
    [
        ("x3", lambda x: x[:, 2]),
        ("x1^3", lambda x: x[:, 0] ** 3),
        ("x1^2*x3", lambda x: x[:, 0] ** 2 * x[:, 2]),
        ("cos(x2)", lambda x: np.cos(x[:, 1])),
        ("sin(x1)*x2", lambda x: np.sin(x[:, 0]) * x[:, 1]),
        ("x1 * x2", lambda x: x[:, 0] * x[:, 1]),
        ("x2*x2", lambda x: x[:, 1] ** 2),
    ],
)
def test_a_name_computes_its_formula(points, name, formula):
    np.testing.assert_allclose(cross(points, [name])[:, 0], formula(points))


@pytest.mark.parametrize(
    "names, error, match",
    [
        (["x0"], ValueError, "x1, x2"),
        (["y"], ValueError, "'y'"),
        (["tan(x1)"], ValueError, "tan"),
        (["x1^0"], ValueError, "x1"),
        ([], ValueError, "at least one"),
        (["x1", "x1"], ValueError, "distinct"),
        ("x1", TypeError, "list of feature names"),
        ([1], TypeError, "names like"),
        (["x4"], ValueError, "at least 4 columns"),
    ],
)
def test_bad_names_raise_naming_the_problem(points, names, error, match):
    with pytest.raises(error, match=match):
        cross(points, names)


@pytest.mark.parametrize("n_inputs, degree", [(1, 4), (2, 2), (2, 3), (3, 3), (5, 2)])
def test_polynomial_has_every_monomial_once(n_inputs, degree):
    names = polynomial_names(n_inputs, degree)
    expected = sum(
        len(list(itertools.combinations_with_replacement(range(n_inputs), d)))
        for d in range(1, degree + 1)
    )
    assert len(names) == len(set(names)) == expected
    X = np.random.default_rng(1).uniform(0.5, 2, size=(20, n_inputs))
    F = polynomial(X, degree)
    assert F.shape == (20, expected)
    # Distinct monomials are distinct functions: no two columns coincide.
    assert np.linalg.matrix_rank(F) == expected


def test_polynomial_names_follow_scikit_learn_order():
    assert polynomial_names(2, 2) == ["x1", "x2", "x1^2", "x1*x2", "x2^2"]
    from sklearn.preprocessing import PolynomialFeatures

    X = np.random.default_rng(2).normal(size=(10, 3))
    theirs = PolynomialFeatures(3, include_bias=False).fit_transform(X)
    np.testing.assert_allclose(polynomial(X, 3), theirs)


def test_transformer_names_build_the_same_transformer(points):
    for fitted in (Crosses(degree=3).fit(points), Crosses(["sin(x3)", "x1*x2"]).fit(points)):
        names = fitted.get_feature_names_out()
        again = Crosses(list(names)).fit(points)
        np.testing.assert_array_equal(again.transform(points), fitted.transform(points))
        assert list(again.get_feature_names_out()) == list(names)


def test_transformer_is_scikit_learn_compatible(points):
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    crosses = Crosses(degree=2)
    assert clone(crosses).get_params() == {"features": None, "degree": 2}
    y = (points[:, 0] ** 2 + points[:, 1] ** 2 < 1.5).astype(int)
    pipe = make_pipeline(Crosses(["x1^2", "x2^2"]), LogisticRegression(C=100)).fit(points, y)
    assert pipe.score(points, y) > 0.95  # a circle is a line in (x1², x2²)
    assert crosses.set_params(degree=1).fit(points).transform(points).shape == (50, 3)


def test_transformer_input_names_replace_x1_x2(points):
    crosses = Crosses(["x1*x2", "sin(x3)"]).fit(points)
    assert list(crosses.get_feature_names_out(["a", "b", "c"])) == ["a*b", "sin(c)"]
    with pytest.raises(ValueError, match="input_features: expected 3 names"):
        crosses.get_feature_names_out(["a"])


def test_transformer_checks_its_use(points):
    with pytest.raises(RuntimeError, match="fit"):
        Crosses(degree=2).transform(points)
    with pytest.raises(ValueError, match="exactly one"):
        Crosses().fit(points)
    with pytest.raises(ValueError, match="exactly one"):
        Crosses(["x1"], degree=2).fit(points)
    with pytest.raises(ValueError, match="expected 3 columns"):
        Crosses(degree=2).fit(points).transform(points[:, :2])
    with pytest.raises(TypeError, match="unknown parameter"):
        Crosses().set_params(power=2)
    assert repr(Crosses(["x1"])) == "Crosses(['x1'])"


def test_crossed_model_learns_circles_a_plain_linear_model_cannot():
    X, y = annlib.datasets.circles(200, noise=0.05, seed=0)
    settings = dict(output_activation="sigmoid", loss="cross_entropy", learning_rate=0.5, seed=0)
    plain = annlib.MLP([2, 1], **settings).fit(X, y, 300)
    crossed = CrossedModel(["x1^2", "x2^2"], annlib.MLP([2, 1], **settings)).fit(X, y, 300)
    assert plain.accuracy(X, y) < 0.7
    assert crossed.accuracy(X, y) > 0.95
    # Raw inputs in, the model's own attributes out.
    assert crossed.predict(X).shape == (200,)
    assert crossed.layers == (2, 1)
    assert len(crossed.forward(X)) == 2
    np.testing.assert_allclose(crossed.forward(X)[0], cross(X, ["x1^2", "x2^2"]))
    assert list(crossed.history) == list(crossed.model.history)
    assert pickle.loads(pickle.dumps(crossed)).accuracy(X, y) == crossed.accuracy(X, y)


def test_crossed_model_callback_sees_the_crossed_model():
    X, y = annlib.datasets.xor(40, seed=0)
    crossed = CrossedModel(["x1*x2"], annlib.MLP([1, 1], output_activation="sigmoid", seed=0))
    seen = []
    crossed.fit(X, y, 4, callback=lambda epoch, history, model: seen.append(model))
    assert seen and all(model is crossed for model in seen)


def test_module_is_reachable_from_the_package():
    assert annlib.features is features
