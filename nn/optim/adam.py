"""Adam (L2 weight decay added to the gradient) and AdamW (weight decay decoupled from it)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from nn.optim.foreach import FlatStep
from nn.optim.optimizer import Optimizer


class Adam(FlatStep, Optimizer):
    """PyTorch's Adam: g += wd*p; m = β1*m + (1-β1)*g; v = β2*v + (1-β2)*g²;
    p -= lr * m̂ / (√v̂ + eps) with the bias-corrected m̂ = m/(1-β1ᵗ), v̂ = v/(1-β2ᵗ)."""

    non_negative = ("eps", "weight_decay")
    state_keys = ("step", "exp_avg", "exp_avg_sq")
    decoupled_weight_decay = False

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay))

    def check_hyperparameters(self, group: dict[str, Any]) -> None:
        super().check_hyperparameters(group)
        betas = group["betas"]
        self.require(len(betas) == 2, f"betas must be a pair (beta1, beta2), got {betas!r}")
        for i, beta in enumerate(betas):
            self.require(0 <= beta < 1, f"invalid beta{i + 1}={beta!r} in betas; expected 0 <= beta < 1")

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(param)
            state["exp_avg_sq"] = np.zeros_like(param)
        state["step"] += 1
        step, lr, weight_decay = state["step"], group["lr"], group["weight_decay"]
        if weight_decay:
            if self.decoupled_weight_decay:
                param *= 1 - lr * weight_decay
            else:
                grad = grad + weight_decay * param
        beta1, beta2 = group["betas"]
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg *= beta1
        exp_avg += (1 - beta1) * grad
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        # PyTorch's order of operations, so that results agree to round-off.
        step_size = lr / (1 - beta1**step)
        denominator = np.sqrt(exp_avg_sq) / math.sqrt(1 - beta2**step) + group["eps"]
        param -= step_size * exp_avg / denominator


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p *= 1 - lr*wd before the Adam step."""

    decoupled_weight_decay = True

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
