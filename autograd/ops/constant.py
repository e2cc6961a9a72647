"""Results without a gradient: comparisons (`t > 0`), `argmax`/`argmin` and NumPy's piecewise-constant
ufuncs on Tensors (`np.sign(t)`, `np.isnan(t)`, ...).

They run through one op, `NoGrad`, called with arrays: eagerly nothing is recorded and the result is a
constant Tensor (no `grad_fn`, never requiring grad), but `ag.compile`'s trace sees the op, so a replay
recomputes the mask from the current values instead of reusing the one the trace saw.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd.function import Function, named_error
from autograd.tensor import Tensor

# How an error names the function (the comparison operators as written; NumPy's functions as np.name).
_SPELLINGS = {
    operator.lt: "<",
    operator.le: "<=",
    operator.gt: ">",
    operator.ge: ">=",
    operator.eq: "==",
    operator.ne: "!=",
}


class NoGrad(Function):
    """`fn(*args)` on arrays: a result without a gradient (a mask, indices, signs). `fn` is a module-level
    function (a ufunc, an `operator` comparison, `argmax` below), so two traces see the same constant."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, fn, *args):
        try:
            return fn(*args)
        except ValueError as error:  # shapes that do not broadcast, an axis out of range
            shapes = ", ".join(str(np.shape(a)) if isinstance(a, np.ndarray) else repr(a) for a in args)
            raise named_error(type(error)(f"{_name(fn)}: {error} (inputs: {shapes})")) from error

    @staticmethod
    def backward(ctx, *grad_outputs):
        return (None,) * len(ctx._edges)  # never recorded by `untracked`; a direct apply gets no gradient


def _name(fn: Callable[..., Any]) -> str:
    spelling = _SPELLINGS.get(fn)
    if spelling is not None:
        return f"Tensor {spelling}"
    return f"np.{fn.__name__}" if isinstance(fn, np.ufunc) else fn.__name__


def untracked(fn: Callable[..., Any], *args: Any) -> Tensor:
    """`fn` on the arrays of `args` as a constant Tensor; traced and replayed by `ag.compile`."""
    return NoGrad.apply(fn, *[a.data if isinstance(a, Tensor) else a for a in args])


def argmax(x: np.ndarray, axis: int | None, keepdims: bool) -> Any:
    """np.argmax with `axis` and `keepdims` passed positionally (NoGrad's forward takes no keywords)."""
    return np.argmax(x, axis=axis, keepdims=keepdims)


def argmin(x: np.ndarray, axis: int | None, keepdims: bool) -> Any:
    """np.argmin with `axis` and `keepdims` passed positionally (NoGrad's forward takes no keywords)."""
    return np.argmin(x, axis=axis, keepdims=keepdims)
