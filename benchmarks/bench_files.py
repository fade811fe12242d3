"""Memory and time to reject model files that lie about their sizes.

    python benchmarks/bench_files.py

Writes the lying files of issue 18 to a temporary folder (a 5 KB MLP file whose
configuration claims layers [12000, 12000] or [20000, 20000]; a 6 KB Hopfield
file claiming n_units = 16000; a 2 MB file with an extra entry that inflates to
2 GiB) and loads each in a fresh interpreter, reporting the time to the
ValueError and how much the child's peak resident memory (VmHWM) grew over what
importing annlib took.  The README's Reliability section quotes these numbers.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

import annlib

CHILD = """
import json, sys, time

def peak():
    with open("/proc/self/status") as lines:
        return int(next(l for l in lines if l.startswith("VmHWM:")).split()[1]) * 1024

import annlib
before = peak()
kind, path = sys.argv[1], sys.argv[2]
started = time.perf_counter()
try:
    getattr(annlib, kind).load(path)
    outcome = "loaded"
except ValueError as error:
    outcome = str(error)
print(json.dumps({"seconds": time.perf_counter() - started, "growth": peak() - before,
                  "outcome": outcome}))
"""


def lying_files(folder: Path) -> dict[str, tuple[str, Path]]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 2))
    model = annlib.MLP([2, 3, 2], output_activation="softmax", seed=0)
    base = model.fit(X, np.where(X[:, 0] > 0, "no", "yes"), epochs=3).save(folder / "mlp.npz")
    files = {}
    for side in (12000, 20000):
        with np.load(base) as data:
            arrays = {key: data[key] for key in data.files}
        meta = json.loads(str(arrays["config"]))
        meta["params"]["layers"] = [side, side]
        arrays["config"] = np.array(json.dumps(meta))
        path = folder / f"mlp_{side}.npz"
        np.savez(path, **arrays)
        files[f"MLP layers [{side}, {side}]"] = ("MLP", path)

    net = annlib.Hopfield(16, seed=0)
    net.train(np.ones((1, 16)))
    net.save(folder / "hopfield.npz")
    with np.load(folder / "hopfield.npz") as data:
        arrays = {key: data[key] for key in data.files}
    arrays["n_units"] = np.array(16000)
    np.savez(folder / "hopfield_16000.npz", **arrays)
    files["Hopfield n_units = 16000"] = ("Hopfield", folder / "hopfield_16000.npz")

    bomb = folder / "bomb.npz"
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            out.writestr(info.filename, source.read(info))
        with out.open("junk.npy", "w", force_zip64=True) as entry:
            zeros = bytes(2**24)
            for _ in range(128):  # 2 GiB, streamed
                entry.write(zeros)
    files["entry inflating to 2 GiB"] = ("MLP", bomb)
    return files


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        for name, (kind, path) in lying_files(Path(folder)).items():
            done = subprocess.run(
                [sys.executable, "-c", CHILD, kind, str(path)],
                capture_output=True,
                text=True,
                check=True,
            )
            result = json.loads(done.stdout)
            print(
                f"{name:28s} {path.stat().st_size / 1024:8.1f} KB file: "
                f"{result['seconds'] * 1000:7.2f} ms, peak RSS +{result['growth'] / 2**20:5.1f} MiB"
                f"  ({result['outcome'][-90:]})"
            )


if __name__ == "__main__":
    main()
