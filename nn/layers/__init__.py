"""The layers of `nn`; import them from `nn` itself."""

from nn.layers.activation import Identity, LeakyReLU, ReLU, Sigmoid, Tanh
from nn.layers.batch_norm import BatchNorm1d, BatchNorm2d
from nn.layers.container import MLP, Sequential
from nn.layers.conv import Conv2d, Flatten, MaxPool2d
from nn.layers.dropout import Dropout
from nn.layers.embedding import Embedding
from nn.layers.linear import Linear
from nn.layers.pooling import AvgPool2d
from nn.layers.smooth_activation import LogSoftmax, SiLU, Softmax, Softplus

__all__ = [
    "Linear", "Sequential", "MLP", "Conv2d", "MaxPool2d", "Flatten",
    "Sigmoid", "ReLU", "Tanh", "LeakyReLU", "Identity",
    "Dropout", "BatchNorm1d", "BatchNorm2d", "AvgPool2d", "Softplus", "SiLU", "Softmax", "LogSoftmax",
    "Embedding",
]  # fmt: skip
