"""The lab's training loop: gradient steps on a small MLP, recording loss and accuracy per epoch.

`make_model`, `make_optimizer` and `make_loss` turn the command-line names into objects, so the
lab and the experiments build exactly the same networks. The gradients come from autograd or
from the hand-derived NumPy backward pass (`examples.backprop_by_hand`); either way the same
`nn.optim` optimizer applies them, so the two differ only in who computed the gradient.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

import autograd as ag
import nn
from examples import backprop_by_hand as by_hand
from examples.lab.output_tap import OutputTap

ACTIVATIONS = ("sigmoid", "relu", "tanh", "leaky_relu", "none")
OUTPUT_ACTIVATIONS = ("sigmoid", "none")
OPTIMIZERS = ("sgd", "momentum", "adagrad", "rmsprop", "adam", "adamw")
LOSSES = ("mse", "bce")
BACKPROPS = ("autograd", "hand")
# The handout's setting (plain SGD, MSE, weights N(0, 1)) at a learning rate inside the lab
# reports' 0.1-1, chosen by measurement: 10 of 10 seeds reach 100% on both data sets by epoch
# ~4,100 with a loss that never rises (see README). The others: rates at which each trains.
DEFAULT_LR = {"sgd": 1.0, "momentum": 0.1, "adagrad": 0.1, "rmsprop": 0.01, "adam": 0.01, "adamw": 0.01}
DEFAULT_EPOCHS = 10000
MOMENTUM = 0.9
BATCH_STREAM = 2  # the batch order's random stream: np.random.default_rng((seed, BATCH_STREAM))


@dataclass
class History:
    """What one training run leaves: loss and accuracy after each epoch (index 0: before training).

    A run whose loss became inf or NaN stops there: `diverged_at` is that epoch and the later
    entries are NaN."""

    losses: np.ndarray  # epochs + 1 values
    accuracies: np.ndarray  # fraction of points on the right side of 0.5
    seconds: float
    diverged_at: int | None = None

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    @property
    def final_loss(self) -> float:
        return math.inf if self.diverged else float(self.losses[-1])

    @property
    def final_accuracy(self) -> float:
        return math.nan if self.diverged else float(self.accuracies[-1])

    @property
    def epochs_to_perfect(self) -> int | None:
        """The epoch from which every point stays classified correctly, or None."""
        return None if self.diverged else lasting_perfect_epoch(self.accuracies)


def lasting_perfect_epoch(accuracies: np.ndarray) -> int | None:
    """The index of the first of the trailing run of 100% accuracies, or None when the last is not 100%."""
    if accuracies.size == 0 or accuracies[-1] < 1.0:
        return None
    imperfect = np.flatnonzero(accuracies < 1.0)
    return int(imperfect[-1]) + 1 if imperfect.size else 0


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
    if name == "adamw":
        return nn.optim.AdamW(params, lr=lr)
    raise ValueError(f"make_optimizer: unknown optimizer {name!r}; choose from {', '.join(OPTIMIZERS)}")


def make_loss(name: str, output_activation: str = "sigmoid") -> nn.Module:
    """MSE on the output, or binary cross-entropy: of the sigmoid output, or of the raw output
    taken as a logit when there is no output activation (nn.BCEWithLogitsLoss)."""
    if name == "mse":
        return nn.MSELoss()
    if name == "bce":
        return nn.BCEWithLogitsLoss() if output_activation == "none" else nn.BCELoss()
    raise ValueError(f"make_loss: unknown loss {name!r}; choose from {', '.join(LOSSES)}")


def to_probability(output: np.ndarray, loss: str, output_activation: str) -> np.ndarray:
    """What is compared with 0.5: the output itself, or the sigmoid of a BCE logit."""
    return by_hand.sigmoid(output) if (loss == "bce" and output_activation == "none") else output


def accuracies(probabilities: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per epoch (the leading axis of `probabilities`; then the labels' shape): the fraction of points whose
    probability is on the same side of 0.5 as their 0/1 label."""
    correct = (probabilities >= 0.5) == (labels >= 0.5)
    return correct.mean(axis=tuple(range(1, correct.ndim)))


