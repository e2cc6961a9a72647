"""The lab's training loop: full-batch gradient steps on a small MLP, recording loss and accuracy.

`make_model`, `make_optimizer` and `make_loss` turn the command-line names into objects, so the
lab and the experiments build exactly the same networks.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

import autograd as ag
import nn

ACTIVATIONS = ("sigmoid", "relu", "tanh", "leaky_relu", "none")
OPTIMIZERS = ("sgd", "momentum", "adagrad", "rmsprop", "adam")
LOSSES = ("mse", "bce")
# Learning rates that train the 2-4-4-1 sigmoid net on both data sets (full batch).
DEFAULT_LR = {"sgd": 5.0, "momentum": 0.5, "adagrad": 0.1, "rmsprop": 0.01, "adam": 0.01}
MOMENTUM = 0.9


@dataclass
class History:
    """What one training run leaves: loss and accuracy after each epoch (index 0: before training)."""

    losses: np.ndarray  # epochs + 1 values
    accuracies: np.ndarray  # fraction of points on the right side of 0.5
    seconds: float

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])

    @property
    def final_accuracy(self) -> float:
        return float(self.accuracies[-1])

    @property
    def epochs_to_perfect(self) -> int | None:
        """The epoch from which every point stays classified correctly, or None."""
        return lasting_perfect_epoch(self.accuracies)


def lasting_perfect_epoch(accuracies: np.ndarray) -> int | None:
    """The index of the first of the trailing run of 100% accuracies, or None when the last is not 100%."""
    if accuracies.size == 0 or accuracies[-1] < 1.0:
        return None
    imperfect = np.flatnonzero(accuracies < 1.0)
    return int(imperfect[-1]) + 1 if imperfect.size else 0


def make_model(hidden: Sequence[int], activation: str, seed: int) -> nn.MLP:
    """`nn.MLP([2, *hidden, 1])` with a sigmoid output; the seed fixes the initial weights."""
    nn.manual_seed(seed)
    return nn.MLP([2, *hidden, 1], activation=None if activation == "none" else activation)


def make_optimizer(name: str, params: list[ag.Tensor], lr: float) -> nn.optim.Optimizer:
    """One of `OPTIMIZERS` over `params`; "momentum" is SGD with momentum 0.9."""
    if name == "sgd":
        return nn.optim.SGD(params, lr=lr)
    if name == "momentum":
        return nn.optim.SGD(params, lr=lr, momentum=MOMENTUM)
    if name == "adagrad":
        return nn.optim.Adagrad(params, lr=lr)
    if name == "rmsprop":
        return nn.optim.RMSprop(params, lr=lr)
    if name == "adam":
        return nn.optim.Adam(params, lr=lr)
    raise ValueError(f"make_optimizer: unknown optimizer {name!r}; choose from {', '.join(OPTIMIZERS)}")


def make_loss(name: str) -> nn.Module:
    """Mean squared error or binary cross-entropy, both on the network's sigmoid output."""
    if name == "mse":
        return nn.MSELoss()
    if name == "bce":
        return nn.BCELoss()
    raise ValueError(f"make_loss: unknown loss {name!r}; choose from {', '.join(LOSSES)}")


def accuracy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of points whose probability is on the same side of 0.5 as their 0/1 label."""
    return float(np.mean((probabilities >= 0.5) == (labels >= 0.5)))


def train(
    model: nn.Module,
    X: np.ndarray,
    y: np.ndarray,
    loss_fn: Callable[[ag.Tensor, ag.Tensor], ag.Tensor],
    optimizer: nn.optim.Optimizer,
    epochs: int,
    description: str = "",
    progress: bool = True,
) -> History:
    """Full-batch training for `epochs` steps; the tqdm bar shows the running loss.

    The loss and accuracy of each step's forward pass are those of the previous epoch's model,
    so recording them costs nothing; one last forward pass measures the trained model."""
    inputs, targets = ag.Tensor(X), ag.Tensor(y)
    losses = np.empty(epochs + 1)
    accuracies = np.empty(epochs + 1)
    refresh_every = max(1, epochs // 100)
    started = time.perf_counter()
    with tqdm(range(epochs), desc=description, unit="epoch", disable=not progress, mininterval=0.2) as bar:
        for epoch in bar:
            optimizer.zero_grad()
            probabilities = model(inputs)
            loss = loss_fn(probabilities, targets)
            loss.backward()
            optimizer.step()
            losses[epoch] = loss.item()
            accuracies[epoch] = accuracy(probabilities.data, y)
            if epoch % refresh_every == 0:
                bar.set_postfix_str(f"loss={losses[epoch]:.4g}", refresh=False)
    seconds = time.perf_counter() - started
    with ag.no_grad():
        probabilities = model(inputs)
        losses[epochs] = loss_fn(probabilities, targets).item()
    accuracies[epochs] = accuracy(probabilities.data, y)
    return History(losses, accuracies, seconds)


def predict(model: nn.Module, X: np.ndarray) -> np.ndarray:
    """The network's sigmoid outputs for the points `X`, shape (n, 1), without recording a graph."""
    with ag.no_grad():
        return model(ag.Tensor(X)).data
