"""The raw compiled module: its stub file lists every public name, and it stays consistent."""

import ast
from pathlib import Path

import annlib
from annlib import _core

STUB = Path(annlib.__file__).with_name("_core.pyi")


def stub_names():
    tree = ast.parse(STUB.read_text())
    return {node.name for node in tree.body if isinstance(node, (ast.ClassDef, ast.FunctionDef))}


def test_every_public_core_name_is_in_the_stub():
    public = {name for name in dir(_core) if not name.startswith("_")}
    missing = public - stub_names()
    assert not missing, f"add these to src/annlib/_core.pyi: {sorted(missing)}"


def test_stub_names_exist_in_the_module():
    private_helpers = {name for name in stub_names() if name.startswith("_")}
    extra = stub_names() - private_helpers - set(dir(_core))
    assert not extra, f"the stub lists names _core does not have: {sorted(extra)}"


def test_py_typed_marker_ships():
    assert STUB.with_name("py.typed").exists()


def test_thread_count_round_trip():
    before = annlib.get_num_threads()
    try:
        annlib.set_num_threads(1)
        assert annlib.get_num_threads() == 1
        annlib.set_num_threads(0)
        assert annlib.get_num_threads() >= 1
    finally:
        annlib.set_num_threads(0 if before < 1 else before)


def test_negative_thread_count_is_rejected():
    import pytest

    with pytest.raises(ValueError, match="n_threads: expected an integer >= 0"):
        annlib.set_num_threads(-1)
