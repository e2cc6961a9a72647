"""Activation functions as layers, and the name -> layer table that `MLP` reads."""

from __future__ import annotations

from typing import Any

from autograd import Tensor
from nn.functional import activation as F
from nn.module import Module


class Sigmoid(Module):
    def forward(self, x: Any) -> Tensor:
        return F.sigmoid(x)


class ReLU(Module):
    def forward(self, x: Any) -> Tensor:
        return F.relu(x)


class Tanh(Module):
    def forward(self, x: Any) -> Tensor:
        return F.tanh(x)


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Any) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Identity(Module):
    """Returns its input unchanged: a placeholder where a layer is optional."""

    def forward(self, x: Any) -> Any:
        return x


ACTIVATIONS: dict[str, type[Module]] = {
    "sigmoid": Sigmoid,
    "relu": ReLU,
    "tanh": Tanh,
    "leaky_relu": LeakyReLU,
}


def activation_layer(name: str | None, argument: str) -> Module | None:
    """A new layer for an activation name (None -> no layer); unknown names raise ValueError."""
    if name is None:
        return None
    layer = ACTIVATIONS.get(name) if isinstance(name, str) else None
    if layer is None:
        valid = ", ".join([repr(key) for key in ACTIVATIONS] + ["None"])
        raise ValueError(f"MLP: unknown {argument} {name!r}; expected one of {valid}")
    return layer()
