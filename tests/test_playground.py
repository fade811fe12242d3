"""annlib.playground driven headlessly: widget values and button clicks, as a browser would."""

from __future__ import annotations

import subprocess
import sys
import threading

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import annlib
from annlib import datasets

pytest.importorskip("ipywidgets")


@pytest.fixture
def pg():
    playground = annlib.playground(seed=1)
    playground.epochs_per_step.value = 10
    yield playground
    playground.pause()


def test_import_annlib_needs_no_ipywidgets():
    code = "import sys, annlib; print('ipywidgets' in sys.modules, 'annlib.interactive' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]
    assert annlib.playground.__module__ == "annlib.interactive"


def test_without_ipywidgets_the_playground_says_how_to_get_it():
    code = (
        "import sys; sys.modules['ipywidgets'] = None\n"  # as if not installed
        "import annlib\n"
        "try:\n    annlib.playground()\nexcept ImportError as e:\n    print(e)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "pip install 'annlib[widgets]'" in result.stdout


def test_it_starts_with_circles_x1_x2_and_two_tanh_layers(pg):
    assert pg.dataset.value == "circles"
    assert pg.model.layers == (2, 4, 2, 1)
    assert pg.model.get_params()["activation"] == ["tanh", "tanh"]
    assert len(pg.X_train) + len(pg.X_test) == 200
    assert bytes(pg.image.value).startswith(b"\x89PNG")
    assert "epoch 0" in pg.status.value


def test_step_trains_and_redraws(pg):
    before = [w.copy() for w in pg.model.weights]
    picture = pg.image.value
    pg.step_button.click()
    assert pg.epoch == 10 and len(pg.train_loss) == 10
    assert pg.test_epochs == [0, 10] and len(pg.test_loss) == 2
    assert not np.allclose(before[0], pg.model.weights[0])
    assert pg.image.value != picture
    assert "epoch 10" in pg.status.value
    pg.step(40)
    assert pg.epoch == 50
    assert pg.train_loss[-1] < pg.train_loss[0]


def test_data_widgets_make_new_data_and_start_over(pg):
    pg.step()
    X = pg.X.copy()
    pg.dataset.value = "xor"
    assert pg.epoch == 0 and not np.array_equal(X, pg.X)
    np.testing.assert_array_equal(pg.X, datasets.xor(200, noise=0.1, seed=1)[0])
    pg.noise.value = 0.3
    np.testing.assert_array_equal(pg.X, datasets.xor(200, noise=0.3, seed=1)[0])
    pg.test_fraction.value = 0.2
    assert len(pg.X_test) == 40
    pg.samples.value = 100
    assert len(pg.X) == 100


def test_feature_checkboxes_set_the_inputs(pg):
    pg.features["x1^2"].value = True
    pg.features["x1*x2"].value = True
    assert pg.model.layers[0] == 4
    assert list(pg.crosses.get_feature_names_out()) == ["x1", "x2", "x1^2", "x1*x2"]
    for name in ("x1", "x2", "x1^2", "x1*x2"):
        pg.features[name].value = False
    assert pg.model is None and "choose at least one feature" in pg.status.value
    pg.step()  # nothing to train: no error
    pg.features["sin(x1)"].value = True
    assert pg.model.layers[0] == 1


def test_layer_buttons_and_activations(pg):
    pg.add_layer.click()
    assert pg.model.layers == (2, 4, 2, 2, 1)
    pg.remove_layer.click()
    pg.remove_layer.click()
    assert pg.model.layers == (2, 4, 1)
    units, activation = pg.hidden.children[0].children
    units.value = 6
    activation.value = "relu"
    assert pg.model.layers == (2, 6, 1)
    assert pg.model.get_params()["activation"] == ["relu"]
    pg.remove_layer.click()
    assert pg.model.layers == (2, 1)  # a linear model is allowed
    pg.add_layer.click()
    assert pg.model.layers == (2, 4, 1)


def test_optimizer_settings_change_the_running_model(pg):
    pg.step()
    weights = [w.copy() for w in pg.model.weights]
    pg.learning_rate.value = 0.3
    pg.optimizer.value = "adam"
    pg.batch_size.value = None
    pg.l2.value = 0.01
    params = pg.model.get_params()
    assert (params["learning_rate"], params["optimizer"], params["batch_size"], params["l2"]) == (
        0.3,
        "adam",
        None,
        0.01,
    )
    assert pg.epoch == 10
    for a, b in zip(weights, pg.model.weights):
        np.testing.assert_array_equal(a, b)


def test_reset_and_seed_are_deterministic(pg):
    start = [w.copy() for w in pg.model.weights]
    pg.step()
    pg.reset_button.click()
    assert pg.epoch == 0
    for a, b in zip(start, pg.model.weights):
        np.testing.assert_array_equal(a, b)
    pg.seed.value = 2
    assert not np.array_equal(start[0], pg.model.weights[0])


def test_code_rebuilds_the_same_trained_model(pg):
    pg.features["x1^2"].value = True
    pg.step(30)
    namespace: dict = {}
    exec(pg.code(), namespace)
    rebuilt = namespace["model"]
    assert rebuilt.model.layers == pg.model.layers
    for a, b in zip(rebuilt.weights, pg.model.weights):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert "model.fit(X_train, y_train, 30)" in pg.code()


def test_your_own_data_with_three_classes_gets_a_softmax_output():
    X, y = datasets.spirals(150, classes=3, seed=0)
    pg = annlib.playground(X, y)
    assert pg.dataset.value == "your data" and pg.noise.disabled
    assert pg.model.layers[-1] == 3
    assert pg.model.get_params()["output_activation"] == "softmax"
    pg.step(5)
    assert pg.model.predict_proba(pg.crosses.transform(X)).shape == (150, 3)
    assert "X, y = ...  # your data" in pg.code()
    pg.dataset.value = "moons"
    assert pg.model.layers[-1] == 1 and not pg.noise.disabled


def test_play_trains_in_the_background_until_paused(pg):
    stepped = threading.Event()
    step = pg.step

    def counting_step(*args, **kwargs):
        step(*args, **kwargs)
        stepped.set()

    pg.step = counting_step
    pg.play.value = True
    assert pg.play.description == "❚❚ pause"
    assert stepped.wait(timeout=60)
    pg.pause()
    assert pg.epoch >= 10 and pg.epoch % 10 == 0
    assert pg.play.description == "▶ play" and pg._thread is None
    epoch = pg.epoch
    pg.redraw()
    assert pg.epoch == epoch  # paused means paused


@pytest.mark.parametrize(
    "args, error, match",
    [
        ((np.zeros((4, 2)), None), ValueError, "give both"),
        ((np.zeros((4, 3)), [0, 1, 0, 1]), ValueError, "2 columns"),
        ((np.zeros((4, 2)), [0, 1]), ValueError, "one per row"),
        ((np.zeros((4, 2)), [1, 1, 1, 1]), ValueError, "two classes"),
    ],
)
def test_bad_user_data(args, error, match):
    with pytest.raises(error, match=match):
        annlib.playground(*args)


def test_repr_says_what_is_playing(pg):
    assert repr(pg) == "Playground(data='circles', layers=[2, 4, 2, 1], epoch=0)"
