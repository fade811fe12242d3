"""Model files: damaged or foreign files raise a clear error, and saves are atomic.

The basic cases (missing, not a zip, truncated, wrong kind, future version, a
failing np.savez) are in test_mlp.py; this file covers every other way a file
can be wrong and every point at which a save can fail.
"""

from __future__ import annotations

import errno
import os
import threading

import numpy as np
import pytest
from conftest import gaussian_classes

from annlib import MLP, _checks

X, Y = gaussian_classes(10)


def classifier(seed=0):
    labels = np.where(Y == 0, "no", "yes")
    return MLP([2, 3, 2], output_activation="softmax", seed=seed).fit(X, labels, epochs=3)


def assert_same_model(a, b):
    np.testing.assert_array_equal(a.outputs(X), b.outputs(X))
    assert a.predict(X).tolist() == b.predict(X).tolist()
    assert a.get_params() == b.get_params()
    assert a.history == b.history


def only_file_in(folder):
    return sorted(p.name for p in folder.iterdir())


# ------------------------------------------------------------------ damaged files
@pytest.mark.parametrize("change", ["invert", "increment"])
def test_every_byte_change_is_detected_or_harmless(tmp_path, change):
    """A changed byte anywhere either raises ValueError or changes nothing that matters.

    Harmless bytes exist (zip timestamps, padding); a model that loads but
    predicts differently, or any other exception, would be a bug.  Every byte of
    the zip directory at the end and every 7th byte elsewhere are tried.
    """
    model = classifier()
    original = model.save(tmp_path / "model.npz").read_bytes()
    damaged = tmp_path / "damaged.npz"
    n = len(original)
    positions = sorted(set(range(0, n, 7)) | set(range(max(0, n - 700), n)))
    loaded = 0
    for position in positions:
        data = bytearray(original)
        data[position] = data[position] ^ 0xFF if change == "invert" else (data[position] + 1) % 256
        damaged.write_bytes(bytes(data))
        try:
            clone = MLP.load(damaged)
        except ValueError as error:
            assert str(error).startswith("path: "), (position, error)
            continue
        assert_same_model(clone, model)
        loaded += 1
    assert loaded < len(positions) // 2  # most bytes matter


def test_bytes_flipped_in_the_middle_of_a_file_raise(tmp_path):
    path = classifier().save(tmp_path / "model.npz")
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 16] = bytes(b ^ 0x5A for b in data[middle : middle + 16])
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"^path: .* is not a readable annlib model file"):
        MLP.load(path)


@pytest.mark.parametrize("size", [0, 1, 22, 100, -1])
def test_truncated_files_raise(tmp_path, size):
    path = classifier().save(tmp_path / "model.npz")
    data = path.read_bytes()
    path.write_bytes(data[:size] if size >= 0 else data[:-1])
    with pytest.raises(ValueError, match=r"^path: .* is not a readable annlib model file"):
        MLP.load(path)


def test_an_npy_array_named_npz_raises(tmp_path):
    path = tmp_path / "array.npz"
    with open(path, "wb") as stream:
        np.save(stream, np.arange(3))
    with pytest.raises(ValueError, match=r"not an \.npz archive"):
        MLP.load(path)


def test_an_npz_of_someone_else_raises(tmp_path):
    np.savez(tmp_path / "data.npz", weights=np.ones(3))
    with pytest.raises(ValueError, match=r"^path: .* is not an annlib model file"):
        MLP.load(tmp_path / "data.npz")


class Payload:
    """Would print if unpickled: loading must never run code from a file."""

    def __reduce__(self):
        return (print, ("payload executed",))


def test_pickled_objects_in_a_file_are_refused_not_run(tmp_path, capsys):
    np.savez(
        tmp_path / "evil.npz",
        annlib_kind=np.array("MLP"),
        format_version=np.array(1),
        config=np.array([Payload()], dtype=object),
        parameters=np.zeros(3),
    )
    with pytest.raises(ValueError, match=r"^path: .* is not a readable annlib model file"):
        MLP.load(tmp_path / "evil.npz")
    assert "payload executed" not in capsys.readouterr().out


@pytest.mark.parametrize("version", [np.array("one"), np.array([1, 2]), np.array(1.5)])
def test_a_malformed_format_version_raises(tmp_path, version):
    np.savez(tmp_path / "model.npz", annlib_kind=np.array("MLP"), format_version=version)
    with pytest.raises(ValueError, match=r"^path: .* has no valid format version"):
        MLP.load(tmp_path / "model.npz")


