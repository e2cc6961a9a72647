"""RMSprop: steps scaled by a running average of squared gradients, with optional momentum."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from nn.optim.foreach import FlatStep
from nn.optim.optimizer import Optimizer


class RMSprop(FlatStep, Optimizer):
    """PyTorch's RMSprop: g += wd*p; v = alpha*v + (1-alpha)*g²; with momentum
    b = momentum*b + g/(√v + eps) and p -= lr*b, else p -= lr * g/(√v + eps)."""

    non_negative = ("alpha", "eps", "weight_decay", "momentum")
    state_keys = ("step", "square_avg", "momentum_buffer")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
    ) -> None:
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum)
        super().__init__(params, defaults)

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(param)
        state["step"] += 1
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param
        alpha = group["alpha"]
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        scaled = grad / (np.sqrt(square_avg) + group["eps"])
        if group["momentum"] > 0:
            buffer = state.setdefault("momentum_buffer", np.zeros_like(param))
            buffer *= group["momentum"]
            buffer += scaled
            scaled = buffer
        param -= group["lr"] * scaled
