"""The module-level forms of the ops: `ag.exp(x)`, `ag.maximum(a, b)`, ... Each accepts a
Tensor, an ndarray or a number and returns a Tensor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autograd.keyword_spelling import axis_keywords
from autograd.ops.elementwise import (
    Abs,
    Clip,
    Cos,
    Exp,
    Log,
    Maximum,
    Minimum,
    ReLU,
    Sigmoid,
    Sin,
    Sqrt,
    Tanh,
    Where,
)
from autograd.ops.linalg import MatMul
from autograd.ops.reduction import Max, Mean, Min, Sum, logsumexp, var
from autograd.ops.shape import BroadcastTo, Reshape, Transpose, concatenate, expand_dims, squeeze, stack
from autograd.ops.shape import pad as pad  # re-exported as it is
from autograd.ops.softmax import log_softmax, softmax
from autograd.tensor import Tensor

__all__ = [
    "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs", "clip",
    "sum", "mean", "var", "max", "min", "logsumexp", "softmax", "log_softmax",
    "reshape", "transpose", "flatten", "squeeze", "expand_dims", "broadcast_to",
    "matmul", "maximum", "minimum", "where", "concatenate", "stack", "pad",
]  # fmt: skip


def exp(x: Any) -> Tensor:
    """e to the power x, elementwise."""
    return Exp.apply(x)


def log(x: Any) -> Tensor:
    """The natural logarithm, elementwise."""
    return Log.apply(x)


def sqrt(x: Any) -> Tensor:
    """The square root, elementwise."""
    return Sqrt.apply(x)


def sin(x: Any) -> Tensor:
    """The sine, elementwise."""
    return Sin.apply(x)


def cos(x: Any) -> Tensor:
    """The cosine, elementwise."""
    return Cos.apply(x)


def tanh(x: Any) -> Tensor:
    """The hyperbolic tangent, elementwise."""
    return Tanh.apply(x)


def sigmoid(x: Any) -> Tensor:
    """The logistic function 1 / (1 + e^-x), elementwise."""
    return Sigmoid.apply(x)


def relu(x: Any) -> Tensor:
    """max(x, 0), elementwise."""
    return ReLU.apply(x)


def abs(x: Any) -> Tensor:  # noqa: A001 - NumPy's spelling
    """The absolute value, elementwise."""
    return Abs.apply(x)


def clip(x: Any, lo: Any = None, hi: Any = None) -> Tensor:
    """x limited to [lo, hi] (None: no limit on that side); the gradient is zero where clipped."""
    return Clip.apply(x, lo, hi)


@axis_keywords
def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """The sum over `axis` (all axes when None)."""
    return Sum.apply(x, axis, keepdims)


@axis_keywords
def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The mean over `axis` (all axes when None)."""
    return Mean.apply(x, axis, keepdims)


@axis_keywords
def max(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """The largest entry over `axis`; tied entries share the gradient evenly."""
    return Max.apply(x, axis, keepdims)


@axis_keywords
def min(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """The smallest entry over `axis`; tied entries share the gradient evenly."""
    return Min.apply(x, axis, keepdims)


def reshape(x: Any, *shape: Any) -> Tensor:
    """The same entries in a new shape (several ints or one tuple; -1 is inferred)."""
    return Reshape.apply(x, shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape)


def transpose(x: Any, axes: Sequence[int] | None = None) -> Tensor:
    """The axes permuted (`axes` None: reversed), as np.transpose."""
    return Transpose.apply(x, None if axes is None else tuple(axes))


def flatten(x: Any) -> Tensor:
    """The entries as one axis."""
    return Reshape.apply(x, (-1,))


def broadcast_to(x: Any, shape: Sequence[int]) -> Tensor:
    """x broadcast to `shape`; the gradient is summed back."""
    return BroadcastTo.apply(x, tuple(shape))


def matmul(a: Any, b: Any) -> Tensor:
    """The matrix product, as np.matmul (1-D and batched operands)."""
    return MatMul.apply(a, b)


def maximum(a: Any, b: Any) -> Tensor:
    """The elementwise larger of a and b; a tie gives each side half the gradient."""
    return Maximum.apply(a, b)


def minimum(a: Any, b: Any) -> Tensor:
    """The elementwise smaller of a and b; a tie gives each side half the gradient."""
    return Minimum.apply(a, b)


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """a where `condition` holds, else b (the condition is a constant)."""
    return Where.apply(condition.data if isinstance(condition, Tensor) else condition, a, b)


# Defined with their ops; re-exported here, those that take `axis=` with the `dim=` guard.
var, logsumexp, softmax, log_softmax = (axis_keywords(f) for f in (var, logsumexp, softmax, log_softmax))
squeeze, expand_dims, concatenate, stack = (
    axis_keywords(f) for f in (squeeze, expand_dims, concatenate, stack)
)
