"""Batch normalisation over the channel axis 1 of (N, C), (N, C, L) or (N, C, H, W) inputs.

Composed of engine ops (mean, subtraction, square root, ...), so it has derivatives of every
order. In training it normalises by the batch's own mean and biased variance and, when given
running statistics, moves them towards the batch's mean and UNBIASED variance, as PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Tensor


def batch_norm(
    x: Any,
    running_mean: Any,
    running_var: Any,
    weight: Any = None,
    bias: Any = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """(x - mean) / sqrt(var + eps) * weight + bias, per channel. Training uses the batch's
    statistics and updates `running_mean`/`running_var` (Tensors or arrays, or None) in place:
    running = (1 - momentum) * running + momentum * batch. Evaluation uses the running ones."""
    x = x if isinstance(x, Tensor) else Tensor(x)
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected x of shape (N, C, ...), got shape {x.shape} ({x.ndim}-D)")
    channels = x.shape[1]
    for name, value in (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    ):
        if value is not None and np.shape(value) != (channels,):
            raise ValueError(
                f"batch_norm: {name} has shape {np.shape(value)}, expected ({channels},) for x of shape "
                f"{x.shape}"
            )
    if (running_mean is None) != (running_var is None):
        raise ValueError("batch_norm: give both running_mean and running_var, or neither")
    if not training and running_mean is None:
        raise ValueError("batch_norm: evaluation (training=False) needs running_mean and running_var")
    axes = (0, *range(2, x.ndim))  # every axis but the channels
    per_channel = (1, channels) + (1,) * (x.ndim - 2)  # a (C,) vector laid along axis 1

    if training:
        count = x.size // channels
        if count < 2:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, got x of shape {x.shape}"
            )
        mean = x.mean(axis=axes, keepdims=True)
        centred = x - mean
        variance = (centred * centred).mean(axis=axes, keepdims=True)
        if running_mean is not None:
            _move_towards(running_mean, mean.data.reshape(channels), momentum)
            _move_towards(running_var, _unbiased(variance.data.reshape(channels), count), momentum)
        out = centred / (variance + eps) ** 0.5
    else:
        mean, variance = _array(running_mean).reshape(per_channel), _array(running_var).reshape(per_channel)
        out = (x - mean) * (1.0 / np.sqrt(variance + eps)).astype(x.dtype, copy=False)
    if weight is not None:
        out = out * (
            weight.reshape(per_channel) if isinstance(weight, Tensor) else np.reshape(weight, per_channel)
        )
    if bias is not None:
        out = out + (bias.reshape(per_channel) if isinstance(bias, Tensor) else np.reshape(bias, per_channel))
    return out


def _array(value: Any) -> np.ndarray:
    return value.data if isinstance(value, Tensor) else np.asarray(value)


def _unbiased(variance: np.ndarray, count: int) -> np.ndarray:
    """The batch's variance with Bessel's correction: what the running variance tracks."""
    return variance * (count / (count - 1))


def _move_towards(running: Any, batch: np.ndarray, momentum: float) -> None:
    """running <- (1 - momentum) * running + momentum * batch, in place and untracked."""
    if not isinstance(running, (Tensor, np.ndarray)):
        raise TypeError(
            "batch_norm: running statistics must be Tensors or arrays to update, got "
            f"{type(running).__name__}"
        )
    array = _array(running)
    array *= 1.0 - momentum
    array += momentum * batch
