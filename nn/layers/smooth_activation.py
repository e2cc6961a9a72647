"""Activation layers beyond the lab's: `Softplus`, `SiLU`, `Softmax` and `LogSoftmax`."""

from __future__ import annotations

from typing import Any

from autograd import Tensor
from nn.functional.activation import log_softmax, softmax
from nn.functional.smooth_activation import silu, softplus
from nn.module import Module


class Softplus(Module):
    """log(1 + exp(beta x)) / beta, linear where beta x > threshold."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x: Any) -> Tensor:
        return softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class SiLU(Module):
    """x * sigmoid(x)."""

    def forward(self, x: Any) -> Tensor:
        return silu(x)


class Softmax(Module):
    """exp(x) normalised to sum to 1 along `axis`."""

    def __init__(self, axis: int = -1, *, dim: Any = None) -> None:
        super().__init__()
        _reject_dim("Softmax", dim)
        self.axis = axis

    def forward(self, x: Any) -> Tensor:
        return softmax(x, axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class LogSoftmax(Module):
    """log(softmax(x)) along `axis`, computed stably."""

    def __init__(self, axis: int = -1, *, dim: Any = None) -> None:
        super().__init__()
        _reject_dim("LogSoftmax", dim)
        self.axis = axis

    def forward(self, x: Any) -> Tensor:
        return log_softmax(x, axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


def _reject_dim(layer: str, dim: Any) -> None:
    if dim is not None:
        raise TypeError(f"{layer}: use axis={dim!r} (NumPy's name), not dim=")
