"""annlib.plot on the Agg backend: each picture draws, and its artists hold the data given."""

from __future__ import annotations

import inspect
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import to_rgba
from matplotlib.patches import Rectangle

import annlib
from annlib import datasets, plot


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


class FakeModel:
    """The duck-typed model the plots need: predict, layers, weights."""

    def __init__(self, layers=(2, 3, 1), seed=0):
        rng = np.random.default_rng(seed)
        self.layers = tuple(layers)
        self.weights = [rng.standard_normal((a, b)) for a, b in zip(layers[:-1], layers[1:])]
        self.calls = []

    def predict(self, X):
        self.calls.append(np.array(X))
        return np.where(X[:, 0] + X[:, 1] > 0, 1, -1)


# --- import cost -------------------------------------------------------------


def test_importing_annlib_plot_does_not_import_matplotlib():
    code = "import sys, annlib, annlib.plot; print('matplotlib' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_plot_is_reachable_from_the_package_lazily():
    assert annlib.plot is plot


# --- patterns ----------------------------------------------------------------


def test_patterns_draws_every_pattern_on_one_axes_with_its_data_and_title():
    states = datasets.glyphs("ABC", size=8)
    ax = plot.patterns(states, (8, 8), titles=["a", "b", "c"])
    assert len(ax.figure.axes) == 1
    assert [image.get_gid() for image in ax.images] == ["pattern[0]", "pattern[1]", "pattern[2]"]
    for image, state in zip(ax.images, states):
        np.testing.assert_array_equal(image.get_array(), state.reshape(8, 8))
    assert [text.get_text() for text in ax.texts] == ["a", "b", "c"]
    # Left to right in one row, each title above its own panel, panels apart.
    boxes = [image.get_extent() for image in ax.images]  # (left, right, bottom, top), y down
    assert all(boxes[k][1] < boxes[k + 1][0] for k in range(2))
    for text, (left, right, _, top) in zip(ax.texts, boxes):
        x, y = text.get_position()
        assert left < x < right and y < top  # y grows downwards: above the panel


def test_patterns_wraps_rows_and_draws_on_the_axes_given():
    states = datasets.random_patterns(5, 16, seed=0)
    ax = plt.figure().gca()
    assert plot.patterns(states, columns=2, ax=ax) is ax
    lefts = [image.get_extent()[0] for image in ax.images]
    tops = [image.get_extent()[3] for image in ax.images]
    assert lefts[0] == lefts[2] == lefts[4] < lefts[1] == lefts[3]
    assert tops[0] == tops[1] < tops[2] == tops[3] < tops[4]
    single = plot.patterns(states[0], (2, 8))
    assert single.images[0].get_array().shape == (2, 8)


@pytest.mark.parametrize(
    "kwargs, error, argument",
    [
        ({"states": np.ones((2, 10))}, ValueError, "shape"),
        ({"states": np.ones((2, 16)), "shape": (3, 5)}, ValueError, "shape"),
        ({"states": np.ones((2, 16)), "titles": ["one"]}, ValueError, "titles"),
        ({"states": np.ones((2, 16)), "ax": "axes"}, TypeError, "ax"),
        ({"states": [[np.nan] * 4]}, ValueError, "states"),
    ],
)
def test_patterns_rejects_bad_input(kwargs, error, argument):
    with pytest.raises(error, match=rf"^{argument}:"):
        plot.patterns(**kwargs)


def test_patterns_draws_on_one_axes_not_a_list_of_them():
    _, axes = plt.subplots(1, 2)
    with pytest.raises(TypeError, match=r"^ax: expected a matplotlib Axes or None"):
        plot.patterns(np.ones((2, 4)), (2, 2), ax=axes)


# --- energy and capacity -----------------------------------------------------


def test_energy_draws_each_trace_as_given():
    traces = [np.array([0.0, -1.0, -2.5]), np.array([3.0, 1.0])]
    ax = plot.energy(traces, labels=["first", "second"])
    assert len(ax.lines) == 2
    for line, trace in zip(ax.lines, traces):
        np.testing.assert_array_equal(line.get_ydata(), trace)
        np.testing.assert_array_equal(line.get_xdata(), np.arange(len(trace)))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["first", "second"]
    assert len(plot.energy(np.array([[1.0, 0.0], [2.0, 1.0], [0.0, 0.0]])).lines) == 3
    assert len(plot.energy([5.0, 4.0, 4.0]).lines) == 1


@pytest.mark.parametrize(
    "trace, labels, error",
    [([], None, TypeError), ("abc", None, TypeError), ([1.0, 2.0], ["a", "b"], ValueError)],
)
def test_energy_rejects_bad_input(trace, labels, error):
    with pytest.raises(error, match=r"^(trace|labels):"):
        plot.energy(trace, labels=labels)


def test_capacity_draws_one_line_per_rule_and_the_critical_load():
    loads = np.array([0.05, 0.1, 0.15, 0.2])
    curves = {"hebbian": (loads, [1.0, 0.9, 0.2, 0.0]), "storkey": [1.0, 1.0, 0.8, 0.3]}
    ax = plot.capacity(curves, loads=loads, critical_load=0.138)
    data_lines = [line for line in ax.lines if line.get_label() in curves]
    assert [line.get_label() for line in data_lines] == ["hebbian", "storkey"]
    np.testing.assert_array_equal(data_lines[0].get_xdata(), loads)
    np.testing.assert_array_equal(data_lines[1].get_ydata(), curves["storkey"])
    assert len(ax.lines) == 3 and ax.lines[2].get_xdata()[0] == pytest.approx(0.138)


