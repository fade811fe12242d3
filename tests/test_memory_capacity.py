"""Capacity curves of the dense, modern and bidirectional memories, and the theory beside them."""

from __future__ import annotations

import doctest
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import annlib
from annlib import bam_capacity_curve, dense_capacity_curve, modern_capacity_curve, plot, theory


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# ---- the formulas -------------------------------------------------------------------


def test_formulas_at_N_1000():
    N = 1000
    assert theory.hebbian_capacity(N) == pytest.approx(138.0)
    assert theory.mceliece_capacity(N) == pytest.approx(N / (2 * math.log(N)))
    assert theory.mceliece_capacity(N, all_patterns=True) == pytest.approx(N / (4 * math.log(N)))
    assert theory.storkey_capacity(N) == pytest.approx(N / math.sqrt(2 * math.log(N)))
    assert theory.dense_capacity(N, 3) == pytest.approx(N**2 / (2 * 3 * math.log(N)))
    assert theory.dense_capacity(N, 4) == pytest.approx(N**3 / (2 * 15 * math.log(N)))
    # Degree 2 is McEliece's bound: the dense memory with n = 2 is the Hebbian network.
    assert theory.dense_capacity(N, 2) == pytest.approx(theory.mceliece_capacity(N))


def test_gardner_capacity_is_2N_at_zero_margin_and_falls_with_the_margin():
    assert theory.gardner_capacity(100) == pytest.approx(200.0)
    # 1/alpha = int_{-k}^inf Dt (t + k)^2, by quadrature.
    t = np.linspace(-1.0, 12.0, 200001)
    density = np.exp(-t * t / 2) / np.sqrt(2 * np.pi)
    for kappa in (0.5, 1.0):
        inside = t >= -kappa
        x, y = t[inside], (t[inside] + kappa) ** 2 * density[inside]
        integral = np.sum((y[1:] + y[:-1]) / 2 * np.diff(x))
        assert theory.gardner_capacity(100, kappa) == pytest.approx(100 / integral, rel=1e-5)
    assert theory.gardner_capacity(100, 1.0) < theory.gardner_capacity(100, 0.5) < 200.0


def test_the_one_step_error_predicts_the_measured_hebbian_bit_error():
    N, P = 200, 40
    patterns = annlib.random_patterns(P, N, seed=0)
    net = annlib.Hopfield(
        N, zero_diagonal=False
    )  # keeps the self term that the formula ignores... almost
    net.train(patterns)
    fields = patterns @ net.W.T
    measured = np.mean(np.sign(fields) != patterns)
    predicted = theory.hebbian_one_step_error(N, P)
    assert measured == pytest.approx(predicted, abs=0.01)


def test_capacities_lists_every_formula_as_loads():
    table = theory.capacities(100, degrees=[3])
    assert table["Gardner 2N"] == 2.0
    assert table["AGS 0.138 N"] == 0.138
    assert table["Krotov-Hopfield n=3"] == pytest.approx(100 / (6 * math.log(100)))
    assert len(table) == 6


# ---- the measured curves ---------------------------------------------------------------


def test_dense_memories_hold_far_more_patterns_than_the_classical_network():
    N = 64
    loads = [0.3, 1.0]  # 19 and 64 patterns; theory: 164 for the cubic memory
    classical = annlib.capacity_curve(N, loads, trials=2, seed=1)
    cubic = dense_capacity_curve(N, loads, degree=3, trials=2, seed=1)
    exponential = dense_capacity_curve(N, loads, interaction="exponential", trials=2, seed=1)
    assert classical[0] < 0.5 and classical[1] == 0.0
    assert (cubic == 1.0).all() and (exponential == 1.0).all()
    # Degree 2 measures the classical network (the same model).
    quadratic = dense_capacity_curve(N, [0.05, 0.3], degree=2, trials=2, seed=1)
    assert quadratic[0] > 0.9 and quadratic[1] < 0.5


