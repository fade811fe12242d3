"""What a new user meets in the first hour: file names and modes, defaults, signatures."""

from __future__ import annotations

import inspect
import os
import pydoc
import re
import stat

import numpy as np
import pytest

import annlib
from annlib import MLP, Hopfield

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
XOR_Y = [0, 1, 1, 0]


def trained_mlp(seed=0):
    return MLP([2, 3, 1], seed=seed).fit(XOR_X, XOR_Y, epochs=3)


def trained_hopfield():
    net = Hopfield(16, seed=0)
    net.train(annlib.random_patterns(2, 16, seed=1))
    return net


def weights_of(model):
    return model.W if isinstance(model, Hopfield) else model.weights[0]


SAVERS = {"MLP": (trained_mlp, MLP.load), "Hopfield": (trained_hopfield, Hopfield.load)}


# ------------------------------------------------------------------ files
@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.mark.parametrize("kind", SAVERS)
@pytest.mark.parametrize("name", ["net.annlib", "net", "net.npz", "model.v2.bin"])
def test_save_writes_exactly_the_name_given_and_load_reads_it(kind, name, tmp_path):
    make, load = SAVERS[kind]
    model = make()
    model.save(tmp_path / name)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
    np.testing.assert_array_equal(weights_of(load(tmp_path / name)), weights_of(model))


@pytest.mark.parametrize("kind", SAVERS)
def test_a_file_written_by_older_annlib_as_name_npz_still_loads_by_its_old_name(kind, tmp_path):
    # annlib before this change wrote save("net") to net.npz; load("net") found it.
    make, load = SAVERS[kind]
    make().save(tmp_path / "net.npz")
    assert type(load(tmp_path / "net")).__name__ == kind


@pytest.mark.parametrize("kind", SAVERS)
def test_a_new_file_gets_the_mode_of_the_umask(kind, tmp_path, umask_022):
    path = tmp_path / "net.annlib"
    SAVERS[kind][0]().save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    os.umask(0o077)
    other = tmp_path / "private.annlib"
    SAVERS[kind][0]().save(other)
    assert stat.S_IMODE(other.stat().st_mode) == 0o600


@pytest.mark.parametrize("kind", SAVERS)
def test_replacing_a_file_keeps_its_mode(kind, tmp_path, umask_022):
    path = tmp_path / "net.annlib"
    SAVERS[kind][0]().save(path)
    os.chmod(path, 0o640)
    SAVERS[kind][0]().save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


