"""Weight initialisation, in place on a tensor's `.data`, with PyTorch's formulas and defaults.

Each function draws from `rng` when given, else from the default generator (`nn.manual_seed`)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd.random import get_rng

_LINEAR_GAIN = ("linear", "identity", "conv1d", "conv2d", "conv3d", "sigmoid")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended scale of the weights for a nonlinearity (PyTorch's table)."""
    if nonlinearity in _LINEAR_GAIN:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"calculate_gain: negative_slope {slope!r} is not a number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    valid = ", ".join((*_LINEAR_GAIN, "tanh", "relu", "leaky_relu", "selu"))
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; expected one of {valid}")


def _array(tensor: Any) -> np.ndarray:
    return tensor.data if hasattr(tensor, "data") and not isinstance(tensor, np.ndarray) else tensor


def calculate_fan_in_and_fan_out(tensor: Any) -> tuple[int, int]:
    """fan_in = shape[1] * receptive field, fan_out = shape[0] * receptive field (PyTorch's)."""
    shape = np.shape(_array(tensor))
    if len(shape) < 2:
        raise ValueError(f"fan in and fan out need a tensor of at least 2 dimensions, got shape {shape}")
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def _fan(tensor: Any, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor: Any, values: Any) -> Any:
    array = _array(tensor)
    array[...] = values  # in place: keeps the dtype and every reference to the array
    return tensor


def uniform_(tensor: Any, a: float = 0.0, b: float = 1.0, rng: np.random.Generator | None = None) -> Any:
    """Fill with U(a, b)."""
    return _fill(tensor, get_rng(rng).uniform(a, b, np.shape(_array(tensor))))


def normal_(tensor: Any, mean: float = 0.0, std: float = 1.0, rng: np.random.Generator | None = None) -> Any:
    """Fill with N(mean, std^2)."""
    return _fill(tensor, get_rng(rng).normal(mean, std, np.shape(_array(tensor))))


def zeros_(tensor: Any) -> Any:
    """Fill `tensor` with zeros in place (not recorded) and return it."""
    return _fill(tensor, 0.0)


def ones_(tensor: Any) -> Any:
    """Fill `tensor` with ones in place (not recorded) and return it."""
    return _fill(tensor, 1.0)


def constant_(tensor: Any, value: float) -> Any:
    """Fill `tensor` with `value` in place (not recorded) and return it."""
    return _fill(tensor, value)


def xavier_uniform_(tensor: Any, gain: float = 1.0, rng: np.random.Generator | None = None) -> Any:
    """Glorot: U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, rng)


def xavier_normal_(tensor: Any, gain: float = 1.0, rng: np.random.Generator | None = None) -> Any:
    """Glorot: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), rng)


def kaiming_uniform_(
    tensor: Any,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    rng: np.random.Generator | None = None,
) -> Any:
    """He: U(-b, b) with b = gain * sqrt(3 / fan); `a` is the leaky_relu slope."""
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / _fan(tensor, mode))
    return uniform_(tensor, -bound, bound, rng)


def kaiming_normal_(
    tensor: Any,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    rng: np.random.Generator | None = None,
) -> Any:
    """He: N(0, std^2) with std = gain / sqrt(fan); `a` is the leaky_relu slope."""
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode)), rng)


__all__ = [
    "calculate_gain", "calculate_fan_in_and_fan_out", "uniform_", "normal_", "zeros_", "ones_", "constant_",
    "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
]  # fmt: skip
