"""Indexing: t[index] (basic, integer arrays, boolean masks) and t[index] = value.

The gradient of a read is a scatter-add, whose gradient is again a read, so both are
differentiable to any order. Repeated integer indices accumulate.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.function import Function
from autograd.tensor import Tensor


def as_index(index: Any) -> Any:
    """Replace Tensors inside an index by their arrays (indices are constants)."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


def _is_basic(index: Any) -> bool:
    """True for ints, slices, None and Ellipsis only: then no element is selected twice."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, np.integer, slice)) or p is None or p is Ellipsis for p in parts)


class GetItem(Function):
    """x[index], basic or advanced: the gradient is scattered back, repeated indices adding up."""

    __slots__ = ("input_shape", "index")
    _makes_views = True  # basic indexing returns a view of the input

    @staticmethod
    def forward(ctx, x, index):
        ctx.input_shape = x.shape
        ctx.index = index
        return x[index]

    @staticmethod
    def backward(ctx, grad_output):
        return ScatterAdd.call(grad_output, ctx.input_shape, ctx.index), None


class ScatterAdd(Function):
    """zeros(shape) with `values` added at `index` (repeats accumulate): GetItem's adjoint.
    `distinct=True` promises an index that selects no element twice (as cross_entropy's picks)."""

    __slots__ = ("index",)

    @staticmethod
    def forward(ctx, values, shape, index, distinct=False):
        ctx.index = index
        out = np.zeros(shape, dtype=values.dtype)
        if distinct or _is_basic(index):  # assignment: a sum of one value (np.add.at: 5x the instructions)
            out[index] = values
        else:
            np.add.at(out, index, values)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output[ctx.index], None, None


def _surviving_writes(shape: tuple[int, ...], index: Any) -> np.ndarray | None:
    """For `t[index] = v` with an index that may repeat: which writes NumPy kept (a mask of
    the indexed selection's shape), found by replaying the assignment with write numbers;
    None when every write survived."""
    selected = np.empty(shape, dtype=bool)[index].shape
    writes = np.arange(int(np.prod(selected))).reshape(selected)
    survivor = np.full(shape, -1)
    survivor[index] = writes
    survived = survivor[index] == writes
    return None if survived.all() else survived


class SetItem(Function):
    """x with x[index] replaced by value: x's gradient is zero there, value's is the slice.
    Where an index repeats, only the write that NumPy kept (the last) gets a gradient."""

    __slots__ = ("index", "survived", "value_shape")

    @staticmethod
    def forward(ctx, x, value, index):
        out = np.array(x, copy=True)
        out[index] = value
        kept = np.ones(np.shape(x), dtype=bool)
        kept[index] = False
        ctx.saved_tensors = (kept,)
        ctx.index = index
        ctx.survived = None if _is_basic(index) else _surviving_writes(np.shape(x), index)
        ctx.value_shape = np.shape(value)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (kept,) = ctx.saved_tensors
        grad_value = grad_output[ctx.index]
        if ctx.survived is not None:
            grad_value = grad_value * ctx.survived
        extra = len(ctx.value_shape) - grad_value.ndim
        if extra > 0:  # NumPy drops a value's leading size-1 axes: sum to the rest, then put them back
            kept_shape = ctx.value_shape[extra:]
            summed = tuple(i for i, n in enumerate(kept_shape) if n == 1 and grad_value.shape[i] != 1)
            if summed:
                grad_value = grad_value.sum(axis=summed, keepdims=True)
            grad_value = grad_value.reshape(ctx.value_shape)
        return grad_output * kept, grad_value, None
