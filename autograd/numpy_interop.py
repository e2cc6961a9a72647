"""NumPy's protocols for Tensors: `np.exp(t)`, `ndarray * t`, `np.sum(t, axis=0)`... are
recorded ops returning Tensors. This is also what lets one backward formula, written with
NumPy, run on arrays (first order) and on Tensors (higher order)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd.ops import arithmetic, elementwise, linalg, reduction
from autograd.ops import shape as shape_ops
from autograd.ops.constant import untracked
from autograd.tensor import Tensor

_DIFFERENTIABLE_UFUNCS: dict[np.ufunc, Any] = {
    np.add: arithmetic.Add,
    np.subtract: arithmetic.Sub,
    np.multiply: arithmetic.Mul,
    np.true_divide: arithmetic.Div,
    np.power: arithmetic.Pow,
    np.negative: arithmetic.Neg,
    np.exp: elementwise.Exp,
    np.log: elementwise.Log,
    np.sqrt: elementwise.Sqrt,
    np.sin: elementwise.Sin,
    np.cos: elementwise.Cos,
    np.tanh: elementwise.Tanh,
    np.absolute: elementwise.Abs,
    np.maximum: elementwise.Maximum,
    np.minimum: elementwise.Minimum,
    np.matmul: linalg.MatMul,
}

# Piecewise-constant or boolean results: constants that never require grad, replayed by ag.compile.
_CONSTANT_UFUNCS = {
    np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal,
    np.sign, np.floor, np.ceil, np.rint, np.trunc, np.isfinite, np.isnan, np.isinf,
    np.logical_and, np.logical_or, np.logical_not, np.logical_xor,
}  # fmt: skip


def _data(value: Any) -> Any:
    return value.data if isinstance(value, Tensor) else value


def _as_tensor(a: Any) -> Tensor:
    return a if isinstance(a, Tensor) else Tensor(a)


def numpy_ufunc(ufunc: np.ufunc, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if method != "__call__" or kwargs:
        raise TypeError(
            f"np.{ufunc.__name__}.{method} with {sorted(kwargs) or 'no'} keyword arguments is not supported "
            "on "
            "Tensors; call it on t.numpy() for an untracked result"
        )
    op = _DIFFERENTIABLE_UFUNCS.get(ufunc)
    if op is not None:
        return op.apply(*inputs)
    if ufunc is np.positive:
        return inputs[0]
    if ufunc in _CONSTANT_UFUNCS:
        return untracked(ufunc, *inputs)
    return NotImplemented


def _reduction(method: str) -> Callable[..., Any]:
    def handler(a: Any, axis: Any = None, keepdims: bool = False, **kwargs: Any) -> Any:
        _no_extra(f"np.{method}", kwargs)
        return getattr(_as_tensor(a), method)(axis=axis, keepdims=keepdims)

    return handler


def _no_extra(name: str, kwargs: dict[str, Any]) -> None:
    used = {k: v for k, v in kwargs.items() if v is not None and not (k == "ddof" and v == 0)}
    if used:
        raise TypeError(f"{name}: keyword arguments {sorted(used)} are not supported on Tensors")


def _var(
    a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: int = 0, keepdims: bool = False
) -> Any:
    _no_extra("np.var", {"dtype": dtype, "out": out})
    return reduction.var(a, axis, keepdims, ddof)


def _where(condition: Any, a: Any = None, b: Any = None) -> Any:
    if a is None or b is None:
        return NotImplemented
    return elementwise.Where.apply(_data(condition), a, b)


def _clip(a: Any, a_min: Any = None, a_max: Any = None, **kwargs: Any) -> Any:
    _no_extra("np.clip", kwargs)
    return elementwise.Clip.apply(a, _data(a_min), _data(a_max))


_FUNCTIONS: dict[Any, Callable[..., Any]] = {
    np.sum: _reduction("sum"),
    np.mean: _reduction("mean"),
    np.max: _reduction("max"),
    np.min: _reduction("min"),
    np.amax: _reduction("max"),
    np.amin: _reduction("min"),
    np.var: _var,
    np.reshape: lambda a, shape=None, **kw: _as_tensor(a).reshape(kw.get("newshape", shape)),
    np.transpose: lambda a, axes=None: shape_ops.Transpose.apply(a, None if axes is None else tuple(axes)),
    np.swapaxes: shape_ops.swapaxes,
    np.expand_dims: shape_ops.expand_dims,
    np.squeeze: shape_ops.squeeze,
    np.broadcast_to: lambda array, shape, subok=False: shape_ops.BroadcastTo.apply(
        array, tuple(np.atleast_1d(shape))
    ),
    np.concatenate: lambda arrays, axis=0: shape_ops.concatenate(arrays, axis),
    np.stack: lambda arrays, axis=0: shape_ops.stack(arrays, axis),
    np.pad: lambda a, pad_width, mode="constant", constant_values=0.0: shape_ops.pad(
        a, pad_width, constant_values
    ),
    np.where: _where,
    np.clip: _clip,
    np.shape: lambda a: np.shape(_data(a)),
    np.ndim: lambda a: np.ndim(_data(a)),
    np.size: lambda a, axis=None: np.size(_data(a), axis),
    np.zeros_like: lambda a, dtype=None: Tensor(np.zeros_like(_data(a), dtype=dtype)),
    np.ones_like: lambda a, dtype=None: Tensor(np.ones_like(_data(a), dtype=dtype)),
}


def numpy_function(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    handler = _FUNCTIONS.get(func)
    if handler is None:
        return NotImplemented
    return handler(*args, **kwargs)