@pytest.mark.parametrize("kind", SAVERS)
def test_saving_to_a_folder_raises_and_writes_nothing(kind, tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    model = SAVERS[kind][0]()
    for target in (folder, str(folder) + "/", str(tmp_path / "new") + os.sep):
        with pytest.raises(IsADirectoryError, match=r"^path: .* is a folder"):
            model.save(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["models"]
    assert not any(folder.iterdir())


def test_an_animation_gets_the_mode_of_the_umask(tmp_path, umask_022):
    pytest.importorskip("matplotlib")
    from annlib import plot

    path = tmp_path / "training.gif"
    model = MLP([2, 3, 1], output_activation="sigmoid", seed=0)
    plot.training_animation(model, XOR_X, XOR_Y, epochs=2, every=1, path=path, resolution=10)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


# ------------------------------------------------------------------ defaults
@pytest.mark.parametrize("seed", range(10))
def test_the_first_network_learns_xor_with_the_defaults(seed):
    net = MLP([2, 4, 1], seed=seed).fit(XOR_X, XOR_Y)
    assert net.predict(XOR_X).tolist() == XOR_Y and net.accuracy(XOR_X, XOR_Y) == 1.0


AUTO_CASES = {
    "int-labels-one-output": ([2, 4, 1], [0, 1, 1, 0], "sigmoid", "cross_entropy", [0, 1]),
    "bool-labels": (
        [2, 4, 1],
        [False, True, True, False],
        "sigmoid",
        "cross_entropy",
        [False, True],
    ),
    "string-labels": (
        [2, 4, 1],
        ["no", "yes", "yes", "no"],
        "sigmoid",
        "cross_entropy",
        ["no", "yes"],
    ),
    "int-labels-three-outputs": ([2, 4, 3], [0, 1, 2, 0], "softmax", "cross_entropy", [0, 1, 2]),
    "string-labels-two-outputs": (
        [2, 4, 2],
        ["a", "b", "b", "a"],
        "softmax",
        "cross_entropy",
        ["a", "b"],
    ),
    "indicator-matrix": (
        [2, 4, 2],
        [[0, 1], [1, 1], [1, 0], [0, 0]],
        "sigmoid",
        "cross_entropy",
        [0, 1],
    ),
    "float-targets": ([2, 4, 1], [0.0, 1.0, 1.0, 0.0], "identity", "mse", None),
    "float-matrix": ([2, 4, 2], [[0.5, 1], [1, 1], [1, 0], [0, 0]], "identity", "mse", None),
    "int-matrix-not-0-1": ([2, 4, 2], [[0, 3], [1, 1], [1, 0], [0, 0]], "identity", "mse", None),
}


@pytest.mark.parametrize("case", AUTO_CASES)
def test_auto_output_and_loss_follow_the_first_targets(case):
    layers, y, output, loss, classes = AUTO_CASES[case]
    net = MLP(layers, seed=0)
    assert (net.output_activation_, net.loss_) == ("identity", "mse")  # until a fit decides
    net.fit(XOR_X, y, epochs=2)
    assert (net.output_activation_, net.loss_) == (output, loss)
    assert net.get_params()["output_activation"] == "auto" and net.get_params()["loss"] == "auto"
    assert net.is_classifier == (classes is not None)
    if classes is not None:
        assert net.classes_.tolist() == classes
    assert f"output_activation={output!r}" in repr(net) or output == "identity"
    assert f"loss={loss!r}" in repr(net) or loss == "mse"


def test_task_overrides_what_the_values_say():
    regressor = MLP([2, 4, 1], task="regression", seed=0).fit(XOR_X, XOR_Y, epochs=2)
    assert (regressor.output_activation_, regressor.is_classifier) == ("identity", False)
    classifier = MLP([2, 4, 1], task="classification", seed=0).fit(XOR_X, [0.0, 1, 1, 0], epochs=2)
    assert (classifier.output_activation_, classifier.loss_) == ("sigmoid", "cross_entropy")


def test_explicit_course_lab_settings_are_kept():
    lab = MLP(
        [2, 4, 1],
        activation="bipolar_sigmoid",
        output_activation="bipolar_sigmoid",
        loss="mse",
        optimizer="momentum",
        momentum=0.9,
        learning_rate=0.05,
        seed=3,
    )
    lab.fit(XOR_X, [-1, 1, 1, -1], epochs=5)
    assert (lab.output_activation_, lab.loss_) == ("bipolar_sigmoid", "mse")
    assert lab.is_classifier and lab.classes_.tolist() == [-1, 1]
    # An explicit output with an automatic loss: cross-entropy only where it applies.
    sigmoid = MLP([2, 4, 1], output_activation="sigmoid", seed=0).fit(XOR_X, XOR_Y, epochs=2)
    assert sigmoid.loss_ == "cross_entropy"
    tanh = MLP([2, 4, 1], output_activation="tanh", seed=0).fit(XOR_X, XOR_Y, epochs=2)
    assert tanh.loss_ == "mse" and tanh.is_classifier


@pytest.mark.parametrize("copy_of", ["save-load", "pickle"])
def test_a_copy_keeps_the_decision_and_trains_on_identically(copy_of, tmp_path):
    import pickle

    net = MLP([2, 4, 1], seed=5).fit(XOR_X, XOR_Y, epochs=50)
    if copy_of == "save-load":
        clone = MLP.load(net.save(tmp_path / "xor.annlib"))
    else:
        clone = pickle.loads(pickle.dumps(net))
    assert (clone.output_activation_, clone.loss_) == ("sigmoid", "cross_entropy")
    assert repr(clone) == repr(net)
    np.testing.assert_array_equal(clone.predict_proba(XOR_X), net.predict_proba(XOR_X))
    net.fit(XOR_X, XOR_Y, epochs=20)
    clone.fit(XOR_X, XOR_Y, epochs=20)
    np.testing.assert_array_equal(clone.weights[0], net.weights[0])


def test_reset_and_a_failed_first_fit_leave_the_choice_open():
    net = MLP([2, 4, 1], seed=0)
    with pytest.raises(ValueError, match="expected two classes"):
        net.fit(XOR_X, [0, 1, 2, 0], epochs=2)
    assert (net.output_activation_, net.loss_, net.is_classifier) == ("identity", "mse", False)
    net.fit(XOR_X, XOR_Y, epochs=2)
    assert net.output_activation_ == "sigmoid"
    net.reset()
    assert net.output_activation_ == "identity"
    net.fit(XOR_X, [0.1, 0.9, 0.8, 0.2], epochs=2)
    assert (net.output_activation_, net.is_classifier) == ("identity", False)


def test_set_params_keeps_the_first_fits_decision():
    net = MLP([2, 4, 1], seed=0).fit(XOR_X, XOR_Y, epochs=2)
    net.set_params(learning_rate=0.02)
    assert (net.output_activation_, net.loss_) == ("sigmoid", "cross_entropy")
    net.set_params(output_activation="tanh")
    assert (net.output_activation_, net.loss_) == ("tanh", "mse")


def test_hopfield_says_how_to_store_0_1_patterns():
    net = Hopfield(4)
    with pytest.raises(ValueError, match=r"rule='sparse_hebbian'.*2 \* patterns - 1"):
        net.train([[1, 0, 1, 0]])


def test_hopfield_train_never_switches_the_rule():
    net = Hopfield(4)
    with pytest.raises(
        ValueError, match=r"^sparse: .*train never changes the rule.*rule='sparse_hebbian'"
    ):
        net.train([[1, 0, 1, 0]], sparse=True)
    assert net.rule == "hebbian" and not net.sparse and net.n_patterns == 0
    sparse = Hopfield(4, rule="sparse_hebbian")
    sparse.train([[1, 0, 1, 0]], sparse=True)
    assert sparse.rule == "sparse_hebbian" and sparse.n_patterns == 1
    with pytest.raises(ValueError, match=r"^sparse: expected True or None"):
        sparse.train([[1, -1, 1, -1]], sparse=False)


# ------------------------------------------------------------------ discoverable
def documented_parameters(function):
    """Each parameter with a default, and the line of the docstring that documents it."""
    doc = inspect.getdoc(function) or ""
    for name, parameter in inspect.signature(function).parameters.items():
        if parameter.default is inspect.Parameter.empty:
            continue
        lines = [line for line in doc.splitlines() if re.match(rf"\s*{name}\s*:", line)]
        yield name, parameter.default, lines


PUBLIC_FUNCTIONS = {"MLP": MLP, "Hopfield": Hopfield, "grid_search": annlib.grid_search}


@pytest.mark.parametrize("name", PUBLIC_FUNCTIONS)
def test_every_parameter_has_a_default_in_the_signature_and_the_docstring(name):
    found = list(documented_parameters(PUBLIC_FUNCTIONS[name]))
    assert len(found) >= 6
    for parameter, default, lines in found:
        assert len(lines) == 1, f"{name}: parameter {parameter} documented {len(lines)} times"
        assert f"default {default!r}" in lines[0], (
            f"{name}: {lines[0]!r} does not say default {default!r}"
        )


def test_mlp_signature_lists_every_setting():
    parameters = inspect.signature(MLP).parameters
    assert list(parameters) == ["layers", *annlib.mlp.DEFAULTS]
    assert all(parameters[k].default == v for k, v in annlib.mlp.DEFAULTS.items())
    assert (
        parameters["output_activation"].default == "auto"
        and parameters["optimizer"].default == "adam"
    )
    text = pydoc.render_doc(MLP, renderer=pydoc.plaintext)
    assert "MLP(layers: 'Sequence[int]', *, activation: " in text
    assert "learning_rate: 'float' = 0.01" in text


def test_settings_are_attributes_that_check_like_set_params():
    net = MLP([2, 4, 1], activation="relu", seed=0)
    for name, value in annlib.mlp.DEFAULTS.items():
        if name not in ("loss", "seed", "activation"):
            assert getattr(net, name) == value and name in dir(net)
    assert net.activation == "relu" and net.seed == 0
    net.learning_rate = 0.5
    assert net.get_params()["learning_rate"] == 0.5 and "learning_rate=0.5" in repr(net)
    with pytest.raises(ValueError, match=r"^learning_rate: expected a (finite )?number > 0"):
        net.learning_rate = -1
    assert net.learning_rate == 0.5
    with pytest.raises(AttributeError):
        net.dtype = "float32"
    with pytest.raises(AttributeError):
        net.layers = (2, 1)
    net.activation = ["tanh"]
    assert net.activation == ["tanh"]


def test_repr_is_the_call_that_makes_the_network():
    net = MLP([2, 8, 3], activation="relu", learning_rate=0.05, batch_size=16, seed=7)
    assert (
        repr(net) == "MLP([2, 8, 3], activation='relu', learning_rate=0.05, batch_size=16, seed=7)"
    )
    again = eval(repr(net), {"MLP": MLP})
    assert again.get_params() == net.get_params()
    np.testing.assert_array_equal(again.weights[1], net.weights[1])


def test_dir_of_the_package_is_its_public_api():
    assert dir(annlib) == sorted([*annlib.__all__, "plot", "__version__"])
    assert "annotations" not in dir(annlib) and "mlp" not in dir(annlib)
    for name in dir(annlib):
        getattr(annlib, name)


@pytest.mark.parametrize(
    ("owner", "parameter", "table"),
    [
        (MLP, "activation", "HIDDEN_ACTIVATIONS"),
        (MLP, "output_activation", "ACTIVATIONS"),
        (MLP, "loss", "LOSSES"),
        (MLP, "optimizer", "OPTIMIZERS"),
        (MLP, "init", "INITS"),
        (Hopfield, "rule", "RULES"),
    ],
)
def test_the_docstring_names_every_choice_of_the_engines_table(owner, parameter, table):
    lines = inspect.getdoc(owner).splitlines()
    first = next(i for i, line in enumerate(lines) if re.match(rf"\s*{parameter}\s*:", line))
    indent = len(lines[first]) - len(lines[first].lstrip())
    entry = [lines[first]]
    for line in lines[first + 1 :]:
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        entry.append(line)
    text = "\n".join(entry)
    for name in getattr(annlib._core, table):
        assert f"``{name}``" in text or f"'{name}'" in text, f"{parameter}: {name} undocumented"
