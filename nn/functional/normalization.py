"""Batch normalisation over the channel axis 1 of (N, C), (N, C, L) or (N, C, H, W) inputs.

Composed of engine ops (mean, subtraction, square root, ...), so it has derivatives of every
order. In training it normalises by the batch's own mean and biased variance and, when given
running statistics, moves them towards the batch's mean and UNBIASED variance, as PyTorch.
Reading and updating the running statistics are ops too (without gradients), so that a replay of
`ag.compile` runs them: plain NumPy beside the ops would be frozen into the plan, or left out."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Function, Tensor
from autograd.compiler.trace import read_afresh


def batch_norm(
    x: Any,
    running_mean: Any,
    running_var: Any,
    weight: Any = None,
    bias: Any = None,
    training: bool = False,
    momentum: float | None = 0.1,
    eps: float = 1e-5,
    *,
    num_batches_tracked: Any = None,
) -> Tensor:
    """(x - mean) / sqrt(var + eps) * weight + bias, per channel. Training uses the batch's
    statistics and updates `running_mean`/`running_var` (Tensors or arrays, or None) in place:
    running = (1 - momentum) * running + momentum * batch. Evaluation uses the running ones.
    `num_batches_tracked` (a 0-d integer Tensor or array, BatchNorm's) is incremented with each
    update; `momentum=None` then means the cumulative average: momentum 1 / num_batches_tracked."""
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
            if momentum is None and num_batches_tracked is None:
                raise ValueError("batch_norm: momentum=None (a cumulative average) needs num_batches_tracked")
            # the batch's statistics as the ops made them (slots of a compiled replay, never constants)
            counter = None if num_batches_tracked is None else _state(num_batches_tracked, update=True)
            UpdateRunningStats.apply(
                _state(running_mean, update=True), _state(running_var, update=True), counter,
                mean.data, variance.data, count, momentum,
            )  # fmt: skip
        out = centred / (variance + eps) ** 0.5
    else:
        mean, inverse_std = ReadRunningStats.apply(
            _state(running_mean), _state(running_var), per_channel, eps, x.dtype
        )
        out = (x - mean) * inverse_std
    if weight is not None:
        out = out * (
            weight.reshape(per_channel) if isinstance(weight, Tensor) else np.reshape(weight, per_channel)
        )
    if bias is not None:
        out = out + (bias.reshape(per_channel) if isinstance(bias, Tensor) else np.reshape(bias, per_channel))
    return out


class UpdateRunningStats(Function):
    """running <- (1 - momentum) * running + momentum * batch, in place, for the mean and the
    unbiased variance; the counter (if any) goes up by one first, and momentum None is 1 / counter.
    Called with arrays only: it records no gradient, and returns an empty array."""

    @staticmethod
    def forward(
        ctx: Function,
        running_mean: np.ndarray,
        running_var: np.ndarray,
        counter: np.ndarray | None,
        batch_mean: np.ndarray,
        batch_variance: np.ndarray,
        count: int,
        momentum: float | None,
    ) -> np.ndarray:
        if counter is not None:
            counter += 1
            if momentum is None:  # a cumulative average of every batch seen
                momentum = 1.0 / float(counter)
        channels = running_mean.shape[0]
        _move_towards(running_mean, batch_mean.reshape(channels), momentum)
        _move_towards(running_var, _unbiased(batch_variance.reshape(channels), count), momentum)
        return np.empty(0)

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> None:
        raise RuntimeError("UpdateRunningStats: updates state and has no gradient (it is called with arrays)")


class ReadRunningStats(Function):
    """The running mean laid along axis 1 (`per_channel`) and 1 / sqrt(running variance + eps) in
    x's dtype: what evaluation normalises by. Called with arrays only: it records no gradient."""

    @staticmethod
    def forward(
        ctx: Function,
        running_mean: np.ndarray,
        running_var: np.ndarray,
        per_channel: tuple[int, ...],
        eps: float,
        dtype: Any,
    ) -> tuple[np.ndarray, np.ndarray]:
        inverse_std = (1.0 / np.sqrt(running_var.reshape(per_channel) + eps)).astype(dtype, copy=False)
        return running_mean.reshape(per_channel), inverse_std

    @staticmethod
    def backward(ctx: Function, *grads: np.ndarray) -> None:
        raise RuntimeError("ReadRunningStats: has no gradient (it is called with arrays)")


def _state(value: Any, update: bool = False) -> np.ndarray:
    """The array of a running statistic: a Tensor's is read afresh by each replay of `ag.compile`.
    One to `update` in place must be a Tensor or an array (a list's array would be a copy)."""
    if isinstance(value, Tensor):
        return read_afresh(value)
    if update and not isinstance(value, np.ndarray):
        raise TypeError(
            f"batch_norm: running statistics must be Tensors or arrays to update, got {type(value).__name__}"
        )
    return np.asarray(value)


def _unbiased(variance: np.ndarray, count: int) -> np.ndarray:
    """The batch's variance with Bessel's correction: what the running variance tracks."""
    return variance * (count / (count - 1))


def _move_towards(running: np.ndarray, batch: np.ndarray, momentum: float) -> None:
    """running <- (1 - momentum) * running + momentum * batch, in place."""
    running *= 1.0 - momentum
    running += momentum * batch
