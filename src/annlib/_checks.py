"""Input validation and file helpers shared by every annlib module.

Messages follow one pattern, "<argument>: expected <what>, got <what>", so a
user always learns which argument was wrong and what would have been right.
"""

from __future__ import annotations

import collections
import contextlib
import math
import numbers
import os
import stat
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Iterable, Iterator, NoReturn

import numpy as np

#: Version of the ``.npz`` file layout written by ``save``; bumped on any change.
FORMAT_VERSION = 1

#: Largest count the engine takes (sizes, epochs, batch sizes are C++ ``int``).
ENGINE_INT_MAX = 2**31 - 1
#: Smallest C++ ``int``: below it pybind11 cannot even call the engine to refuse a value.
ENGINE_INT_MIN = -(2**31)


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


def fill_names(doc: str | None, **tables: Iterable[str]) -> str | None:
    """``doc`` with every ``{KEY}`` replaced by the names of ``tables[KEY]``: ``a``, ``b`` or ``c``.

    Docstrings list the names of the engine's tables this way, so they never drift.
    """
    if doc is None:  # python -OO strips docstrings
        return None
    for key, choices in tables.items():
        quoted = [f"``{choice}``" for choice in choices]
        text = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
        doc = doc.replace("{" + key + "}", text)
    return doc


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


class UnreadableFile(ValueError):
    """A model file that is no valid archive (as opposed to a valid archive of a bad model)."""


#: Largest text entry (an MLP's JSON configuration, history included) a model file may hold.
MAX_TEXT_BYTES = 64 * 2**20

# Deflate shrinks data at most about 1032:1, so an entry whose declared size is
# more than that times its compressed size lies about one of them.
_MAX_DEFLATE_RATIO = 1040

_NPY_MAGIC = b"\x93NUMPY"


def check_entry(
    name: str,
    found: tuple[int, ...],
    dtype: np.dtype,
    kinds: str,
    shape: tuple[int | None, ...],
    max_bytes: int | None = None,
) -> None:
    """Raise ValueError naming entry ``name`` unless its dtype and shape are the expected ones."""
    if dtype.kind not in kinds:
        raise ValueError(f"{name}: expected an array of kind {kinds!r}, got dtype {dtype}")
    if len(found) != len(shape) or any(
        want is not None and want != got for want, got in zip(shape, found)
    ):
        want = tuple("any" if d is None else d for d in shape)
        raise ValueError(f"{name}: expected shape {want}, got {found}")
    size = math.prod(found) * dtype.itemsize
    if max_bytes is not None and size > max_bytes:
        raise ValueError(f"{name}: expected at most {max_bytes} bytes, got {size}")


class StateArrays:
    """A dict of arrays (a pickled state) with ``ModelFile``'s checked ``read``."""

    def __init__(self, arrays: dict[str, Any], source: str) -> None:
        if not isinstance(arrays, dict):
            raise ValueError(f"{source}: expected a dict of arrays, got {describe(arrays)}")
        self._arrays = {key: np.asarray(value) for key, value in arrays.items()}
        self.source = source

    def __contains__(self, name: str) -> bool:
        return name in self._arrays

    def read(self, name: str, kinds: str, shape: tuple, max_bytes: int | None = None) -> Any:
        array = self._arrays[name]
        if array.dtype.hasobject:
            raise ValueError(f"{name}: arrays of Python objects are refused")
        check_entry(name, array.shape, array.dtype, kinds, shape, max_bytes)
        return array


