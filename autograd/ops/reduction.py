"""Reductions: sum, mean, max, min, logsumexp, and var built from them.

A reduction's backward returns the gradient with the reduced axes kept (size 1); the
engine broadcasts it back to the input's shape, as it does for every op.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.function import Function


def _keep_reduced_axes(grad_output, axis, keepdims):
    """Re-insert the axes a reduction removed, so the gradient broadcasts to the input."""
    if keepdims or axis is None:
        return grad_output
    return np.expand_dims(grad_output, axis)


class Sum(Function):
    """The sum over `axis` (all axes when None): the gradient is g broadcast back."""

    __slots__ = ("reduced",)

    @staticmethod
    def forward(ctx, x, axis, keepdims):
        ctx.reduced = (axis, keepdims)
        return np.asarray(np.add.reduce(x, axis=axis, keepdims=keepdims))  # np.sum without its Python layer

    @staticmethod
    def backward(ctx, grad_output):
        return _keep_reduced_axes(grad_output, *ctx.reduced), None, None


class Mean(Function):
    """The mean over `axis` (all axes when None): the gradient is g / count, broadcast back."""

    __slots__ = ("reduced", "count")

    @staticmethod
    def forward(ctx, x, axis, keepdims):
        x = x if type(x) is np.ndarray else np.asarray(x)
        # np.mean's sum without its Python layer; integers are averaged in float64, as np.mean does
        dtype = np.float64 if x.dtype.kind in "biu" else None
        total = np.asarray(np.add.reduce(x, axis=axis, dtype=dtype, keepdims=keepdims))
        ctx.reduced = (axis, keepdims)
        ctx.count = x.size // max(total.size, 1)
        total /= ctx.count  # in place, so that a 0-d result stays an array
        return total

    @staticmethod
    def backward(ctx, grad_output):
        return _keep_reduced_axes(grad_output, *ctx.reduced) / ctx.count, None, None


class Max(Function):
    """max over axes; tied maxima share the gradient equally (as torch.amax)."""

    __slots__ = ("reduced",)

    @staticmethod
    def forward(ctx, x, axis, keepdims):
        _check_reducible("max", x, axis)
        out = np.max(x, axis=axis, keepdims=True)
        ctx.saved_tensors = (_tie_shares(x, out, axis),)
        ctx.reduced = (axis, keepdims)
        return out if keepdims else np.squeeze(out, axis=axis)

    @staticmethod
    def backward(ctx, grad_output):
        (shares,) = ctx.saved_tensors
        return _keep_reduced_axes(grad_output, *ctx.reduced) * shares, None, None


class Min(Function):
    """min over axes; tied minima share the gradient equally (as torch.amin)."""

    __slots__ = ("reduced",)

    @staticmethod
    def forward(ctx, x, axis, keepdims):
        _check_reducible("min", x, axis)
        out = np.min(x, axis=axis, keepdims=True)
        ctx.saved_tensors = (_tie_shares(x, out, axis),)
        ctx.reduced = (axis, keepdims)
        return out if keepdims else np.squeeze(out, axis=axis)

    @staticmethod
    def backward(ctx, grad_output):
        (shares,) = ctx.saved_tensors
        return _keep_reduced_axes(grad_output, *ctx.reduced) * shares, None, None


def _tie_shares(x, extreme, axis):
    hits = x == extreme
    return (hits / np.sum(hits, axis=axis, keepdims=True)).astype(x.dtype, copy=False)


def _check_reducible(name, x, axis):
    """max and min have no identity: reducing over an axis of length 0 is undefined (NumPy and
    PyTorch raise too), but an empty tensor reduced over non-empty axes gives an empty result."""
    if x.size == 0 and any(x.shape[a] == 0 for a in _reduced_axes(x, axis)):
        raise ValueError(
            f"cannot take the {name} over an axis of length 0 (shape {x.shape}, axis={axis}): it has no "
            "identity"
        )


def _reduced_axes(x, axis):
    return range(x.ndim) if axis is None else np.atleast_1d(axis)


class LogSumExp(Function):
    """log(sum(exp(x))) over axes, shifted by the max so it never overflows."""

    __slots__ = ("reduced",)

    @staticmethod
    def forward(ctx, x, axis, keepdims):
        shift = np.max(x, axis=axis, keepdims=True, initial=-np.inf)  # -inf over an empty axis
        shift = np.where(np.isfinite(shift), shift, 0.0)
        with np.errstate(divide="ignore"):  # log(0) = -inf: all of x is -inf, or the axis is empty
            out = np.log(np.sum(np.exp(x - shift), axis=axis, keepdims=True)) + shift
        if not keepdims:
            out = np.squeeze(out, axis=axis)
        ctx.saved_tensors = (x, out)
        ctx.reduced = (axis, keepdims)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        out = _keep_reduced_axes(out, *ctx.reduced)
        return _keep_reduced_axes(grad_output, *ctx.reduced) * np.exp(x - out), None, None


def var(x: Any, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Any:
    """Variance with NumPy's default ddof=0, built from differentiable ops; inf (NumPy's and
    PyTorch's answer) when ddof leaves no degrees of freedom."""
    centred = x - x.mean(axis=axis, keepdims=True)
    count = int(np.prod([x.shape[a] for a in _reduced_axes(x, axis)]))
    squares = (centred * centred).sum(axis=axis, keepdims=keepdims)
    return squares / (count - ddof) if count > ddof else squares * np.inf


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """log(sum(exp(x))) over `axis`, computed stably (shifted by the max)."""
    return LogSumExp.apply(x, axis, keepdims)
