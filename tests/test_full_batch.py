"""The full-batch optimizers: rprop (iRprop−) and lbfgs (limited-memory BFGS).

rprop's update equals its numpy reference in test_mlp.py's table of optimizers;
here it learns without a learning rate, and lbfgs minimises a function on its
own, reaches scikit-learn's loss from the same weights, and reports its
iterations, evaluations and reason to stop.
"""

import warnings

import numpy as np
import pytest
from conftest import gaussian_classes, spiral_classes

import annlib
from annlib import MLP, _core, datasets


# ------------------------------------------------------------------ rprop
def test_rprop_learns_xor_without_a_learning_rate(xor_data):
    X, y = xor_data
    net = MLP([2, 4, 1], output_activation="sigmoid", loss="cross_entropy", optimizer="rprop")
    net.set_params(seed=3).reset().fit(X, y, epochs=300)
    assert net.predict(X).tolist() == y.tolist()
    assert net.history["loss"][-1] < 0.01


def test_rprop_learns_the_two_spirals_full_batch():
    X, y = datasets.spirals(200, classes=2, noise=0.0, seed=0, turns=1.5)
    net = MLP(
        [2, 16, 16, 2],
        activation="tanh",
        output_activation="softmax",
        loss="cross_entropy",
        optimizer="rprop",
        seed=0,
    ).fit(X, y, epochs=300)
    assert net.accuracy(X, y) == 1.0


def test_rprop_steps_stay_within_delta_min_and_delta_max(xor_data):
    X, y = xor_data
    net = MLP([2, 3, 1], output_activation="sigmoid", optimizer="rprop", seed=1)
    net.set_params(delta0=0.01, delta_min=0.004, delta_max=0.02)
    for _ in range(30):
        before = net._engine.parameters.copy()
        net.step(X, y)
        moved = np.abs(net._engine.parameters - before)
        assert np.all((moved == 0) | ((moved >= 0.004 - 1e-15) & (moved <= 0.02 + 1e-15)))


# ------------------------------------------------------------------ lbfgs alone
def rosenbrock(x):
    """f(x) = Σ 100 (x_{i+1} − x_i²)² + (1 − x_i)², minimum 0 at x = (1, ..., 1)."""
    f = np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    g = np.zeros_like(x)
    g[:-1] += -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return f, g


@pytest.mark.parametrize("n", [2, 10])
def test_lbfgs_finds_the_minimum_of_the_rosenbrock_function(n):
    x0 = np.tile([-1.2, 1.0], n // 2)
    result = _core.minimize_lbfgs(rosenbrock, x0, gtol=1e-8, ftol=0.0)
    assert result["stop"] == "gtol"
    assert result["fun"] < 1e-16
    np.testing.assert_allclose(result["x"], np.ones(n), atol=1e-7)
    # Quasi-Newton speed: SciPy's L-BFGS-B needs 38 and 78 iterations here.
    assert result["iterations"] <= 60 * n // 2
    assert result["iterations"] <= result["evaluations"] <= 2 * result["iterations"]


def test_lbfgs_stops_at_max_fun_and_max_iter():
    x0 = np.array([-1.2, 1.0])
    short = _core.minimize_lbfgs(rosenbrock, x0, max_fun=10)
    assert short["stop"] == "max_fun" and short["evaluations"] == 10
    few = _core.minimize_lbfgs(rosenbrock, x0, max_iter=3)
    assert few["stop"] == "max_iter" and few["iterations"] == 3


def test_lbfgs_on_a_quadratic_is_exact_after_n_steps():
    # BFGS with exact curvature pairs: a 3-D convex quadratic is solved in a few steps.
    A = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 1.0]])
    b = np.array([1.0, -2.0, 0.5])
    result = _core.minimize_lbfgs(
        lambda x: (0.5 * x @ A @ x - b @ x, A @ x - b), np.zeros(3), gtol=1e-10
    )
    np.testing.assert_allclose(result["x"], np.linalg.solve(A, b), atol=1e-6)
    assert result["iterations"] <= 10


# ------------------------------------------------------------------ lbfgs on an MLP
def sklearn_lbfgs_loss(net, X, y, max_iter, tol):
    """scikit-learn's solver='lbfgs' run from net's weights; its final loss, scored by net."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(
        hidden_layer_sizes=net.layers[1:-1],
        activation="tanh",
        solver="lbfgs",
        alpha=0.0,
        max_iter=1,
        tol=tol,
        warm_start=True,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)  # sets up its attributes; the weights are replaced next
        clf.coefs_ = [w.copy() for w in net.weights]
        clf.intercepts_ = [b.copy() for b in net.biases]
        clf.max_iter = max_iter
        clf.fit(X, y)
    scored = MLP(net.layers, **{k: v for k, v in net.get_params().items() if k != "layers"})
    scored.fit(X, y, epochs=1)  # learns the classes; the weights are replaced next
    scored.weights, scored.biases = list(clf.coefs_), list(clf.intercepts_)
    return scored.loss(X, y), clf.n_iter_


def noisy_classes(classes, n=150, seed=0):
    """Overlapping classes (no network separates them): the loss has a minimum above 0."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    if classes == 2:
        return X, (X[:, 0] * X[:, 1] + 0.5 * rng.normal(size=n) > 0).astype(int)
    score = X[:, 0] + 0.3 * np.sin(3 * X[:, 1]) + 0.4 * rng.normal(size=n)
    return X, np.digitize(score, [-0.5, 0.5])


