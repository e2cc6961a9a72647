"""Loss functions as layers: `criterion = nn.MSELoss(); loss = criterion(output, target)`."""

from __future__ import annotations

from typing import Any

from autograd import Tensor
from nn.functional import loss as F
from nn.module import Module


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in F._REDUCTIONS:
            raise ValueError(
                f"{type(self).__name__}: reduction must be one of {F._REDUCTIONS}, got {reduction!r}"
            )
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}" if self.reduction != "mean" else ""


class MSELoss(_Loss):
    def forward(self, prediction: Any, target: Any) -> Tensor:
        return F.mse_loss(prediction, target, self.reduction)


class BCELoss(_Loss):
    """Binary cross entropy of probabilities (after a sigmoid)."""

    def forward(self, prediction: Any, target: Any) -> Tensor:
        return F.binary_cross_entropy(prediction, target, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross entropy of raw scores: the sigmoid is folded in, stably."""

    def forward(self, prediction: Any, target: Any) -> Tensor:
        return F.binary_cross_entropy_with_logits(prediction, target, self.reduction)


class CrossEntropyLoss(_Loss):
    """Softmax cross entropy of logits (N, C) against class indices (N,)."""

    def forward(self, prediction: Any, target: Any) -> Tensor:
        return F.cross_entropy(prediction, target, self.reduction)