@pytest.mark.parametrize(
    "curves, loads, argument",
    [
        ({"a": [1.0, 0.5]}, None, "loads"),
        ({"a": ([0.1, 0.2], [1.0])}, None, r"curves\['a'\]"),
        ({}, None, "curves"),
        ([1.0, 2.0], None, "curves"),
    ],
)
def test_capacity_rejects_bad_input(curves, loads, argument):
    with pytest.raises((ValueError, TypeError), match=rf"^{argument}:"):
        plot.capacity(curves, loads=loads)


# --- loss curves -------------------------------------------------------------


def test_loss_curves_draw_loss_and_dashed_validation_per_run():
    histories = [
        {"loss": [1.0, 0.5, 0.25], "val_loss": [1.1, 0.7, 0.6]},
        {"loss": [0.8, 0.4]},
    ]
    ax = plot.loss_curves(
        histories, labels=["hn_2 lr_0.1 ok_True", "hn_4 lr_0.1 ok_True"], logy=True
    )
    assert len(ax.lines) == 3
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), histories[0]["loss"])
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), histories[0]["val_loss"])
    assert ax.lines[1].get_linestyle() == "--"
    assert ax.lines[1].get_color() == ax.lines[0].get_color() != ax.lines[2].get_color()
    np.testing.assert_array_equal(ax.lines[2].get_ydata(), histories[1]["loss"])
    assert ax.get_yscale() == "log"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [
        "hn_2 lr_0.1 ok_True",
        "hn_2 lr_0.1 ok_True (validation)",
        "hn_4 lr_0.1 ok_True",
    ]


class Trained:
    def __init__(self):
        self.history = {"loss": [0.3, 0.2, 0.1]}


@pytest.mark.parametrize(
    "histories, lines",
    [
        ({"loss": [3.0, 2.0]}, 1),
        ([3.0, 2.0, 1.0], 1),
        (np.array([[3.0, 2.0], [1.0, 0.5]]), 2),
        (Trained(), 1),
        ([Trained(), [1.0, 0.5]], 2),
        ({"run a": {"loss": [1.0]}, "run b": Trained()}, 2),
    ],
)
def test_loss_curves_accept_every_history_form(histories, lines):
    ax = plot.loss_curves(histories, validation=False)
    assert len(ax.lines) == lines


def test_loss_curves_label_mapping_runs_by_their_keys():
    ax = plot.loss_curves({"sgd": [1.0, 0.9], "adam": [1.0, 0.2]})
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["sgd", "adam"]


@pytest.mark.parametrize(
    "histories, kwargs, error, argument",
    [
        ({"val_loss": [1.0]}, {}, ValueError, "histories"),
        ([{"loss": [1.0]}, "x"], {}, TypeError, "histories"),
        ("loss", {}, TypeError, "histories"),
        ([[1.0], [2.0]], {"labels": ["only one"]}, ValueError, "labels"),
        ({"loss": [0.0, 0.0]}, {"logy": True}, ValueError, "logy"),
        ({"loss": [1.0]}, {"logy": "yes"}, TypeError, "logy"),
    ],
)
def test_loss_curves_reject_bad_input(histories, kwargs, error, argument):
    with pytest.raises(error, match=rf"^{argument}"):
        plot.loss_curves(histories, **kwargs)


# --- grid heat map -----------------------------------------------------------

FLAT = [
    {"hidden": h, "learning_rate": lr, "accuracy": h / 10 + lr}
    for h in (2, 8, 4)
    for lr in (0.1, 0.01)
]


def test_grid_heatmap_tabulates_flat_records_sorted_by_parameter():
    ax = plot.grid_heatmap(FLAT, x="hidden", y="learning_rate", value="accuracy")
    table = ax.images[0].get_array()
    expected = [[h / 10 + lr for h in (2, 4, 8)] for lr in (0.01, 0.1)]
    np.testing.assert_allclose(table, expected)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2", "4", "8"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0.01", "0.1"]
    assert len(ax.texts) == 6


def test_grid_heatmap_reads_nested_params_and_masks_missing_cells():
    nested = [
        {"params": {"hidden": r["hidden"], "lr": r["learning_rate"]}, "mean_score": r["accuracy"]}
        for r in FLAT[:-1]
    ]
    ax = plot.grid_heatmap(nested, "hidden", "lr", "mean_score", annotate=False)
    table = ax.images[0].get_array()
    assert table.shape == (2, 3) and int(np.ma.count_masked(table)) == 1
    assert len(ax.texts) == 0


def test_grid_heatmap_reads_cv_results_columns():
    cv_results = {
        "params": [{"a": 1, "b": "x"}, {"a": 2, "b": "x"}, {"a": 1, "b": "y"}, {"a": 2, "b": "y"}],
        "mean_test_score": np.array([0.1, 0.2, 0.3, 0.4]),
    }
    ax = plot.grid_heatmap(cv_results, "a", "b", "mean_test_score")
    np.testing.assert_allclose(ax.images[0].get_array(), [[0.1, 0.2], [0.3, 0.4]])


