"""One-line pictures of annlib's data, networks and experiments (matplotlib).

What every plot function does
-----------------------------
- It takes ``ax=None``: without one it draws on a new figure, with one it
  draws on the Axes you give, and it draws on that one Axes only
  (``grid_heatmap`` adds its colour bar beside it).
- It returns that ``matplotlib.axes.Axes`` (matplotlib's own convention):
  ``ax.figure`` is the figure to save or title, and the artists it drew are in
  ``ax.lines``, ``ax.images``, ``ax.collections``, ``ax.patches`` and
  ``ax.texts``.  Each docstring says which artist holds what, and artists
  with a role of their own carry a ``gid`` naming it (``'borders'``,
  ``'weights[1]'``, ``'pattern[0]'``, ...), so ``[a for a in ax.get_children()
  if a.get_gid() == 'borders']`` finds them.  ``training_animation`` draws
  nothing you keep: it writes a GIF and returns the file's ``pathlib.Path``.
- Its signature lists every parameter with its default; its docstring gives
  each default, its range and what it means.
- Legends go where ``legend=`` says: ``'best'`` (the default: inside, where
  matplotlib finds it covers the fewest data points), ``'outside'`` (right of
  the axes, never over data) or ``'none'``.

matplotlib is imported inside the functions, so importing this package (and
``import annlib``) stays fast and free of matplotlib.

The package is one module per kind of view: ``hopfield`` (``patterns``,
``energy``, ``capacity``), ``training`` (``loss_curves``, ``grid_heatmap``),
``model`` (``decision_boundary``, ``architecture``) and ``animation``
(``training_animation`` and its table of views ``VIEWS``); ``_common`` holds
what they share.  Adding a view is one function in its module and its name in
the import line below (``__all__`` is made from these imports).
"""

from __future__ import annotations

import inspect as _inspect

# Re-exports (so noqa: F401); __all__ is made from them below.
from ._common import LEGEND_PLACES, NEGATIVE_COLOR, POSITIVE_COLOR, ZERO_COLOR  # noqa: F401
from .animation import ANIMATION_VIEWS, VIEWS, training_animation  # noqa: F401
from .hopfield import capacity, energy, patterns  # noqa: F401
from .live import LIVE_VIEWS, LiveView, live  # noqa: F401
from .memories import memory_capacity  # noqa: F401
from .model import architecture, decision_boundary  # noqa: F401
from .training import grid_heatmap, loss_curves  # noqa: F401
from .units import activations, gradients, unit_maps  # noqa: F401

#: The plot functions: every public function imported above from the view modules.
__all__ = sorted(
    name
    for name, value in list(globals().items())
    if _inspect.isfunction(value)
    and not name.startswith("_")
    and value.__module__.startswith(__name__ + ".")
)
