"""Tensor constructors, spelled as in NumPy."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.random import get_rng
from autograd.tensor import Tensor


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None) -> Tensor:
    """The same as `Tensor(...)`."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, name=name)


def _shape(shape: tuple[Any, ...]) -> tuple[int, ...]:
    return tuple(shape[0]) if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)) else shape


def zeros(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """A Tensor of zeros of `shape` (several ints or one tuple)."""
    return Tensor(np.zeros(_shape(shape), dtype=dtype), requires_grad=requires_grad)


def ones(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """A Tensor of ones of `shape` (several ints or one tuple)."""
    return Tensor(np.ones(_shape(shape), dtype=dtype), requires_grad=requires_grad)


def _array(x: Any) -> np.ndarray:
    """x's array; a Tensor's `.data`, not np.asarray(t), which a compiled trace counts as a value read."""
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def zeros_like(x: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A Tensor of zeros with x's shape (and dtype, unless `dtype` is given)."""
    return Tensor(np.zeros_like(_array(x), dtype=dtype), requires_grad=requires_grad)


def ones_like(x: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A Tensor of ones with x's shape (and dtype, unless `dtype` is given)."""
    return Tensor(np.ones_like(_array(x), dtype=dtype), requires_grad=requires_grad)


def randn(
    *shape: Any, rng: np.random.Generator | None = None, dtype: Any = np.float64, requires_grad: bool = False
) -> Tensor:
    """Standard normal samples; pass `rng` for repeatable draws."""
    values = get_rng(rng).standard_normal(_shape(shape))
    return Tensor(values.astype(dtype, copy=False), requires_grad=requires_grad)


def rand(
    *shape: Any, rng: np.random.Generator | None = None, dtype: Any = np.float64, requires_grad: bool = False
) -> Tensor:
    """Uniform samples in [0, 1); pass `rng` for repeatable draws."""
    values = get_rng(rng).random(_shape(shape))
    return Tensor(values.astype(dtype, copy=False), requires_grad=requires_grad)


def arange(*args: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """np.arange; Python int arguments give float64 like every Python number here."""
    return Tensor(
        np.arange(*args, dtype=dtype) if dtype is not None else np.arange(*args, dtype=np.float64),
        requires_grad=requires_grad,
    )


def from_numpy(array: np.ndarray) -> Tensor:
    """A Tensor on `array`'s memory (writes show through both ways) and with its dtype, as
    `torch.from_numpy`; `Tensor(array)` shares memory too, this spelling only insists on an ndarray."""
    if not isinstance(array, np.ndarray):
        raise TypeError(
            f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}; use ag.tensor(...)"
        )
    return Tensor(array)