def test_grid_heatmap_leaves_failed_runs_blank():
    records = [{"x": 1, "y": 1, "score": float("nan")}, {"x": 2, "y": 1, "score": 0.5}]
    ax = plot.grid_heatmap(records, "x", "y", "score")
    assert np.ma.count_masked(ax.images[0].get_array()) == 1
    assert [t.get_text() for t in ax.texts] == ["0.5"]
    ax = plot.grid_heatmap(records[:1], "x", "y", "score")
    assert len(ax.texts) == 0


def test_grid_heatmaps_share_a_colour_scale_when_given_one():
    records = [{"x": 1, "y": 1, "score": 0.3}, {"x": 2, "y": 1, "score": 0.4}]
    ax = plot.grid_heatmap(records, "x", "y", "score", vmin=0.0, vmax=1.0)
    assert (ax.images[0].norm.vmin, ax.images[0].norm.vmax) == (0.0, 1.0)
    # Both values sit in the dark lower half of the shared scale: white text on both.
    assert [t.get_color() for t in ax.texts] == ["white", "white"]
    own = plot.grid_heatmap(records, "x", "y", "score")
    assert (own.images[0].norm.vmin, own.images[0].norm.vmax) == (0.3, 0.4)
    assert [t.get_color() for t in own.texts] == ["white", "black"]
    for bad, error, match in [
        (dict(vmin="0"), TypeError, r"^vmin: expected a real number"),
        (dict(vmax=float("nan")), ValueError, r"^vmax: expected a finite number"),
        (dict(vmin=1.0, vmax=1.0), ValueError, r"^vmax: expected a number > 1.0, got 1.0"),
    ]:
        with pytest.raises(error, match=match):
            plot.grid_heatmap(records, "x", "y", "score", **bad)


@pytest.mark.parametrize("aggregate, expected", [("max", 0.9), ("min", 0.5), ("mean", 0.7)])
def test_grid_heatmap_aggregates_records_sharing_a_cell_only_when_asked(aggregate, expected):
    records = [{"x": 1, "y": 1, "score": 0.5}, {"x": 1, "y": 1, "score": 0.9}]
    with pytest.raises(ValueError, match=r"^results: 2 records share"):
        plot.grid_heatmap(records, "x", "y", "score")
    ax = plot.grid_heatmap(records, "x", "y", "score", aggregate=aggregate)
    assert ax.images[0].get_array()[0, 0] == pytest.approx(expected)


@pytest.mark.parametrize(
    "kwargs, error, argument",
    [
        ({"x": "depth"}, ValueError, "x"),
        ({"y": "depth"}, ValueError, "y"),
        ({"value": "loss"}, ValueError, "value"),
        ({"results": []}, TypeError, "results"),
        ({"results": [FLAT[0], 3]}, TypeError, r"results\[1\]"),
        ({"results": [{"hidden": 1, "learning_rate": 1, "accuracy": "high"}]}, TypeError, "value"),
        ({"aggregate": "median"}, ValueError, "aggregate"),
    ],
)
def test_grid_heatmap_rejects_bad_input(kwargs, error, argument):
    arguments = {
        "results": FLAT,
        "x": "hidden",
        "y": "learning_rate",
        "value": "accuracy",
        **kwargs,
    }
    with pytest.raises(error, match=rf"^{argument}:"):
        plot.grid_heatmap(**arguments)


# --- decision boundary -------------------------------------------------------


def test_decision_boundary_predicts_once_over_the_grid_and_draws_the_regions():
    X, y = datasets.two_gaussians(60, means=((1, 1), (-1, -1)), seed=0, labels="pm1")
    model = FakeModel()
    ax = plot.decision_boundary(model, X, y, resolution=50)
    assert len(model.calls) == 1
    grid = model.calls[0]
    assert grid.shape == (2500, 2)
    low, high = X.min(axis=0), X.max(axis=0)
    assert (grid.min(axis=0) < low).all() and (grid.max(axis=0) > high).all()
    regions = ax.images[0].get_array()
    expected = (model.predict(grid) == 1).astype(int).reshape(50, 50)  # index into [-1, 1]
    np.testing.assert_array_equal(regions, expected)
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(scatters) == 2
    assert sum(len(s.get_offsets()) for s in scatters) == len(X)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["-1", "1"]


def test_decision_boundary_colours_each_class_like_its_region_for_many_classes():
    X, y = datasets.spirals(80, classes=4, seed=0)

    class Nearest:
        def predict(self, grid):
            distances = ((grid[:, None, :] - X[None, :, :]) ** 2).sum(axis=2)
            return y[distances.argmin(axis=1)]

    ax = plot.decision_boundary(Nearest(), X, y, resolution=40)
    assert set(np.unique(ax.images[0].get_array())) == {0, 1, 2, 3}
    cmap = ax.images[0].get_cmap()
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    for k, scatter in enumerate(scatters):
        np.testing.assert_allclose(scatter.get_facecolor()[0], cmap(k))


