"""What a new user meets in the first hour: file names and modes, defaults, signatures."""

from __future__ import annotations

import os
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
