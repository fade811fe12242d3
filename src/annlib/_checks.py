"""Input validation and file helpers shared by every annlib module.

Messages follow one pattern, "<argument>: expected <what>, got <what>", so a
user always learns which argument was wrong and what would have been right.
"""

from __future__ import annotations

import contextlib
import numbers
import os
import stat
import tempfile
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np

#: Version of the ``.npz`` file layout written by ``save``; bumped on any change.
FORMAT_VERSION = 1

#: Largest count the engine takes (sizes, epochs, batch sizes are C++ ``int``).
ENGINE_INT_MAX = 2**31 - 1


def describe(value: Any) -> str:
    """A short description of a value for error messages."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_choice(value: Any, name: str, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices`` (strings), else raise."""
    choices = tuple(choices)
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected one of {choices}, got {describe(value)}")
    if value not in choices:
        raise ValueError(f"{name}: expected one of {choices}, got {value!r}")
    return value


def check_name(value: Any, name: str, choices: Iterable[str]) -> str:
    """Return ``value`` if it is a string, else raise TypeError listing ``choices``.

    For the names of the engine's tables (``_core.ACTIVATIONS``, ``_core.RULES``...):
    the engine itself refuses an unknown name, with the same list.
    """
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected one of {', '.join(choices)}, got {describe(value)}")
    return str(value)


def names_text(choices: Iterable[str]) -> str:
    """``a``, ``b`` or ``c``: a table's names as a docstring lists them."""
    quoted = [f"``{choice}``" for choice in choices]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def check_int(value: Any, name: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as an int within [minimum, maximum]; bools are rejected."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected an integer, got {describe(value)}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name}: expected an integer <= {maximum}, got {value}")
    return value


def check_float(
    value: Any,
    name: str,
    minimum: float | None = None,
    maximum: float | None = None,
    *,
    exclusive_minimum: bool = False,
    exclusive_maximum: bool = False,
) -> float:
    """Return ``value`` as a finite float within the given bounds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a real number, got {describe(value)}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name}: expected a finite number, got {value}")
    if minimum is not None and (value <= minimum if exclusive_minimum else value < minimum):
        op = ">" if exclusive_minimum else ">="
        raise ValueError(f"{name}: expected a number {op} {minimum}, got {value}")
    if maximum is not None and (value >= maximum if exclusive_maximum else value > maximum):
        op = "<" if exclusive_maximum else "<="
        raise ValueError(f"{name}: expected a number {op} {maximum}, got {value}")
    return value


def check_real(value: Any, name: str) -> float:
    """Return ``value`` as a float if it is a real number (not a bool), else raise TypeError.

    Only the type: ranges (finite, > 0, in [0, 1)...) are the engine's to check.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a real number, got {describe(value)}")
    return float(value)


def check_seed(seed: Any, name: str = "seed") -> int:
    """Return a concrete 64-bit seed; ``None`` draws one from the OS."""
    if seed is None:
        return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0])
    return check_int(seed, name, 0, 2**64 - 1)


