"""npgrad's neural-network layer: modules, layers, losses, initialisation, optimizers, data.

import nn
model = nn.MLP([2, 4, 4, 1])               # sigmoid activations, as in the lab
loss = nn.MSELoss()(model(X), y)
"""

from nn import install_check  # noqa: F401, I001  (first: it refuses another distribution's autograd or nn)
from autograd.random import manual_seed
from nn import data, datasets, functional, init, optim, utils
from nn.layers import (
    MLP,
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    Conv2d,
    Dropout,
    Embedding,
    Flatten,
    Identity,
    LeakyReLU,
    Linear,
    LogSoftmax,
    MaxPool2d,
    ReLU,
    Sequential,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from nn.loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from nn.module import Module
from nn.parameter import Parameter

# ag.compile re-traces when a module's `training` flag changes, unless the module's own class says
# `reads_training = False`: nn's layers whose forward never reads the flag (all but Dropout and
# BatchNorm; tests/nn/test_reads_training.py reads their source). A subclass, which may read it, is
# guarded again. Fewer guards: each costs a replay about 350 instructions.
for _layer in (
    Linear, Sequential, MLP, Conv2d, MaxPool2d, AvgPool2d, Flatten, Embedding, Identity,
    Sigmoid, ReLU, Tanh, LeakyReLU, Softplus, SiLU, Softmax, LogSoftmax,
    MSELoss, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss,
):  # fmt: skip
    _layer.reads_training = False

__all__ = [
    "Module", "Parameter", "Linear", "Sequential", "MLP", "Conv2d", "MaxPool2d", "Flatten",
    "Sigmoid", "ReLU", "Tanh", "LeakyReLU", "Identity",
    "Dropout", "BatchNorm1d", "BatchNorm2d", "AvgPool2d", "Softplus", "SiLU", "Softmax", "LogSoftmax",
    "Embedding",
    "MSELoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss",
    "manual_seed", "functional", "init", "optim", "datasets", "data", "utils",
]  # fmt: skip


def __getattr__(name: str) -> object:
    """`nn.__version__`: npgrad's, read from its metadata on first use (as `autograd.__version__`)."""
    if name == "__version__":
        import autograd

        return autograd.__version__
    raise AttributeError(f"module 'nn' has no attribute {name!r}")
