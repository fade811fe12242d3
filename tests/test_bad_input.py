"""Bad input across the public API: a specific exception whose message names the argument.

One table, one row per case: ``Case(id, call, error, match)``.  ``call`` takes no
arguments and builds whatever it needs, so rows are independent; ``match`` is a
regular expression searched in the message and starts with the argument's name
(the house format is "<argument>: expected <what>, got <what>").  Adding a
module's cases is one line each.
"""

from __future__ import annotations

import re
from typing import Any, Callable, NamedTuple

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from conftest import gaussian_classes

import annlib
from annlib import MLP, Hopfield, capacity_curve, datasets, grid_search, plot, random_patterns
from annlib.sklearn import MLPClassifier, MLPRegressor


class Case(NamedTuple):
    id: str
    call: Callable[[], Any]
    error: type[BaseException]
    match: str


X, Y = gaussian_classes(10)  # 20 samples, 2 features, labels 0/1
BIG = 2**40


def classifier() -> MLP:
    """A fitted 2-class softmax classifier (labels 0 and 1)."""
    return MLP([2, 3, 2], output_activation="softmax", seed=0).fit(X, Y, epochs=2)


def regressor(**params: Any) -> MLP:
    return MLP([2, 3, 1], seed=0, **params).fit(X, X.sum(axis=1), epochs=2)


P8 = random_patterns(3, 8, seed=0)  # three ±1 patterns of 8 units


def non_symmetric_hopfield() -> Hopfield:
    net = Hopfield(8)
    net.W = np.triu(np.ones((8, 8)), 1)
    return net


class NoWeights:
    layers = (2, 1)


