"""Files, pickles and repr shared by the associative memories (``Hopfield``, ``BAM``, ...).

A class that mixes in ``SavedMemory`` names its file kind and entries in the
class statement, ``class BAM(SavedMemory, kind="BAM", entries=(...))``, and
provides two hooks:

- ``_arrays_unlocked(self)``: the entries of a saved model (``_arrays`` calls
  it under the model's read lock);
- ``_from_file(cls, file)``: a new model built from an open file (an
  ``open_model_file`` archive or the ``StateArrays`` of a pickle), every entry
  checked before it is used.

It also needs ``self._lock`` (an ``annlib._lock.ModelLock``) and ``self._dtype``.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar, TypeVar

import numpy as np

from ._checks import FORMAT_VERSION, StateArrays, UnreadableFile, atomic_save_npz, open_model_file

_Model = TypeVar("_Model", bound="SavedMemory")


class SavedMemory:
    """``save``, ``load``, pickling and ``repr`` of a model saved as named arrays."""

    _kind: ClassVar[str]
    _file_entries: ClassVar[tuple[str, ...]]

    def __init_subclass__(
        cls, *, kind: str | None = None, entries: tuple[str, ...] | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        if kind is not None:  # a user's subclass keeps its parent's kind and entries
            cls._kind = kind
        if entries is not None:
            cls._file_entries = entries

    # ---- the hooks ----------------------------------------------------------------

    def _arrays_unlocked(self) -> dict[str, np.ndarray]:
        raise NotImplementedError

    @classmethod
    def _from_file(cls: type[_Model], file: Any) -> _Model:
        raise NotImplementedError

    # ---- shared -------------------------------------------------------------------

    def _arrays(self) -> dict[str, np.ndarray]:
        with self._lock.read():  # type: ignore[attr-defined]
            return self._arrays_unlocked()

    def save(self, path: str | os.PathLike) -> None:
        """Save to exactly ``path`` (a numpy .npz archive whatever the suffix); ``load`` reads it.

        Written atomically, with the mode of a new file under the umask (a replaced
        file keeps its mode); a folder, or a name ending in ``/``, is an IsADirectoryError.
        """
        arrays = self._arrays()
        arrays["annlib_kind"] = np.array(self._kind)
        arrays["format_version"] = np.array(FORMAT_VERSION)
        atomic_save_npz(path, arrays)

    @classmethod
    def load(cls: type[_Model], path: str | os.PathLike) -> _Model:
        """Read a model of this class written by ``save`` (every entry checked before it is used).

        Files never run code; pickle can, so never unpickle (or ``copy``/send
        through ``multiprocessing``) a model from untrusted data.

        Raises:
            FileNotFoundError: no such file.
            ValueError: not a saved model of this class, corrupt, or from a newer annlib.
        """
        with open_model_file(path, cls._kind, cls._file_entries) as file:
            return cls._load(file)

    @classmethod
    def _load(cls: type[_Model], file: Any) -> _Model:
        try:
            return cls._from_file(file)
        except UnreadableFile:
            raise
        except KeyError as missing:
            raise ValueError(
                f"path: {file.source} has no {missing} entry; it is not a complete saved {cls._kind}"
            ) from None
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"path: {file.source} holds an invalid saved {cls._kind} ({error})"
            ) from None

    def __getstate__(self) -> dict[str, np.ndarray]:
        return self._arrays()

    def __setstate__(self, state: dict[str, np.ndarray]) -> None:
        fresh = type(self)._load(StateArrays(state, "pickled state")).__dict__
        lock = self.__dict__.get("_lock")
        if lock is None:  # unpickling: a new object
            self.__dict__.update(fresh)
            return
        with lock.write("__setstate__"):  # an existing object: swap its whole state at once
            fresh["_lock"] = lock
            self.__dict__.update(fresh)

    def _repr(self, **fields: Any) -> str:
        """``Kind(name=value!r, ..., dtype='float64')``, the fields in the order given."""
        fields["dtype"] = self._dtype.name  # type: ignore[attr-defined]
        return f"{self._kind}({', '.join(f'{name}={value!r}' for name, value in fields.items())})"
