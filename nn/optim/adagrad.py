"""Adagrad: each coordinate's step shrinks with the sum of its squared gradients so far."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from nn.optim.foreach import FlatStep
from nn.optim.optimizer import Optimizer


class Adagrad(FlatStep, Optimizer):
    """PyTorch's Adagrad: clr = lr / (1 + (t-1)*lr_decay); g += wd*p; sum += g²;
    p -= clr * g / (√sum + eps)."""

    non_negative = ("lr_decay", "weight_decay", "eps")
    state_keys = ("step", "sum")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 0.01,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay, eps=eps))

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        if not state:
            state["step"] = 0
            state["sum"] = np.zeros_like(param)
        state["step"] += 1
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] += grad * grad
        param -= clr * grad / (np.sqrt(state["sum"]) + group["eps"])
