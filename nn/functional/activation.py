"""Activation functions. sigmoid, relu, tanh, softmax and log_softmax are the engine's ops;
leaky_relu is its own op."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Function, Tensor, log_softmax, relu, sigmoid, softmax, tanh

__all__ = ["sigmoid", "relu", "tanh", "leaky_relu", "softmax", "log_softmax"]


class LeakyReLU(Function):
    """x where x > 0, negative_slope * x elsewhere."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, negative_slope):
        slope = np.where(x > 0, 1.0, negative_slope).astype(x.dtype, copy=False)
        ctx.saved_tensors = (slope,)  # a constant mask, so the backward serves higher orders too
        return x * slope

    @staticmethod
    def backward(ctx, grad_output):
        (slope,) = ctx.saved_tensors
        return grad_output * slope, None


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, else negative_slope * x, elementwise."""
    return LeakyReLU.apply(x, negative_slope)
