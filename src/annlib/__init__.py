"""annlib: fast, transparent multi-layer perceptrons and Hopfield networks.

The engine is C++ (Eigen) in ``annlib._core``; this package is its Python face.
"""

try:
    from . import _core  # noqa: F401  (imported first: a missing build fails here, with advice)
except ImportError as error:  # pragma: no cover - only without a build
    raise ImportError(
        "annlib's compiled engine (annlib._core) is missing. Install annlib with "
        "`pip install .` from the repository (it needs a C++17 compiler); importing "
        "from the source tree without building does not work."
    ) from error

from . import datasets
from ._core import DivergenceError, get_num_threads, set_num_threads
from .hopfield import Hopfield, capacity_curve, flip, random_patterns
from .mlp import MLP
from .search import grid_search

__version__ = "0.1.0"

__all__ = [
    "DivergenceError",
    "Hopfield",
    "MLP",
    "capacity_curve",
    "datasets",
    "flip",
    "get_num_threads",
    "grid_search",
    "random_patterns",
    "set_num_threads",
]


def __getattr__(name: str):
    # annlib.plot imports matplotlib, so it is loaded on first use only:
    # `import annlib` stays fast and free of matplotlib.
    if name == "plot":
        import importlib

        return importlib.import_module(".plot", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    # The public API only: not the submodules (mlp, hopfield, _core, ...) that
    # the imports above bind as attributes; plot is listed although loaded lazily.
    return sorted([*__all__, "plot", "__version__"])
