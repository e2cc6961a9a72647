"""`report.md` of the experiments: the handout's discussion questions answered in sentences built
from the run's own numbers, each pointing at the figure it comes from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from examples.lab.training import History

AllResults = Mapping[str, Mapping[str, Mapping[str, Sequence[History]]]]  # experiment -> data set -> label -> seeds


@dataclass
class Summary:
    """What a setting did over its seeds on one data set."""

    seeds: int
    diverged: int
    diverged_at: float | None  # median epoch of divergence
    accuracy: float | None  # mean final accuracy (%) of the seeds that did not diverge
    worst: float | None
    reached: int  # seeds at a lasting 100%
    epochs: float | None  # their median epoch
    loss: float | None  # mean final loss of the seeds that did not diverge
    initial_loss: float  # mean loss before training
    rises: float  # median count of epochs whose loss rose over the one before: oscillation

    def accuracy_words(self) -> str:
        if self.accuracy is None:
            return f"diverged on all {self.seeds} seeds (median epoch {self.diverged_at:.0f})"
        words = f"{self.accuracy:.1f}% (worst seed {self.worst:.1f}%)"
        if self.diverged:
            words += f", {self.diverged} of {self.seeds} seeds diverged"
        return words

    def speed_words(self) -> str:
        if self.reached == 0:
            return "no seed reached a lasting 100%"
        return f"{self.reached} of {self.seeds} seeds reached 100% (median epoch {self.epochs:.0f})"


def summarize(histories: Sequence[History]) -> Summary:
    """The Summary of one setting's seeds."""
    alive = [h for h in histories if not h.diverged]
    dead = [h.diverged_at for h in histories if h.diverged]
    reached = [h.epochs_to_perfect for h in histories if h.epochs_to_perfect is not None]
    accuracies = [100 * h.final_accuracy for h in alive]
    rises = []
    for h in histories:
        losses = h.losses[np.isfinite(h.losses)]
        rises.append(int(np.sum(np.diff(losses) > 1e-12 * losses[:-1])))
    return Summary(
        seeds=len(histories),
        diverged=len(dead),
        diverged_at=float(np.median(dead)) if dead else None,
        accuracy=float(np.mean(accuracies)) if alive else None,
        worst=float(np.min(accuracies)) if alive else None,
        reached=len(reached),
        epochs=float(np.median(reached)) if reached else None,
        loss=float(np.mean([h.final_loss for h in alive])) if alive else None,
        initial_loss=float(np.mean([h.losses[0] for h in histories])),
        rises=float(np.median(rises)),
    )


def figure_link(name: str) -> str:
    return f"([{name}.png]({name}.png), [{name}_grid.png]({name}_grid.png))"


def each(results: Mapping[str, Mapping[str, Sequence[History]]], dataset: str, words: str = "both") -> str:
    """'label: accuracy, speed; label: ...' for every setting of one data set."""
    parts = []
    for label, histories in results[dataset].items():
        summary = summarize(histories)
        detail = summary.accuracy_words()
        if words == "both" and summary.accuracy is not None:
            detail += f", {summary.speed_words()}"
        parts.append(f"{label}: {detail}")
    return "; ".join(parts)


def activation_answer(results: Mapping) -> list[str]:
    xor, linear = results["no_activation"]["xor"], results["no_activation"]["linear"]
    labels = list(xor)
    sigmoid, hidden_none, linear_runs = labels[0], labels[1], labels[2:]
    s_xor, h_xor = summarize(xor[sigmoid]), summarize(xor[hidden_none])
    lines = [
        "## What is the activation function for?",
        "",
        f"Without any activation (every layer linear, the output too, trained with MSE) the network is one "
        f"linear function of its input, whatever its depth. On the linear set it still separates the points: "
        f"{each({'linear': {k: linear[k] for k in linear_runs}}, 'linear', 'accuracy')}. On XOR it cannot: "
        f"{each({'xor': {k: xor[k] for k in linear_runs}}, 'xor', 'accuracy')}. "
        f"With sigmoid everywhere ({sigmoid}) XOR reaches {s_xor.accuracy_words()} and {s_xor.speed_words()}. "
        f"Removing only the hidden activations (sigmoid output kept, {hidden_none}) gives "
        f"{h_xor.accuracy_words()} on XOR: a sigmoid of a linear function still draws one straight boundary. "
        f"The activation is what lets the layers bend the boundary. {figure_link('no_activation')}",
        "",
    ]
    exploded = [label for label in linear_runs if summarize(xor[label]).diverged or summarize(linear[label]).diverged]
    if exploded:
        lines += [
            f"At {', '.join(exploded)} the linear model's loss exploded to inf or NaN: its output is unbounded, "
            "so each step's overshoot makes the next gradient larger. Those runs were stopped at the first "
            "non-finite loss and are counted as diverged above, not hidden.",
            "",
        ]
    return lines


def rate_of(label: str) -> float | None:
    """The learning rate of a label "lr = 0.1", or None for other labels (another init)."""
    head = label.removeprefix("lr = ")
    try:
        return float(head)
    except ValueError:
        return None


