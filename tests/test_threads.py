"""The thread-safety contract: any number of readers at once, writers alone, never a crash.

Each test hammers one reader against one writer of the same model from several
threads for a fraction of a second and checks that every read saw either the
state before a write or the state after it, never a mix.  Without the per-object
lock these pairs crashed the process within a second (SIGSEGV, double free).
The tests also run in the sanitizer build, so they are short.
"""

from __future__ import annotations

import pickle
import threading
import time

import numpy as np
import pytest
from conftest import gaussian_classes

import annlib
from annlib import MLP, Hopfield
from annlib._lock import ModelLock

SECONDS = 0.07  # per pair: long enough to interleave hundreds of calls


def hammer(readers, writers, seconds=SECONDS, n_readers=2):
    """Run every reader in ``n_readers`` threads and every writer in one thread for ``seconds``.

    Each function is called in a loop; the first exception of any thread is re-raised.
    Returns how many calls each reader made (so a test can check that calls interleaved).
    """
    stop = threading.Event()
    errors: list[BaseException] = []
    calls = [0] * (len(readers) * n_readers)

    def loop(function, slot=None):
        try:
            while not stop.is_set():
                function()
                if slot is not None:
                    calls[slot] += 1
        except BaseException as error:  # re-raised in the main thread
            errors.append(error)
            stop.set()

    threads = [
        threading.Thread(target=loop, args=(reader, i * n_readers + k))
        for i, reader in enumerate(readers)
        for k in range(n_readers)
    ] + [threading.Thread(target=loop, args=(writer,)) for writer in writers]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return calls


def one_of(value, candidates):
    """Whether ``value`` equals one of ``candidates``, up to the last bits of rounding.

    (Weights set by hand compute fields in another order than trained ones, so an
    energy may differ in its last digit; a mix of two weight sets differs in far more.)
    """
    return any(
        np.shape(value) == np.shape(c) and np.allclose(value, c, rtol=1e-12, atol=1e-12)
        for c in candidates
    )


# ------------------------------------------------------------------ Hopfield
N = 160


@pytest.fixture
def hopfield_states():
    """Two pattern sets, the weights each one trains, and what recall/stable/energy give on each."""
    first = annlib.random_patterns(4, N, seed=1)
    second = annlib.random_patterns(12, N, seed=2)
    probes = annlib.flip(np.vstack([first, second]), 0.1, seed=3)
    states = {}
    for name, patterns in (("first", first), ("second", second)):
        net = Hopfield(N, seed=0)
        net.train(patterns)
        states[name] = dict(
            patterns=patterns,
            W=net.W,
            recall=net.recall(probes, order="sequential").states,
            stable=net.stable(probes),
            energy=net.energy(probes),
            update=net.update(probes, mode="sync"),
        )
    return states, probes


def hopfield_readers(net, states, probes):
    def recall():
        got = net.recall(probes, order="sequential").states
        assert one_of(got, [s["recall"] for s in states.values()]), "recall saw mixed weights"

    def stable():
        assert one_of(net.stable(probes), [s["stable"] for s in states.values()])

    def energy():
        assert one_of(net.energy(probes), [s["energy"] for s in states.values()])

    def update():
        assert one_of(net.update(probes, mode="sync"), [s["update"] for s in states.values()])

    def weights():
        assert one_of(net.W, [s["W"] for s in states.values()]), "W read while it was written"

    def saved():
        assert one_of(pickle.loads(pickle.dumps(net)).W, [s["W"] for s in states.values()])

    return {f.__name__: f for f in (recall, stable, energy, update, weights, saved)}


def hopfield_writers(net, states):
    cycle = [states["first"], states["second"]]
    turn = [0]

    def next_state():
        turn[0] += 1
        return cycle[turn[0] % 2]

    def train():
        net.train(next_state()["patterns"])

    def set_W():
        net.W = next_state()["W"]

    def set_bias():  # the same thresholds: a write that must not disturb any read
        net.bias = np.zeros(N)

    def restore():  # pickle's way into an existing object: the whole state at once
        source = Hopfield(N, seed=0)
        source.train(next_state()["patterns"])
        net.__setstate__(source.__getstate__())

    return {f.__name__: f for f in (train, set_W, set_bias, restore)}


