"""Hopfield(rule='perceptron'): Gardner's bound, the margin, and a clear report when it fails."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from annlib import Hopfield, flip, random_patterns
from annlib._core import RULES


def stabilities(net, patterns):
    """gamma_i^mu = xi_i^mu h_i^mu sqrt(N) / |w_i| for every unit and pattern."""
    W = net.W
    fields = patterns @ W.T
    return patterns * fields * np.sqrt(net.n_units) / np.linalg.norm(W, axis=1)


def test_perceptron_is_a_row_of_the_rule_table():
    assert "perceptron" in RULES


def test_stores_one_and_a_half_N_random_patterns_at_N_100_every_one_stable():
    N, P = 100, 150
    patterns = random_patterns(P, N, seed=0)
    net = Hopfield(N, rule="perceptron", max_epochs=5000, seed=1)
    net.train(patterns)
    assert net.stable(patterns).all()
    report = net.perceptron_report
    assert report["converged"] and report["unstable"] == 0 and report["worst_stability"] > 0
    assert (stabilities(net, patterns) > 0).all()
    assert (np.diag(net.W) == 0).all()
    # The Hebbian rule keeps almost none of them (its limit is 0.138 N).
    hebbian = Hopfield(N, seed=1)
    hebbian.train(patterns)
    assert hebbian.stable(patterns).mean() < 0.05


def test_a_margin_makes_every_stability_reach_it_and_widens_the_basins():
    N, P = 100, 40
    patterns = random_patterns(P, N, seed=2)
    plain = Hopfield(N, rule="perceptron", seed=3)
    plain.train(patterns)
    wide = Hopfield(N, rule="perceptron", margin=1.0, seed=3)
    wide.train(patterns)
    assert (stabilities(wide, patterns) >= 1.0 - 1e-9).all()
    assert stabilities(plain, patterns).min() < 1.0
    # Five flipped units move a normalised field by about 2 sqrt(5) ~ 4.5, so a margin
    # of 1 widens the basins only a little: measured 15% -> 27.5% of the patterns
    # recalled exactly from 5% noise.
    probes = flip(patterns, 0.05, seed=4)
    recalled = [(net.recall(probes).states == patterns).all(axis=1).mean() for net in (plain, wide)]
    assert recalled[1] > recalled[0]


def test_beyond_gardners_bound_train_says_it_did_not_converge_and_keeps_the_weights():
    N, P = 40, 100  # 2.5 N > 2 N: no weights exist
    patterns = random_patterns(P, N, seed=5)
    net = Hopfield(N, rule="perceptron", max_epochs=30, seed=6)
    with pytest.raises(RuntimeError, match=r"perceptron: did not converge in max_epochs=30 epochs"):
        net.train(patterns)
    report = net.perceptron_report
    assert not report["converged"] and report["unstable"] > 0 and report["epochs"] == 30
    assert np.abs(net.W).sum() > 0
    assert 0 < net.stable(patterns).mean() < 1


def test_add_trains_on_every_pattern_so_far():
    patterns = random_patterns(60, 50, seed=7)
    net = Hopfield(50, rule="perceptron", seed=8)
    net.train(patterns[:30])
    net.add(patterns[30:])
    assert net.stable(patterns).all() and net.n_patterns == 60


def test_the_weights_are_not_symmetric_so_there_is_no_energy():
    net = Hopfield(30, rule="perceptron")
    net.train(random_patterns(20, 30, seed=9))
    with pytest.raises(ValueError, match="W: expected a symmetric weight matrix"):
        net.energy(np.ones(30))


def test_save_and_pickle_keep_margin_and_epoch_limit(tmp_path):
    net = Hopfield(20, rule="perceptron", margin=0.5, max_epochs=77, seed=10)
    net.train(random_patterns(10, 20, seed=11))
    net.save(tmp_path / "p.npz")
    for copy in (Hopfield.load(tmp_path / "p.npz"), pickle.loads(pickle.dumps(net))):
        assert copy._engine.margin == 0.5 and copy._engine.max_epochs == 77
        np.testing.assert_array_equal(copy.W, net.W)


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"margin": -0.1}, ValueError, "margin: expected a finite number >= 0"),
        ({"margin": "wide"}, TypeError, "margin: expected a real number"),
        ({"max_epochs": 0}, ValueError, "max_epochs: expected an integer >= 1"),
        ({"max_epochs": 2.0}, TypeError, "max_epochs: expected an integer"),
    ],
)
def test_bad_perceptron_settings_raise_naming_the_argument(arguments, error, message):
    with pytest.raises(error, match=message):
        Hopfield(10, rule="perceptron", **arguments)
