"""`linear(x, weight, bias)` = x @ weight.T + bias, one fused op: it runs in every training step."""

from __future__ import annotations

from typing import Any

from autograd import Function, Tensor


class Linear(Function):
    """x (..., in) @ weight.T (in, out) + bias (out,), forward and backward in one node."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.saved_tensors = (x, weight)
        out = x @ weight.T
        if bias is not None:
            out += bias
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, weight = ctx.saved_tensors
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad
        grad_x = grad_output @ weight if needs_x else None
        grad_weight = grad_bias = None
        if grad_output.ndim == 2:
            if needs_weight:
                grad_weight = grad_output.T @ x
            if needs_bias:
                grad_bias = grad_output.sum(axis=0)
        else:  # a single sample or extra batch dimensions: fold them into one
            flat_grad = grad_output.reshape(-1, weight.shape[0])
            if needs_weight:
                grad_weight = flat_grad.T @ x.reshape(-1, weight.shape[1])
            if needs_bias:
                grad_bias = flat_grad.sum(axis=0)
        return grad_x, grad_weight, grad_bias


def linear(x: Any, weight: Any, bias: Any = None) -> Tensor:
    """x @ weight.T + bias, with `weight` of shape (out_features, in_features) as in PyTorch."""
    return Linear.apply(x, weight, bias)
