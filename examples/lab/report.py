"""`report.md` of a lab run: the settings, a result table per data set, the hand-derived backprop
beside autograd, timings, links to the figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from examples.lab.training import History


@dataclass
class BackpropCheck:
    """The same run trained twice: with the chosen backprop and with the other one."""

    chosen: str
    history: History
    other: str
    other_history: History

    def max_relative_difference(self) -> float:
        """The largest |difference| / |loss| between the two loss curves over the whole run (NaN-safe)."""
        a, b = self.history.losses, self.other_history.losses
        both = np.isfinite(a) & np.isfinite(b)
        if not both.any():
            return 0.0 if np.array_equal(np.isnan(a), np.isnan(b)) else np.inf
        return float(np.max(np.abs(a[both] - b[both]) / np.maximum(np.abs(a[both]), np.finfo(float).tiny)))


def outcome(history: History, n: int) -> str:
    """Accuracy as a percentage and a count, or that the run diverged."""
    if history.diverged:
        return f"diverged at epoch {history.diverged_at}"
    return f"{100 * history.final_accuracy:.2f}% ({round(history.final_accuracy * n)}/{n})"


def render_report(
    command: str,
    settings: Mapping[str, object],
    histories: Mapping[str, History],
    sizes: Mapping[str, int],
    checks: Mapping[str, BackpropCheck],
    figures: Sequence[tuple[str, str]],
    files: Sequence[tuple[str, str]],
    total_seconds: float,
) -> str:
    """The report as markdown. `figures` and `files` are (caption, file name) pairs relative to it."""
    lines = ["# Lab 1: back-propagation on a small MLP", "", f"Command: `{command}`", ""]
    lines += ["## Settings", "", "| setting | value |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in settings.items()]
    lines += ["", "## Results", ""]
    lines += [
        "| data set | accuracy | final loss | 100% from epoch | training time | per epoch |",
        "|---|---|---|---|---|---|",
    ]
    for name, history in histories.items():
        first = history.epochs_to_perfect
        microseconds = 1e6 * history.seconds / max(len(history.losses) - 1, 1)
        lines.append(
            f"| {name} | {outcome(history, sizes[name])} | {history.final_loss:.3e} | "
            f"{first if first is not None else 'never'} | {history.seconds:.2f} s | {microseconds:.0f} µs |"
        )
    lines += ["", "## Hand-derived backprop beside autograd", ""]
    lines += [
        "The same run (same seed, same optimizer code) trained again with the other gradients: "
        "`hand` is the NumPy chain rule of `examples/backprop_by_hand.py`, `autograd` the engine.",
        "",
        "| data set | gradients | accuracy | final loss | training time | max relative loss difference |",
        "|---|---|---|---|---|---|",
    ]
    for name, check in checks.items():
        difference = check.max_relative_difference()
        for label, history in ((check.chosen, check.history), (check.other, check.other_history)):
            lines.append(
                f"| {name} | {label} | {outcome(history, sizes[name])} | {history.final_loss:.6e} | "
                f"{history.seconds:.2f} s | {difference:.1e} |"
            )
    lines += ["", f"Total wall time (training, figures, graph, files): {total_seconds:.1f} s.", ""]
    lines += ["## Figures", ""]
    for caption, name in figures:
        lines += [f"**{caption}** ([{name}]({name}))", "", f"![{caption}]({name})", ""]
    lines += ["## Files", ""]
    lines += [f"- [{name}]({name}): {caption}" for caption, name in files]
    return "\n".join(lines) + "\n"