class ModelFile:
    """The entries of an opened model file, known from their headers before any data is read.

    ``open_model_file`` builds it; ``read`` returns one entry after checking its
    dtype and shape against what the caller expects, so no entry is ever
    decompressed or allocated beyond the size the model's configuration allows.
    """

    def __init__(self, archive: zipfile.ZipFile, source: str, file_size: int) -> None:
        self._archive = archive
        self.source = source
        self._infos: dict[str, zipfile.ZipInfo] = {}
        self._headers: dict[str, tuple[tuple[int, ...], np.dtype, int]] = {}
        counts = collections.Counter(info.filename for info in archive.infolist())
        duplicated = sorted(name for name, count in counts.items() if count > 1)
        if duplicated:
            self.unreadable(f"duplicate entries {duplicated}")
        for info in archive.infolist():
            self._check_info(info, file_size)
            name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            self._infos[name] = info

    def unreadable(self, why: str) -> NoReturn:
        raise UnreadableFile(f"path: {self.source} is not a readable annlib model file ({why})")

    def _check_info(self, info: zipfile.ZipInfo, file_size: int) -> None:
        name = info.filename
        if info.flag_bits & 0x1:
            self.unreadable(f"entry {name!r} is encrypted")
        if info.header_offset + info.compress_size > file_size:
            self.unreadable(f"entry {name!r} claims more bytes than the file holds")
        if info.compress_type == zipfile.ZIP_STORED:
            if info.file_size != info.compress_size:
                self.unreadable(
                    f"entry {name!r}: stored sizes {info.file_size} and {info.compress_size} differ"
                )
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            if info.file_size > _MAX_DEFLATE_RATIO * info.compress_size + 1024:
                self.unreadable(
                    f"entry {name!r} claims to inflate {info.compress_size} bytes to "
                    f"{info.file_size}"
                )
        else:
            self.unreadable(f"entry {name!r} uses compression method {info.compress_type}")

    @property
    def names(self) -> set[str]:
        """The entries present (without the ``.npy`` suffix)."""
        return set(self._infos)

    def __contains__(self, name: str) -> bool:
        return name in self._infos

    def header(self, name: str) -> tuple[tuple[int, ...], np.dtype]:
        """Shape and dtype of an entry, from its .npy header (KeyError if absent)."""
        if name not in self._headers:
            info = self._infos[name]
            if not info.filename.endswith(".npy"):
                self.unreadable(f"entry {info.filename!r} is not a .npy array")
            try:
                with self._archive.open(info) as stream:
                    version = np.lib.format.read_magic(stream)
                    if version == (1, 0):
                        shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
                    elif version == (2, 0):
                        shape, _, dtype = np.lib.format.read_array_header_2_0(stream)
                    else:
                        raise ValueError(f"unsupported .npy version {version}")
                    offset = stream.tell()
            except Exception as error:  # every way a damaged header fails means the same
                self.unreadable(f"{name}: {type(error).__name__}: {error}")
            if dtype.hasobject or dtype.names is not None or dtype.subdtype is not None:
                self.unreadable(
                    f"{name}: arrays of Python objects or records are refused (dtype {dtype})"
                )
            size = math.prod(shape) * dtype.itemsize
            if info.file_size != offset + size:
                self.unreadable(
                    f"{name}: the header's shape {shape} and dtype {dtype} need "
                    f"{offset + size} bytes, the archive declares {info.file_size}"
                )
            self._headers[name] = (tuple(shape), dtype, size)
        shape, dtype, _ = self._headers[name]
        return shape, dtype

    def read(
        self,
        name: str,
        kinds: str,
        shape: tuple[int | None, ...],
        max_bytes: int | None = None,
    ) -> np.ndarray:
        """Entry ``name``, checked first from its header: a dtype of kind in ``kinds``
        ('b' bool, 'i'/'u' integers, 'f' floats, 'U'/'S' text), the given ``shape``
        (``None`` for a dimension of any size) and at most ``max_bytes`` of data.

        Raises KeyError for a missing entry, ValueError naming it otherwise.
        """
        found, dtype = self.header(name)
        check_entry(name, found, dtype, kinds, shape, max_bytes)
        try:
            with self._archive.open(self._infos[name]) as stream:
                return np.lib.format.read_array(stream, allow_pickle=False)
        except Exception as error:  # a bad CRC, a truncated stream, zlib errors...
            self.unreadable(f"{name}: {type(error).__name__}: {error}")


def model_file_path(path: Any) -> Path:
    """``path`` as an existing file, ``.npz`` appended when only that exists."""
    path = check_path(path)
    if not path.exists() and path.suffix != ".npz" and path.with_name(path.name + ".npz").exists():
        path = path.with_name(path.name + ".npz")
    if path.is_dir():
        raise IsADirectoryError(f"path: {str(path)!r} is a folder; expected a model file")
    if not path.is_file():
        raise FileNotFoundError(f"path: no such file {str(path)!r}")
    return path


@contextlib.contextmanager
def open_model_file(path: Any, kind: str, entries: Iterable[str]) -> Iterator[ModelFile]:
    """Open a file written by ``atomic_save_npz`` for a model of the given kind.

    Only the zip directory and the tiny ``annlib_kind`` and ``format_version``
    entries are read here; ``ModelFile.read`` reads the rest, one checked entry at
    a time.  ``entries`` are the names a file of this kind may hold.

    Raises FileNotFoundError for a missing file and ValueError for a file that
    is not an annlib model, is of another kind, is truncated or corrupt, holds
    duplicate or unknown entries, or was written by a newer annlib.
    """
    path = model_file_path(path)
    source = repr(str(path))
    with open(path, "rb") as stream:
        try:
            archive = zipfile.ZipFile(stream)
        except Exception as error:
            stream.seek(0)
            why = (
                "a single ndarray, not an .npz archive"
                if stream.read(len(_NPY_MAGIC)) == _NPY_MAGIC
                else f"{type(error).__name__}: {error}"
            )
            raise UnreadableFile(
                f"path: {source} is not a readable annlib model file ({why})"
            ) from None
        with archive:
            file = ModelFile(archive, source, os.fstat(stream.fileno()).st_size)
            if "annlib_kind" not in file or "format_version" not in file:
                raise ValueError(f"path: {source} is not an annlib model file")
            try:
                found_kind = str(file.read("annlib_kind", "U", (), max_bytes=256))
            except ValueError:
                raise ValueError(f"path: {source} is not an annlib model file") from None
            if found_kind != kind:
                raise ValueError(
                    f"path: expected a saved {kind}, got a saved {found_kind} in {source}"
                )
            try:
                version = int(file.read("format_version", "iu", ()))
            except ValueError:
                shape, dtype = file.header("format_version")
                raise ValueError(
                    f"path: {source} has no valid format version (shape {shape}, dtype {dtype})"
                ) from None
            if version > FORMAT_VERSION:
                raise ValueError(
                    f"path: {source} has format version {version}; this annlib reads up to "
                    f"{FORMAT_VERSION} (upgrade annlib)"
                )
            unknown = sorted(file.names - set(entries) - {"annlib_kind", "format_version"})
            if unknown:
                raise ValueError(
                    f"path: {source} holds an invalid {kind} (unexpected entries {unknown})"
                )
            yield file
