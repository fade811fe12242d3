"""Views inside the network (annlib.plot.units, annlib.plot.live) on the Agg backend.

Each view's artists hold the data: one image per unit with that unit's
activations over the grid, histogram rows per layer, one bar per weight layer.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

import annlib
from annlib import datasets, plot
from annlib.features import CrossedModel, cross
from annlib.plot.units import plane_grid


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def by_gid(ax, prefix):
    return {a.get_gid(): a for a in ax.get_children() if str(a.get_gid()).startswith(prefix)}


@pytest.fixture
def circles():
    return datasets.circles(120, noise=0.05, seed=0)


def hand_made_net():
    """2-4-3-1 tanh net whose first hidden unit is tanh(x1) and second tanh(-x2)."""
    net = annlib.MLP([2, 4, 3, 1], output_activation="sigmoid", loss="cross_entropy", seed=0)
    W0 = net.weights[0]
    W0[:, 0], W0[:, 1] = (1.0, 0.0), (0.0, -1.0)
    net.weights = [W0] + net.weights[1:]
    net.biases = [np.zeros(4), np.zeros(3), np.zeros(1)]
    return net


# --- unit_maps: two inputs ----------------------------------------------------


def test_unit_maps_draws_one_map_per_unit_with_its_activations(circles):
    X, y = circles
    net = hand_made_net()
    ax = plot.unit_maps(net, X, y, resolution=20)
    images = by_gid(ax, "unit[")
    assert sorted(images) == sorted(
        [f"unit[1][{j}]" for j in range(4)] + [f"unit[2][{j}]" for j in range(3)] + ["unit[3][0]"]
    )
    box = (X[:, 0].min(), X[:, 0].max(), X[:, 1].min(), X[:, 1].max())
    pad = 0.1 * (box[1] - box[0]), 0.1 * (box[3] - box[2])
    grid = plane_grid((box[0] - pad[0], box[1] + pad[0], box[2] - pad[1], box[3] + pad[1]), 20)
    A = net.forward(grid)
    for layer in (1, 2, 3):
        for j in range(net.layers[layer]):
            np.testing.assert_allclose(
                images[f"unit[{layer}][{j}]"].get_array(), A[layer][:, j].reshape(20, 20)
            )
    # tanh(x1): green at the right (x1 > 0), pink at the left; tanh(-x2) the other way up.
    first = images["unit[1][0]"]
    rgba = first.to_rgba(first.get_array())
    green, pink = rgba[10, -1], rgba[10, 0]
    assert green[1] > green[0] and pink[0] > pink[1]
    second = images["unit[1][1]"]
    rgba = second.to_rgba(second.get_array())
    assert rgba[0, 10][1] > rgba[0, 10][0]  # row 0 is the bottom: x2 < 0, so -x2 > 0: green
    # One colour scale per layer, symmetric about zero.
    assert first.get_clim() == second.get_clim()
    assert first.get_clim()[0] == -first.get_clim()[1]
    # A sigmoid output is a probability: pink at 0, white at 1/2, green at 1.
    assert images["unit[3][0]"].get_clim() == (0.0, 1.0)


def test_unit_maps_puts_the_samples_on_every_map(circles):
    X, y = circles
    ax = plot.unit_maps(hand_made_net(), X, y, resolution=8)
    scatters = by_gid(ax, "samples[")
    assert len(scatters) == 4 + 3 + 1
    for scatter in scatters.values():
        assert len(scatter.get_offsets()) == len(X)
    colours = {tuple(c) for c in scatters["samples[1][0]"].get_facecolors()}
    assert len(colours) == 2  # one per class
    assert not by_gid(plot.unit_maps(hand_made_net(), resolution=4), "samples[")


def test_unit_maps_lays_units_out_by_layer():
    ax = plot.unit_maps(annlib.MLP([2, 5, 2, 3], seed=0), resolution=4)
    images = by_gid(ax, "unit[")
    left = {gid: image.get_extent()[0] for gid, image in images.items()}
    assert len({left[f"unit[1][{j}]"] for j in range(5)}) == 1  # a layer is one column
    assert left["unit[1][0]"] < left["unit[2][0]"] < left["unit[3][0]"]
    tops = [images[f"unit[1][{j}]"].get_extent()[3] for j in range(5)]
    assert tops == sorted(tops)  # units top to bottom in order


def test_unit_maps_extent_fixes_the_plane():
    net = hand_made_net()
    ax = plot.unit_maps(net, extent=(0, 2, -1, 1), resolution=3)
    values = by_gid(ax, "unit[1][0]")["unit[1][0]"].get_array()
    np.testing.assert_allclose(values[0], np.tanh([0.0, 1.0, 2.0]))


def test_unit_maps_of_crossed_features_show_them_in_the_raw_plane(circles):
    X, y = circles
    names = ["x1^2", "x2^2", "sin(x1)"]
    model = CrossedModel(names, annlib.MLP([3, 2, 1], seed=0))
    ax = plot.unit_maps(model, extent=(-1, 1, -1, 1), resolution=6)
    images = by_gid(ax, "unit[")
    grid = plane_grid((-1, 1, -1, 1), 6)
    features = cross(grid, names)
    for j in range(3):
        np.testing.assert_allclose(
            images[f"unit[0][{j}]"].get_array(), features[:, j].reshape(6, 6)
        )
    assert {t.get_text() for t in ax.texts} >= set(names)
    hidden = model.model.forward(features)[1]
    np.testing.assert_allclose(images["unit[1][1]"].get_array(), hidden[:, 1].reshape(6, 6))
    # The same pictures from the bare network and features=.
    again = by_gid(
        plot.unit_maps(model.model, extent=(-1, 1, -1, 1), resolution=6, features=names), "unit["
    )
    np.testing.assert_array_equal(again["unit[1][1]"].get_array(), images["unit[1][1]"].get_array())


def test_decision_boundary_crosses_the_grid_for_a_model_trained_on_features(circles):
    X, y = circles
    settings = dict(output_activation="sigmoid", loss="cross_entropy", learning_rate=0.5, seed=0)
    model = CrossedModel(["x1^2", "x2^2"], annlib.MLP([2, 1], **settings)).fit(X, y, 300)
    regions = plot.decision_boundary(model, X, y, resolution=30).images[0].get_array()
    bare = plot.decision_boundary(model.model, X, y, resolution=30, features=["x1^2", "x2^2"])
    np.testing.assert_array_equal(bare.images[0].get_array(), regions)
    # A circle in the plane: the centre is one class, the corners the other.
    assert regions[15, 15] != regions[0, 0] == regions[-1, -1]


# --- unit_maps: wider inputs --------------------------------------------------


def test_unit_maps_of_image_inputs_are_the_receptive_fields():
    net = annlib.MLP([64, 6, 64], seed=0)
    ax = plot.unit_maps(net)
    images = by_gid(ax, "unit[1]")
    assert len(images) == 6
    for j in range(6):
        np.testing.assert_allclose(
            images[f"unit[1][{j}]"].get_array(), net.weights[0][:, j].reshape(8, 8)
        )
    shaped = by_gid(plot.unit_maps(net, image_shape=(4, 16)), "unit[1][0]")["unit[1][0]"]
    assert shaped.get_array().shape == (4, 16)


def test_unit_maps_of_other_wide_inputs_is_the_weight_matrix():
    net = annlib.MLP([5, 3, 1], seed=0)
    ax = plot.unit_maps(net)
    (matrix,) = by_gid(ax, "weights[0]").values()
    np.testing.assert_allclose(matrix.get_array(), net.weights[0])


@pytest.mark.parametrize(
    "model, kwargs, error, match",
    [
        (
            annlib.MLP([5, 3, 1], seed=0),
            {"X": np.zeros((3, 5))},
            ValueError,
            "only used for models on two",
        ),
        (
            annlib.MLP([64, 3, 1], seed=0),
            {"image_shape": (8, 7)},
            ValueError,
            "height \\* width == 64",
        ),
        (
            annlib.MLP([2, 3, 1], seed=0),
            {"image_shape": (1, 2)},
            ValueError,
            "more than two inputs",
        ),
        (annlib.MLP([2, 3, 1], seed=0), {"extent": (1, 0, 0, 1)}, ValueError, "extent: expected"),
        (
            annlib.MLP([2, 3, 1], seed=0),
            {"X": np.zeros((3, 2)), "y": [0, 1]},
            ValueError,
            "y: expected",
        ),
        (annlib.MLP([2, 3, 1], seed=0), {"resolution": 1}, ValueError, "resolution"),
        (object(), {}, TypeError, "model: expected an annlib.MLP"),
    ],
)
def test_unit_maps_bad_arguments(model, kwargs, error, match):
    with pytest.raises(error, match=match):
        plot.unit_maps(model, **kwargs)


# --- activations --------------------------------------------------------------


def test_activations_reports_dead_relus_and_saturated_sigmoids(capsys):
    net = annlib.MLP([2, 3, 4, 1], activation=["relu", "sigmoid"], seed=0)
    W0, W1 = net.weights[0], 50.0 * np.sign(net.weights[1])
    net.weights = [W0, W1, net.weights[2]]
    net.biases = [np.array([0.0, 0.0, -100.0]), np.zeros(4), np.zeros(1)]  # unit 2 never fires
    X = np.random.default_rng(0).uniform(-1, 1, size=(200, 2))
    ax = plot.activations(net, X, bins=20)
    printed = capsys.readouterr().out
    assert "hidden 1 (relu, 3): 1 of 3 units dead (33 %" in printed
    A = net.forward(X)
    relative = A[2]
    share = np.mean((relative < 0.02) | (relative > 0.98))
    assert share > 0.5
    assert f"{100 * share:.0f} % of activations saturated" in printed
    rows = by_gid(ax, "layer[")
    assert sorted(rows) == ["layer[1]", "layer[2]", "layer[3]"]
    heights = rows["layer[1]"].get_data().values - rows["layer[1]"].get_data().baseline
    edges = rows["layer[1]"].get_data().edges
    counts, _ = np.histogram(A[1], edges)
    np.testing.assert_allclose(heights, counts / counts.max() * 0.85)
    assert by_gid(ax, "summary[1]")["summary[1]"].get_text() in printed


def test_activations_of_a_healthy_tanh_net_report_little_saturation(capsys):
    net = annlib.MLP([2, 8, 1], activation="tanh", init="normal", init_std=0.1, seed=0)
    plot.activations(net, np.random.default_rng(1).uniform(-1, 1, size=(100, 2)))
    assert "hidden 1 (tanh, 8): 0 % of activations saturated" in capsys.readouterr().out


# --- gradients ----------------------------------------------------------------


def test_gradients_bars_are_the_mean_gradient_of_each_layer():
    X, y = datasets.xor(100, seed=0)
    net = annlib.MLP([2, 5, 4, 1], output_activation="sigmoid", loss="cross_entropy", seed=0)
    ax = plot.gradients(net, X, y)
    expected = [np.abs(dW).mean() for dW, _ in net.backward(X, y)]
    bars = by_gid(ax, "weights[")
    np.testing.assert_allclose([bars[f"weights[{k}]"].get_height() for k in range(3)], expected)
    dots = by_gid(ax, "gradients[")
    assert [len(dots[f"gradients[{k}]"].get_offsets()) for k in range(3)] == [10, 20, 4]
    assert ax.get_yscale() == "log"


def test_gradients_vanish_towards_the_input_of_a_deep_sigmoid_net():
    X, y = datasets.circles(200, seed=0)
    heights = {}
    for activation in ("sigmoid", "relu"):
        net = annlib.MLP(
            [2] + [16] * 8 + [1],
            activation=activation,
            output_activation="sigmoid",
            loss="cross_entropy",
            init="he" if activation == "relu" else "glorot",
            seed=0,
        )
        bars = by_gid(plot.gradients(net, X, y), "weights[")
        heights[activation] = [bars[f"weights[{k}]"].get_height() for k in range(9)]
    sigmoid, relu = heights["sigmoid"], heights["relu"]
    assert sigmoid[0] < 1e-3 * sigmoid[-1]  # three orders of magnitude lost on the way down
    assert relu[0] > 1e-2 * relu[-1]


# --- training_animation(view='units') -----------------------------------------


def test_training_animation_units_view_writes_one_frame_per_draw(tmp_path, circles):
    X, y = circles
    net = annlib.MLP([2, 3, 1], output_activation="sigmoid", loss="cross_entropy", seed=0)
    path = plot.training_animation(
        net, X, y, epochs=6, every=2, view="units", path=tmp_path / "units.gif", resolution=10
    )
    with Image.open(path) as gif:
        assert gif.n_frames == 3
    assert "units" in plot.ANIMATION_VIEWS


# --- live ---------------------------------------------------------------------


def test_live_draws_the_last_epoch_with_loss_boundary_and_unit_maps(circles):
    X, y = circles
    X_train, X_test, y_train, y_test = datasets.split(X, y, 0.25, seed=0)
    view = plot.live(X_train, y_train, X_test, y_test, epochs=30, every=10, budget=1.0)
    net = annlib.MLP([2, 3, 1], output_activation="sigmoid", loss="cross_entropy", seed=0)
    net.fit(X_train, y_train, 30, callback=view, callback_every=view.every)
    assert view.draws >= 1 and view.display is False  # not in a Jupyter kernel
    assert view.png.startswith(b"\x89PNG")
    loss_ax, boundary_ax, units_ax = view.figure.axes
    (train,) = [line for line in loss_ax.lines if line.get_gid() == "train"]
    np.testing.assert_allclose(train.get_ydata(), net.history["loss"])
    (test,) = [line for line in loss_ax.lines if line.get_gid() == "test"]
    assert test.get_ydata()[-1] == pytest.approx(net.loss(X_test, y_test))
    assert view.test_epochs[-1] == 30
    assert by_gid(boundary_ax, "regions")
    assert len(by_gid(units_ax, "unit[")) == 3 + 1
    assert "epoch 30" in view.figure.get_suptitle()


def test_live_keeps_drawing_within_its_budget(circles):
    X, y = circles
    net = annlib.MLP([2, 3, 1], output_activation="sigmoid", loss="cross_entropy", seed=0)
    view = plot.live(X, y, every=1, budget=1e-6, epochs=50, views="loss")
    net.fit(X, y, 50, callback=view)
    assert view.draws == 1  # only the last epoch: nothing else fits a budget of 1e-6
    generous = plot.live(X, y, every=5, budget=1.0, views=["loss"], epochs=50)
    net.fit(X, y, 50, callback=generous)
    assert 1 <= generous.draws <= 10
    assert (
        generous.draw_seconds
        <= 1.0 * generous.train_seconds + generous.draw_seconds / generous.draws
    )
    assert "frames" in repr(generous)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"views": ["nope"]}, ValueError, "views: expected names from"),
        ({"views": []}, ValueError, "at least one"),
        ({"X": np.zeros((3, 2)), "X_test": np.zeros((3, 2))}, ValueError, "give both"),
        ({"X": np.zeros((3, 2)), "budget": 0.0}, ValueError, "budget"),
        ({"X": np.zeros((3, 2)), "every": 0}, ValueError, "every"),
        ({}, ValueError, "X: the decision_boundary view needs"),
        ({"X": np.zeros((3, 2)), "display": "yes"}, TypeError, "display"),
    ],
)
def test_live_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        plot.live(**kwargs)


def test_views_are_in_the_plot_package():
    assert {"unit_maps", "activations", "gradients", "live"} <= set(plot.__all__)