def test_decision_boundary_accepts_column_predictions_and_no_labels():
    class Column(FakeModel):
        def predict(self, X):
            return super().predict(X)[:, None].astype(float)

    ax = plot.decision_boundary(Column(), np.array([[0.0, 0.0], [1.0, 1.0]]), resolution=10)
    assert ax.images[0].get_array().shape == (10, 10)


class Quadrants:
    """Four classes by quadrant (0 top left, then clockwise): class 0 borders both 1 and 3."""

    def predict(self, X):
        right, up = X[:, 0] >= 0, X[:, 1] >= 0
        return np.where(up, np.where(right, 1, 0), np.where(right, 2, 3))


def unit_edges(segments, x_edges, y_edges):
    """Every pixel edge that a set of axis-aligned segments covers, with repeats."""
    covered = []
    for (x0, y0), (x1, y1) in segments:
        if x0 == x1:  # vertical: pixel edges between rows
            column = int(np.argmin(np.abs(x_edges - x0)))
            rows = np.flatnonzero(
                (y_edges[:-1] >= min(y0, y1) - 1e-9) & (y_edges[1:] <= max(y0, y1) + 1e-9)
            )
            covered += [("|", column, row) for row in rows]
        else:
            row = int(np.argmin(np.abs(y_edges - y0)))
            columns = np.flatnonzero(
                (x_edges[:-1] >= min(x0, x1) - 1e-9) & (x_edges[1:] <= max(x0, x1) + 1e-9)
            )
            covered += [("-", row, column) for column in columns]
    return covered


@pytest.mark.parametrize("resolution", [7, 40])
def test_decision_boundary_draws_every_border_once_at_one_width(resolution):
    X = np.array([[-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, -1.0]])
    ax = plot.decision_boundary(Quadrants(), X, resolution=resolution)
    regions = ax.images[0].get_array()
    assert set(np.unique(regions)) == {0, 1, 2, 3}
    borders = by_gid(ax, "borders")
    assert len(set(np.asarray(borders.get_linewidths()).tolist())) == 1  # one width for all
    left, right, bottom, top = ax.images[0].get_extent()
    x_edges = np.linspace(left, right, resolution + 1)
    y_edges = np.linspace(bottom, top, resolution + 1)
    covered = unit_edges(borders.get_segments(), x_edges, y_edges)
    assert len(covered) == len(set(covered))  # no pixel edge is drawn twice
    expected = {("|", j + 1, i) for i, j in zip(*np.nonzero(regions[:, 1:] != regions[:, :-1]))}
    expected |= {("-", i + 1, j) for i, j in zip(*np.nonzero(regions[1:] != regions[:-1]))}
    assert set(covered) == expected  # and every border between two classes is drawn


def test_decision_boundary_centres_each_pixel_on_its_grid_point():
    model = FakeModel()
    ax = plot.decision_boundary(model, np.array([[0.0, 0.0], [1.0, 2.0]]), resolution=5, margin=0)
    grid = model.calls[0]
    left, right, bottom, top = ax.images[0].get_extent()
    step_x, step_y = (right - left) / 5, (top - bottom) / 5
    assert grid[:, 0].min() == pytest.approx(left + step_x / 2)
    assert grid[:, 1].max() == pytest.approx(top - step_y / 2)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$x_1$", "$x_2$")


@pytest.mark.parametrize(
    "model, X, y, kwargs, error, argument",
    [
        (object(), np.zeros((3, 2)), None, {}, TypeError, "model"),
        (FakeModel(), np.zeros((3, 3)), None, {}, ValueError, "X"),
        (FakeModel(), np.zeros((3, 2)), [0, 1], {}, ValueError, "y"),
        (FakeModel(), np.zeros((3, 2)), None, {"resolution": 1}, ValueError, "resolution"),
        (FakeModel(), np.zeros((3, 2)), None, {"margin": -1.0}, ValueError, "margin"),
        (FakeModel(), np.zeros((3, 2)), None, {"ax": 5}, TypeError, "ax"),
        (FakeModel(), np.zeros((3, 2)), None, {"border_width": -1}, ValueError, "border_width"),
        (FakeModel(), np.zeros((3, 2)), [1, 1, -1], {"legend": "left"}, ValueError, "legend"),
    ],
)
def test_decision_boundary_rejects_bad_input(model, X, y, kwargs, error, argument):
    with pytest.raises(error, match=rf"^{argument}:"):
        plot.decision_boundary(model, X, y, **kwargs)


def test_decision_boundary_rejects_a_model_returning_the_wrong_number_of_labels():
    class Broken(FakeModel):
        def predict(self, X):
            return np.zeros(3)

    with pytest.raises(ValueError, match=r"^model: expected predict\(\) to return one label"):
        plot.decision_boundary(Broken(), np.zeros((3, 2)))


# --- architecture ------------------------------------------------------------


def by_gid(ax, gid):
    found = [artist for artist in ax.get_children() if artist.get_gid() == gid]
    assert len(found) == 1, f"{len(found)} artists named {gid!r}"
    return found[0]


