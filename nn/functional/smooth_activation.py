"""Smooth activations: softplus (its own op, for a stable forward) and silu (x * sigmoid(x))."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Function, Tensor, sigmoid


class Softplus(Function):
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (PyTorch's cut-off).
    Its derivative is sigmoid(beta x), or 1 past the threshold."""

    __slots__ = ("beta",)

    @staticmethod
    def forward(ctx, x, beta, threshold):
        scaled = x * beta
        linear = scaled > threshold
        ctx.saved_tensors = (x, linear)  # x becomes the Tensor under create_graph; the mask stays a constant
        ctx.beta = beta
        return np.where(linear, x, np.logaddexp(0.0, scaled) / beta)

    @staticmethod
    def backward(ctx, grad_output):
        x, linear = ctx.saved_tensors
        # sigmoid(z) as exp(z - softplus(z)): accurate to the last bit even where it is tiny
        # (sigmoid(-40) = 4e-18), and made of ops that have higher derivatives
        scaled = x * ctx.beta
        slope = np.exp(scaled - Softplus.call(scaled, 1.0, np.inf))
        return grad_output * np.where(linear, 1.0, slope), None, None


def softplus(x: Any, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """A smooth relu: log(1 + exp(beta x)) / beta, linear where beta x > threshold."""
    if isinstance(beta, bool) or not isinstance(beta, (int, float, np.number)) or beta == 0:
        raise ValueError(f"softplus: beta must be a non-zero number, got {beta!r}")
    return Softplus.apply(x, beta, threshold)


def silu(x: Any) -> Tensor:
    """x * sigmoid(x) (also called swish), composed of engine ops."""
    x = x if isinstance(x, Tensor) else Tensor(x)
    return x * sigmoid(x)
