"""Ops that move data without changing it: reshape, transpose, broadcast_to,
concatenate, stack, pad, copy, astype; and squeeze, expand_dims, swapaxes built on them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd.function import Function


class Reshape(Function):
    """The same entries in a new shape: the gradient is reshaped back."""

    __slots__ = ("input_shape",)
    _makes_views = True  # a view whenever NumPy can reshape without copying

    @staticmethod
    def forward(ctx, x, shape):
        ctx.input_shape = x.shape
        return np.reshape(x, shape)

    @staticmethod
    def backward(ctx, grad_output):
        return np.reshape(grad_output, ctx.input_shape), None


class Transpose(Function):
    """The axes permuted (None: reversed): the gradient is permuted back."""

    __slots__ = ("axes",)
    _makes_views = True

    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return np.transpose(x, axes) if type(x) is not np.ndarray else x.transpose(axes)

    @staticmethod
    def backward(ctx, grad_output):
        axes = ctx.axes
        if axes is None:  # all axes reversed: reversing them again undoes it
            return grad_output.T, None
        inverse = tuple(np.argsort([a % grad_output.ndim for a in axes]))
        return np.transpose(grad_output, inverse), None


class BroadcastTo(Function):
    """The engine sums the gradient back to the input's shape."""

    _makes_views = True  # read-only, but it shows later writes into its base

    @staticmethod
    def forward(ctx, x, shape):
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, None


class Copy(Function):
    """A copy of x (new memory): the gradient passes unchanged."""

    @staticmethod
    def forward(ctx, x):
        return np.array(x, copy=True)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


class AsType(Function):
    """Cast; the gradient is cast back to the input's dtype."""

    __slots__ = ("input_dtype",)

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.input_dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.astype(ctx.input_dtype), None


class Concatenate(Function):
    """concatenate(axis, *parts); each part's gradient is its slice of the output's."""

    __slots__ = ("axis", "bounds")

    @staticmethod
    def forward(ctx, axis, *parts):
        out = np.concatenate(parts, axis=axis)
        ctx.axis = axis % out.ndim
        ctx.bounds = np.cumsum([0] + [np.shape(p)[ctx.axis] for p in parts])
        return out

    @staticmethod
    def backward(ctx, grad_output):
        lead = (slice(None),) * ctx.axis
        bounds = ctx.bounds
        return (None,) + tuple(
            grad_output[lead + (slice(int(start), int(stop)),)]
            for start, stop in zip(bounds[:-1], bounds[1:])
        )


class Stack(Function):
    """stack(axis, *parts); each part's gradient is its index along the new axis."""

    __slots__ = ("axis",)

    @staticmethod
    def forward(ctx, axis, *parts):
        out = np.stack(parts, axis=axis)
        ctx.axis = axis % out.ndim
        return out

    @staticmethod
    def backward(ctx, grad_output):
        lead = (slice(None),) * ctx.axis
        return (None,) + tuple(grad_output[lead + (i,)] for i in range(grad_output.shape[ctx.axis]))


class Pad(Function):
    """Constant padding (np.pad's pad_width forms); the gradient is the unpadded window."""

    __slots__ = ("window",)

    @staticmethod
    def forward(ctx, x, pad_width, value):
        widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (np.ndim(x), 2))
        ctx.window = tuple(
            slice(int(before), int(before) + size) for (before, _), size in zip(widths, np.shape(x))
        )
        return np.pad(x, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output[ctx.window], None, None


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Any:
    """The tensors joined along an existing `axis`, as np.concatenate."""
    return Concatenate.apply(axis, *tensors)


def stack(tensors: Sequence[Any], axis: int = 0) -> Any:
    """The tensors joined along a new `axis`, as np.stack."""
    return Stack.apply(axis, *tensors)


def pad(x: Any, pad_width: Any, constant_values: float = 0.0) -> Any:
    """x padded with `constant_values`, as np.pad(mode="constant")."""
    return Pad.apply(x, pad_width, constant_values)


def squeeze(x: Any, axis: Any = None) -> Any:
    """x without its length-1 axes (or only `axis`), as np.squeeze."""
    return Reshape.apply(x, np.squeeze(np.empty(np.shape(x), dtype=bool), axis).shape)


def expand_dims(x: Any, axis: Any) -> Any:
    """x with a new length-1 axis at `axis`, as np.expand_dims."""
    return Reshape.apply(x, np.expand_dims(np.empty(np.shape(x), dtype=bool), axis).shape)


def swapaxes(x: Any, axis1: int, axis2: int) -> Any:
    """x with `axis1` and `axis2` exchanged, as np.swapaxes."""
    axes = list(range(np.ndim(x)))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return Transpose.apply(x, tuple(axes))
