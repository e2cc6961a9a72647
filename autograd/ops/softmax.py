"""softmax and log_softmax along an axis, each one stable op (shifted by the max)."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.function import Function


class Softmax(Function):
    """softmax along `axis`, shifted by the max for stability."""

    __slots__ = ("axis",)

    @staticmethod
    def forward(ctx, x, axis):
        shifted = np.exp(x - np.maximum.reduce(x, axis=axis, keepdims=True))
        out = shifted / np.add.reduce(shifted, axis=axis, keepdims=True)
        ctx.saved_tensors = (out,)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return out * (grad_output - (grad_output * out).sum(axis=ctx.axis, keepdims=True)), None


class LogSoftmax(Function):
    """log softmax along `axis`, computed as x - logsumexp(x) for stability."""

    __slots__ = ("axis",)

    @staticmethod
    def forward(ctx, x, axis):
        out = log_softmax_array(x, axis)
        ctx.saved_tensors = (out,)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output - np.exp(out) * grad_output.sum(axis=ctx.axis, keepdims=True), None


def log_softmax_array(x: np.ndarray, axis: int) -> np.ndarray:
    """log softmax of an array: x shifted by its max, minus the log of the sum of exponentials.
    The reductions are the ufuncs' own (np.max and np.sum call them, through a costly wrapper)."""
    shifted = x - np.maximum.reduce(x, axis=axis, keepdims=True)
    return shifted - np.log(np.add.reduce(np.exp(shifted), axis=axis, keepdims=True))


def softmax(x: Any, axis: int = -1) -> Any:
    """exp(x) / sum(exp(x)) along `axis`: probabilities that sum to 1."""
    return Softmax.apply(x, axis)


def log_softmax(x: Any, axis: int = -1) -> Any:
    """log(softmax(x)) along `axis`, computed stably."""
    return LogSoftmax.apply(x, axis)
