"""Loss functions, stable for saturated inputs: no NaN or inf in the loss or its gradient."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Function, Tensor
from autograd.function import named_error
from autograd.ops.indexing import ScatterAdd
from autograd.ops.softmax import LogSoftmax, log_softmax_array

_REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _shape(value: Any) -> tuple[int, ...]:
    return value.shape if isinstance(value, (Tensor, np.ndarray)) else np.shape(value)


def _check(name: str, prediction: Any, target: Any, reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"{name}: reduction must be one of {', '.join(map(repr, _REDUCTIONS))}, got {reduction!r}"
        )
    prediction_shape, target_shape = _shape(prediction), _shape(target)
    if prediction_shape != target_shape:
        raise ValueError(
            f"{name}: target shape {target_shape} differs from input shape {prediction_shape}; "
            "they must match (e.g. labels of shape (N, 1) for outputs of shape (N, 1))"
        )


def mse_loss(prediction: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error: (prediction - target)^2, reduced."""
    _check("mse_loss", prediction, target, reduction)
    diff = (prediction if isinstance(prediction, Tensor) else Tensor(prediction)) - target
    return _reduce(diff * diff, reduction)


class BinaryCrossEntropy(Function):
    """-(t log p + (1 - t) log(1 - p)) elementwise, each log clamped at -100 like PyTorch."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, p, t):
        _check_probabilities(p)  # here, not in binary_cross_entropy: a compiled replay runs it too
        ctx.saved_tensors = (p, t)
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), -100.0)
            log_1mp = np.maximum(np.log(1.0 - p), -100.0)
        return -(t * log_p + (1.0 - t) * log_1mp)

    @staticmethod
    def backward(ctx, grad_output):
        p, t = ctx.saved_tensors
        needs_p, needs_t = ctx.needs_input_grad
        grad_p = grad_t = None
        if needs_p:  # PyTorch's form: finite at p = 0 and p = 1
            grad_p = grad_output * (p - t) / np.maximum(p * (1.0 - p), 1e-12)
        if needs_t:
            with np.errstate(divide="ignore"):
                grad_t = grad_output * (np.maximum(np.log(1.0 - p), -100.0) - np.maximum(np.log(p), -100.0))
        return grad_p, grad_t


def _check_probabilities(p: Any) -> None:
    """BCE's input must hold probabilities: values outside [0, 1] (or NaN) raise ValueError."""
    probabilities = np.asarray(p)
    if probabilities.size and not (probabilities.min() >= 0.0 and probabilities.max() <= 1.0):
        raise named_error(
            ValueError(
                f"binary_cross_entropy: input must hold probabilities in [0, 1], got values in "
                f"[{probabilities.min()}, {probabilities.max()}]; for raw scores use "
                "binary_cross_entropy_with_logits"
            )
        )


def binary_cross_entropy(prediction: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Cross entropy of probabilities `prediction` in [0, 1] against targets in [0, 1]."""
    _check("binary_cross_entropy", prediction, target, reduction)
    return _reduce(BinaryCrossEntropy.apply(prediction, target), reduction)


class BinaryCrossEntropyWithLogits(Function):
    """BCE of sigmoid(x), as max(x, 0) - x t + log(1 + e^-|x|): finite for any x."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, t):
        ctx.saved_tensors = (x, t)
        return np.maximum(x, 0.0) - x * t + np.log1p(np.exp(-np.abs(x)))

    @staticmethod
    def backward(ctx, grad_output):
        x, t = ctx.saved_tensors
        needs_x, needs_t = ctx.needs_input_grad
        # sigmoid as (1 + tanh(x/2)) / 2: no overflow, and made of ops that have higher derivatives
        grad_x = grad_output * ((np.tanh(x * 0.5) + 1.0) * 0.5 - t) if needs_x else None
        grad_t = -grad_output * x if needs_t else None
        return grad_x, grad_t


def binary_cross_entropy_with_logits(logits: Any, target: Any, reduction: str = "mean") -> Tensor:
    """binary_cross_entropy(sigmoid(logits), target), computed stably from the logits."""
    _check("binary_cross_entropy_with_logits", logits, target, reduction)
    return _reduce(BinaryCrossEntropyWithLogits.apply(logits, target), reduction)


class CrossEntropy(Function):
    """Softmax cross entropy of each row of logits (N, C) against its class index t_i,
    -log_softmax(x)[i, t_i]: one op, so that its gradient uses that each row picks one class.
    The class indices are checked here, on every call, so that a compiled replay checks them too."""

    __slots__ = ("picks",)

    @staticmethod
    def check_classes(target: np.ndarray, classes: int) -> None:
        """Every class index in [0, classes) (a negative one would wrap around)."""
        if target.size and (np.minimum.reduce(target) < 0 or np.maximum.reduce(target) >= classes):
            message = f"class indices must be in [0, {classes - 1}] for logits of {classes} classes"
            raise named_error(ValueError(f"cross_entropy: {message}, got [{target.min()}, {target.max()}]"))

    @staticmethod
    def forward(ctx, logits, target):
        n, c = logits.shape
        CrossEntropy.check_classes(target, c)
        log_probabilities = log_softmax_array(logits, axis=1)
        ctx.saved_tensors = (logits, log_probabilities)
        ctx.picks = np.arange(n) * c + target  # where each row's class is in the flattened (N, C)
        return -log_probabilities.reshape(-1)[ctx.picks]

    @staticmethod
    def backward(ctx, grad_output):
        logits, log_probabilities = ctx.saved_tensors
        if isinstance(logits, Tensor):  # create_graph: log_softmax as a recorded op, for higher derivatives
            log_probabilities = LogSoftmax.call(logits, 1)
        n, c = np.shape(logits)
        grad_picked = -grad_output  # d loss_i / d log_softmax(x)[i, t_i]
        one_per_row = ScatterAdd.call(grad_picked, (n * c,), ctx.picks, True).reshape(n, c)
        # log_softmax's backward, g - softmax(x) * g.sum(axis=1): each row of g sums to its one value
        return one_per_row - np.exp(log_probabilities) * grad_picked.reshape(n, 1), None


def cross_entropy(logits: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Softmax cross entropy of logits (N, C) against integer class indices (N,)."""
    classes = np.asarray(target)
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"cross_entropy: reduction must be one of {', '.join(map(repr, _REDUCTIONS))}, got {reduction!r}"
        )
    if np.ndim(logits) != 2:
        raise ValueError(f"cross_entropy: input must be logits of shape (N, C), got shape {np.shape(logits)}")
    n, c = np.shape(logits)
    if classes.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: target must hold integer class indices, got dtype {classes.dtype}")
    if classes.shape != (n,):
        raise ValueError(
            f"cross_entropy: target shape {classes.shape} does not fit input shape {(n, c)}; expected ({n},)"
        )
    return _reduce(CrossEntropy.apply(logits, classes), reduction)


__all__ = ["mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy"]