@pytest.mark.parametrize("layers", [(2, 3, 1), (2, 8, 8, 8, 8, 8, 4), (4, 1)])
def test_architecture_draws_one_edge_per_weight_and_one_node_per_unit(layers):
    model = FakeModel(layers)
    ax = plot.architecture(model)
    for k, matrix in enumerate(model.weights):
        edges = by_gid(ax, f"weights[{k}]")
        assert isinstance(edges, LineCollection)
        segments = edges.get_segments()
        assert len(segments) == matrix.size
        # Row-major: the first edge joins unit 0 to unit 0, the last the last units.
        assert segments[0][0, 0] == k and segments[-1][1, 0] == k + 1
        assert segments[0][0, 1] > segments[-1][0, 1]  # unit 0 on top
    for layer, size in enumerate(layers):
        nodes = by_gid(ax, f"layer[{layer}]")
        assert isinstance(nodes, PathCollection) and len(nodes.get_offsets()) == size


def test_architecture_draws_wide_layers_as_bars_and_their_weights_as_matrices():
    model = FakeModel((784, 300, 10))
    ax = plot.architecture(model)
    assert isinstance(by_gid(ax, "layer[0]"), Rectangle)
    assert isinstance(by_gid(ax, "layer[1]"), Rectangle)
    assert len(by_gid(ax, "layer[2]").get_offsets()) == 10
    for k, matrix in enumerate(model.weights):
        image = by_gid(ax, f"weights[{k}]")
        np.testing.assert_array_equal(image.get_array(), matrix)
        left, right, bottom, top = image.get_extent()
        assert k < left < right < k + 1 and (bottom, top) == (0.0, 1.0)
    assert not any(isinstance(c, LineCollection) for c in ax.collections)


def test_architecture_mixes_edges_and_matrices_by_the_number_of_weights():
    model = FakeModel((2, 32, 32, 4))
    ax = plot.architecture(model)  # max_edges=64: 2 x 32 edges, then two matrices
    kinds = [type(by_gid(ax, f"weights[{k}]")).__name__ for k in range(3)]
    assert kinds == ["LineCollection", "AxesImage", "AxesImage"]
    ax = plot.architecture(model, max_edges=128, max_nodes=40)
    kinds = [type(by_gid(ax, f"weights[{k}]")).__name__ for k in range(3)]
    assert kinds == ["LineCollection", "AxesImage", "LineCollection"]


@pytest.mark.parametrize("layers", [(2, 4, 1), (2, 32, 32, 4), (64, 32, 64), (784, 300, 10)])
@pytest.mark.parametrize("figsize", [(6.4, 4.4), (4.0, 2.5)])
def test_architecture_nodes_never_overlap_at_any_width(layers, figsize):
    figure = plt.figure(figsize=figsize)
    ax = plot.architecture(FakeModel(layers), ax=figure.gca())
    for layer, size in enumerate(layers):
        nodes = by_gid(ax, f"layer[{layer}]")
        if isinstance(nodes, Rectangle) or size == 1:
            continue
        heights = ax.transData.transform(nodes.get_offsets())[:, 1]  # pixels
        spacing = np.min(np.abs(np.diff(heights)))
        diameter = np.sqrt(nodes.get_sizes()[0]) * figure.dpi / 72.0
        assert diameter < spacing
    # Readable means few artists: at most max_edges edges between two layers.
    edges = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert all(len(c.get_segments()) <= 64 for c in edges)


def test_architecture_colours_updates_by_sign_and_widths_by_magnitude():
    model = FakeModel((2, 3, 1))
    updates = [np.array([[0.5, -0.1, 0.0], [-2.0, 1.0, 0.25]]), np.array([[0.1], [-0.3], [0.0]])]
    ax = plot.architecture(model, weight_updates=updates, max_linewidth=4.0)
    edges = [by_gid(ax, f"weights[{k}]") for k in range(2)]
    values = np.concatenate([u.ravel() for u in updates])
    colors = np.concatenate([e.get_colors() for e in edges])
    for value, color in zip(values, colors):
        expected = "tab:green" if value > 0 else "tab:red" if value < 0 else "lightgrey"
        np.testing.assert_allclose(color[:3], to_rgba(expected)[:3])
    widths = np.concatenate([np.asarray(e.get_linewidths()) for e in edges])
    assert widths[np.argmax(np.abs(values))] == pytest.approx(4.0)
    assert np.all(np.diff(widths[np.argsort(np.abs(values))]) >= 0)


def test_architecture_matrices_colour_sign_green_and_red_on_the_shared_scale():
    model = FakeModel((40, 3, 1))
    updates = [np.zeros((40, 3)), np.array([[0.1], [-0.3], [0.0]])]
    updates[0][0, 0], updates[0][1, 1] = 0.6, -0.6
    ax = plot.architecture(model, weight_updates=updates, scale=0.6)
    image = by_gid(ax, "weights[0]")
    np.testing.assert_array_equal(image.get_array(), updates[0])
    assert (image.norm.vmin, image.norm.vmax) == (-0.6, 0.6)
    green, red, zero = image.to_rgba(np.array([0.6, -0.6, 0.0]))
    np.testing.assert_allclose(green[:3], to_rgba("tab:green")[:3], atol=0.01)
    np.testing.assert_allclose(red[:3], to_rgba("tab:red")[:3], atol=0.01)
    np.testing.assert_allclose(zero[:3], [1.0, 1.0, 1.0], atol=0.01)