READERS = ["recall", "stable", "energy", "update", "weights", "saved"]


@pytest.mark.parametrize("writer", ["train", "set_W", "set_bias", "restore"])
@pytest.mark.parametrize("reader", READERS)
def test_hopfield_reads_see_the_weights_before_or_after_a_write(hopfield_states, reader, writer):
    states, probes = hopfield_states
    net = Hopfield(N, seed=0)
    net.train(states["first"]["patterns"])
    read = hopfield_readers(net, states, probes)[reader]
    write = hopfield_writers(net, states)[writer]
    calls = hammer([read], [write], seconds=SECONDS / 3)
    assert sum(calls) > 0


def test_hopfield_recall_while_adding_never_crashes_and_adds_are_never_lost():
    patterns = annlib.random_patterns(40, N, seed=4)
    net = Hopfield(N, normalize=False, zero_diagonal=False, seed=0)
    probes = annlib.flip(patterns[:4], 0.1, seed=5)
    added = []
    lock = threading.Lock()

    def add():
        with lock:
            if len(added) == len(patterns):
                return
            row = len(added)
            added.append(row)
        net.add(patterns[row])

    def read():
        net.recall(probes)
        net.stable(probes)
        if net.n_patterns:
            net.energy(probes)

    hammer([read], [add, add, add])
    assert net.n_patterns == len(added)
    # Integer outer products: the sum is exact whatever the order of the adds.
    expected = patterns[: len(added)].T @ patterns[: len(added)]
    np.testing.assert_array_equal(net.W, expected)