# One row per line reads as a table; the formatter would spread each over six.
# fmt: off
CASES = [
    # ---------------------------------------------------------------- MLP(...)
    Case("mlp-layers-dict", lambda: MLP({2: 0, 1: 0}), TypeError, r"^layers: expected a list"),
    Case("mlp-layers-empty", lambda: MLP([]), ValueError, r"^layers: expected at least 2 sizes"),
    Case("mlp-layers-bool", lambda: MLP([2, True]), TypeError, r"^layers\[1\]: expected an integer"),
    Case("mlp-layers-too-wide", lambda: MLP([2, BIG]), ValueError, r"^layers\[1\]: expected an integer <= 2147483647"),
    Case("mlp-batch-size-negative", lambda: MLP([2, 1], batch_size=-4), ValueError, r"^batch_size: expected an integer >= 1"),
    Case("mlp-batch-size-too-big", lambda: MLP([2, 1], batch_size=BIG), ValueError, r"^batch_size: expected an integer <="),
    Case("mlp-learning-rate-inf", lambda: MLP([2, 1], learning_rate=np.inf), ValueError, r"^learning_rate: expected a finite"),
    Case("mlp-learning-rate-complex", lambda: MLP([2, 1], learning_rate=1j), TypeError, r"^learning_rate: expected a real"),
    Case("mlp-momentum-negative", lambda: MLP([2, 1], momentum=-0.1), ValueError, r"^momentum: expected a number in \[0, 1\), got -0.1"),
    Case("mlp-beta1-one", lambda: MLP([2, 1], beta1=1.0), ValueError, r"^beta1: expected a number in \[0, 1\), got 1"),
    Case("mlp-eps-zero", lambda: MLP([2, 1], eps=0.0), ValueError, r"^eps: expected a finite number > 0, got 0"),
    Case("mlp-nesterov-string", lambda: MLP([2, 1], nesterov="no"), TypeError, r"^nesterov: expected True or False"),
    Case("mlp-seed-too-big", lambda: MLP([2, 1], seed=2**64), ValueError, r"^seed: expected an integer <="),
    Case("mlp-seed-string", lambda: MLP([2, 1], seed="abc"), TypeError, r"^seed: expected an integer"),
    Case("mlp-dtype-float16", lambda: MLP([2, 1], dtype="float16"), ValueError, r"^dtype: expected 'float32' or 'float64'"),
    Case("mlp-dtype-complex", lambda: MLP([2, 1], dtype=complex), ValueError, r"^dtype: expected"),
    Case("mlp-activation-none", lambda: MLP([2, 3, 1], activation=None), TypeError, r"^activation: expected a name"),
    Case("mlp-output-activation-int", lambda: MLP([2, 1], output_activation=3), TypeError, r"^output_activation: expected one of"),
    Case("mlp-init-mean-nan", lambda: MLP([2, 1], init_mean=np.nan), ValueError, r"^init_mean: expected a finite"),
    Case("mlp-rprop-minibatches", lambda: MLP([2, 1], optimizer="rprop", batch_size=8), ValueError,
         r"^batch_size: optimizer 'rprop' works on the full batch only; expected None, got 8"),
    Case("mlp-lbfgs-online", lambda: MLP([2, 1], optimizer="lbfgs", batch_size=1), ValueError,
         r"^batch_size: optimizer 'lbfgs' works on the full batch only; expected None, got 1"),
    Case("mlp-lbfgs-minibatches-later", lambda: MLP([2, 1], batch_size=4).set_params(optimizer="lbfgs"), ValueError,
         r"^batch_size: optimizer 'lbfgs' works on the full batch only"),
    Case("mlp-delta0-zero", lambda: MLP([2, 1], delta0=0.0), ValueError, r"^delta0: expected a finite number > 0, got 0"),
    Case("mlp-delta-max-below-delta0", lambda: MLP([2, 1], delta_max=0.01), ValueError, r"^delta_max: expected a finite number >= delta0, got 0.01"),
    Case("mlp-delta-min-negative", lambda: MLP([2, 1], delta_min=-1.0), ValueError, r"^delta_min: expected a number in \[0, delta0\], got -1"),
    Case("mlp-eta-plus-one", lambda: MLP([2, 1], eta_plus=1.0), ValueError, r"^eta_plus: expected a finite number > 1, got 1"),
    Case("mlp-eta-minus-one", lambda: MLP([2, 1], eta_minus=1.0), ValueError, r"^eta_minus: expected a number in \(0, 1\), got 1"),
    Case("mlp-history-size-zero", lambda: MLP([2, 1], history_size=0), ValueError, r"^history_size: expected an integer >= 1, got 0"),
    Case("mlp-history-size-float", lambda: MLP([2, 1], history_size=2.5), TypeError, r"^history_size: expected an integer"),
    Case("mlp-max-fun-too-big", lambda: MLP([2, 1], max_fun=BIG), ValueError, r"^max_fun: expected an integer <= 2147483647"),
    Case("mlp-max-fun-zero", lambda: MLP([2, 1], max_fun=0), ValueError, r"^max_fun: expected an integer >= 1, got 0"),
    Case("mlp-gtol-negative", lambda: MLP([2, 1], gtol=-1e-5), ValueError, r"^gtol: expected a finite number >= 0, got -1e-05"),
    Case("mlp-ftol-nan", lambda: MLP([2, 1], ftol=np.nan), ValueError, r"^ftol: expected a finite"),
    Case("mlp-leaky-slope-negative", lambda: MLP([2, 1], leaky_slope=-0.5), ValueError, r"^leaky_slope: expected a number in \[0, 1\), got -0.5"),
    Case("mlp-weight-decay-negative", lambda: MLP([2, 1], optimizer="adamw", weight_decay=-1.0), ValueError, r"^weight_decay: expected a finite number >= 0, got -1"),
    Case("mlp-schedule-unknown", lambda: MLP([2, 1], schedule="linear"), ValueError, r"^schedule: expected one of constant, "),
    Case("mlp-plateau-factor-one", lambda: MLP([2, 1], schedule="plateau", plateau_factor=1.0), ValueError, r"^plateau_factor: expected a finite number > 1, got 1"),
    Case("mlp-decay-every-float", lambda: MLP([2, 1], decay_every=2.5), TypeError, r"^decay_every: expected an integer"),
    Case("mlp-max-grad-norm-negative", lambda: MLP([2, 1], max_grad_norm=-0.5), ValueError, r"^max_grad_norm: expected a finite number >= 0"),
    # ---------------------------------------------------------------- MLP methods
    Case("mlp-predict-3d", lambda: classifier().predict(np.zeros((2, 2, 2))), ValueError, r"^X: expected a 2-D array"),
    Case("mlp-predict-no-columns", lambda: classifier().predict(np.zeros((3, 0))), ValueError, r"^X: expected a non-empty"),
    Case("mlp-predict-none", lambda: classifier().predict(None), TypeError, r"^X: expected an array of numbers, got None"),
    Case("mlp-predict-bytes", lambda: classifier().predict(np.array([[b"a", b"b"]])), TypeError, r"^X: expected an array of real"),
    Case("mlp-predict-datetimes", lambda: classifier().predict(np.zeros((2, 2), "datetime64[s]")), TypeError, r"^X: expected an array of real"),
    Case("mlp-predict-beyond-float32", lambda: MLP([2, 1], dtype="float32").predict([[1e300, 0.0]]), ValueError,
         r"^X: expected values within the range of float32"),
    Case("mlp-fit-y-complex", lambda: MLP([2, 1]).fit(X, Y.astype(complex)), TypeError, r"^y: expected numbers or string labels"),
    Case("mlp-fit-y-nan", lambda: MLP([2, 1]).fit(X, np.full(20, np.nan)), ValueError, r"^y: expected finite values"),
    Case("mlp-fit-y-too-many-columns", lambda: MLP([2, 1]).fit(X, np.zeros((20, 2))), ValueError, r"^y: expected 1 target columns"),
    Case("mlp-fit-string-targets-for-regression", lambda: MLP([2, 1], output_activation="identity").fit(X, np.array(["a"] * 20)), TypeError,
         r"^y: string labels need a classifier"),
    Case("mlp-fit-more-targets-than-samples", lambda: MLP([2, 1]).fit(X, np.zeros(21)), ValueError, r"^y: expected 20 targets"),
    Case("mlp-fit-empty", lambda: MLP([2, 1]).fit(X[:0], Y[:0]), ValueError, r"^X: expected a non-empty array"),
    Case("mlp-fit-epochs-too-many", lambda: MLP([2, 1]).fit(X, Y, epochs=BIG), ValueError, r"^epochs: expected an integer <="),
    Case("mlp-fit-epochs-float", lambda: MLP([2, 1]).fit(X, Y, epochs=2.0), TypeError, r"^epochs: expected an integer"),
    Case("mlp-fit-patience-too-big", lambda: MLP([2, 1]).fit(X, Y, patience=BIG), ValueError, r"^patience: expected an integer <="),
    Case("mlp-fit-callback-every-zero", lambda: MLP([2, 1]).fit(X, Y, callback_every=0), ValueError, r"^callback_every: expected an integer >= 1"),
    Case("mlp-fit-tol-nan", lambda: MLP([2, 1]).fit(X, Y, tol=np.nan), ValueError, r"^tol: expected a finite"),
    Case("mlp-fit-tol-negative", lambda: MLP([2, 1]).fit(X, Y, tol=-1.0), ValueError, r"^tol: expected a number >= 0"),
    Case("mlp-fit-verbose-string", lambda: MLP([2, 1]).fit(X, Y, verbose="yes"), TypeError, r"^verbose: expected True or False"),
    Case("mlp-fit-early-stopping-int", lambda: MLP([2, 1]).fit(X, Y, early_stopping=1), TypeError, r"^early_stopping: expected True or False"),
    Case("mlp-fit-two-validation-sets", lambda: MLP([2, 1]).fit(X, Y, validation_data=(X, Y), validation_fraction=0.2), ValueError,
         r"^validation_fraction: give either"),
    Case("mlp-fit-validation-fraction-too-small", lambda: MLP([2, 1]).fit(X, Y, validation_fraction=0.01), ValueError,
         r"^validation_fraction: 0.01 of 20 samples leaves no"),
    Case("mlp-fit-validation-labels-unseen", lambda: classifier().fit(X, Y, validation_data=(X, np.full(20, 5))), ValueError,
         r"^validation_data\[1\]: labels unseen at fit time: \[5\]"),
    Case("mlp-fit-classes-wrong-count", lambda: MLP([2, 3, 2], output_activation="softmax").fit(X, Y, classes=[0, 1, 2]), ValueError,
         r"^classes: expected 2 classes"),
    Case("mlp-fit-classes-non-integer", lambda: MLP([2, 3, 2], output_activation="softmax").fit(X, Y, classes=[0.5, 1.5]), ValueError,
         r"^classes: expected class labels"),
    Case("mlp-predict-proba-regressor", lambda: regressor().predict_proba(X), ValueError, r"^predict_proba: this model is a regressor"),
    Case("mlp-accuracy-regressor", lambda: regressor().accuracy(X, Y), ValueError, r"^accuracy: this model is a regressor"),
    Case("mlp-accuracy-string-labels-for-int-classes", lambda: classifier().accuracy(X, np.where(Y, "a", "b")), ValueError,
         r"^y: labels of type <U1 do not match the classes"),
    Case("mlp-backward-labels-unseen", lambda: classifier().backward(X, Y + 2), ValueError, r"^y: labels unseen at fit time: \[2, 3\]"),
    Case("mlp-loss-wrong-length", lambda: classifier().loss(X, Y[:5]), ValueError, r"^y: expected 20 targets"),
    Case("mlp-step-wrong-columns", lambda: classifier().step(X[:, :1], Y), ValueError, r"^X: expected 2 columns, got 1"),
    Case("mlp-weights-array-not-list", lambda: setattr(classifier(), "weights", np.ones((2, 3))), TypeError, r"^weights: expected a list"),
    Case("mlp-weights-inf", lambda: setattr(classifier(), "weights", [np.ones((2, 3)), np.full((3, 2), np.inf)]), ValueError,
         r"^weights\[1\]: expected finite values"),
    Case("mlp-biases-wrong-shape", lambda: setattr(classifier(), "biases", [np.ones(2), np.ones(2)]), ValueError,
         r"^biases\[0\]: expected shape \(3,\)"),
    Case("mlp-set-params-dtype", lambda: classifier().set_params(dtype="float32"), ValueError, r"^dtype: cannot change"),
    Case("mlp-set-params-momentum", lambda: classifier().set_params(momentum=2), ValueError, r"^momentum: expected a number in \[0, 1\), got 2"),
    Case("mlp-save-path-none", lambda: MLP([2, 1]).save(None), TypeError, r"^path: expected a file name"),
    Case("mlp-load-path-int", lambda: MLP.load(3), TypeError, r"^path: expected a file name"),
    Case("mlp-load-missing", lambda: MLP.load("/nonexistent/model.npz"), FileNotFoundError, r"^path: no such file"),
    Case("mlp-save-missing-folder", lambda: MLP([2, 1]).save("/nonexistent/model.npz"), FileNotFoundError, r"^path: folder"),
    # ---------------------------------------------------------------- annlib.datasets
    Case("datasets-n-one", lambda: datasets.two_gaussians(1), ValueError, r"^n: expected an integer >= 2"),
    Case("datasets-n-string", lambda: datasets.two_gaussians("10"), TypeError, r"^n: expected an integer"),
    Case("datasets-means-three-rows", lambda: datasets.two_gaussians(10, means=np.zeros((3, 2))), ValueError, r"^means: expected shape \(2, 2\)"),
    Case("datasets-means-nan", lambda: datasets.two_gaussians(10, means=[[np.nan, 0], [0, 0]]), ValueError, r"^means: expected finite"),
    Case("datasets-stds-negative", lambda: datasets.two_gaussians(10, stds=-1.0), ValueError, r"^stds: expected non-negative"),
    Case("datasets-labels-unknown", lambda: datasets.two_gaussians(10, labels="+-"), ValueError, r"^labels: expected one of"),
    Case("datasets-split-first-string", lambda: datasets.two_gaussians(10, split_first="yes"), TypeError, r"^split_first: expected True or False"),
    Case("datasets-noise-inf", lambda: datasets.xor(10, noise=np.inf), ValueError, r"^noise: expected a finite"),
    Case("datasets-one-class", lambda: datasets.spirals(10, classes=1), ValueError, r"^classes: expected an integer >= 2"),
    Case("datasets-turns-negative", lambda: datasets.spirals(10, turns=-1), ValueError, r"^turns: expected a number > 0"),
    Case("datasets-seed-negative", lambda: datasets.moons(10, seed=-1), ValueError, r"^seed: expected an integer >= 0"),
    Case("datasets-factor-zero", lambda: datasets.circles(10, factor=0), ValueError, r"^factor: expected a number > 0"),
    Case("datasets-glyph-unknown", lambda: datasets.glyphs("A~"), ValueError, r"^text: expected characters from"),
    Case("datasets-glyph-bytes", lambda: datasets.glyphs(b"AB"), TypeError, r"^text: expected a string"),
    Case("datasets-glyph-size-zero", lambda: datasets.glyphs("A", size=0), ValueError, r"^size: expected an integer >= 7"),
    Case("datasets-digit-negative", lambda: datasets.digit_image(-1), ValueError, r"^digit: expected an integer >= 0"),
    Case("datasets-blur-negative", lambda: datasets.digit_image(1, blur=-1), ValueError, r"^blur: expected a number >= 0"),
    Case("datasets-grid-width-zero", lambda: datasets.xy_grid(3, 0), ValueError, r"^width: expected an integer >= 1"),
    Case("datasets-image-complex", lambda: datasets.image_to_xy(np.ones((2, 2), complex)), TypeError, r"^image: expected an array of real"),
    Case("datasets-image-4d", lambda: datasets.image_to_xy(np.ones((2, 2, 2, 2))), ValueError, r"^image: expected a 2-D or 3-D"),
    Case("datasets-values-wrong-count", lambda: datasets.xy_to_image(np.zeros(5), 2, 3), ValueError, r"^values: expected 6 rows"),
    Case("datasets-split-fraction-zero", lambda: datasets.split(X, Y, 0.0), ValueError, r"^test_fraction: expected a number > 0"),
    Case("datasets-split-length-mismatch", lambda: datasets.split(X, Y[:3]), ValueError, r"^y: expected 20 rows"),
    Case("datasets-split-stratify-objects", lambda: datasets.split(X, np.array([None, 1] * 10, dtype=object), stratify=True), TypeError,
         r"^y: expected numbers or strings"),
    Case("datasets-split-stratify-singletons", lambda: datasets.split(X[:4], [0, 1, 2, 3], 0.25, stratify=True), ValueError,
         r"^test_fraction: 0.25 leaves an empty test set"),
    Case("datasets-patterns-zero-units", lambda: datasets.random_patterns(3, 0), ValueError, r"^N: expected an integer >= 1"),
    Case("datasets-flip-strings", lambda: datasets.flip(["a", "b"], 0.5), TypeError, r"^states: expected an array of real"),
    Case("datasets-flip-fraction-negative", lambda: datasets.flip([1, -1], -0.1), ValueError, r"^fraction: expected a number >= 0"),
    Case("datasets-flip-not-binary", lambda: datasets.flip([1, 2], 0.5), ValueError, r"^states: expected ±1 values only"),
    # ---------------------------------------------------------------- annlib.plot
    Case("plot-patterns-shape", lambda: plot.patterns(np.ones((2, 6)), shape=(2, 2)), ValueError, r"^shape: expected \(height, width\)"),
    Case("plot-patterns-nan", lambda: plot.patterns(np.full((1, 4), np.nan)), ValueError, r"^states: expected finite"),
    Case("plot-patterns-titles", lambda: plot.patterns(np.ones((2, 4)), titles=["a"]), ValueError, r"^titles: expected 2 entries"),
    Case("plot-energy-complex", lambda: plot.energy(np.ones(3, complex)), TypeError, r"^trace: expected an array of real"),
    Case("plot-energy-labels-string", lambda: plot.energy([1.0, 0.5], labels="a"), TypeError, r"^labels: expected a list"),
    Case("plot-capacity-empty", lambda: plot.capacity({}), TypeError, r"^curves: expected a non-empty mapping"),
    Case("plot-capacity-no-loads", lambda: plot.capacity({"hebbian": [1.0, 0.5]}), ValueError, r"^loads: expected the loads"),
    Case("plot-loss-curves-logy-string", lambda: plot.loss_curves([1.0, 0.5], logy="yes"), TypeError, r"^logy: expected True or False"),
    Case("plot-loss-curves-no-loss", lambda: plot.loss_curves({"val_loss": [1.0]}), ValueError, r"^histories: expected a history with a 'loss'"),
    Case("plot-heatmap-missing-key", lambda: plot.grid_heatmap([{"a": 1, "b": 2}], "a", "b", "score"), ValueError, r"^value: expected a key"),
    Case("plot-heatmap-aggregate", lambda: plot.grid_heatmap([{"a": 1, "b": 2, "s": 1}], "a", "b", "s", aggregate="median"), ValueError,
         r"^aggregate: expected one of"),
    Case("plot-heatmap-fmt", lambda: plot.grid_heatmap([{"a": 1, "b": 2, "s": 1}], "a", "b", "s", fmt="%q"), ValueError, r"^fmt: expected a format"),
    Case("plot-heatmap-results-string", lambda: plot.grid_heatmap("abc", "a", "b", "s"), TypeError, r"^results: expected"),
    Case("plot-boundary-no-predict", lambda: plot.decision_boundary(object(), X), TypeError, r"^model: expected an object with a predict"),
    Case("plot-boundary-three-columns", lambda: plot.decision_boundary(classifier(), np.ones((3, 3))), ValueError, r"^X: expected 2 columns"),
    Case("plot-boundary-spread-overflows", lambda: plot.decision_boundary(classifier(), [[-1e308, 0.0], [1e308, 1.0]]), ValueError,
         r"^X: expected coordinates whose spread fits"),
    Case("plot-boundary-resolution", lambda: plot.decision_boundary(classifier(), X, resolution=1), ValueError, r"^resolution: expected an integer >= 2"),
    Case("plot-boundary-labels-length", lambda: plot.decision_boundary(classifier(), X, Y[:3]), ValueError, r"^y: expected 20 labels"),
    Case("plot-architecture-nan-updates", lambda: plot.architecture(classifier(), [np.full((2, 3), np.nan), np.ones((3, 2))]), ValueError,
         r"^weight_updates\[0\]: expected finite"),
    Case("plot-architecture-linewidth", lambda: plot.architecture(classifier(), max_linewidth=0), ValueError, r"^max_linewidth: expected a number > 0"),
    Case("plot-architecture-no-weights", lambda: plot.architecture(NoWeights()), TypeError, r"^model: expected an object with .layers and .weights"),
    # ---------------------------------------------------------------- Hopfield
    Case("hopfield-units-zero", lambda: Hopfield(0), ValueError, r"^n_units: expected an integer >= 1"),
    Case("hopfield-units-string", lambda: Hopfield("8"), TypeError, r"^n_units: expected an integer"),
    Case("hopfield-rule-unknown", lambda: Hopfield(8, rule="oja"), ValueError, r"^rule: expected one of"),
    Case("hopfield-bias-length", lambda: Hopfield(8, bias=np.zeros(3)), ValueError, r"^bias: expected a number or 8 values"),
    Case("hopfield-patterns-values", lambda: Hopfield(8).train(P8 * 2), ValueError, r"^patterns: expected values -1 or \+1"),
    Case("hopfield-patterns-length", lambda: Hopfield(8).train(P8[:, :5]), ValueError, r"^patterns: expected 8 columns"),
    Case("hopfield-patterns-nan", lambda: Hopfield(8).train(np.where(P8 > 0, np.nan, P8)), ValueError, r"^patterns: expected finite values"),
    Case("hopfield-patterns-empty", lambda: Hopfield(8).train(np.empty((0, 8))), ValueError, r"^patterns: expected a non-empty array"),
    Case("hopfield-patterns-strings", lambda: Hopfield(8).train([["a"] * 8]), TypeError, r"^patterns: expected an array of real numbers"),
    Case("hopfield-W-not-square", lambda: setattr(Hopfield(8), "W", np.ones((8, 7))), ValueError, r"^W: expected an array of shape \(8, 8\)"),
    Case("hopfield-W-infinite", lambda: setattr(Hopfield(8), "W", np.full((8, 8), np.inf)), ValueError, r"^W: expected finite values"),
    Case("hopfield-energy-non-symmetric", lambda: non_symmetric_hopfield().energy(P8[0]), ValueError, r"^W: expected a symmetric weight matrix"),
    Case("hopfield-mode-unknown", lambda: Hopfield(8).recall(P8[0], mode="parallel"), ValueError, r"^mode: expected one of"),
    Case("hopfield-order-unknown", lambda: Hopfield(8).recall(P8[0], order="shuffled"), ValueError, r"^order: expected one of"),
    Case("hopfield-max-iter-zero", lambda: Hopfield(8).recall(P8[0], max_iter=0), ValueError, r"^max_iter: expected an integer >= 1"),
    Case("hopfield-temperature-negative", lambda: Hopfield(8).recall(P8[0], temperature=-1), ValueError, r"^temperature: expected a finite number >= 0, got -1"),
    Case("hopfield-positions-out-of-range", lambda: Hopfield(8).update(P8[0], positions=[9]), IndexError, r"^positions: expected unit indices in \[0, 8\)"),
    Case("hopfield-attractors-too-many-units", lambda: Hopfield(30).attractors(), ValueError, r"^n_units: expected at most 24 units"),
    Case("hopfield-load-missing", lambda: Hopfield.load("/nonexistent/net.npz"), FileNotFoundError, r"^path: no such file"),
    Case("hopfield-units-beyond-int", lambda: Hopfield(2**31), ValueError, r"^n_units: expected an integer <= 2147483647, got 2147483648"),
    Case("hopfield-units-far-below-int", lambda: Hopfield(-BIG), ValueError, r"^n_units: expected an integer >= -2147483648"),
    Case("hopfield-max-iter-beyond-int", lambda: Hopfield(8).recall(P8[0], max_iter=2**31), ValueError, r"^max_iter: expected an integer <= 2147483647"),
    Case("hopfield-max-iter-far-below-int", lambda: Hopfield(8).recall(P8[0], max_iter=-BIG), ValueError, r"^max_iter: expected an integer >= -2147483648"),
    Case("capacity-units-beyond-int", lambda: capacity_curve(2**31, [0.1]), ValueError, r"^n_units: expected an integer <= 2147483647"),
    Case("capacity-trials-far-below-int", lambda: capacity_curve(50, [0.1], trials=-BIG), ValueError, r"^trials: expected an integer >= -2147483648"),
    Case("capacity-max-iter-beyond-int", lambda: capacity_curve(50, [0.1], max_iter=2**63), ValueError, r"^max_iter: expected an integer <= 2147483647"),
    Case("patterns-count-beyond-int", lambda: random_patterns(2**31, 4), ValueError, r"^P: expected an integer <= 2147483647"),
    Case("set-num-threads-beyond-int", lambda: annlib.set_num_threads(2**31), ValueError, r"^n_threads: expected an integer <= 2147483647"),
    Case("set-num-threads-far-below-int", lambda: annlib.set_num_threads(-BIG), ValueError, r"^n_threads: expected an integer >= -2147483648"),
    Case("search-n-jobs-beyond-int", lambda: grid_search({"learning_rate": [0.1]}, X, Y, n_jobs=2**31, epochs=1), ValueError,
         r"^n_jobs: expected an integer <= 2147483647"),
    Case("search-huge-grid-without-n-iter", lambda: grid_search({"l2": list(range(1000)), "learning_rate": [0.1] * 1000}, X, Y), ValueError,
         r"^param_grid: expected at most 100000 configurations to try them all, got 1000000; pass n_iter="),
    Case("search-n-iter-too-many", lambda: grid_search({"l2": list(range(1000)), "learning_rate": [0.1] * 1000}, X, Y, n_iter=200_000), ValueError,
         r"^n_iter: expected at most 100000 configurations"),
    Case("plot-animation-epochs-beyond-int", lambda: plot.training_animation(classifier(), X, Y, 2**31, 1, path="never.gif"), ValueError,
         r"^epochs: expected an integer <= 2147483647"),
    Case("datasets-samples-beyond-int", lambda: datasets.two_gaussians(2**31), ValueError, r"^n: expected an integer <= 2147483647"),
    Case("datasets-glyph-size-huge", lambda: datasets.glyphs("A", size=2**31), ValueError, r"^size: expected an integer <= 32768"),
    Case("datasets-grid-huge", lambda: datasets.xy_grid(2**63, 2), ValueError, r"^height: expected an integer <= 32768"),
    Case("capacity-load-negative", lambda: capacity_curve(50, [-0.1]), ValueError, r"^loads: expected finite numbers > 0, got -0.1"),
    Case("capacity-noise-above-one", lambda: capacity_curve(50, [0.1], noise=2), ValueError, r"^noise: expected a number in \[0, 1\], got 2"),
    # ---------------------------------------------------------------- grid_search
    Case("search-unknown-key", lambda: grid_search({"hiden": [(4,)]}, X, Y), ValueError, r"^param_grid\['hiden'\]: unknown parameter"),
    Case("search-bad-value", lambda: grid_search({"learning_rate": [-1]}, X, Y), ValueError, r"^param_grid\['learning_rate'\]\[0\]: expected a finite number > 0, got -1"),
    Case("search-empty-values", lambda: grid_search({"learning_rate": []}, X, Y), ValueError, r"^param_grid\['learning_rate'\]: expected at least one value"),
    Case("search-hidden-zero", lambda: grid_search({"hidden": [(0,)]}, X, Y), ValueError, r"^param_grid\['hidden'\]\[0\]\[0\]: expected an integer >= 1"),
    Case("search-cv-one", lambda: grid_search({"learning_rate": [0.1]}, X, Y, cv=1), ValueError, r"^cv: expected an integer >= 2"),
    Case("search-scoring-unknown", lambda: grid_search({"learning_rate": [0.1]}, X, Y, scoring="f1"), ValueError, r"^scoring: expected one of"),
    Case("search-n-jobs-zero", lambda: grid_search({"learning_rate": [0.1]}, X, Y, n_jobs=0), ValueError, r"^n_jobs: expected -1"),
    Case("search-backend-unknown", lambda: grid_search({"learning_rate": [0.1]}, X, Y, backend="spark"), ValueError, r"^backend: expected one of"),
    Case("search-y-length", lambda: grid_search({"learning_rate": [0.1]}, X[:5], Y), ValueError, r"^y: expected 5 targets"),
    # ---------------------------------------------------------------- scikit-learn estimators
    Case("sklearn-hidden-zero", lambda: MLPClassifier(hidden_layer_sizes=(0,), max_iter=2).fit(X, Y), ValueError, r"^hidden_layer_sizes\[0\]: expected an integer >= 1"),
    Case("sklearn-learning-rate-negative", lambda: MLPRegressor(learning_rate_init=-1, max_iter=2).fit(X, X[:, 0]), ValueError, r"^learning_rate_init: expected a number > 0.0, got -1"),
    Case("sklearn-activation-unknown", lambda: MLPClassifier(activation="swish", max_iter=2).fit(X, Y), ValueError, r"^activation: expected one of"),
    Case("sklearn-partial-fit-without-classes", lambda: MLPClassifier(max_iter=2).partial_fit(X, Y), ValueError, r"^classes: expected every class label"),
]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_the_table_has_unique_ids_and_names_an_argument_in_every_row():
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES)
    for case in CASES:
        assert re.match(r"\^[A-Za-z_][A-Za-z0-9_]*(\\\[.*?\\\])*:", case.match), case.id


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_raises_a_specific_error_naming_the_argument(case):
    with pytest.raises(case.error, match=case.match) as raised:
        case.call()
    # A subclass would do for pytest.raises; the table promises this exact type.
    assert type(raised.value) is case.error, f"{type(raised.value).__name__}: {raised.value}"
