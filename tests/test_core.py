"""The raw compiled module: its stub file lists every public name, and it stays consistent."""

import ast
import re
from pathlib import Path

import pytest

import annlib
from annlib import _core

STUB = Path(annlib.__file__).with_name("_core.pyi")


def stub_names():
    tree = ast.parse(STUB.read_text())
    names = {node.name for node in tree.body if isinstance(node, (ast.ClassDef, ast.FunctionDef))}
    return names | {node.target.id for node in tree.body if isinstance(node, ast.AnnAssign)}


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


# Counts the process's threads before and after big engine work, in a fresh
# process (an OpenMP team, once started, stays): with set_num_threads(1) no
# thread may appear; with 2, Eigen's OpenMP team does (the control that shows
# the work is big enough to be threaded at all).
THREADS_SCRIPT = """
import os, sys
import numpy as np
import annlib

def threads():
    return len(os.listdir("/proc/self/task"))

annlib.set_num_threads(int(sys.argv[1]))
rng = np.random.default_rng(0)
before = threads()
net = annlib.Hopfield(1024, seed=0)
W = rng.normal(size=(1024, 1024))
net.W = W + W.T                                             # dense fields: 1024 x 1024 x 64 GEMMs
net.recall(annlib.random_patterns(64, 1024, seed=1), mode="sync", max_iter=3)
net.energy(annlib.random_patterns(64, 1024, seed=2))
model = annlib.MLP([256, 512, 10], output_activation="softmax", loss="cross_entropy", batch_size=1024, seed=0)
X = rng.normal(size=(4096, 256))
model.forward(X)                                            # 2 x 4096 x 256 x 512 flops and more
model.predict(np.vstack([X] * 5))                           # 5 blocks
model.fit(X[:1024], rng.integers(0, 10, 1024), epochs=1)        # 1024-sample batches
gomp = any("libgomp" in line for line in open("/proc/self/maps"))
print(before, threads(), gomp)
"""


def test_set_num_threads_one_keeps_every_engine_call_on_one_thread():
    import os
    import subprocess
    import sys

    import pytest

    if not os.path.isdir("/proc/self/task"):
        pytest.skip("counts threads through /proc (Linux)")
    env = {**os.environ, "OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "1"}

    def run(threads):
        done = subprocess.run(
            [sys.executable, "-c", THREADS_SCRIPT, str(threads)],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        assert done.returncode == 0, done.stderr
        before, after, gomp = done.stdout.split()
        return int(before), int(after), gomp == "True"

    before, after, _ = run(1)
    assert after == before, f"set_num_threads(1) but the engine started {after - before} threads"
    before, after, gomp = run(2)
    if gomp:  # an OpenMP build: Eigen's team appears once two threads are allowed
        assert after > before


TABLES = [
    "ACTIVATIONS",
    "HIDDEN_ACTIVATIONS",
    "LOSSES",
    "OPTIMIZERS",
    "SCHEDULES",
    "FULL_BATCH_OPTIMIZERS",
    "LBFGS_STOPS",
    "INITS",
    "ACCURACY_RULES",
    "RULES",
    "MODES",
    "ORDERS",
    "ENERGY_TRACES",
    "SCORINGS",
]


@pytest.mark.parametrize("table", TABLES)
def test_name_tables_are_tuples_of_distinct_names(table):
    names = getattr(_core, table)
    assert isinstance(names, tuple) and names
    assert all(isinstance(name, str) and name.isidentifier() for name in names)
    assert len(set(names)) == len(names)


def test_hidden_activations_are_every_activation_but_softmax():
    assert _core.HIDDEN_ACTIVATIONS == tuple(a for a in _core.ACTIVATIONS if a != "softmax")


@pytest.mark.parametrize(
    "field, table",
    [
        ("output_activation", "ACTIVATIONS"),
        ("loss", "LOSSES"),
        ("optimizer", "OPTIMIZERS"),
        ("schedule", "SCHEDULES"),
        ("init", "INITS"),
    ],
)
def test_the_engine_takes_every_name_of_its_table_and_refuses_others(field, table):
    config = _core.MLPConfig()
    for name in getattr(_core, table):
        setattr(config, field, name)
        assert getattr(config, field) == name
    expected = f"{field}: expected one of {', '.join(getattr(_core, table))}, got 'nope'"
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        setattr(config, field, "nope")


DOCUMENTED = [
    ("MLP", "ACTIVATIONS"),
    ("MLP", "LOSSES"),
    ("MLP", "OPTIMIZERS"),
    ("MLP", "SCHEDULES"),
    ("MLP", "INITS"),
    ("Hopfield", "RULES"),
    ("Hopfield.recall", "MODES"),
    ("Hopfield.recall", "ORDERS"),
    ("grid_search", "SCORINGS"),
]


@pytest.mark.parametrize("where, table", DOCUMENTED, ids=[f"{w}-{t}" for w, t in DOCUMENTED])
def test_docstrings_name_every_entry_of_their_table(where, table):
    documented = annlib
    for part in where.split("."):
        documented = getattr(documented, part)
    doc = documented.__doc__
    names = getattr(_core, table)
    missing = [name for name in names if f"'{name}'" not in doc and f"``{name}``" not in doc]
    assert not missing, f"document {missing} in the docstring of {where}"


def test_version_is_the_one_written_in_pyproject():
    pyproject = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    written = re.search(r'^version = "([^"]+)"', pyproject, flags=re.M).group(1)
    assert annlib.__version__ == written
