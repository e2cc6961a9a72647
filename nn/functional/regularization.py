"""Inverted dropout: in training, zero each element with probability p and scale the rest by
1 / (1 - p), so that the expected output is the input and evaluation needs no rescaling."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Tensor
from autograd.ops.constant import NoGrad
from autograd.random import get_rng


def dropout(x: Any, p: float = 0.5, training: bool = True, rng: np.random.Generator | None = None) -> Tensor:
    """x times a random mask of 0 and 1 / (1 - p) when training, x itself otherwise. The mask
    is drawn from `rng`, else from the default generator (`nn.manual_seed`)."""
    if isinstance(p, bool) or not isinstance(p, (int, float, np.floating, np.integer)) or not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be a probability in [0, 1], got {p!r}")
    x = x if isinstance(x, Tensor) else Tensor(x)
    if not training or p == 0:
        return x
    # the mask is drawn by an op without a gradient, so that a replay of ag.compile draws a new one each
    # call, from the default generator as it is then (nn.manual_seed replaces it); a constant to x's op
    mask = NoGrad.apply(scaled_keep_mask, rng, x.shape, p, x.dtype)
    return x * mask  # a constant mask: higher derivatives come free


def scaled_keep_mask(
    rng: np.random.Generator | None, shape: tuple[int, ...], p: float, dtype: Any
) -> np.ndarray:
    """Dropout's mask: 1 / (1 - p) where an element is kept (probability 1 - p), else 0."""
    keep = get_rng(rng).random(shape) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)  # p = 1 drops everything, as PyTorch
    return (keep * scale).astype(dtype, copy=False)