def learning_rate_answer(results: Mapping) -> list[str]:
    lr = results["learning_rate"]
    lines = ["## What happens when the learning rate is too large or too small?", ""]
    for dataset in lr:
        parts = []
        for label, histories in lr[dataset].items():
            s = summarize(histories)
            parts.append(
                f"{label}: {s.accuracy_words()}, {s.speed_words()}, loss rose in {s.rises:.0f} epochs (median)"
            )
        lines += [f"On {dataset}: " + "; ".join(parts) + ".", ""]
    rates = {rate_of(label): label for label in lr["xor"] if rate_of(label) is not None}
    if len(rates) >= 2:
        small, large = rates[min(rates)], rates[max(rates)]
        low = summarize(lr["xor"][small])
        high = {dataset: summarize(lr[dataset][large]) for dataset in lr}
        calm = [label for label in rates.values() if label not in (small, large)]
        calm_rises = [summarize(lr[dataset][label]).rises for dataset in lr for label in calm]
        lines += [
            f"Too small: at {small} the XOR loss only went from {low.initial_loss:.4f} to {low.loss:.4f} and the "
            f"accuracy ended at {low.accuracy_words()}: every step is tiny, so the run ends long before the "
            f"network separates the classes. Too large: at {large} the loss rose instead of falling in "
            + " and ".join(f"{high[d].rises:.0f} epochs on {d}" for d in high)
            + f" (median over seeds; at most {max(calm_rises):.0f} at the rates in between), the steps overshoot "
            f"the valley, and XOR ended at {high['xor'].accuracy_words()}. Without a sigmoid to bound the output "
            f"the same overshoot makes the loss explode (the no-activation runs). {figure_link('learning_rate')}",
            "",
        ]
    return lines


def weights_answer(results: Mapping) -> list[str]:
    lines = ["## What do the weights and biases do?", ""]
    if "weights_and_biases" in results:
        wb = results["weights_and_biases"]
        for dataset in wb:
            lines += [f"On {dataset}: {each(wb, dataset)}.", ""]
        labels = list(wb["xor"])
        with_bias, no_bias = labels[0], labels[-1]
        lines += [
            "Each unit computes sigmoid(w · x + b): the weights set the direction and steepness of its "
            "boundary, the bias moves it away from the origin. Without biases every first-layer boundary "
            f"passes through (0, 0): on XOR the network then reaches {summarize(wb['xor'][no_bias]).accuracy_words()} "
            f"({no_bias}) against {summarize(wb['xor'][with_bias]).accuracy_words()} ({with_bias}). Where the weights "
            "start decides where gradient descent starts: the same network and learning rate reach "
            + "; ".join(f"{label}: {summarize(wb['xor'][label]).accuracy_words()}" for label in labels[:-1])
            + f" on XOR. {figure_link('weights_and_biases')}",
            "",
        ]
    if "learning_rate" in results:
        lr = results["learning_rate"]
        pytorch = [label for label in lr["xor"] if "PyTorch" in label]
        normal = [label for label in lr["xor"] if label.startswith("lr = ") and "PyTorch" not in label]
        if pytorch:
            same = next((label for label in normal if pytorch[0].startswith(label + ",")), None)
            if same is not None:
                lines += [
                    f"At the same learning rate, PyTorch's small Kaiming-uniform weights ({pytorch[0]}) give on XOR "
                    f"{summarize(lr['xor'][pytorch[0]]).accuracy_words()} and "
                    f"{summarize(lr['xor'][pytorch[0]]).speed_words()}, against "
                    f"{summarize(lr['xor'][same]).accuracy_words()} and "
                    f"{summarize(lr['xor'][same]).speed_words()} with N(0, 1) weights ({same}). "
                    f"{figure_link('learning_rate')}",
                    "",
                ]
    return lines


def other_answers(results: Mapping) -> list[str]:
    lines = []
    titles = {
        "hidden_units": "Hidden units",
        "optimizers_shared_lr": "Optimizers at one learning rate",
        "optimizers": "Optimizers, each at its own learning rate",
        "activations": "Hidden activations",
        "loss": "MSE or cross-entropy",
        "data_size": "Data size",
    }
    for name, heading in titles.items():
        if name not in results:
            continue
        lines += [f"## {heading}", ""]
        for dataset in results[name]:
            lines += [f"On {dataset}: {each(results[name], dataset)}.", ""]
        lines += [figure_link(name), ""]
    return lines


def answers(
    results: AllResults, epochs: int, budget: str, gradient_flow: Mapping[str, str | None] | None = None
) -> str:
    """The report: one section per question whose experiment ran; `gradient_flow` holds the measured
    gradient-flow sentence of a question (experiment name -> sentence), added to its section."""
    gradient_flow = gradient_flow or {}
    lines = [
        "# The lab's discussion, answered from this run",
        "",
        f"{budget} Accuracies are the mean over seeds after {epochs} epochs; every number below comes from the "
        "runs in [results.md](results.md), and each paragraph names its figures.",
        "",
    ]
    if "no_activation" in results:
        lines += activation_answer(results)
        lines += [gradient_flow["no_activation"], ""] if gradient_flow.get("no_activation") else []
    if "learning_rate" in results:
        lines += learning_rate_answer(results)
        lines += [gradient_flow["learning_rate"], ""] if gradient_flow.get("learning_rate") else []
    if "weights_and_biases" in results or "learning_rate" in results:
        lines += weights_answer(results)
    lines += other_answers(results)
    return "\n".join(lines) + "\n"
