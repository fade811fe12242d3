"""How an MLP turns user targets into the engine's target matrices.

The task (regression, multiclass, binary, multilabel) is decided from the output
layer, the loss and the first targets; labels are encoded once that is known.
``MLP`` uses this through ``TargetEncoding``, and ``grid_search`` plans its
configurations with it without building a model.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ._checks import as_float_array

#: The setting of ``output_activation`` and ``loss`` that the first targets decide.
AUTO = "auto"

# Target values and decision threshold of a single bounded output used as a binary classifier.
_BINARY_TARGETS = {
    "sigmoid": (0.0, 1.0, 0.5),
    "tanh": (-1.0, 1.0, 0.0),
    "bipolar_sigmoid": (-1.0, 1.0, 0.0),
}


class TargetEncoding:
    """The task, classes and target encoding of a network with ``layers`` and MLP ``params``.

    ``MLP`` sets ``_layers``, ``_params``, ``_dtype``, ``classes_``, ``_task``,
    ``_fitted``, ``output_activation_`` and ``loss_`` itself;
    ``TargetEncoding.of(...)`` makes a stand-alone one.  ``output_activation_``
    and ``loss_`` are the settings with ``'auto'`` resolved (``resolve_auto``).
    """

    _layers: tuple[int, ...]
    _params: dict[str, Any]
    _dtype: np.dtype
    classes_: np.ndarray | None
    _task: str
    _fitted: bool
    output_activation_: str
    loss_: str

    @classmethod
    def of(cls, layers: tuple[int, ...], params: dict[str, Any], dtype: Any) -> "TargetEncoding":
        """A stand-alone encoding that has not seen targets yet."""
        encoding = TargetEncoding()
        encoding._layers, encoding._params, encoding._dtype = tuple(layers), params, np.dtype(dtype)
        encoding.classes_, encoding._task, encoding._fitted = None, "regression", False
        encoding.output_activation_, encoding.loss_ = resolve_auto(
            params["output_activation"], params["loss"], encoding._layers[-1], "none"
        )
        return encoding

    def _targets(
        self, y: Any, n_samples: int, fitting: bool, name: str = "y", classes: Any = None
    ) -> np.ndarray:
        """Encode ``y`` as the engine's (n, n_outputs) target matrix.

        When ``fitting`` and the model has not seen targets yet, this decides
        the task (see ``fit``) and remembers ``classes_``.
        """
        if y is None:
            raise TypeError(f"{name}: expected targets, got None")
        y = label_array(y, name)
        if y.dtype.kind not in "biufUS":
            raise TypeError(f"{name}: expected numbers or string labels, got dtype {y.dtype}")
        if y.ndim not in (1, 2) or y.shape[0] != n_samples:
            raise ValueError(
                f"{name}: expected {n_samples} targets (one per sample of X), got an array of shape {y.shape}"
            )
        n_out = self._layers[-1]
        if not self._fitted and fitting:
            self._decide(y, name, classes)
        out_act = self.output_activation_
        task = self._task
        if task == "regression" or (task in ("multiclass", "multilabel") and y.ndim == 2):
            if y.dtype.kind in "US":
                raise TypeError(
                    f"{name}: string labels need a classifier (softmax or a single bounded output)"
                )
            T = as_float_array(
                y.reshape(n_samples, -1) if y.ndim == 1 else y, name, self._dtype, ndim=2
            )
            if T.shape[1] != n_out:
                raise ValueError(
                    f"{name}: expected {n_out} target columns (one per output), got {T.shape[1]}"
                )
            return T
        if y.ndim != 1:
            if y.ndim == 2 and y.shape[1] == 1:
                y = y[:, 0]
            else:
                raise ValueError(
                    f"{name}: expected 1-D class labels, got an array of shape {y.shape}"
                )
        if y.dtype.kind == "f" and not np.isfinite(y).all():
            raise ValueError(f"{name}: expected finite values, got NaN or infinite labels")
        index = _label_index(self.classes_, y, name)
        if task == "multiclass":
            T = np.zeros((n_samples, n_out), dtype=self._dtype)
            T[np.arange(n_samples), index] = 1
            return T
        low, high, _ = _BINARY_TARGETS[out_act]
        return np.where(index == 1, high, low).astype(self._dtype).reshape(n_samples, 1)

    def _decide(self, y: np.ndarray, name: str, classes: Any) -> None:
        """The first targets: resolve 'auto' output and loss from them, then decide the task."""
        labels = auto_labels(y, self._params["task"], classes)
        self.output_activation_, self.loss_ = resolve_auto(
            self._params["output_activation"], self._params["loss"], self._layers[-1], labels
        )
        self._decide_task(y, name, classes)

    def _decide_task(self, y: np.ndarray, name: str, classes: Any) -> None:
        """Classifier or regressor, from the output activation, the loss and the targets.

        - softmax output: multiclass; 1-D labels are one-hot encoded, 2-D targets used as given;
        - sigmoid + cross_entropy: binary (one output, labels) or multilabel (k outputs, 0/1 columns);
        - one sigmoid/tanh/bipolar_sigmoid output with mse: binary when the labels are the output's
          two target values (0/1 or ±1) or any two non-float labels;
        - anything else: regression.
        """
        n_out = self._layers[-1]
        out_act = self.output_activation_
        task = self._params["task"]
        given = (
            None if classes is None else _unique_labels(label_array(classes, "classes"), "classes")
        )
        self.classes_, self._task = None, "regression"
        if task == "regression":
            return
        if out_act == "softmax":
            self._task = "multiclass"
            if y.ndim == 2:
                self.classes_ = np.arange(y.shape[1]) if given is None else given
            else:
                self.classes_ = _unique_labels(y, name) if given is None else given
            if len(self.classes_) != n_out:
                raise ValueError(
                    f"{name if given is None else 'classes'}: expected {n_out} classes (one per softmax "
                    f"output), got {len(self.classes_)}: "
                    f"{self.classes_[:10].tolist()}"
                )
            return
        cross_entropy = self.loss_ == "cross_entropy"
        if out_act == "sigmoid" and cross_entropy and n_out > 1:
            self._task, self.classes_ = "multilabel", np.arange(n_out)
            return
        single = n_out == 1 and out_act in _BINARY_TARGETS and (y.ndim == 1 or y.shape[1] == 1)
        if not single:
            if task == "classification":
                raise ValueError(
                    f"task: classification needs a softmax output, sigmoid outputs with cross_entropy, or a "
                    f"single sigmoid/tanh/bipolar_sigmoid output; got {n_out} {out_act} output(s)"
                )
            return
        flat = y.reshape(-1)
        low, high, _ = _BINARY_TARGETS[out_act]
        natural = flat.dtype.kind in "biuf" and bool(np.isin(flat, (low, high)).all())
        labels = flat.dtype.kind in "biuUS"
        if not (
            cross_entropy or natural or labels or given is not None or task == "classification"
        ):
            return  # float targets for a bounded output: regression
        if given is not None:
            found = given
        elif natural:
            found = np.array([low, high])
            if flat.dtype.kind == "b":
                found = np.array([False, True])
            elif flat.dtype.kind in "iu":
                found = found.astype(np.int64)
        else:
            found = _unique_labels(flat, name)
        if len(found) != 2:
            raise ValueError(
                f"{name if given is None else 'classes'}: expected two classes for a single {out_act} output, got {len(found)}: "
                f"{found[:10].tolist()}"
            )
        self._task, self.classes_ = "binary", found

    def _accuracy_rule(self) -> tuple[str, float]:
        if self._task == "multiclass":
            return "argmax", 0.0
        if self._task in ("binary", "multilabel"):
            return "threshold", _BINARY_TARGETS[self.output_activation_][2]
        return "none", 0.0


def auto_labels(y: np.ndarray, task: str, classes: Any) -> str:
    """What 'auto' settings see in the first targets: 'labels', 'multilabel' or 'none'.

    Integer, boolean and string labels are labels (floats are not, even 0.0/1.0);
    a 2-D integer or boolean matrix of 0/1 with several columns is a multilabel
    indicator matrix; ``task`` and ``classes`` override what the values say.
    """
    several = y.ndim == 2 and y.shape[1] > 1
    if task == "regression":
        return "none"
    if several:
        indicator = y.dtype.kind in "biu" and bool(np.isin(y, (0, 1)).all())
        return "multilabel" if indicator or task == "classification" else "none"
    if task == "classification" or classes is not None:
        return "labels"
    return "labels" if y.dtype.kind in "biuUS" else "none"


def resolve_auto(output: str, loss: str, n_outputs: int, labels: str) -> tuple[str, str]:
    """The engine's output activation and loss for the settings ``output`` and ``loss``.

    With ``labels`` ('labels' or 'multilabel'), ``'auto'`` output is sigmoid for one
    output or a multilabel matrix and softmax for several outputs, and ``'auto'``
    loss is cross-entropy for these two outputs; without labels ('none', also
    before the first fit) they are identity and mean squared error.
    """
    classifier = labels != "none"
    if output == AUTO:
        if not classifier:
            output = "identity"
        else:
            output = "sigmoid" if n_outputs == 1 or labels == "multilabel" else "softmax"
    if loss == AUTO:
        probabilities = output == "softmax" or (output == "sigmoid" and classifier)
        loss = "cross_entropy" if probabilities else "mse"
    return output, loss


def label_array(y: Any, name: str) -> np.ndarray:
    """Targets or labels as a numpy array of one type; mixed types raise.

    numpy turns ``[0, "a", 1.5]`` into strings and ``[2**64 - 1, -1]`` into
    rounded floats without a word; lists and object arrays (a pandas Series of
    strings) are therefore read element by element: all strings, all bools, or
    all numbers (integers within one 64-bit type, or any reals).
    """
    if not isinstance(y, (list, tuple)):
        items = np.asarray(y)  # arrays, pandas Series...: their dtype tells unless it is object
        if items.dtype != object:
            return items
    else:
        try:
            items = np.asarray(y, dtype=object)
        except ValueError:  # ragged nested lists: the caller's shape check names them
            return np.asarray(y, dtype=object)
    flat = items.reshape(-1).tolist()
    kinds = {_LABEL_KINDS.get(t) or _label_kind(t) for t in set(map(type, flat))}
    if len(kinds) > 1:
        raise TypeError(
            f"{name}: expected labels of one type, got a mix of {', '.join(sorted(kinds))}"
        )
    kind = kinds.pop() if kinds else "number"
    if kind == "other":
        return items  # the caller refuses the object dtype
    if kind in ("string", "bytes", "bool"):
        return items.astype({"string": str, "bytes": bytes, "bool": bool}[kind])
    if all(isinstance(v, numbers.Integral) for v in flat):
        for dtype in (np.int64, np.uint64):
            try:
                return np.array(flat, dtype=dtype).reshape(items.shape)
            except OverflowError:
                continue
        raise ValueError(
            f"{name}: expected integer labels within one 64-bit type, got values from "
            f"{min(flat)} to {max(flat)}"
        )
    return items.astype(np.float64)


_LABEL_KINDS = {str: "string", np.str_: "string", bytes: "bytes", np.bytes_: "bytes"}


def _label_kind(kind: type) -> str:
    if issubclass(kind, (bool, np.bool_)):
        return "bool"
    if issubclass(kind, numbers.Real):
        return "number"
    return "other"


def _unique_labels(y: np.ndarray, name: str) -> np.ndarray:
    if y.dtype.kind not in "biufUS":
        raise TypeError(f"{name}: expected numbers or string labels, got dtype {y.dtype}")
    if y.size == 0:
        raise ValueError(f"{name}: expected a non-empty array of labels")
    if y.dtype.kind == "f":
        if not np.isfinite(y).all():
            raise ValueError(f"{name}: expected finite labels, got NaN or infinite values")
        if not np.all(y == np.round(y)):
            raise ValueError(
                f"{name}: expected class labels (integers or strings), got non-integer floats"
            )
    return np.unique(y.reshape(-1))


def _label_index(classes: np.ndarray, y: np.ndarray, name: str) -> np.ndarray:
    """Position of every label of y in ``classes``; unseen labels raise ValueError."""
    if (
        y.dtype.kind in "US"
        and classes.dtype.kind not in "US"
        or (classes.dtype.kind in "US" and y.dtype.kind not in "US")
    ):
        raise ValueError(
            f"{name}: labels of type {y.dtype} do not match the classes seen by fit {classes.tolist()}"
        )
    index = np.searchsorted(classes, y)
    index = np.clip(index, 0, len(classes) - 1)
    unseen = classes[index] != y
    if np.any(unseen):
        raise ValueError(
            f"{name}: labels unseen at fit time: {np.unique(y[unseen])[:10].tolist()} "
            f"(known classes: {classes[:10].tolist()})"
        )
    return index