def lbfgs_net(layers, output, seed=0):
    return MLP(
        layers,
        activation="tanh",
        output_activation=output,
        loss="cross_entropy",
        optimizer="lbfgs",
        gtol=1e-7,
        seed=seed,
    )


# Without a hidden layer the loss is convex: both must reach its one minimum.
@pytest.mark.parametrize(
    "classes, layers, output",
    [(3, [2, 3], "softmax"), (2, [2, 1], "sigmoid")],
    ids=["softmax-regression", "logistic-regression"],
)
def test_lbfgs_reaches_a_loss_as_low_as_scikit_learns(classes, layers, output):
    X, y = noisy_classes(classes)
    net = lbfgs_net(layers, output)
    theirs, their_iterations = sklearn_lbfgs_loss(net, X, y, max_iter=200, tol=1e-7)
    net.fit(X, y, epochs=200)
    assert net.loss(X, y) <= theirs + 1e-8
    assert len(net.history["loss"]) <= 200 and their_iterations <= 200


# With a hidden layer each run ends in some local minimum (annlib's was lower in 6 and 9
# of 12 starts for these two networks): on average over starts it must be as low.
@pytest.mark.slow
@pytest.mark.parametrize(
    "classes, layers, output", [(2, [2, 6, 1], "sigmoid"), (3, [2, 8, 3], "softmax")]
)
def test_lbfgs_with_a_hidden_layer_ends_as_low_as_scikit_learn_on_average(classes, layers, output):
    X, y = noisy_classes(classes)
    ours, theirs = [], []
    for seed in range(12):
        net = lbfgs_net(layers, output, seed)
        theirs.append(sklearn_lbfgs_loss(net, X, y, max_iter=200, tol=1e-7)[0])
        ours.append(net.fit(X, y, epochs=200).loss(X, y))
    assert np.mean(ours) <= np.mean(theirs)


def test_lbfgs_history_has_one_entry_per_iteration_and_counts_evaluations():
    X, y = noisy_classes(3)
    net = MLP([2, 6, 3], output_activation="softmax", optimizer="lbfgs", seed=0)
    net.fit(X, y, epochs=25)
    loss, evaluations = net.history["loss"], net.history["function_evaluations"]
    assert len(loss) == len(evaluations) == len(net.history["accuracy"]) == 25
    assert net.stop_reason_ == "epochs"
    assert np.all(np.diff(loss) < 0)  # every line search step decreases the loss
    assert evaluations[0] >= 2 and np.all(np.diff(evaluations) >= 1)
    assert net.n_function_evaluations_ == evaluations[-1]
    assert loss[-1] == net.loss(X, y)  # the entry is the loss after the iteration
    sgd = MLP([2, 6, 3], output_activation="softmax", optimizer="sgd").fit(X, y, epochs=2)
    assert sgd.n_function_evaluations_ is None


def test_lbfgs_stops_on_max_fun_gtol_and_ftol():
    X, y = gaussian_classes(30)

    def fitted(**settings):
        net = MLP([2, 6, 2], output_activation="softmax", optimizer="lbfgs", seed=0, **settings)
        return net.fit(X, y, epochs=500)

    short = fitted(max_fun=15)
    assert short.stop_reason_ == "max_fun" and short.n_function_evaluations_ == 15
    loose = fitted(gtol=1e-2, ftol=0.0)
    assert loose.stop_reason_ == "gtol"
    assert np.abs(loose._engine.gradient(X, loose._targets(y, 60, False))).max() <= 1e-2
    flat = fitted(gtol=0.0, ftol=1e-3)
    assert flat.stop_reason_ == "ftol" and len(flat.history["loss"]) < 500
    before, after = flat.history["loss"][-2:]
    assert (before - after) / max(abs(before), abs(after), 1.0) <= 1e-3


def test_lbfgs_step_is_one_iteration_that_lowers_the_loss(xor_data):
    X, y = xor_data
    net = MLP([2, 3, 1], output_activation="sigmoid", optimizer="lbfgs", seed=1)
    losses = [net.step(X, y) for _ in range(5)]
    assert np.all(np.diff(losses) < 0) and net.loss(X, y) < losses[-1]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lbfgs_trains_in_both_dtypes(dtype):
    X, y = gaussian_classes(30)
    net = MLP([2, 6, 2], output_activation="softmax", optimizer="lbfgs", dtype=dtype, seed=0)
    net.fit(X, y, epochs=50)
    assert net.accuracy(X, y) > 0.9


def test_grid_search_over_the_optimizers_is_identical_for_one_and_two_jobs():
    X, y = spiral_classes(30, classes=3)
    grid = {"optimizer": ["sgd", "rprop", "lbfgs"], "hidden": [(6,)]}
    one = annlib.grid_search(grid, X, y, epochs=20, n_jobs=1, seed=3)
    two = annlib.grid_search(grid, X, y, epochs=20, n_jobs=2, seed=3)
    assert [r["params"] for r in one.results] == [r["params"] for r in two.results]
    assert [r["scores"] for r in one.results] == [r["scores"] for r in two.results]
    assert one.histories == two.histories
    np.testing.assert_array_equal(one.best_model.weights[0], two.best_model.weights[0])