def test_architecture_without_updates_colours_edges_by_weight_sign():
    model = FakeModel((3, 4, 2), seed=5)
    ax = plot.architecture(model)
    colors = np.concatenate([by_gid(ax, f"weights[{k}]").get_colors() for k in range(2)])
    values = np.concatenate([w.ravel() for w in model.weights])
    assert 0 < np.sum(values > 0) < len(values)  # mixed signs
    is_green = np.all(np.isclose(colors[:, :3], to_rgba("tab:green")[:3]), axis=1)
    np.testing.assert_array_equal(is_green, values > 0)


def test_architecture_rejects_mismatched_updates_and_models():
    model = FakeModel((2, 3, 1))
    with pytest.raises(ValueError, match=r"^weight_updates\[1\]: expected shape \(3, 1\)"):
        plot.architecture(model, weight_updates=[np.zeros((2, 3)), np.zeros((1, 3))])
    with pytest.raises(ValueError, match=r"^weight_updates: expected 2 arrays"):
        plot.architecture(model, weight_updates=[np.zeros((2, 3))])
    with pytest.raises(TypeError, match=r"^weight_updates:"):
        plot.architecture(model, weight_updates=np.zeros((2, 3)))
    for bad, argument in [({"max_nodes": 0}, "max_nodes"), ({"max_edges": -1}, "max_edges")]:
        with pytest.raises(ValueError, match=rf"^{argument}:"):
            plot.architecture(model, **bad)
    model.weights[0] = model.weights[0].T
    with pytest.raises(ValueError, match=r"^model.weights\[0\]: expected shape \(2, 3\)"):
        plot.architecture(model)
    with pytest.raises(TypeError, match=r"^model:"):
        plot.architecture(object())


# --- training_animation ------------------------------------------------------


def gif_frames(path):
    from PIL import Image

    with Image.open(path) as image:
        return image.format, image.n_frames


def xor_classifier(seed=0):
    return annlib.MLP([2, 3, 1], output_activation="sigmoid", learning_rate=0.5, seed=seed)


def animation_case(view):
    """A tiny model and its data for each view (image: a 6 x 5 picture as (x, y) -> intensity)."""
    if view == "image":
        image = np.linspace(0.0, 1.0, 30).reshape(6, 5)
        X, y = datasets.image_to_xy(image)
        model = annlib.MLP([2, 4, 1], activation="leaky_relu", learning_rate=0.1, seed=0)
        return model, X, y, {"image_shape": image.shape}
    X, y = datasets.xor(40, noise=0.1, seed=0)
    return xor_classifier(), X, y, {}


@pytest.mark.parametrize("view", ["decision_boundary", "architecture", "image"])
@pytest.mark.parametrize(("epochs", "every", "frames"), [(6, 2, 3), (7, 3, 3), (2, 5, 1)])
def test_training_animation_writes_one_frame_per_callback(tmp_path, view, epochs, every, frames):
    model, X, y, extra = animation_case(view)
    path = plot.training_animation(
        model,
        X,
        y,
        epochs,
        every,
        view=view,
        path=tmp_path / "run.gif",
        dpi=20,
        resolution=10,
        **extra,
    )
    assert path == tmp_path / "run.gif"
    assert gif_frames(path) == ("GIF", frames)
    assert len(model.history["loss"]) == epochs
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.gif"]  # no temporary left


def test_training_animation_trains_exactly_like_fit(tmp_path):
    X, y = datasets.xor(40, noise=0.1, seed=1)
    animated, plain = xor_classifier(seed=3), xor_classifier(seed=3)
    plot.training_animation(
        animated, X, y, 20, 5, view="architecture", path=tmp_path / "a.gif", dpi=20
    )
    plain.fit(X, y, 20)
    for a, b in zip(animated.weights, plain.weights):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(animated.history["loss"], plain.history["loss"])


def test_training_animation_leaves_no_file_when_training_fails(tmp_path):
    X, y = datasets.xor(40, noise=0.1, seed=0)
    regressor = annlib.MLP([2, 3, 1], seed=0)  # identity output: float targets, no classes
    with pytest.raises(ValueError, match=r"^view: 'decision_boundary' needs a classifier"):
        plot.training_animation(regressor, X, y.astype(float), 4, 2, path=tmp_path / "r.gif")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("kwargs", "error", "argument"),
    [
        ({"view": "weights"}, ValueError, "view"),
        ({"view": 3}, TypeError, "view"),
        ({"epochs": 0}, ValueError, "epochs"),
        ({"every": 0}, ValueError, "every"),
        ({"every": 1.5}, TypeError, "every"),
        ({"view": "image"}, ValueError, "image_shape"),
        ({"view": "image", "image_shape": (4, 0)}, ValueError, "image_shape"),
        ({"image_shape": (4, 10)}, ValueError, "image_shape"),
        ({"path": "run.png"}, ValueError, "path"),
        ({"path": 3}, TypeError, "path"),
        ({"path": "missing-folder/run.gif"}, FileNotFoundError, "path"),
        ({"fps": 0}, ValueError, "fps"),
        ({"model": object()}, TypeError, "model"),
        ({"X": np.zeros((40, 3))}, ValueError, "X"),
    ],
)
def test_training_animation_rejects_bad_arguments(tmp_path, monkeypatch, kwargs, error, argument):
    monkeypatch.chdir(tmp_path)
    X, y = datasets.xor(40, noise=0.1, seed=0)
    arguments = {"model": xor_classifier(), "X": X, "y": y, "epochs": 4, "every": 2, **kwargs}
    with pytest.raises(error, match=rf"^{argument}:"):
        plot.training_animation(**arguments)
    assert list(tmp_path.iterdir()) == []