def test_modern_and_bam_curves_fall_with_the_load():
    modern = modern_capacity_curve(32, [0.5, 100.0], beta=1.0, noise=0.25, trials=1, seed=2)
    assert modern[0] == 1.0 and modern[1] < 0.1
    bam = bam_capacity_curve(64, [0.03, 1.0], noise=0.05, trials=2, seed=3)
    assert bam[0] == 1.0 and bam[1] < 0.2


def test_curves_are_reproducible_by_seed():
    a = dense_capacity_curve(40, [3.0, 6.0], trials=1, seed=4)
    b = dense_capacity_curve(40, [3.0, 6.0], trials=1, seed=4)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: dense_capacity_curve(1, [1.0]), "n_units: expected an integer >= 2"),
        (lambda: dense_capacity_curve(10, [0.0]), "loads: expected numbers > 0"),
        (lambda: modern_capacity_curve(10, [1.0], noise=2.0), "noise: expected a number <= 1"),
        (lambda: bam_capacity_curve(10, [1.0], trials=0), "trials: expected an integer >= 1"),
        (lambda: dense_capacity_curve(10, [1.0], interaction="x"), "interaction: expected one of"),
        (lambda: theory.dense_capacity(10, 1), "degree: expected an integer >= 2"),
        (lambda: theory.gardner_capacity(10, -1.0), "margin: expected a number >= 0"),
    ],
)
def test_bad_input_raises_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---- the picture -------------------------------------------------------------------------


def test_memory_capacity_draws_the_curves_then_every_theory_line():
    ax = plot.memory_capacity(
        {"Hebbian": ([0.05, 0.5], [1.0, 0.0]), "dense n=3": ([0.05, 5.0], [1.0, 1.0])}, 100
    )
    gids = [line.get_gid() for line in ax.lines]
    assert [line.get_label() for line in ax.lines[:2]] == ["Hebbian", "dense n=3"]
    expected = [f"theory: {label}" for label in theory.capacities(100)] + [
        "theory: Hebbian one-step"
    ]
    assert gids[2:] == expected
    mceliece = ax.lines[gids.index("theory: McEliece N/(2 ln N)")]
    assert mceliece.get_xdata()[0] == pytest.approx(1 / (2 * math.log(100)))
    assert ax.get_xscale() == "log"
    one_step = ax.lines[-1]
    np.testing.assert_allclose(
        one_step.get_ydata(), theory.hebbian_recall_fraction(100, one_step.get_xdata() * 100)
    )


def test_memory_capacity_draws_the_theory_asked_for_only():
    ax = plot.memory_capacity({"a": ([0.1, 1.0], [1.0, 0.5])}, 50, theory=["Gardner 2N"])
    assert [line.get_gid() for line in ax.lines[1:]] == ["theory: Gardner 2N"]
    assert len(plot.memory_capacity({"a": ([0.1, 1.0], [1.0, 0.5])}, 50, theory=False).lines) == 1
    with pytest.raises(ValueError, match="theory: expected labels among"):
        plot.memory_capacity({"a": ([0.1, 1.0], [1.0, 0.5])}, 50, theory=["Hopfield 1982"])


def test_the_module_examples_run():
    import annlib.capacity

    for module in (theory, annlib.capacity):
        assert doctest.testmod(module).failed == 0


def test_capacity_with_theory_draws_the_theory_beside_the_measurement():
    curves = {"hebbian": ([0.05, 0.1, 0.2], [1.0, 0.9, 0.1])}
    ax = plot.capacity(curves, theory=True, n_units=100, critical_load=0.138)
    gids = [line.get_gid() for line in ax.lines]
    assert ax.lines[0].get_label() == "hebbian"
    assert "theory: McEliece N/(2 ln N)" in gids and "theory: Hebbian one-step" in gids
    assert gids[-1] == "critical load"
    assert ax.get_xscale() == "linear"
    assert [g for g in gids if g and g.startswith("theory")] == [
        g
        for g in [line.get_gid() for line in plot.memory_capacity(curves, 100).lines]
        if g and g.startswith("theory")
    ]
    with pytest.raises(TypeError, match="^n_units: "):
        plot.capacity(curves, theory=True)
    assert len(plot.capacity(curves).lines) == 1  # no theory unless asked