def check_dtype(dtype: Any, name: str = "dtype") -> np.dtype:
    """Accept 'float32'/'float64' (or the numpy types) and return the numpy dtype."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved is None or resolved not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"{name}: expected 'float32' or 'float64', got {describe(dtype)}")
    return resolved


def _numeric_array(value: Any, name: str) -> np.ndarray:
    if value is None:
        raise TypeError(f"{name}: expected an array of numbers, got None")
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as error:  # ragged nested lists and the like
        raise ValueError(f"{name}: expected a rectangular array of numbers ({error})") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{name}: expected an array of real numbers (bool, int or float), got dtype {array.dtype}"
        )
    return array


def as_float_array(
    value: Any,
    name: str,
    dtype: np.dtype | type = np.float64,
    ndim: int | tuple[int, ...] = 2,
    *,
    allow_empty: bool = False,
    columns: int | None = None,
    finite: bool = True,
) -> np.ndarray:
    """Convert ``value`` once into a C-contiguous float array, validating it.

    Accepts lists, any numpy layout (strided, Fortran order) and bool/int/float
    dtypes.  Raises TypeError for non-numeric data and ValueError for wrong
    dimensions, wrong column counts, empty arrays and NaN/inf.
    """
    array = _numeric_array(value, name)
    ndims = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if array.ndim not in ndims:
        want = " or ".join(f"{d}-D" for d in ndims)
        raise ValueError(f"{name}: expected a {want} array, got an array of shape {array.shape}")
    if array.size == 0 and not allow_empty:
        raise ValueError(f"{name}: expected a non-empty array, got shape {array.shape}")
    if columns is not None and array.ndim == 2 and array.shape[1] != columns:
        raise ValueError(
            f"{name}: expected {columns} columns, got {array.shape[1]} (shape {array.shape})"
        )
    if finite and array.dtype.kind == "f" and not np.isfinite(array).all():
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"{name}: expected finite values, got {bad} NaN or infinite entries")
    target = np.dtype(dtype)
    if array.dtype.kind == "f" and array.size and array.dtype.itemsize > target.itemsize:
        # A finite float64 beyond float32's range would silently become inf.
        largest = float(np.max(np.abs(array[np.isfinite(array)]), initial=0.0))
        limit = float(np.finfo(target).max)
        if largest > limit:
            raise ValueError(
                f"{name}: expected values within the range of {target.name} (|x| <= {limit:.3g}), "
                f"got {largest:.3g}"
            )
    # np.asarray keeps 0-D arrays 0-D (np.ascontiguousarray would make them 1-D).
    # "A": numpy arrays can be misaligned (e.g. unpickled from a byte buffer); the
    # engine reads doubles through aligned pointers, so those are copied once here.
    return np.require(np.asarray(array, dtype=target, order="C"), requirements=["C", "A"])


def check_path(path: Any, name: str = "path") -> Path:
    """Return ``path`` (a str or os.PathLike) as a Path, else raise TypeError naming it."""
    if isinstance(path, (str, os.PathLike)):
        text = os.fspath(path)
        if isinstance(text, str) and text:
            return Path(text)
    raise TypeError(f"{name}: expected a file name (str or pathlib.Path), got {describe(path)}")


def atomic_save_npz(path: str | os.PathLike, arrays: dict[str, np.ndarray]) -> Path:
    """Write ``arrays`` to exactly ``path`` as an .npz archive, through a temporary file and a rename.

    The archive is numpy's .npz (a zip of .npy arrays) whatever the suffix of
    ``path``: ``save("net.annlib")`` writes ``net.annlib``.  A new file gets the
    permissions of any new file under the user's umask (0644 under umask 022),
    a replaced file keeps its mode.  A failure at any point leaves a previous
    file at ``path`` untouched.  Raises IsADirectoryError for a folder (an
    existing one, or a name ending in a path separator) and FileNotFoundError
    for a missing parent folder.
    """
    text = os.fspath(path) if isinstance(path, (str, os.PathLike)) else path
    path = check_path(path)  # a Path drops a trailing separator: test the text for it
    if text.endswith(("/", os.sep)) or path.is_dir():
        raise IsADirectoryError(f"path: {text!r} is a folder; expected a file name")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"path: folder {str(folder)!r} does not exist")
    with replaced_atomically(path) as temporary:
        with open(temporary, "wb") as stream:
            np.savez(stream, **arrays)
            stream.flush()
            os.fsync(stream.fileno())
    return path


def _current_umask() -> int:
    # /proc gives it without changing it; elsewhere os.umask must set it to read it.
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def replaced_atomically(path: Path, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary file next to ``path``; rename it to ``path`` only if the block succeeds.

    The file then has the mode a plain ``open(path, "w")`` would give it: an
    existing file's mode, else 0666 less the umask (mkstemp's 0600 is only
    right for the temporary file).  On any failure (an exception, Ctrl-C) the
    temporary file is removed and a previous file at ``path`` is left untouched.
    """
    folder = path.parent if str(path.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=folder)
    os.close(handle)
    try:
        yield Path(temporary)
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except FileNotFoundError:
            mode = 0o666 & ~_current_umask()
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def load_npz(path: str | os.PathLike, kind: str) -> dict[str, np.ndarray]:
    """Read a file written by ``atomic_save_npz`` for a model of the given kind.

    Raises FileNotFoundError for a missing file and ValueError for a file that
    is not an annlib model, is of another kind, is truncated or corrupt, or was
    written by a newer annlib.
    """
    path = check_path(path)
    if not path.exists() and path.suffix != ".npz" and path.with_name(path.name + ".npz").exists():
        path = path.with_name(path.name + ".npz")
    if path.is_dir():
        raise IsADirectoryError(f"path: {str(path)!r} is a folder; expected a model file")
    if not path.is_file():
        raise FileNotFoundError(f"path: no such file {str(path)!r}")
    try:
        # Open the file ourselves: np.load leaks its handle when the zip is corrupt.
        with open(path, "rb") as stream:
            data = np.load(stream, allow_pickle=False)
            if not isinstance(data, np.lib.npyio.NpzFile):
                raise ValueError(f"a single {type(data).__name__}, not an .npz archive")
            with data:
                arrays = {key: data[key] for key in data.files}
    except Exception as error:
        # A damaged archive fails in many ways: BadZipFile, a bad CRC (zipfile.BadZipFile),
        # NotImplementedError (flipped compression bits), RuntimeError ("encrypted"),
        # zlib.error, struct.error, ValueError, OSError... all mean the same to the user.
        raise ValueError(
            f"path: {str(path)!r} is not a readable annlib model file ({type(error).__name__}: {error})"
        ) from None
    if "annlib_kind" not in arrays or "format_version" not in arrays:
        raise ValueError(f"path: {str(path)!r} is not an annlib model file")
    found_kind = str(arrays["annlib_kind"])
    if found_kind != kind:
        raise ValueError(
            f"path: expected a saved {kind}, got a saved {found_kind} in {str(path)!r}"
        )
    version_array = arrays["format_version"]
    if version_array.shape != () or version_array.dtype.kind not in "iu":
        raise ValueError(
            f"path: {str(path)!r} has no valid format version ({describe(version_array)})"
        )
    version = int(version_array)
    if version > FORMAT_VERSION:
        raise ValueError(
            f"path: {str(path)!r} has format version {version}; this annlib reads up to "
            f"{FORMAT_VERSION} (upgrade annlib)"
        )
    return arrays
