"""The thread-safety contract of every annlib model, in one class.

Any number of threads may read a model at once (predict, recall, energy,
weights, save, pickling...); a write (fit, train, add, set_params, a weight
setter, reset...) waits for the readers to finish and runs alone.  The lock is
held across the engine's GIL-free C++ work, which is what keeps a ``recall`` in
one thread from reading weights that ``train`` is resizing in another.

A thread that already holds the lock may read again (a ``fit`` callback may
call ``predict`` on its own model), but may not write: training the model from
inside its own ``fit`` callback would corrupt the loop that is running, so it
raises ``RuntimeError`` instead of deadlocking or corrupting.

A model uses it in one line: ``self._lock = ModelLock()``, then ``with
self._lock.read():`` around every reader and ``with self._lock.write("fit"):``
around every writer.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Iterator


class ModelLock:
    """A readers-writer lock, re-entrant for reading, that refuses nested writes.

    Waiting writers go first (a stream of readers cannot starve a ``fit``),
    except for a thread that already reads, which may read again: it would
    otherwise wait for a writer that waits for it.
    """

    __slots__ = ("_condition", "_readers", "_writer", "_writers_waiting")

    def __init__(self) -> None:
        self._condition = threading.Condition(threading.Lock())
        self._readers: dict[int, int] = {}  # thread id -> nesting depth
        self._writer: int | None = None
        self._writers_waiting = 0

    @contextlib.contextmanager
    def read(self) -> Iterator[None]:
        """Hold the lock shared for the block."""
        me = threading.get_ident()
        with self._condition:
            if self._writer != me and me not in self._readers:
                while self._writer is not None or self._writers_waiting:
                    self._condition.wait()
            self._readers[me] = self._readers.get(me, 0) + 1
        try:
            yield
        finally:
            with self._condition:
                depth = self._readers.pop(me) - 1
                if depth:
                    self._readers[me] = depth
                elif not self._readers:
                    self._condition.notify_all()

    @contextlib.contextmanager
    def write(self, what: str) -> Iterator[None]:
        """Hold the lock exclusively for the block; ``what`` names the call in errors.

        Raises:
            RuntimeError: this thread already holds the lock (a training call
                from inside a ``fit`` callback, or from a reader of the model).
        """
        me = threading.get_ident()
        with self._condition:
            if self._writer == me or me in self._readers:
                raise RuntimeError(
                    f"{what}: cannot change the model while this thread is using it (called from "
                    "inside a fit callback?); change it after fit returns"
                )
            self._writers_waiting += 1
            try:
                while self._writer is not None or self._readers:
                    self._condition.wait()
            except BaseException:  # Ctrl-C while waiting: let the readers this writer held back in
                self._writers_waiting -= 1
                self._condition.notify_all()
                raise
            self._writers_waiting -= 1
            self._writer = me
        try:
            yield
        finally:
            with self._condition:
                self._writer = None
                self._condition.notify_all()

    def __repr__(self) -> str:
        state = "writing" if self._writer is not None else f"{len(self._readers)} reader(s)"
        return f"<ModelLock {state}>"
