"""Gradient flow of the experiments' monitored runs (`nn.utils.GradientMonitor` on seed 0 of each
setting, recorded by `sweep.run_job`): mean |grad| per weight layer over the epochs, drawn, and the
sentence that says with its numbers whether the gradient shrinks toward the input (vanishing) or
grows step by step (exploding)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from examples.lab.plots import DPI
from examples.lab.sweep import Flow
from examples.lab.training import History

Flows = Mapping[str, Mapping[str, Flow]]  # data set -> setting label -> Flow


def first_to_last(flow: Flow) -> float:
    """The first weight layer's mean |grad| over the run's finite steps, divided by the last layer's."""
    means = []
    for values in (flow[next(iter(flow))], flow[list(flow)[-1]]):
        finite = values[np.isfinite(values)]
        means.append(float(finite.mean()) if finite.size else np.nan)
    return means[0] / means[1] if means[1] > 0 else np.nan


def plot_gradient_flow(
    flows: Flows, histories: Mapping[str, Mapping[str, Sequence[History]]], path: Path, title: str
) -> None:
    """One panel per setting (rows) and data set (columns): each weight layer's mean |grad| per epoch."""
    datasets = list(flows)
    labels = list(flows[datasets[0]])
    figure = Figure(figsize=(4.5 * len(datasets), 1.7 * len(labels) + 0.9), dpi=DPI, layout="constrained")
    grid = figure.subplots(len(labels), len(datasets), squeeze=False)  # own x range: a diverged run is short
    for column, dataset in enumerate(datasets):
        for row, label in enumerate(labels):
            axes, flow = grid[row][column], flows[dataset][label]
            for index, (name, values) in enumerate(flow.items()):
                position = "input" if index == 0 else "output" if index == len(flow) - 1 else ""
                steps = np.arange(1, len(values) + 1)
                axes.plot(steps, np.maximum(values, 1e-30), color=f"C{index}", linewidth=1.2,
                          label=f"{name} ({position})" if position else name)  # fmt: skip
            ratio = first_to_last(flow)
            history = histories[dataset][label][0]
            stopped = f", diverged at epoch {history.diverged_at}" if history.diverged else ""
            axes.set_yscale("log")
            axes.set_title(f"{dataset}: {label}  (first/last layer {ratio:.2g}{stopped})", fontsize=7)
            axes.tick_params(which="both", labelsize=6)
            axes.grid(True, which="major", alpha=0.3)
        grid[-1][column].set_xlabel("step (one full-batch step per epoch)", fontsize=7)
    for row in grid:
        row[0].set_ylabel("mean |grad|", fontsize=7)
    handles, names = grid[0][0].get_legend_handles_labels()
    figure.legend(handles, names, loc="outside lower center", ncols=len(names), fontsize=7)
    figure.suptitle(f"{title}\nGradientMonitor, seed 0: mean |grad| of each weight layer per step (log scale)",
                    fontsize=9)  # fmt: skip
    figure.savefig(path)


def describe(flows: Flows, histories: Mapping[str, Mapping[str, Sequence[History]]], dataset: str = "xor") -> str:
    """One sentence from the measured flow on `dataset`: the first-to-last-layer ratio of each setting, and
    how far the first layer's gradient grew in the runs that diverged (seed 0)."""
    ratios = "; ".join(f"{label}: {first_to_last(flow):.2g}" for label, flow in flows[dataset].items())
    growth = []
    for label, flow in flows[dataset].items():
        history = histories[dataset][label][0]
        first = flow[next(iter(flow))]
        finite = first[np.isfinite(first)]
        if history.diverged and finite.size >= 2:
            growth.append(
                f"at {label} the first layer's grew from {finite[0]:.2g} at the first step to {finite.max():.2g} "
                f"within {history.diverged_at} epochs, when the loss became inf or NaN (exploding)"
            )
    sentence = (
        f"Gradient flow (seed 0, {dataset}): the first weight layer's mean |grad| over the run, relative to the "
        f"last layer's (below 1: the gradient shrinks on its way back to the input), is {ratios}"
    )
    return sentence + ("; " + "; ".join(growth) if growth else "") + "."
