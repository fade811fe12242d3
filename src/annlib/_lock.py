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

import threading


class ModelLock:
    """A readers-writer lock, re-entrant for reading, that refuses nested writes.

    Waiting writers go first (a stream of readers cannot starve a ``fit``),
    except for a thread that already reads, which may read again: it would
    otherwise wait for a writer that waits for it.
    """

    __slots__ = ("_mutex", "_condition", "_readers", "_writer", "_writers_waiting", "_read")

    def __init__(self) -> None:
        # Entered directly (C speed); the condition on the same mutex is only for waiting.
        self._mutex = threading.Lock()
        self._condition = threading.Condition(self._mutex)
        self._readers: dict[int, int] = {}  # thread id -> nesting depth
        self._writer: int | None = None
        self._writers_waiting = 0
        self._read = _Reading(self)

    def read(self) -> "_Reading":
        """Hold the lock shared for a ``with`` block."""
        return self._read  # stateless: the state is in the lock, per thread

    def write(self, what: str) -> "_Writing":
        """Hold the lock exclusively for a ``with`` block; ``what`` names the call in errors.

        Raises (on entering the block):
            RuntimeError: this thread already holds the lock (a training call
                from inside a ``fit`` callback, or from a reader of the model).
        """
        return _Writing(self, what)

    def _acquire_read(self) -> None:
        me = threading.get_ident()
        with self._mutex:
            depth = self._readers.get(me, 0)
            if not depth and self._writer != me:
                while self._writer is not None or self._writers_waiting:
                    self._condition.wait()
            self._readers[me] = depth + 1

    def _release_read(self) -> None:
        me = threading.get_ident()
        with self._mutex:
            depth = self._readers.pop(me) - 1
            if depth:
                self._readers[me] = depth
            elif not self._readers:
                self._condition.notify_all()

    def _acquire_write(self, what: str) -> None:
        me = threading.get_ident()
        with self._mutex:
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

    def _release_write(self) -> None:
        with self._mutex:
            self._writer = None
            self._condition.notify_all()

    def __repr__(self) -> str:
        state = "writing" if self._writer is not None else f"{len(self._readers)} reader(s)"
        return f"<ModelLock {state}>"


# Plain classes rather than contextlib.contextmanager: a read wraps every predict,
# and a generator-based manager costs several times as much as the lock itself.
class _Reading:
    __slots__ = ("_lock",)

    def __init__(self, lock: ModelLock) -> None:
        self._lock = lock

    def __enter__(self) -> None:
        self._lock._acquire_read()

    def __exit__(self, *exc: object) -> None:
        self._lock._release_read()


class _Writing:
    __slots__ = ("_lock", "_what")

    def __init__(self, lock: ModelLock, what: str) -> None:
        self._lock, self._what = lock, what

    def __enter__(self) -> None:
        self._lock._acquire_write(self._what)

    def __exit__(self, *exc: object) -> None:
        self._lock._release_write()