def test_concurrent_recalls_draw_different_random_streams():
    patterns = annlib.random_patterns(3, N, seed=6)
    net = Hopfield(N, seed=0)
    net.train(patterns)
    probes = annlib.flip(np.repeat(patterns[:1], 8, axis=0), 0.2, seed=7)
    threads = [threading.Thread(target=net.recall, args=(probes,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Every probe of every call reserved its own stream: none was drawn twice or lost.
    assert net.__getstate__()["streams_used"] == 4 * len(probes)


# ------------------------------------------------------------------ MLP
@pytest.fixture
def mlp_states():
    """A classifier, two weight sets for it, and what each reader returns with each set."""
    X, y = gaussian_classes(100)
    layers = [2, 64, 64, 2]
    model = MLP(layers, output_activation="softmax", loss="cross_entropy", seed=1)
    model.fit(X, y, epochs=2)
    sets = []
    for seed in (2, 3):
        # The sets differ in weights only (same biases), so one write swaps them.
        model.weights = MLP(layers, seed=seed).weights
        sets.append(
            dict(
                weights=model.weights,
                outputs=model.outputs(X),
                predict=model.predict(X),
                predict_proba=model.predict_proba(X),
                mse=model.mse(X, y),
                forward=model.forward(X),
                backward=model.backward(X, y),
                loss=model.loss(X, y),
                accuracy=model.accuracy(X, y),
            )
        )
    model.weights = sets[0]["weights"]
    return model, sets, X, y


def mlp_readers(model, sets, X, y):
    def outputs():
        assert one_of(model.outputs(X), [s["outputs"] for s in sets]), "outputs of mixed weights"

    def predict():
        got = model.predict(X)
        assert any(np.array_equal(got, s["predict"]) for s in sets), (
            got.tolist(),
            [s["predict"].tolist() for s in sets],
        )

    def forward():
        got = model.forward(X)
        assert any(all(np.array_equal(a, b) for a, b in zip(got, s["forward"])) for s in sets)

    def backward():
        got = model.backward(X, y)
        assert any(
            all(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) for a, b in zip(got, s))
            for s in (s["backward"] for s in sets)
        )

    def loss():
        assert model.loss(X, y) in [s["loss"] for s in sets]

    def predict_proba():
        assert one_of(model.predict_proba(X), [s["predict_proba"] for s in sets])

    def mse():
        assert model.mse(X, y) in [s["mse"] for s in sets]

    def accuracy():
        assert model.accuracy(X, y) in [s["accuracy"] for s in sets]

    def weights():
        got = model.weights
        assert any(all(np.array_equal(a, b) for a, b in zip(got, s["weights"])) for s in sets)

    def saved():
        clone = pickle.loads(pickle.dumps(model))
        assert one_of(clone.outputs(X), [s["outputs"] for s in sets])

    return {
        f.__name__: f
        for f in (
            outputs,
            predict,
            predict_proba,
            forward,
            backward,
            loss,
            mse,
            accuracy,
            weights,
            saved,
        )
    }


def mlp_writers(model, sets):
    turn = [0]

    def set_weights():
        turn[0] += 1
        model.weights = sets[turn[0] % 2]["weights"]

    def restore():  # pickle's way into an existing object: the whole state at once
        turn[0] += 1
        source = pickle.loads(pickle.dumps(model))
        source.weights = sets[turn[0] % 2]["weights"]
        model.__setstate__(source.__getstate__())

    def set_params():
        turn[0] += 1
        model.set_params(learning_rate=0.1 * (1 + turn[0] % 2), l2=0.0)

    def set_biases():  # the same biases: a write that must not disturb any read
        model.biases = biases

    biases = model.biases
    return {
        "set_weights": set_weights,
        "restore": restore,
        "set_params": set_params,
        "set_biases": set_biases,
    }


MLP_READERS = [
    "outputs",
    "predict",
    "predict_proba",
    "forward",
    "backward",
    "loss",
    "mse",
    "accuracy",
    "weights",
    "saved",
]


@pytest.mark.parametrize("writer", ["set_weights", "restore", "set_params", "set_biases"])
@pytest.mark.parametrize("reader", MLP_READERS)
def test_mlp_reads_see_the_weights_before_or_after_a_write(mlp_states, reader, writer):
    model, sets, X, y = mlp_states
    read = mlp_readers(model, sets, X, y)[reader]
    write = mlp_writers(model, sets)[writer]
    calls = hammer([read], [write], seconds=SECONDS / 4)
    assert sum(calls) > 0


@pytest.mark.parametrize("writer", ["fit", "step", "reset", "weights"])
def test_mlp_training_while_predicting_never_crashes(writer):
    X, y = gaussian_classes(40)
    model = MLP([2, 16, 2], output_activation="softmax", batch_size=8, seed=1).fit(X, y, epochs=1)
    writes = {
        "fit": lambda: model.fit(X, y, epochs=2),
        "step": lambda: model.step(X[:8], y[:8]),
        "reset": lambda: model.reset().fit(X, y, epochs=1),
        "weights": lambda: setattr(model, "weights", [w * 0.5 for w in model.weights]),
    }

    def read():
        labels = model.predict(X)
        assert labels.shape == (len(X),) and set(labels.tolist()) <= {0, 1}
        assert np.isfinite(model.loss(X, y))

    hammer([read], [writes[writer]], seconds=SECONDS / 2)


# ------------------------------------------------------------------ callbacks
WRITES_FROM_A_CALLBACK = {
    "fit": lambda m, X, y: m.fit(X, y, epochs=1),
    "step": lambda m, X, y: m.step(X, y),
    "reset": lambda m, X, y: m.reset(),
    "set_params": lambda m, X, y: m.set_params(learning_rate=0.5),
    "weights": lambda m, X, y: setattr(m, "weights", m.weights),
    "biases": lambda m, X, y: setattr(m, "biases", m.biases),
    "__setstate__": lambda m, X, y: m.__setstate__(m.__getstate__()),
}


@pytest.mark.parametrize("write", list(WRITES_FROM_A_CALLBACK))
def test_training_calls_from_a_fit_callback_are_refused_and_leave_the_fit_intact(write):
    X, y = gaussian_classes(20)
    labels = np.where(y == 0, "cat", "dog")
    model = MLP([2, 4, 2], output_activation="softmax", seed=1)

    def callback(epoch, history, m):
        WRITES_FROM_A_CALLBACK[write](m, X, labels)

    with pytest.raises(RuntimeError, match=rf"{write}: cannot change the model .*fit callback"):
        model.fit(X, labels, epochs=10, callback=callback)
    # The refused call changed nothing: one epoch ran, the classes are still known.
    assert len(model.history["loss"]) == 1
    assert model.classes_.tolist() == ["cat", "dog"]
    assert set(model.predict(X).tolist()) <= {"cat", "dog"}
    model.fit(X, labels, epochs=3)  # and the model trains normally afterwards
    assert len(model.history["loss"]) == 3


def test_a_fit_callback_may_read_its_own_model():
    X, y = gaussian_classes(20)
    model = MLP([2, 4, 2], output_activation="softmax", seed=1)
    seen = []

    def callback(epoch, history, m):
        seen.append((m.predict(X).shape, m.loss(X, y), len(m.weights), len(pickle.dumps(m))))

    model.fit(X, y, epochs=4, callback=callback)
    assert len(seen) == 4 and all(shape == (len(X),) for shape, *_ in seen)
    assert [loss for _, loss, *_ in seen] == pytest.approx(
        model.history["loss"][1:] + [model.loss(X, y)], rel=0.5
    )


# ------------------------------------------------------------------ the lock itself
def test_readers_share_the_lock_and_a_writer_waits_for_them():
    lock = ModelLock()
    both_inside = threading.Barrier(2, timeout=5)
    order = []

    def reader(name):
        with lock.read():
            both_inside.wait()  # only passes if two readers hold the lock at once
            time.sleep(0.05)
            order.append(name)

    def writer():
        with lock.write("test"):
            order.append("writer")

    readers = [threading.Thread(target=reader, args=(f"r{i}",)) for i in range(2)]
    for thread in readers:
        thread.start()
    while not lock._readers:
        time.sleep(0.001)
    w = threading.Thread(target=writer)
    w.start()
    for thread in readers + [w]:
        thread.join()
    assert order[-1] == "writer"


def test_a_waiting_writer_goes_before_new_readers_but_not_before_nested_reads():
    lock = ModelLock()
    order = []
    release = threading.Event()

    def first_reader():
        with lock.read():
            release.wait(5)
            with lock.read():  # nested: must not wait for the waiting writer
                order.append("nested read")

    def writer():
        with lock.write("test"):
            order.append("writer")

    def late_reader():
        with lock.read():
            order.append("late read")

    threads = [threading.Thread(target=first_reader)]
    threads[0].start()
    while not lock._readers:
        time.sleep(0.001)
    threads.append(threading.Thread(target=writer))
    threads[1].start()
    while not lock._writers_waiting:
        time.sleep(0.001)
    threads.append(threading.Thread(target=late_reader))
    threads[2].start()
    time.sleep(0.02)
    release.set()
    for thread in threads:
        thread.join(5)
    assert order == ["nested read", "writer", "late read"]


def test_a_write_inside_a_read_of_the_same_thread_is_refused():
    lock = ModelLock()
    with lock.read(), pytest.raises(RuntimeError, match="train: cannot change the model"):
        with lock.write("train"):
            pass
    with lock.write("fit"):  # the refused write left the lock free
        with lock.read():
            pass


def test_attractors_while_the_weights_change_see_one_weight_set():
    small = 10
    first, second = (
        annlib.random_patterns(1, small, seed=8),
        annlib.random_patterns(2, small, seed=9),
    )
    expected = []
    for patterns in (first, second):
        reference = Hopfield(small, seed=0)
        reference.train(patterns)
        expected.append(reference.attractors())
    net = Hopfield(small, seed=0)
    net.train(first)
    turn = [0]

    def write():
        turn[0] += 1
        net.train((first, second)[turn[0] % 2])

    def read():
        assert one_of(net.attractors(), expected)

    hammer([read], [write], seconds=SECONDS / 2)
