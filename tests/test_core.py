"""The raw compiled module: its stub file lists every public name, and it stays consistent."""

import ast
from pathlib import Path

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
