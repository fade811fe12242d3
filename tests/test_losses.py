"""The regression losses beyond squared error: values against their numpy formulas,
what they learn, and that they survive a save."""

import numpy as np
import pytest

from annlib import MLP


def test_mae_is_the_mean_absolute_error_over_every_output():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(30, 3)), rng.normal(size=(30, 2))
    model = MLP([3, 5, 2], loss="mae", output_activation="identity", seed=1)
    expected = np.abs(model.outputs(X) - Y).mean()
    assert model.loss(X, Y) == pytest.approx(expected, rel=1e-12)


def test_mae_fits_the_median_where_mse_is_pulled_by_an_outlier():
    # A constant input: the best constant under |.| is the median, under (.)² the mean.
    X = np.ones((9, 1))
    y = np.array([0.0, 0.1, -0.1, 0.05, -0.05, 0.02, -0.02, 0.0, 50.0])
    fits = {}
    for loss in ("mae", "mse"):
        model = MLP(
            [1, 1],
            loss=loss,
            output_activation="identity",
            optimizer="adam",
            learning_rate=0.05,
            seed=0,
        )
        model.fit(X, y, epochs=3000)
        fits[loss] = float(model.outputs(X[:1])[0, 0])
    print(fits)
    assert abs(fits["mae"] - np.median(y)) < 0.06
    assert abs(fits["mse"] - y.mean()) < 0.06


def test_mae_is_refused_with_a_softmax_output():
    with pytest.raises(ValueError, match="loss: mae needs a regression output_activation"):
        MLP([2, 3, 2], loss="mae", output_activation="softmax")


def test_mae_model_round_trips_through_a_file(tmp_path):
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(20, 2)), rng.normal(size=20)
    model = MLP([2, 4, 1], loss="mae", output_activation="identity", seed=2).fit(X, y, epochs=5)
    model.save(tmp_path / "m.npz")
    loaded = MLP.load(tmp_path / "m.npz")
    assert loaded.get_params()["loss"] == "mae"
    np.testing.assert_array_equal(loaded.outputs(X), model.outputs(X))
    model.fit(X, y, epochs=3)
    loaded.fit(X, y, epochs=3)
    np.testing.assert_array_equal(loaded.outputs(X), model.outputs(X))
