"""Fuzzing MLP.load and Hopfield.load: any damaged file loads a valid model or raises ValueError.

Hypothesis (derandomized) damages a valid saved model in every way a file can
be wrong: random byte changes, truncations, entries swapped, recompressed
entries, zip-directory sizes that lie, .npy headers that claim other shapes,
configurations that claim other sizes.  Every case runs in a child process whose
address space may grow by at most a few hundred MB, and must finish within a
second; a case that loads must give a model that predicts.
"""

from __future__ import annotations

import pytest
from capped import rss_budget, run_capped

CASES_PER_KIND = 120

FUZZ = """
import io, json, tempfile, zipfile, pathlib, warnings
from hypothesis import HealthCheck, given, settings, strategies as st

folder = pathlib.Path(tempfile.mkdtemp())
rng = np.random.default_rng(0)
X = rng.normal(size=(12, 3))
models = {
    "MLP": MLP([3, 4, 2], output_activation="softmax", optimizer="adam", seed=0).fit(
        X, np.where(X[:, 0] > 0, "a", "b"), epochs=3
    ),
    "Hopfield": Hopfield(12, seed=0),
}
models["Hopfield"].train(annlib.random_patterns(2, 12, seed=1))
valid = {kind: model.save(folder / f"{kind}.npz") or folder / f"{kind}.npz"
         for kind, model in models.items()}
valid = {kind: path.read_bytes() for kind, path in valid.items()}

def entries(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]

def zipped(items, compression=zipfile.ZIP_STORED):
    stream = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(stream, "w", compression) as archive:
            for name, blob in items:
                archive.writestr(name, blob)
    return stream.getvalue()

def npy(array):
    stream = io.BytesIO()
    np.lib.format.write_array(stream, np.asarray(array), allow_pickle=False)
    return stream.getvalue()

def flip_bytes(data, draw):
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)

def truncate(data, draw):
    return data[: draw(st.integers(0, len(data) - 1))]

def swap_entries(data, draw):
    items = entries(data)
    i, j = draw(st.integers(0, len(items) - 1)), draw(st.integers(0, len(items) - 1))
    names = [name for name, _ in items]
    names[i], names[j] = names[j], names[i]
    return zipped([(name, blob) for name, (_, blob) in zip(names, items)])

def duplicate_or_drop(data, draw):
    items = entries(data)
    k = draw(st.integers(0, len(items) - 1))
    if draw(st.booleans()):
        return zipped(items + [items[k]])
    return zipped(items[:k] + items[k + 1:])

def recompress_and_flip(data, draw):
    return flip_bytes(zipped(entries(data), zipfile.ZIP_DEFLATED), draw)

def directory_lie(data, draw):
    # Central directory: compressed size at +20, uncompressed size at +24.
    data = bytearray(data)
    starts = [i for i in range(len(data) - 4) if data[i:i + 4] == b"PK\\x01\\x02"]
    at = draw(st.sampled_from(starts)) + draw(st.sampled_from([20, 24]))
    data[at:at + 4] = draw(st.integers(0, 2**32 - 1)).to_bytes(4, "little")
    return bytes(data)

def header_lie(data, draw):
    # An entry whose .npy header claims another shape (data unchanged).
    items = entries(data)
    k = draw(st.integers(0, len(items) - 1))
    name, blob = items[k]
    array = np.lib.format.read_array(io.BytesIO(blob))
    shape = tuple(draw(st.lists(st.integers(0, 2**40), max_size=3)))
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": np.lib.format.dtype_to_descr(array.dtype), "fortran_order": False,
                 "shape": shape})
    body = blob[len(blob) - array.nbytes:] if array.nbytes else b""
    items[k] = (name, header.getvalue() + body)
    return zipped(items)

def size_lie(data, draw):
    # Sizes in the configuration (MLP layers, Hopfield n_units / n_patterns) that lie.
    items = dict(entries(data))
    big = st.integers(1, 2**31 - 1) | st.integers(1, 30000)
    if "config.npy" in items:
        meta = json.loads(str(np.lib.format.read_array(io.BytesIO(items["config.npy"]))))
        meta["params"]["layers"] = draw(st.lists(big, min_size=2, max_size=4))
        items["config.npy"] = npy(np.array(json.dumps(meta)))
    else:
        key = draw(st.sampled_from(["n_units", "n_patterns"]))
        items[key + ".npy"] = npy(np.array(draw(big)))
    return zipped(list(items.items()))

DAMAGES = [flip_bytes, truncate, swap_entries, duplicate_or_drop, recompress_and_flip,
           directory_lie, header_lie, size_lie]
outcomes = {"loaded": 0, "refused": 0}
slowest = [0.0]

@settings(max_examples=CASES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(kind=st.sampled_from(["MLP", "Hopfield"]), damage=st.sampled_from(DAMAGES), data=st.data())
def case(kind, damage, data):
    path = folder / "case.npz"
    path.write_bytes(damage(valid[kind], data.draw))
    started = time.perf_counter()
    try:
        model = (MLP if kind == "MLP" else Hopfield).load(path)
    except ValueError as error:
        assert str(error).startswith("path: "), error
        outcomes["refused"] += 1
    else:
        if kind == "MLP":
            assert model.outputs(X).shape == (len(X), 2)
        else:
            model.recall(annlib.random_patterns(2, model.n_units, seed=2))
        outcomes["loaded"] += 1
    elapsed = time.perf_counter() - started
    slowest[0] = max(slowest[0], elapsed)
    assert elapsed < 1.0, (damage.__name__, elapsed)

case()
report(slowest=slowest[0], **outcomes)
"""


@pytest.mark.parametrize("cases", [2 * CASES_PER_KIND])
def test_damaged_files_load_a_valid_model_or_raise_value_error_fast_in_little_memory(cases):
    values = run_capped(FUZZ.replace("CASES", str(cases)), megabytes=300)
    assert values["refused"] + values["loaded"] == cases
    assert values["refused"] > cases // 2  # most damage is detected, not ignored
    assert values["slowest"] < 1.0
    assert values["peak_rss_growth"] < rss_budget(values, 300), values