def rewrite(path, **changes):
    """Save the arrays of ``path`` again with some replaced (None removes one)."""
    with np.load(path) as data:
        arrays = {key: data[key] for key in data.files}
    for key, value in changes.items():
        if value is None:
            arrays.pop(key)
        else:
            arrays[key] = value
    np.savez(path, **arrays)


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param(dict(parameters=np.zeros(5)), id="wrong-parameter-count"),
        pytest.param(dict(parameters=np.full(17, np.nan)), id="nan-parameters"),
        pytest.param(dict(config=np.array("{not json")), id="config-not-json"),
        pytest.param(dict(config=np.array("[1, 2]")), id="config-not-a-dict"),
        pytest.param(dict(config=None), id="config-missing"),
        pytest.param(dict(classes=None), id="classifier-without-classes"),
        pytest.param(dict(extra=np.ones(2)), id="unexpected-entry"),
    ],
)
def test_a_consistent_archive_with_an_invalid_model_raises(tmp_path, changes):
    path = classifier().save(tmp_path / "model.npz")
    rewrite(path, **changes)
    with pytest.raises(ValueError, match=r"^path: .* holds an invalid MLP"):
        MLP.load(path)


def test_a_folder_is_not_a_model_file(tmp_path):
    (tmp_path / "model.npz").mkdir()
    with pytest.raises(IsADirectoryError, match=r"^path: .* is a folder"):
        MLP.load(tmp_path / "model.npz")
    with pytest.raises(IsADirectoryError, match=r"^path: .* is a folder"):
        classifier().save(tmp_path / "model.npz")
    assert only_file_in(tmp_path) == ["model.npz"] and (tmp_path / "model.npz").is_dir()


# ------------------------------------------------------------------ atomic saves
def fail_replace(*args, **kwargs):
    raise OSError(errno.EXDEV, "simulated rename failure")


def fail_fsync(fd):
    raise OSError(errno.EIO, "simulated I/O error")


def write_half_then_fail(stream, **arrays):
    stream.write(b"PK\x03\x04" + b"\0" * 100)  # the start of a zip, then the disk is full
    raise OSError(errno.ENOSPC, "No space left on device")


def interrupt(stream, **arrays):
    stream.write(b"PK\x03\x04")
    raise KeyboardInterrupt


def no_permission(*args, **kwargs):
    raise PermissionError(errno.EACCES, "Permission denied")


@pytest.mark.parametrize(
    "target,replacement,error",
    [
        pytest.param((os, "replace"), fail_replace, OSError, id="rename-fails"),
        pytest.param((os, "fsync"), fail_fsync, OSError, id="fsync-fails"),
        pytest.param((np, "savez"), write_half_then_fail, OSError, id="disk-full-midway"),
        pytest.param((np, "savez"), interrupt, KeyboardInterrupt, id="ctrl-c-midway"),
        pytest.param(
            (_checks.tempfile, "mkstemp"), no_permission, PermissionError, id="folder-not-writable"
        ),
    ],
)
def test_a_failed_save_keeps_the_previous_file_and_leaves_no_temporary(
    tmp_path, monkeypatch, target, replacement, error
):
    old = classifier(seed=0)
    path = old.save(tmp_path / "model.npz")
    before = path.read_bytes()
    monkeypatch.setattr(*target, replacement)
    with pytest.raises(error):
        classifier(seed=1).save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert only_file_in(tmp_path) == ["model.npz"]
    assert_same_model(MLP.load(path), old)


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="root writes into read-only folders; the simulated case above covers it",
)
def test_an_unwritable_folder_keeps_the_previous_file(tmp_path):
    old = classifier(seed=0)
    path = old.save(tmp_path / "model.npz")
    before = path.read_bytes()
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(PermissionError):
            classifier(seed=1).save(path)
    finally:
        tmp_path.chmod(0o700)
    assert path.read_bytes() == before
    assert only_file_in(tmp_path) == ["model.npz"]


def test_concurrent_saves_to_one_path_leave_one_complete_model(tmp_path):
    models = [classifier(seed=s) for s in range(6)]
    path = tmp_path / "model.npz"
    barrier = threading.Barrier(len(models))

    def save(model):
        barrier.wait()
        for _ in range(5):
            model.save(path)

    threads = [threading.Thread(target=save, args=(m,)) for m in models]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    loaded = MLP.load(path)
    assert any(np.array_equal(loaded.outputs(X), m.outputs(X)) for m in models)
    assert only_file_in(tmp_path) == ["model.npz"]
