"""The layers of `nn`; import them from `nn` itself."""

from nn.layers.activation import Identity, LeakyReLU, ReLU, Sigmoid, Tanh
from nn.layers.container import MLP, Sequential
from nn.layers.conv import Conv2d, Flatten, MaxPool2d
from nn.layers.linear import Linear

__all__ = [
    "Linear", "Sequential", "MLP", "Conv2d", "MaxPool2d", "Flatten", "Sigmoid", "ReLU", "Tanh", "LeakyReLU", "Identity",
]  # fmt: skip
