"""The capacity of associative memories according to theory, one function per result.

Every function takes the number of units N and returns a number of patterns P
(or, for ``hebbian_one_step_error``, a probability); divide by N for the load
P/N that capacity curves are drawn against.  Each docstring cites its source.

>>> round(mceliece_capacity(1000))
72
>>> gardner_capacity(100)
200.0
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._checks import check_float, check_int

__all__ = [
    "AGS_CRITICAL_LOAD",
    "capacities",
    "dense_capacity",
    "gardner_capacity",
    "hebbian_capacity",
    "hebbian_one_step_error",
    "hebbian_recall_fraction",
    "mceliece_capacity",
    "storkey_capacity",
]

#: Amit, Gutfreund & Sompolinsky (1985), "Storing infinite numbers of patterns
#: in a spin-glass model of neural networks", Phys. Rev. Lett. 55, 1530: the
#: Hebbian network of N -> infinity units keeps retrieval states (with a small
#: fraction of wrong bits) up to the load alpha_c = P/N ~ 0.138.
AGS_CRITICAL_LOAD = 0.138


def _units(n_units: Any) -> int:
    return check_int(n_units, "n_units", 2)


def hebbian_capacity(n_units: int) -> float:
    """``AGS_CRITICAL_LOAD * N``: the Amit-Gutfreund-Sompolinsky (1985) limit in patterns."""
    return AGS_CRITICAL_LOAD * _units(n_units)


def hebbian_one_step_error(n_units: int, n_patterns: Any) -> Any:
    """Probability that one bit of a stored pattern flips in one update: ``1/2 erfc(sqrt(N / 2P))``.

    The crosstalk of P - 1 other random patterns on a unit's field is about
    Gaussian with variance P/N against the signal 1 (Hertz, Krogh & Palmer
    1991, "Introduction to the Theory of Neural Computation", section 2.2; the
    same signal-to-noise argument as McEliece et al. 1987).  ``n_patterns``
    may be an array.
    """
    N = _units(n_units)
    P = np.asarray(n_patterns, dtype=float)
    if (P <= 0).any():
        raise ValueError("n_patterns: expected numbers > 0")
    erfc = np.vectorize(math.erfc, otypes=[float])
    value = 0.5 * erfc(np.sqrt(N / (2.0 * P)))
    return float(value) if value.ndim == 0 else value


def hebbian_recall_fraction(n_units: int, n_patterns: Any) -> Any:
    """Expected fraction of stored patterns all of whose N bits survive one update.

    ``(1 - hebbian_one_step_error(N, P)) ** N``, treating the bits as
    independent (the one-step estimate of Hertz, Krogh & Palmer 1991, §2.2):
    the theory beside a measured Hebbian capacity curve at zero noise.
    """
    N = _units(n_units)
    return (1.0 - hebbian_one_step_error(N, n_patterns)) ** N


def mceliece_capacity(n_units: int, all_patterns: bool = False) -> float:
    """``N / (2 ln N)``, or ``N / (4 ln N)`` with ``all_patterns=True``.

    McEliece, Posner, Rodemich & Venkatesh (1987), "The capacity of the
    Hopfield associative memory", IEEE Trans. Inf. Theory 33(4), 461: with
    Hebbian weights, each given pattern is a fixed point with probability -> 1
    up to N / (2 ln N) patterns; every pattern at once up to N / (4 ln N).
    """
    N = _units(n_units)
    return N / ((4.0 if all_patterns else 2.0) * math.log(N))


def storkey_capacity(n_units: int) -> float:
    """``N / sqrt(2 ln N)``: the capacity of Storkey's learning rule.

    Storkey (1997), "Increasing the capacity of a Hopfield network without
    sacrificing functionality", ICANN'97, LNCS 1327, 451 (and Storkey & Valabregue
    1999, Neural Networks 12, 869): patterns stay fixed points up to about
    N / sqrt(2 ln N), against N / (2 ln N) for the Hebbian rule.
    """
    N = _units(n_units)
    return N / math.sqrt(2.0 * math.log(N))


def gardner_capacity(n_units: int, margin: float = 0.0) -> float:
    """``alpha_c(kappa) N`` with ``1 / alpha_c = int_{-kappa}^inf Dt (t + kappa)^2``: 2N at kappa = 0.

    Gardner (1988), "The space of interactions in neural network models",
    J. Phys. A 21, 257: the largest number of random patterns any weights can
    make stable with margin kappa (the perceptron rule reaches it).  With
    Phi, phi the normal distribution and density the integral is
    ``(1 + kappa^2) Phi(kappa) + kappa phi(kappa)``.
    """
    N = _units(n_units)
    kappa = check_float(margin, "margin", 0.0)
    Phi = 0.5 * math.erfc(-kappa / math.sqrt(2.0))
    phi = math.exp(-0.5 * kappa * kappa) / math.sqrt(2.0 * math.pi)
    return N / ((1.0 + kappa * kappa) * Phi + kappa * phi)


def dense_capacity(n_units: int, degree: int) -> float:
    """``N^(n-1) / (2 (2n-3)!! ln N)``: the dense associative memory with F(x) = x^n.

    Krotov & Hopfield (2016), "Dense associative memory for pattern
    recognition", NeurIPS 29, section 2: patterns stay fixed points with
    probability -> 1 up to this many (n = 2 gives McEliece's N / (2 ln N)).
    """
    N = _units(n_units)
    n = check_int(degree, "degree", 2)
    double_factorial = math.prod(range(2 * n - 3, 0, -2))
    return N ** (n - 1) / (2.0 * double_factorial * math.log(N))


def capacities(n_units: int, degrees: Any = (3, 4)) -> dict[str, float]:
    """Every capacity above for N units, as loads P/N, labelled for a legend.

    >>> sorted(capacities(100, degrees=[3]))[:2]
    ['AGS 0.138 N', 'Gardner 2N']
    """
    N = _units(n_units)
    table = {
        "AGS 0.138 N": AGS_CRITICAL_LOAD,
        "McEliece N/(2 ln N)": mceliece_capacity(N) / N,
        "McEliece N/(4 ln N)": mceliece_capacity(N, all_patterns=True) / N,
        "Storkey N/sqrt(2 ln N)": storkey_capacity(N) / N,
        "Gardner 2N": gardner_capacity(N) / N,
    }
    for n in degrees:
        table[f"Krotov-Hopfield n={int(n)}"] = dense_capacity(N, n) / N
    return table
