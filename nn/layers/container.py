"""Containers: `Sequential` chains layers; `MLP` is a Sequential of Linear and activation layers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from nn.layers.activation import activation_layer
from nn.layers.linear import Linear
from nn.module import Module


class Sequential(Module):
    """Calls its layers in order; they are named "0", "1", ... ."""

    def __init__(self, *layers: Module) -> None:
        super().__init__()
        for layer in layers:
            self.append(layer)

    def append(self, layer: Module) -> Sequential:
        """Add `layer` at the end (named by its position) and return self."""
        if not isinstance(layer, Module):
            raise TypeError(
                f"Sequential: layer {len(self._modules)} is a {type(layer).__name__}, not an nn.Module"
            )
        self.add_module(str(len(self._modules)), layer)
        return self

    def forward(self, x: Any) -> Any:
        for layer in self._modules.values():
            x = layer(x)
        return x

    def __getitem__(self, index: int | slice) -> Any:
        layers = list(self._modules.values())
        if not isinstance(index, slice):
            return layers[index]
        view = Sequential()
        for position, layer in enumerate(layers[index]):  # a view: the layers keep their parent and names
            view._modules[str(position)] = layer
            object.__setattr__(view, str(position), layer)
        return view

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())


class MLP(Module):
    """A multi-layer perceptron: `MLP([2, 4, 4, 1])` is Linear(2, 4), act, Linear(4, 4), act,
    Linear(4, 1), output act, kept in a Sequential named `layers`."""

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str | None = "sigmoid",
        output_activation: str | None = "sigmoid",
        bias: bool = True,
        rng: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"MLP: sizes needs at least an input and an output size, got {sizes}")
        activation_layer(activation, "activation")  # validate both names before building anything
        activation_layer(output_activation, "output_activation")
        layers = Sequential()
        for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(Linear(fan_in, fan_out, bias=bias, rng=rng))
            last = index == len(sizes) - 2
            act = activation_layer(output_activation if last else activation, "activation")
            if act is not None:
                layers.append(act)
        self.sizes = sizes
        self.layers = layers

    def forward(self, x: Any) -> Any:
        return self.layers(x)
