"""Toy data sets for the classic experiments, in one line each (numpy only).

Every generator is deterministic by ``seed`` (``numpy.random.default_rng``):
the same seed gives the same data, ``seed=None`` draws fresh data.

Conventions shared by the 2-D classification generators (``two_gaussians``,
``xor``, ``spirals``, ``moons``, ``circles``):

- ``n`` is the **total** number of samples.  It is split as evenly as possible
  between the classes (the first ``n % classes`` classes get one sample more),
  so an ``n`` divisible by the number of classes gives exactly balanced classes.
- They return ``(X, y)``: ``X`` is an ``(n, 2)`` float64 array, ``y`` an
  ``(n,)`` int64 array of class labels.  Binary generators take
  ``labels='01'`` (0/1, the default) or ``labels='pm1'`` (-1/+1, for tanh or
  bipolar-sigmoid outputs); ``spirals`` labels its classes 0, 1, ..., k-1.
- Samples are shuffled (``shuffle=True``); ``shuffle=False`` keeps them grouped
  by class, which is handy for plotting.

Also here: ±1 character images for Hopfield memories (``glyphs``) drawn from a
small built-in bitmap font, digit images for autoencoders and the image
"compresser" (``digit_image``), the conversions between an image and
(x, y) -> intensity rows (``image_to_xy``, ``xy_grid``, ``xy_to_image``), a
train/test ``split``, and ``random_patterns`` / ``flip`` for Hopfield networks.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._checks import as_float_array, check_choice, check_float, check_int, check_seed, describe
from ._patterns import flip, random_patterns

__all__ = [
    "GLYPH_CHARACTERS",
    "circles",
    "digit_image",
    "flip",
    "glyphs",
    "image_to_xy",
    "moons",
    "random_patterns",
    "spirals",
    "split",
    "two_gaussians",
    "xor",
    "xy_grid",
    "xy_to_image",
]

_LABELS = ("01", "pm1")


# ---------------------------------------------------------------------------
# shared helpers


def _class_counts(n: int, classes: int) -> list[int]:
    """``n`` samples split as evenly as possible between ``classes`` classes."""
    return [n // classes + (1 if k < n % classes else 0) for k in range(classes)]


def _rng(seed: Any) -> np.random.Generator:
    return np.random.default_rng(check_seed(seed))


def _finish(
    X: np.ndarray, y: np.ndarray, rng: np.random.Generator, shuffle: Any, labels: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """Map binary labels to the requested coding and shuffle samples and labels together."""
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"shuffle: expected True or False, got {describe(shuffle)}")
    y = y.astype(np.int64)
    if labels == "pm1":
        y = 2 * y - 1
    if shuffle:
        order = rng.permutation(len(y))
        X, y = X[order], y[order]
    return np.ascontiguousarray(X, dtype=np.float64), np.ascontiguousarray(y)


#: Most samples a generator draws, and the longest side of an image: beyond
#: them numpy fails with a bare MemoryError or "array is too big".
MAX_SAMPLES = 2**31 - 1
MAX_IMAGE_SIZE = 2**15

#: Largest noise, spread or mean the generators take.  Their points lie within
#: radius ~1; 1e6 already buries them, while 1e308 overflowed to inf.
MAX_SCALE = 1e6


def _check_noise(noise: Any) -> float:
    return check_float(noise, "noise", 0.0, MAX_SCALE)


# ---------------------------------------------------------------------------
# 2-D classification problems


def two_gaussians(
    n: int = 200,
    means: Any = ((1.0, 0.3), (0.0, -0.1)),
    stds: Any = (0.2, 0.3),
    seed: int | None = None,
    split_first: bool = False,
    labels: str = "01",
    shuffle: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Two classes drawn from 2-D Gaussians with different means and spreads.

    The classic decision-boundary exercise: class 0 around ``means[0]`` with
    spread ``stds[0]``, class 1 around ``means[1]`` with spread ``stds[1]``.

    Parameters
    ----------
    n : int
        Total number of samples (>= 2), half per class (class 0 gets the odd one).
    means : (2, 2) array-like
        One (x, y) mean per class.
    stds : array-like
        Standard deviations: one number for both classes, one number per class
        (shape (2,), isotropic) or one (sx, sy) pair per class (shape (2, 2)).
    seed : int or None
        Seed of the random generator.
    split_first : bool
        Split class 0 into two clusters of (nearly) equal size: the second one is
        the mirror image of the first across the vertical line through class 1's
        mean, x -> 2 * means[1][0] - x.  Class 1 then sits between the two halves
        of class 0, so no straight line separates the classes (a hidden layer is
        needed).
    labels : {'01', 'pm1'}
        Labels 0/1 or -1/+1 (class 0 becomes -1).
    shuffle : bool
        Shuffle the samples (else class 0 comes first).

    Returns
    -------
    X : (n, 2) float64 array
    y : (n,) int64 array of labels

    >>> X, y = two_gaussians(100, seed=0)
    >>> X.shape, int(y.sum())
    ((100, 2), 50)
    """
    n = check_int(n, "n", 2, MAX_SAMPLES)
    means = as_float_array(means, "means", ndim=2, columns=2)
    if means.shape[0] != 2:
        raise ValueError(
            f"means: expected shape (2, 2) (one (x, y) mean per class), got shape {means.shape}"
        )
    stds = as_float_array(stds, "stds", ndim=(0, 1, 2))
    if stds.shape not in ((), (2,), (2, 2)):
        raise ValueError(
            f"stds: expected a number, shape (2,) or shape (2, 2), got shape {stds.shape}"
        )
    if np.any(stds < 0):
        raise ValueError(f"stds: expected non-negative values, got {stds.tolist()}")
    if np.any(stds > MAX_SCALE):
        raise ValueError(f"stds: expected values <= {MAX_SCALE:g}, got {stds.tolist()}")
    if np.any(np.abs(means) > MAX_SCALE):
        raise ValueError(
            f"means: expected values in [-{MAX_SCALE:g}, {MAX_SCALE:g}], got {means.tolist()}"
        )
    if not isinstance(split_first, (bool, np.bool_)):
        raise TypeError(f"split_first: expected True or False, got {describe(split_first)}")
    labels = check_choice(labels, "labels", _LABELS)
    rng = _rng(seed)

    # One (sx, sy) row per class whatever form the user gave.
    spread = np.broadcast_to(stds.reshape(-1, 1) if stds.ndim == 1 else stds, (2, 2))
    counts = _class_counts(n, 2)
    parts = [means[k] + spread[k] * rng.standard_normal((counts[k], 2)) for k in range(2)]
    if split_first:
        mirrored = parts[0][counts[0] // 2 :]
        mirrored[:, 0] = 2.0 * means[1, 0] - mirrored[:, 0]
    X = np.concatenate(parts)
    y = np.repeat([0, 1], counts)
    return _finish(X, y, rng, shuffle, labels)


_XOR_CORNERS = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
_XOR_LABELS = np.array([0, 0, 1, 1])


def xor(
    n: int = 200,
    noise: float = 0.1,
    seed: int | None = None,
    labels: str = "01",
    shuffle: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Noisy XOR: the four corners of the unit square plus uniform noise in [-noise, noise].

    Corners (0, 0) and (1, 1) are class 0, (0, 1) and (1, 0) class 1 (the XOR
    truth table).  The ``n`` samples are spread as evenly as possible over the
    four corners; ``xor(4, noise=0)`` is exactly the truth table.  The noise is
    bounded, so for ``noise < 0.5`` the classes stay perfectly separable by a
    network with a hidden layer (and never by a straight line).

    Parameters
    ----------
    n : int
        Total number of samples (>= 4).
    noise : float
        Half-width of the uniform noise added to each coordinate (0 to ``MAX_SCALE`` = 1e6).
    seed, labels, shuffle
        As in ``two_gaussians``.

    Returns
    -------
    X : (n, 2) float64 array, y : (n,) int64 array

    >>> X, y = xor(4, noise=0.0, shuffle=False)
    >>> X.tolist(), y.tolist()
    ([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]], [0, 0, 1, 1])
    """
    n = check_int(n, "n", 4, MAX_SAMPLES)
    noise = _check_noise(noise)
    labels = check_choice(labels, "labels", _LABELS)
    rng = _rng(seed)
    corner = np.repeat(np.arange(4), _class_counts(n, 4))
    X = _XOR_CORNERS[corner] + rng.uniform(-noise, noise, size=(n, 2))
    return _finish(X, _XOR_LABELS[corner], rng, shuffle, labels)


def spirals(
    n: int = 400,
    classes: int = 4,
    noise: float = 0.05,
    seed: int | None = None,
    turns: float = 1.0,
    shuffle: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved noisy spirals, one arm per class, for multi-class problems.

    Arm k is the curve r = t, angle = 2π·turns·t + 2πk/classes for t in [0, 1):
    every arm is the first one rotated by the fixed angle 2π/classes.  Points are
    drawn at uniform random t and moved by Gaussian noise of standard deviation
    ``noise`` in each coordinate.  All points lie within radius ~1 of the origin.

    Parameters
    ----------
    n : int
        Total number of samples (>= classes).
    classes : int
        Number of arms / classes (>= 2); labels are 0, ..., classes - 1.
    noise : float
        Standard deviation of the Gaussian noise (0 to ``MAX_SCALE`` = 1e6).
    seed, shuffle
        As in ``two_gaussians``.
    turns : float
        How many full turns each arm makes (> 0).

    Returns
    -------
    X : (n, 2) float64 array, y : (n,) int64 array

    >>> X, y = spirals(400, classes=4, seed=0)
    >>> X.shape, sorted(set(y.tolist()))
    ((400, 2), [0, 1, 2, 3])
    """
    classes = check_int(classes, "classes", 2, MAX_SAMPLES)
    n = check_int(n, "n", classes, MAX_SAMPLES)
    noise = _check_noise(noise)
    turns = check_float(turns, "turns", 0.0, MAX_SCALE, exclusive_minimum=True)
    rng = _rng(seed)
    y = np.repeat(np.arange(classes), _class_counts(n, classes))
    t = rng.random(n)
    angle = 2.0 * np.pi * (turns * t + y / classes)
    X = np.column_stack([t * np.cos(angle), t * np.sin(angle)])
    X += noise * rng.standard_normal((n, 2))
    return _finish(X, y, rng, shuffle, None)


def moons(
    n: int = 200,
    noise: float = 0.1,
    seed: int | None = None,
    labels: str = "01",
    shuffle: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles ("moons").

    Class 0 lies on the upper half of the unit circle around (0, 0); class 1 on
    the lower half of the unit circle around (1, 0.5), so each moon reaches into
    the other's hollow.  Angles are uniform at random; Gaussian noise of standard
    deviation ``noise`` is added to each coordinate.

    Parameters
    ----------
    n : int
        Total number of samples (>= 2).
    noise : float
        Standard deviation of the noise (0 to ``MAX_SCALE`` = 1e6).
    seed, labels, shuffle
        As in ``two_gaussians``.

    Returns
    -------
    X : (n, 2) float64 array, y : (n,) int64 array

    >>> X, y = moons(100, seed=0)
    >>> X.shape
    (100, 2)
    """
    n = check_int(n, "n", 2, MAX_SAMPLES)
    noise = _check_noise(noise)
    labels = check_choice(labels, "labels", _LABELS)
    rng = _rng(seed)
    y = np.repeat([0, 1], _class_counts(n, 2))
    angle = np.pi * rng.random(n)
    upper = np.column_stack([np.cos(angle), np.sin(angle)])
    lower = np.column_stack([1.0 - np.cos(angle), 0.5 - np.sin(angle)])
    X = np.where((y == 0)[:, None], upper, lower)
    X += noise * rng.standard_normal((n, 2))
    return _finish(X, y, rng, shuffle, labels)


def circles(
    n: int = 200,
    noise: float = 0.05,
    factor: float = 0.5,
    seed: int | None = None,
    labels: str = "01",
    shuffle: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles: class 0 on radius 1, class 1 on radius ``factor``.

    Angles are uniform at random; Gaussian noise of standard deviation
    ``noise`` is added to each coordinate.

    Parameters
    ----------
    n : int
        Total number of samples (>= 2).
    noise : float
        Standard deviation of the noise (0 to ``MAX_SCALE`` = 1e6).
    factor : float
        Radius of the inner circle relative to the outer one, in (0, 1).
    seed, labels, shuffle
        As in ``two_gaussians``.

    Returns
    -------
    X : (n, 2) float64 array, y : (n,) int64 array

    >>> X, y = circles(100, noise=0.0, seed=0, shuffle=False)
    >>> round(float(np.hypot(*X[-1])), 6)
    0.5
    """
    n = check_int(n, "n", 2, MAX_SAMPLES)
    noise = _check_noise(noise)
    factor = check_float(factor, "factor", 0.0, 1.0, exclusive_minimum=True, exclusive_maximum=True)
    labels = check_choice(labels, "labels", _LABELS)
    rng = _rng(seed)
    y = np.repeat([0, 1], _class_counts(n, 2))
    angle = 2.0 * np.pi * rng.random(n)
    radius = np.where(y == 0, 1.0, factor)
    X = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    X += noise * rng.standard_normal((n, 2))
    return _finish(X, y, rng, shuffle, labels)


# ---------------------------------------------------------------------------
# character images from a built-in 5 x 7 bitmap font

# Designed for this module: 7 rows of 5 columns, '#' is ink.  Look-alikes are
# kept apart on purpose (0 is slashed, unlike O; 1 has a flag, unlike I) so
# that distinct characters always give distinct images.
_FONT_ROWS: dict[str, str] = {
    "A": ".###. #...# #...# ##### #...# #...# #...#",
    "B": "####. #...# #...# ####. #...# #...# ####.",
    "C": ".###. #...# #.... #.... #.... #...# .###.",
    "D": "####. #...# #...# #...# #...# #...# ####.",
    "E": "##### #.... #.... ####. #.... #.... #####",
    "F": "##### #.... #.... ####. #.... #.... #....",
    "G": ".###. #...# #.... #.### #...# #...# .####",
    "H": "#...# #...# #...# ##### #...# #...# #...#",
    "I": ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
    "J": "..### ...#. ...#. ...#. ...#. #..#. .##..",
    "K": "#...# #..#. #.#.. ##... #.#.. #..#. #...#",
    "L": "#.... #.... #.... #.... #.... #.... #####",
    "M": "#...# ##.## #.#.# #.#.# #...# #...# #...#",
    "N": "#...# #...# ##..# #.#.# #..## #...# #...#",
    "O": ".###. #...# #...# #...# #...# #...# .###.",
    "P": "####. #...# #...# ####. #.... #.... #....",
    "Q": ".###. #...# #...# #...# #.#.# #..#. .##.#",
    "R": "####. #...# #...# ####. #.#.. #..#. #...#",
    "S": ".#### #.... #.... .###. ....# ....# ####.",
    "T": "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
    "U": "#...# #...# #...# #...# #...# #...# .###.",
    "V": "#...# #...# #...# #...# #...# .#.#. ..#..",
    "W": "#...# #...# #...# #.#.# #.#.# #.#.# .#.#.",
    "X": "#...# #...# .#.#. ..#.. .#.#. #...# #...#",
    "Y": "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..",
    "Z": "##### ....# ...#. ..#.. .#... #.... #####",
    "0": ".###. #...# #..## #.#.# ##..# #...# .###.",
    "1": "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.",
    "2": ".###. #...# ....# ...#. ..#.. .#... #####",
    "3": "##### ...#. ..#.. ...#. ....# #...# .###.",
    "4": "...#. ..##. .#.#. #..#. ##### ...#. ...#.",
    "5": "##### #.... ####. ....# ....# #...# .###.",
    "6": "..##. .#... #.... ####. #...# #...# .###.",
    "7": "##### ....# ...#. ..#.. .#... .#... .#...",
    "8": ".###. #...# #...# .###. #...# #...# .###.",
    "9": ".###. #...# #...# .#### ....# ...#. .##..",
    " ": "..... ..... ..... ..... ..... ..... .....",
    ".": "..... ..... ..... ..... ..... .##.. .##..",
    ":": "..... .##.. .##.. ..... .##.. .##.. .....",
    "!": "..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..",
    "?": ".###. #...# ....# ...#. ..#.. ..... ..#..",
    "+": "..... ..#.. ..#.. ##### ..#.. ..#.. .....",
    "-": "..... ..... ..... ##### ..... ..... .....",
    "=": "..... ..... ##### ..... ##### ..... .....",
    "*": "..... #.#.# .###. ##### .###. #.#.# .....",
    "/": "....# ....# ...#. ..#.. .#... #.... #....",
    "#": ".#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.",
    "<": "...#. ..#.. .#... #.... .#... ..#.. ...#.",
    ">": ".#... ..#.. ...#. ....# ...#. ..#.. .#...",
}

#: Every character ``glyphs`` can draw (lower-case letters are drawn as capitals).
GLYPH_CHARACTERS = "".join(_FONT_ROWS)

_FONT = {
    char: np.array([[cell == "#" for cell in row] for row in rows.split()], dtype=bool)
    for char, rows in _FONT_ROWS.items()
}
_FONT_HEIGHT, _FONT_WIDTH = 7, 5


def _render(char: str, size: int) -> np.ndarray:
    """One character as a (size, size) bool image: the bitmap scaled nearest-neighbour, centred."""
    bitmap = _FONT[char]
    margin = size // 16
    height = size - 2 * margin
    width = max(_FONT_WIDTH, round(height * _FONT_WIDTH / _FONT_HEIGHT))
    # Every source row and column is sampled at least once (height >= 7,
    # width >= 5), so distinct bitmaps stay distinct at every size.
    rows = np.arange(height) * _FONT_HEIGHT // height
    cols = np.arange(width) * _FONT_WIDTH // width
    image = np.zeros((size, size), dtype=bool)
    top, left = (size - height) // 2, (size - width) // 2
    image[top : top + height, left : left + width] = bitmap[np.ix_(rows, cols)]
    return image


def glyphs(text: str, size: int = 32) -> np.ndarray:
    """±1 images of the characters of ``text``, one flattened image per row (for Hopfield memories).

    Characters come from a small built-in 5 x 7 bitmap font (``GLYPH_CHARACTERS``:
    A-Z, 0-9 and `` .:!?+-=*/#<>``), scaled up nearest-neighbour to fill a
    ``size`` x ``size`` square with a margin of ``size // 16`` pixels.  No
    font files and no downloads.  Lower-case letters are drawn as capitals.
    Ink is +1, background -1; ``images[i].reshape(size, size)`` is the picture.

    Parameters
    ----------
    text : str
        The characters to draw (non-empty).
    size : int
        Side of each square image in pixels (>= 7).

    Returns
    -------
    (len(text), size * size) float64 array of ±1.

    Raises
    ------
    ValueError
        For an empty text, a character the font does not have, or size < 7.

    >>> glyphs("AB", size=16).shape
    (2, 256)
    """
    if not isinstance(text, str):
        raise TypeError(f"text: expected a string, got {describe(text)}")
    if not text:
        raise ValueError("text: expected at least one character, got ''")
    size = check_int(size, "size", _FONT_HEIGHT, MAX_IMAGE_SIZE)
    unknown = sorted({char for char in text if char.upper() not in _FONT})
    if unknown:
        raise ValueError(
            f"text: expected characters from {GLYPH_CHARACTERS!r} (or lower-case letters), "
            f"got unsupported {''.join(unknown)!r}"
        )
    images = np.stack([_render(char.upper(), size).ravel() for char in text])
    return np.where(images, 1.0, -1.0)


def _gaussian_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur with zero padding (the background is 0 anyway)."""
    # Offsets beyond the image never reach a pixel of it: a wide blur needs no wider kernel.
    radius = min(max(1, math.ceil(3.0 * sigma)), max(image.shape))
    offsets = np.arange(-radius, radius + 1)
    with np.errstate(over="ignore"):  # a tiny sigma: (offset / sigma)² = inf, e^-inf = 0, as wanted
        kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    kernel /= kernel.sum()

    def blur(line: np.ndarray) -> np.ndarray:
        # "full" then the centre: mode="same" returns the longer of the two inputs,
        # so a kernel wider than the image made the image grow (13 x 13 for size 8, blur 2).
        return np.convolve(line, kernel, mode="full")[radius : radius + len(line)]

    image = np.apply_along_axis(blur, 0, image)
    return np.apply_along_axis(blur, 1, image)


def digit_image(digit: int, size: int = 8, blur: float = 0.0) -> np.ndarray:
    """A grey-level image of one digit in [0, 1] (1 = ink), from the ``glyphs`` font.

    Made for the autoencoder and the image "compresser": ``size=8`` gives
    8 x 8 digit images like the classic small digits data set; ``blur`` (a
    Gaussian's standard deviation in pixels) softens the edges, which gives a
    smooth intensity landscape for an (x, y) -> intensity network.

    Parameters
    ----------
    digit : int
        0 to 9.
    size : int
        Side of the square image in pixels (>= 7).
    blur : float
        Standard deviation of the Gaussian blur in pixels (0 = sharp).

    Returns
    -------
    (size, size) float64 array with values in [0, 1].

    >>> digit_image(3).shape
    (8, 8)
    """
    digit = check_int(digit, "digit", 0, 9)
    size = check_int(size, "size", _FONT_HEIGHT, MAX_IMAGE_SIZE)
    blur = check_float(blur, "blur", 0.0)
    image = _render(str(digit), size).astype(np.float64)
    return _gaussian_blur(image, blur) if blur > 0 else image


# ---------------------------------------------------------------------------
# images as (x, y) -> intensity regression problems


def _axis(count: int) -> np.ndarray:
    return np.linspace(-1.0, 1.0, count) if count > 1 else np.zeros(1)


def xy_grid(height: int, width: int) -> np.ndarray:
    """The (x, y) coordinates of every pixel of a ``height`` x ``width`` image.

    Returns an ``(height * width, 2)`` float64 array in row-major pixel order
    (the order of ``image.ravel()``).  x runs from -1 (left column) to +1
    (right column), y from +1 (top row) to -1 (bottom row), so a scatter plot
    of the coordinates shows the image upright.  Any resolution covers the same
    square, which lets a network trained on ``image_to_xy(image)`` be drawn at
    a higher resolution: ``xy_to_image(model.predict(xy_grid(4*h, 4*w)), 4*h, 4*w)``.

    >>> xy_grid(2, 3).tolist()
    [[-1.0, 1.0], [0.0, 1.0], [1.0, 1.0], [-1.0, -1.0], [0.0, -1.0], [1.0, -1.0]]
    """
    height = check_int(height, "height", 1, MAX_IMAGE_SIZE)
    width = check_int(width, "width", 1, MAX_IMAGE_SIZE)
    x, y = np.meshgrid(_axis(width), -_axis(height))
    return np.column_stack([x.ravel(), y.ravel()])


def image_to_xy(image: Any) -> tuple[np.ndarray, np.ndarray]:
    """An image as a regression problem: one row per pixel, (x, y) -> intensity.

    Parameters
    ----------
    image : (height, width) or (height, width, channels) array-like
        Grey or colour image.  Values are used as they are (converted to
        float64); scale them yourself if you want, e.g. ``image / 255``.

    Returns
    -------
    X : (height * width, 2) float64 array
        Pixel coordinates in [-1, 1] as in ``xy_grid``.
    y : (height * width,) or (height * width, channels) float64 array
        The intensities in row-major pixel order.

    >>> X, y = image_to_xy(np.eye(2))
    >>> X.shape, y.tolist()
    ((4, 2), [1.0, 0.0, 0.0, 1.0])
    """
    image = as_float_array(image, "image", ndim=(2, 3))
    height, width = image.shape[:2]
    values = image.reshape(height * width, *image.shape[2:])
    return xy_grid(height, width), values.copy()


def xy_to_image(values: Any, height: int, width: int) -> np.ndarray:
    """Turn one value per pixel (e.g. a network's predictions on ``xy_grid``) back into an image.

    Parameters
    ----------
    values : (height * width,), (height * width, 1) or (height * width, channels) array-like
        Values in the row-major pixel order of ``xy_grid`` / ``image_to_xy``.
    height, width : int
        Image size.

    Returns
    -------
    (height, width) float64 array, or (height, width, channels) for several channels.

    >>> X, y = image_to_xy(np.eye(3))
    >>> bool((xy_to_image(y, 3, 3) == np.eye(3)).all())
    True
    """
    height = check_int(height, "height", 1, MAX_IMAGE_SIZE)
    width = check_int(width, "width", 1, MAX_IMAGE_SIZE)
    values = as_float_array(values, "values", ndim=(1, 2), finite=False)
    if values.shape[0] != height * width:
        raise ValueError(
            f"values: expected {height * width} rows (height * width = {height} * {width}), "
            f"got shape {values.shape}"
        )
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    return values.reshape(height, width, *values.shape[1:]).copy()


# ---------------------------------------------------------------------------
# train / test split


def split(
    X: Any,
    y: Any,
    test_fraction: float = 0.25,
    seed: int | None = None,
    stratify: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split samples at random into a training and a test set (like scikit-learn's train_test_split).

    Parameters
    ----------
    X : array-like, one sample per row (any number of dimensions >= 1)
    y : array-like with the same number of rows as X
    test_fraction : float
        Fraction of the samples that go to the test set, in (0, 1).  The test
        set has ``ceil(test_fraction * n)`` samples, at least one, and the
        training set keeps at least one.
    seed : int or None
        Seed of the random generator.
    stratify : bool
        Split each class (each distinct value, or distinct row, of ``y``)
        separately so that both sets keep the class proportions; each class
        then sends ``round(test_fraction * n_class)`` samples to the test set,
        so the total can differ by a few from the unstratified split.

    Returns
    -------
    X_train, X_test, y_train, y_test : numpy arrays (new copies, samples shuffled)

    >>> X_train, X_test, y_train, y_test = split(np.arange(8), np.arange(8), 0.25, seed=0)
    >>> len(X_train), len(X_test)
    (6, 2)
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim == 0 or len(X) < 2:
        raise ValueError(f"X: expected at least 2 samples (rows), got {describe(X)}")
    if y.ndim == 0 or len(y) != len(X):
        raise ValueError(f"y: expected {len(X)} rows like X, got {describe(y)}")
    test_fraction = check_float(
        test_fraction, "test_fraction", 0.0, 1.0, exclusive_minimum=True, exclusive_maximum=True
    )
    if not isinstance(stratify, (bool, np.bool_)):
        raise TypeError(f"stratify: expected True or False, got {describe(stratify)}")
    rng = _rng(seed)
    n = len(X)
    if stratify:
        if y.dtype.kind not in "biufUSM":
            raise TypeError(f"y: expected numbers or strings to stratify by, got dtype {y.dtype}")
        keys = y.reshape(n, -1)
        _, classes = np.unique(keys, axis=0, return_inverse=True)
        classes = classes.ravel()
        test_parts, train_parts = [], []
        for k in range(classes.max() + 1):
            members = rng.permutation(np.flatnonzero(classes == k))
            n_test = round(test_fraction * len(members))
            test_parts.append(members[:n_test])
            train_parts.append(members[n_test:])
        test = np.concatenate(test_parts)
        train = np.concatenate(train_parts)
        if len(test) == 0 or len(train) == 0:
            raise ValueError(
                f"test_fraction: {test_fraction} leaves an empty "
                f"{'test' if len(test) == 0 else 'training'} set when each class is split "
                f"separately (classes too small); use more samples or stratify=False"
            )
        test, train = rng.permutation(test), rng.permutation(train)
    else:
        # round() first so that 0.3 * 10 = 3.0000000000000004 gives 3, not 4.
        n_test = min(max(math.ceil(round(test_fraction * n, 9)), 1), n - 1)
        order = rng.permutation(n)
        test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]
