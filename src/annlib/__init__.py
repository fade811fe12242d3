"""annlib: fast, transparent multi-layer perceptrons and Hopfield networks.

The engine is C++ (Eigen) in ``annlib._core``; this package is its Python face.
"""

from __future__ import annotations

from importlib import metadata as _metadata

try:
    from . import _core  # noqa: F401  (imported first: a missing build fails here, with advice)
except ImportError as error:  # pragma: no cover - only without a build
    raise ImportError(
        "annlib's compiled engine (annlib._core) is missing. Install annlib with "
        "`pip install .` from the repository (it needs a C++17 compiler); importing "
        "from the source tree without building does not work."
    ) from error

from . import datasets, features, theory
from ._checks import ENGINE_INT_MAX, ENGINE_INT_MIN, check_int
from ._core import DivergenceError, get_num_threads
from .bam import BAM
from .capacity import bam_capacity_curve, dense_capacity_curve, modern_capacity_curve
from .dense_memory import DenseAssociativeMemory
from .finite_differences import gradient_check
from .hopfield import Hopfield, capacity_curve, flip, random_patterns
from .mlp import MLP
from .modern_hopfield import ModernHopfield
from .recall_analysis import basin_radius, classify_recall
from .search import grid_search

# Written once, in pyproject.toml; the installed package's metadata carries it.
__version__ = _metadata.version("annlib")

__all__ = [
    "BAM",
    "DenseAssociativeMemory",
    "DivergenceError",
    "Hopfield",
    "MLP",
    "ModernHopfield",
    "bam_capacity_curve",
    "basin_radius",
    "capacity_curve",
    "classify_recall",
    "datasets",
    "dense_capacity_curve",
    "flip",
    "get_num_threads",
    "grid_search",
    "modern_capacity_curve",
    "random_patterns",
    "set_num_threads",
    "theory",
]
__all__ += ["features", "gradient_check", "playground"]  # issue 16 (playground: lazy, ipywidgets)


def set_num_threads(n: int) -> None:
    """Cap the engine's threads at ``n`` (0 = every core)."""
    # Out of a C++ int's range pybind11 could not even call the engine, which checks >= 0.
    _core.set_num_threads(check_int(n, "n_threads", ENGINE_INT_MIN, ENGINE_INT_MAX))


def __getattr__(name: str):
    # annlib.plot imports matplotlib, so it is loaded on first use only:
    # `import annlib` stays fast and free of matplotlib.
    if name == "plot":
        import importlib

        return importlib.import_module(".plot", __name__)
    if name == "playground":
        from .interactive import playground

        return playground
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
