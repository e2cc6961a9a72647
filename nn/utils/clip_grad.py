"""Gradient clipping, as `torch.nn.utils`: rescale (or cut) `.grad`s in place before `optimizer.step()`."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from autograd import Tensor


def _grads(parameters: Tensor | Iterable[Tensor], caller: str) -> list[np.ndarray]:
    """The `.grad` arrays of the parameters that have one."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    grads = []
    for p in params:
        if not isinstance(p, Tensor):
            raise TypeError(f"{caller}: expected Tensors (parameters), got {type(p).__name__}")
        if p.grad is not None:
            if not isinstance(p.grad, Tensor):
                raise TypeError(f"{caller}: the gradient of a parameter of shape {p.shape} is a "
                                f"{type(p.grad).__name__}, not a Tensor")  # fmt: skip
            grads.append(p.grad.data)
    return grads


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Scale all gradients together so that their joint `norm_type`-norm is at most `max_norm`.

    The norm is taken over all gradients as if concatenated into one vector (`inf`: the
    largest absolute entry). Returns that total norm, measured before clipping, as a 0-d
    Tensor, like PyTorch; gradients are multiplied by max_norm / (total + 1e-6) when that is < 1.
    """
    grads = _grads(parameters, "clip_grad_norm_")
    norm_type = float(norm_type)
    if not grads:
        return Tensor(0.0)
    if math.isinf(norm_type):
        norms = [np.max(np.abs(g)) if g.size else np.zeros((), g.dtype) for g in grads]
        total = np.max(norms)
    else:
        norms = [np.linalg.norm(g.ravel(), norm_type) for g in grads]
        total = np.linalg.norm(np.asarray(norms), norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is {total}, so they "
            "cannot be "
            "clipped; set error_if_nonfinite=False to clip anyway"
        )
    coefficient = min(float(max_norm) / (float(total) + 1e-6), 1.0)
    with np.errstate(invalid="ignore"):  # an inf gradient times 0 is nan, silently, as in PyTorch
        for g in grads:
            g *= g.dtype.type(coefficient)
    return Tensor(np.asarray(total))


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clip every gradient entry into [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for g in _grads(parameters, "clip_grad_value_"):
        np.clip(g, -clip_value, clip_value, out=g)
