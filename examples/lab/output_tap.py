"""`OutputTap`: an identity op that keeps a copy of what passes through it.

A compiled step (`ag.compile`) returns only the loss. Put between the network and the loss, the tap
hands over the network's output of every step as well, because a compiled plan replays a custom
`Function` through its own `forward`: the accuracy needs no second forward pass, and it is computed
from the very output the loss was computed from (the same numbers as eager training).
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd as ag


class _Identity(ag.Function):
    """y = x; forward copies x into `tap.output`, backward passes the gradient through unchanged."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, tap: OutputTap) -> np.ndarray:
        tap.output = x.copy()  # a compiled plan may write its next step into x's buffer
        return x

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray, None]:
        return grad, None


class OutputTap:
    """`tap(tensor)` is `tensor`, recorded: after each call (eager or replayed), `tap.output` is a copy of its array."""

    def __init__(self) -> None:
        self.output: np.ndarray | None = None

    def __call__(self, tensor: ag.Tensor) -> ag.Tensor:
        return _Identity.apply(tensor, self)
