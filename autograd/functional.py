"""The module-level forms of the ops: `ag.exp(x)`, `ag.maximum(a, b)`, ... Each accepts a
Tensor, an ndarray or a number and returns a Tensor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autograd.ops.elementwise import Abs, Clip, Cos, Exp, Log, Maximum, Minimum, ReLU, Sigmoid, Sin, Sqrt, Tanh, Where
from autograd.ops.linalg import MatMul
from autograd.ops.reduction import Max, Mean, Min, Sum, logsumexp, var
from autograd.ops.shape import BroadcastTo, Reshape, Transpose, concatenate, expand_dims, pad, squeeze, stack
from autograd.ops.softmax import log_softmax, softmax
from autograd.tensor import Tensor

__all__ = [
    "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs", "clip",
    "sum", "mean", "var", "max", "min", "logsumexp", "softmax", "log_softmax",
    "reshape", "transpose", "flatten", "squeeze", "expand_dims", "broadcast_to",
    "matmul", "maximum", "minimum", "where", "concatenate", "stack", "pad",
]  # fmt: skip


def exp(x: Any) -> Tensor:
    return Exp.apply(x)


def log(x: Any) -> Tensor:
    return Log.apply(x)


def sqrt(x: Any) -> Tensor:
    return Sqrt.apply(x)


def sin(x: Any) -> Tensor:
    return Sin.apply(x)


def cos(x: Any) -> Tensor:
    return Cos.apply(x)


def tanh(x: Any) -> Tensor:
    return Tanh.apply(x)


def sigmoid(x: Any) -> Tensor:
    return Sigmoid.apply(x)


def relu(x: Any) -> Tensor:
    return ReLU.apply(x)


def abs(x: Any) -> Tensor:  # noqa: A001 - NumPy's spelling
    return Abs.apply(x)


def clip(x: Any, lo: Any = None, hi: Any = None) -> Tensor:
    return Clip.apply(x, lo, hi)


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return Sum.apply(x, axis, keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return Mean.apply(x, axis, keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return Max.apply(x, axis, keepdims)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return Min.apply(x, axis, keepdims)


def reshape(x: Any, *shape: Any) -> Tensor:
    return Reshape.apply(x, shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape)


def transpose(x: Any, axes: Sequence[int] | None = None) -> Tensor:
    return Transpose.apply(x, None if axes is None else tuple(axes))


def flatten(x: Any) -> Tensor:
    return Reshape.apply(x, (-1,))


def broadcast_to(x: Any, shape: Sequence[int]) -> Tensor:
    return BroadcastTo.apply(x, tuple(shape))


def matmul(a: Any, b: Any) -> Tensor:
    return MatMul.apply(a, b)


def maximum(a: Any, b: Any) -> Tensor:
    return Maximum.apply(a, b)


def minimum(a: Any, b: Any) -> Tensor:
    return Minimum.apply(a, b)


def where(condition: Any, a: Any, b: Any) -> Tensor:
    return Where.apply(condition.data if isinstance(condition, Tensor) else condition, a, b)


# Re-exported as they are.
_ = (var, logsumexp, softmax, log_softmax, squeeze, expand_dims, concatenate, stack, pad)