class AutogradGradients:
    """Loss and gradients from the engine: forward, `loss.backward()`; by default through `ag.compile`,
    which replays the same ops as plain NumPy calls (the same numbers, bit for bit)."""

    def __init__(self, model: nn.Module, loss: str, output_activation: str, compiled: bool = True) -> None:
        self.model, self.loss_fn = model, make_loss(loss, output_activation)
        self.compiled = compiled
        if compiled:  # closures over the model, so ag.compile's guards see its parameters
            loss_fn, tap = self.loss_fn, OutputTap()
            # a compiled call returns the loss alone: the tap hands over the output it was computed from
            self.step = ag.compile(lambda X, y: loss_fn(tap(model(X)), y))
            self.tap = tap

    def __call__(self, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """Fill every parameter's `.grad`; return the loss and the network's output."""
        if self.compiled:
            loss = self.step(X, y).item()
            return loss, self.tap.output
        output = self.model(ag.Tensor(X))
        loss = self.loss_fn(output, ag.Tensor(y))
        loss.backward()
        return loss.item(), output.data

    def evaluate(self, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """The loss and output without recording a graph."""
        with ag.no_grad():
            output = self.model(ag.Tensor(X))
            return self.loss_fn(output, ag.Tensor(y)).item(), output.data


class HandGradients:
    """Loss and gradients from `examples.backprop_by_hand`, written into the parameters' `.grad`."""

    def __init__(self, model: nn.Module, loss: str, activation: str, output_activation: str) -> None:
        self.named = list(model.named_parameters())
        self.loss, self.activation, self.output_activation = loss, activation, output_activation

    def params(self) -> dict[str, np.ndarray]:
        return {name: p.data for name, p in self.named}

    def __call__(self, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """Fill every parameter's `.grad`; return the loss and the network's output."""
        value, grads, output = by_hand.loss_grads_and_prediction(
            self.params(), X, y, self.loss, self.activation, self.output_activation
        )
        for name, p in self.named:
            p.grad = ag.Tensor(grads[name])
        return value, output

    def evaluate(self, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """The loss and output, no gradients."""
        output = by_hand.forward(self.params(), X, self.activation, self.output_activation)[-1]
        return by_hand.loss_value(output, y, self.loss, logits=self.output_activation == "none"), output


def make_gradients(
    backprop: str, model: nn.Module, loss: str, activation: str, output_activation: str, compiled: bool = True
) -> AutogradGradients | HandGradients:
    """The gradient source named by `--backprop`; `compiled` (autograd only) runs it through `ag.compile`."""
    if backprop == "autograd":
        return AutogradGradients(model, loss, output_activation, compiled)
    if backprop == "hand":
        return HandGradients(model, loss, activation, output_activation)
    raise ValueError(f"make_gradients: unknown backprop {backprop!r}; choose from {', '.join(BACKPROPS)}")


def batch_loader(X: np.ndarray, y: np.ndarray, batch_size: int, rng: np.random.Generator) -> nn.data.DataLoader:
    """Shuffled mini-batches of (X, y), a new order from `rng` every pass; the last batch may be smaller."""
    return nn.data.DataLoader(nn.data.TensorDataset(X, y), batch_size=batch_size, shuffle=True, rng=rng)


def default_print_every(epochs: int) -> int:
    """The lab reports print every 5,000 epochs; a shorter run prints a tenth of the way."""
    return min(5000, max(1, epochs // 10))


def train(
    gradients: AutogradGradients | HandGradients,
    optimizer: nn.optim.Optimizer,
    X: np.ndarray,
    y: np.ndarray,
    epochs: int,
    batch_size: int | None = None,
    seed: int = 0,
    to_probability: Callable[[np.ndarray], np.ndarray] = lambda output: output,
    description: str = "",
    progress: bool = False,
    print_every: int = 0,
) -> History:
    """`epochs` passes over (X, y); a loss that turns inf or NaN stops the run (it diverged).

    Index e of the history is the model after e epochs. With the full batch each step's
    forward pass measures the previous epoch's model for free; with mini-batches an extra
    forward pass over the whole set does. `print_every` > 0 prints `epoch N loss L` lines."""
    losses = np.full(epochs + 1, np.nan)
    outputs = None  # the network's output at each epoch: the accuracies are computed from them at the end
    full_batch = batch_size is None or batch_size >= len(X)
    loader = None if full_batch else batch_loader(X, y, batch_size, np.random.default_rng((seed, BATCH_STREAM)))
    diverged_at = None
    refresh_every = max(1, epochs // 100)
    started = time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        with tqdm(total=epochs, desc=description, unit="epoch", disable=not progress, mininterval=0.2) as bar:
            echo = bar.write if progress else print
            for epoch in range(epochs + 1):
                if full_batch and epoch < epochs:
                    optimizer.zero_grad()
                    loss, output = gradients(X, y)
                else:
                    loss, output = gradients.evaluate(X, y)
                if outputs is None:
                    outputs = np.empty((epochs + 1, *output.shape), output.dtype)
                losses[epoch] = loss
                outputs[epoch] = output
                if print_every and epoch % print_every == 0:
                    echo(f"epoch {epoch} loss {loss:.6g}")
                if not (math.isfinite(loss) and np.isfinite(output).all()):
                    diverged_at = epoch
                    if print_every:
                        echo(f"epoch {epoch} loss {loss}: diverged, training stopped")
                    break
                if epoch == epochs:
                    break
                if full_batch:
                    optimizer.step()
                else:
                    for X_batch, y_batch in loader:
                        optimizer.zero_grad()
                        gradients(X_batch.data, y_batch.data)
                        optimizer.step()
                if progress:
                    bar.update(1)
                    if epoch % refresh_every == 0:
                        bar.set_postfix_str(f"loss={loss:.4g}", refresh=False)
        measured = epochs + 1 if diverged_at is None else diverged_at  # epochs from here on are NaN
        per_epoch = np.full(epochs + 1, np.nan)
        per_epoch[:measured] = accuracies(to_probability(outputs[:measured]), y)
    losses[measured:] = np.nan
    return History(losses, per_epoch, time.perf_counter() - started, diverged_at)


def predict(model: nn.Module, X: np.ndarray, loss: str = "mse", output_activation: str = "sigmoid") -> np.ndarray:
    """The network's output for the points `X` as a probability of label 1, shape (n, 1), no graph recorded."""
    with ag.no_grad():
        output = model(ag.Tensor(X)).data
    return to_probability(output, loss, output_activation)


def stdout_is_terminal() -> bool:
    """A progress bar only on a terminal: a redirected file gets no carriage-return fragments."""
    return sys.stdout.isatty()