def test_architecture_scale_sets_the_magnitude_drawn_widest():
    model = FakeModel((2, 3, 1))
    updates = [np.array([[0.5, -0.1, 0.0], [-2.0, 1.0, 0.25]]), np.array([[0.1], [-0.3], [0.0]])]
    ax = plot.architecture(model, weight_updates=updates, max_linewidth=4.0, scale=1.0)
    widths = np.concatenate(
        [np.asarray(by_gid(ax, f"weights[{k}]").get_linewidths()) for k in range(2)]
    )
    magnitudes = np.abs(np.concatenate([u.ravel() for u in updates]))
    # 0.2 for nothing, 4.0 from the scale up (clipped), linear in between.
    np.testing.assert_allclose(widths, 0.2 + 3.8 * np.minimum(magnitudes, 1.0))
    with pytest.raises(ValueError, match=r"^scale:"):
        plot.architecture(model, scale=0.0)


def test_training_animation_architecture_frames_share_one_width_scale(tmp_path, monkeypatch):
    scales = []
    drawn = plot.architecture

    def spy(*args, **kwargs):
        scales.append(kwargs.get("scale"))
        return drawn(*args, **kwargs)

    monkeypatch.setattr(plot.animation, "architecture", spy)
    X, y = datasets.xor(40, noise=0.1, seed=0)
    plot.training_animation(
        xor_classifier(), X, y, 9, 3, view="architecture", path=tmp_path / "a.gif", dpi=20
    )
    assert len(scales) == 3 and scales[0] is not None and scales.count(scales[0]) == 3


# --- what every plot function shares ------------------------------------------

RESULTS = [{"x": 1, "y": 1, "score": 0.3}, {"x": 2, "y": 1, "score": 0.4}]

#: One call per plot function, drawing on the given axes (None: a new figure).
DRAWS = {
    "architecture": lambda ax: plot.architecture(FakeModel(), ax=ax),
    "capacity": lambda ax: plot.capacity({"hebbian": ([0.1, 0.2], [1.0, 0.5])}, ax=ax),
    "decision_boundary": lambda ax: plot.decision_boundary(
        FakeModel(), np.array([[0.0, 1.0], [1.0, -1.0]]), [1, -1], ax=ax, resolution=5
    ),
    "energy": lambda ax: plot.energy([3.0, 1.0], ax=ax, labels=["a"]),
    "grid_heatmap": lambda ax: plot.grid_heatmap(RESULTS, "x", "y", "score", ax=ax),
    "loss_curves": lambda ax: plot.loss_curves({"a": [1.0, 0.5]}, ax=ax),
    "memory_capacity": lambda ax: plot.memory_capacity({"a": ([0.1, 2.0], [1.0, 0.5])}, 100, ax=ax),
    "patterns": lambda ax: plot.patterns(np.ones((2, 4)), (2, 2), ax=ax),
    # Views inside the network (tests/test_views.py tests what they draw).
    "activations": lambda ax: plot.activations(annlib.MLP([2, 2, 1], seed=0), [[0.0, 1.0]], ax=ax),
    "gradients": lambda ax: plot.gradients(
        annlib.MLP([2, 2, 1], seed=0), [[0.0, 1.0]], [0.5], ax=ax
    ),
    "unit_maps": lambda ax: plot.unit_maps(annlib.MLP([2, 2, 1], seed=0), ax=ax, resolution=3),
}


def test_every_plot_function_is_in_the_convention_table():
    # training_animation writes a GIF; live returns a fit callback that owns its figure.
    assert sorted([*DRAWS, "live", "training_animation"]) == plot.__all__


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_every_plot_function_returns_the_axes_it_drew_on(name):
    from matplotlib.axes import Axes

    ax = plt.figure().gca()
    assert DRAWS[name](ax) is ax
    assert ax.get_children()  # it drew there
    new = DRAWS[name](None)
    assert isinstance(new, Axes) and new is not ax and len(new.figure.axes) <= 2  # + colour bar


def test_training_animation_returns_the_path_of_the_gif_it_wrote(tmp_path):
    X, y = datasets.xor(20, noise=0.1, seed=0)
    path = plot.training_animation(
        xor_classifier(), X, y, 2, 1, path=str(tmp_path / "t.gif"), dpi=20, resolution=5
    )
    assert path == tmp_path / "t.gif" and path.is_file()


def documented_parameters(function):
    """{parameter name: its header line} from a numpy-style docstring."""
    text = function.__doc__.split("Parameters\n    ----------\n", 1)[1].split("\n    Returns", 1)[0]
    headers = {}
    for line in text.splitlines():
        if line.startswith("    ") and not line.startswith("     ") and " : " in line:
            names, _ = line.strip().split(" : ", 1)
            for name in names.split(", "):
                headers[name] = line
    return headers


