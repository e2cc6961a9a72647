"""Multi-seed comparisons of training settings on the lab's data sets, and their markdown table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from examples.lab.datasets import load_dataset
from examples.lab.training import DEFAULT_LR, History, make_loss, make_model, make_optimizer, train

Results = Mapping[str, Mapping[str, Sequence[History]]]  # data set -> setting label -> one History per seed


@dataclass(frozen=True)
class Setting:
    """One line of a comparison: the network and optimizer it trains (the lab's defaults otherwise)."""

    label: str
    hidden: tuple[int, ...] = (4, 4)
    activation: str = "sigmoid"
    optimizer: str = "sgd"
    lr: float = DEFAULT_LR["sgd"]
    loss: str = "mse"

    def describe(self) -> str:
        """The full setting in words, for tables."""
        network = "-".join(map(str, (2, *self.hidden, 1)))
        return f"MLP {network} {self.activation}, {self.optimizer} lr={self.lr:g}, {self.loss}"


def run_setting(setting: Setting, dataset: str, seeds: Iterable[int], epochs: int) -> list[History]:
    """Train `setting` once per seed (the seed fixes the data and the initial weights)."""
    histories = []
    for seed in seeds:
        X, y = load_dataset(dataset, seed)
        model = make_model(setting.hidden, setting.activation, seed)
        optimizer = make_optimizer(setting.optimizer, list(model.parameters()), setting.lr)
        histories.append(train(model, X, y, make_loss(setting.loss), optimizer, epochs, progress=False))
    return histories


def summary_row(label: str, dataset: str, histories: Sequence[History]) -> str:
    """One markdown table row: final loss (mean ± sd), accuracy (mean, worst), epochs to 100% (median)."""
    losses = np.array([h.final_loss for h in histories])
    accuracies = 100 * np.array([h.final_accuracy for h in histories])
    reached = [h.epochs_to_perfect for h in histories if h.epochs_to_perfect is not None]
    epochs = f"{np.median(reached):.0f} ({len(reached)}/{len(histories)} seeds)" if reached else "never"
    return (
        f"| {label} | {dataset} | {losses.mean():.2e} ± {losses.std():.1e} | "
        f"{accuracies.mean():.1f}% (worst {accuracies.min():.0f}%) | {epochs} |"
    )


def summary_table(results: Results) -> str:
    """The markdown table of a comparison, one row per setting and data set."""
    lines = [
        "| setting | data set | final loss (mean ± sd) | accuracy (mean, worst) | epochs to 100% (median) |",
        "|---|---|---|---|---|",
    ]
    for dataset, by_setting in results.items():
        lines += [summary_row(label, dataset, histories) for label, histories in by_setting.items()]
    return "\n".join(lines)


def band(curves: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Geometric mean, minimum and maximum over seeds of positive curves (losses on a log axis)."""
    stacked = np.maximum(np.stack(curves), np.finfo(float).tiny)
    return np.exp(np.log(stacked).mean(axis=0)), stacked.min(axis=0), stacked.max(axis=0)
