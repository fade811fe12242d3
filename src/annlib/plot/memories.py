"""Associative memories after 1982: measured capacity curves beside the theory."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import theory as _theory
from .._checks import check_int, describe
from ._common import check_legend, place_legend
from .hopfield import capacity

#: Line styles cycled through the theory's capacity lines.
_THEORY_STYLES = ("--", ":", "-.", (0, (5, 2, 1, 2)), (0, (1, 3)))


def memory_capacity(
    curves: Any,
    n_units: int,
    ax: Any = None,
    loads: Any = None,
    theory: Any = True,
    degrees: Any = (3, 4),
    log_loads: bool = True,
    legend: str = "best",
):
    """Capacity curves of several memories on one Axes, with the theory's capacities beside them.

    Parameters
    ----------
    curves : mapping label -> (loads, fractions), or label -> fractions with ``loads`` given
        As for ``capacity``: e.g. ``{'Hebbian': (loads, hebb), 'dense n=3': (loads, dense)}``.
    n_units : int, >= 2
        The N the curves were measured at; the theory is evaluated there.
    ax : matplotlib Axes, default None
        Where to draw; None draws on a new figure.
    loads : 1-D array-like, default None
        The shared x values of curves given as fractions only.
    theory : bool or sequence of labels, default True
        True draws every capacity of ``annlib.theory.capacities(n_units,
        degrees)`` as a vertical line at its load (AGS 0.138 N, McEliece's
        N/(2 ln N) and N/(4 ln N), Storkey's N/sqrt(2 ln N), Gardner's 2N,
        Krotov-Hopfield's N^(n-1)/(2 (2n-3)!! ln N) for each degree) and the
        Hebbian one-step estimate ``(1 - 1/2 erfc(sqrt(N/2P)))^N`` as a
        dotted curve; a sequence picks labels of that table (and
        ``'Hebbian one-step'``); False draws none.
    degrees : sequence of int, default (3, 4)
        The polynomial degrees whose Krotov-Hopfield capacity is drawn.
    log_loads : bool, default True
        A logarithmic load axis (dense memories reach loads far beyond 1).
    legend : {'best', 'outside', 'none'}, default 'best'
        Where the legend goes: inside where it covers the fewest points, right
        of the axes (best with the many theory lines), or nowhere.

    Returns
    -------
    matplotlib.axes.Axes; ``ax.lines`` holds the measured curves in the
    mapping's order, then the theory's lines, each with gid ``'theory: <label>'``.
    """
    n_units = check_int(n_units, "n_units", 2)
    table = _theory.capacities(n_units, degrees)
    choices = [*table, "Hebbian one-step"]
    if theory is True:
        chosen = choices
    elif theory is False or theory is None:
        chosen = []
    else:
        chosen = list(theory)
        unknown = [label for label in chosen if label not in choices]
        if unknown:
            raise ValueError(f"theory: expected labels among {choices}, got {describe(unknown)}")
    legend = check_legend(legend)
    ax = capacity(curves, ax=ax, loads=loads, legend="none")
    if log_loads:
        ax.set_xscale("log")
    low, high = ax.get_xlim()
    for k, label in enumerate(label for label in chosen if label in table):
        ax.axvline(
            table[label],
            color=f"C{(k + len(ax.lines)) % 10}",
            linestyle=_THEORY_STYLES[k % len(_THEORY_STYLES)],
            linewidth=1,
            label=label,
            gid=f"theory: {label}",
        )
    if "Hebbian one-step" in chosen:
        spacing = np.geomspace if log_loads else np.linspace
        grid = spacing(max(low, 1.0 / n_units), high, 200)
        fraction = _theory.hebbian_recall_fraction(n_units, grid * n_units)
        ax.plot(
            grid,
            fraction,
            color="black",
            linestyle=":",
            linewidth=1,
            label="Hebbian one-step",
            gid="theory: Hebbian one-step",
        )
    ax.set_xlim(low, high)
    place_legend(ax, legend)
    return ax