@pytest.mark.parametrize("name", plot.__all__)
def test_every_parameter_is_in_the_signature_and_documented_with_its_default(name):
    function = getattr(plot, name)
    signature = inspect.signature(function)
    kinds = {p.kind for p in signature.parameters.values()}
    assert not kinds & {inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL}
    headers = documented_parameters(function)
    assert list(headers) == list(signature.parameters)  # all of them, in order
    for parameter in signature.parameters.values():
        if parameter.default is not inspect.Parameter.empty:
            assert f"default {parameter.default!r}" in headers[parameter.name], parameter.name


@pytest.mark.parametrize(
    "name",
    ["ANIMATION_VIEWS", "NEGATIVE_COLOR", "POSITIVE_COLOR", "ZERO_COLOR", *plot.__all__],
)
def test_names_of_the_former_plot_module_still_work(name):
    # annlib.plot was one module; every public name it had is still annlib.plot.NAME.
    assert getattr(annlib.plot, name) is not None


def test_training_animation_views_are_its_table_of_drawers():
    assert (
        plot.ANIMATION_VIEWS
        == tuple(plot.VIEWS)
        == ("decision_boundary", "architecture", "image", "units")
    )
    assert all(callable(getattr(drawer, "draw", None)) for drawer in plot.VIEWS.values())


def legend_box_and_points(ax):
    ax.figure.canvas.draw()
    box = ax.get_legend().get_window_extent()
    points = np.concatenate(
        [line.get_transform().transform(line.get_xydata()) for line in ax.lines]
    )
    return box, points


def test_loss_curves_legend_covers_no_curve_by_default():
    # Three runs falling from 1 like the demo's: the legend goes where no curve is.
    epochs = np.arange(1, 201)
    runs = {name: 1.0 / epochs**power for name, power in [("a", 0.3), ("b", 0.6), ("c", 1.2)]}
    ax = plot.loss_curves(runs, logy=True)
    box, points = legend_box_and_points(ax)
    assert not any(box.contains(x, y) for x, y in points)


LEGENDS = {
    "energy": lambda legend: plot.energy([3.0, 1.0], labels=["a"], legend=legend),
    "capacity": lambda legend: plot.capacity({"a": ([0.1, 0.2], [1.0, 0.5])}, legend=legend),
    "loss_curves": lambda legend: plot.loss_curves({"a": [1.0, 0.5]}, legend=legend),
    "memory_capacity": lambda legend: plot.memory_capacity(
        {"a": ([0.1, 2.0], [1.0, 0.5])}, 100, legend=legend
    ),
    "decision_boundary": lambda legend: plot.decision_boundary(
        FakeModel(), np.array([[0.0, 1.0], [1.0, -1.0]]), [1, -1], resolution=5, legend=legend
    ),
}


@pytest.mark.parametrize("name", sorted(LEGENDS))
def test_legends_go_best_inside_outside_or_nowhere(name):
    assert inspect.signature(getattr(plot, name)).parameters["legend"].default == "best"
    assert LEGENDS[name]("best").get_legend()._loc == 0  # matplotlib's code for 'best'
    ax = LEGENDS[name]("outside")
    ax.figure.canvas.draw()
    assert ax.get_legend().get_window_extent().x0 > ax.get_window_extent().x1
    assert LEGENDS[name]("none").get_legend() is None
    with pytest.raises(ValueError, match=r"^legend: expected one of"):
        LEGENDS[name]("top")


def test_a_single_pattern_sits_where_imshow_would_put_it_and_takes_tick_labels():
    # Notebook 02 labels the rows of one (3, 8) pattern with ticks of its own.
    states = np.array([[1, -1, 1, 1, -1, -1, 1, -1], [1] * 8, [-1] * 8], dtype=float)
    ax = plot.patterns(states.ravel(), shape=states.shape, ax=plt.figure().gca())
    assert ax.images[0].get_extent() == [-0.5, 7.5, 2.5, -0.5]
    assert ax.get_xlim() == (-0.5, 7.5) and ax.get_ylim() == (2.5, -0.5)
    ax.set_yticks(range(3), labels=["x1", "x2", "x3"])
    assert ax.axison and [t.get_text() for t in ax.get_yticklabels()] == ["x1", "x2", "x3"]


@pytest.mark.parametrize(
    "layers", [(2, 16, 16, 16, 16, 16, 4), (64, 48, 32, 16, 2, 16, 32, 48, 64)]
)
def test_architecture_circles_stay_clear_of_the_weight_matrices(layers):
    figure = plt.figure(figsize=(3.0, 4.5))  # narrow: little room between two layers
    ax = plot.architecture(FakeModel(layers), ax=figure.gca())
    for k in range(len(layers) - 1):
        image = by_gid(ax, f"weights[{k}]")
        if not hasattr(image, "get_extent"):
            continue
        left, right, _, _ = image.get_extent()
        for layer, edge in [(k, left), (k + 1, right)]:
            nodes = by_gid(ax, f"layer[{layer}]")
            if isinstance(nodes, Rectangle):
                continue
            radius = (np.sqrt(nodes.get_sizes()[0]) + 1.0) / 2 * figure.dpi / 72.0  # + edge
            centre = ax.transData.transform((layer, 0.5))[0]
            assert abs(ax.transData.transform((edge, 0.5))[0] - centre) > radius
