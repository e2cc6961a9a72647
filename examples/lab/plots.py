"""Every figure of the lab and its experiments: learning curves, ground truth beside prediction over
the decision boundary, multi-seed comparisons, and the CNN's curves.

Figures are built with matplotlib's object API (`Figure`), so no display or backend is needed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from examples.lab.bars import CNNHistory
from examples.lab.datasets import TITLES
from examples.lab.sweep import Results, band
from examples.lab.training import History

CLASS_COLORS = ("#d62728", "#1f77b4")  # label 0 red, label 1 blue
DATASET_COLORS = {"linear": "#2ca02c", "xor": "#9467bd"}
DPI = 150  # a 7-inch figure is ~1050 px: sharp when a README shows it ~700 px wide
GRID_POINTS = 200  # per side of the decision-boundary grid
LINE_STYLES = ("-", "--", "-.", ":")  # lines that lie on top of each other stay visible


def plot_learning_curves(histories: Mapping[str, History], path: Path, title: str) -> None:
    """Loss (log scale) and accuracy per epoch, one line per data set; a dot where 100% is reached for good."""
    figure = Figure(figsize=(9, 3.6), dpi=DPI, layout="constrained")
    loss_axes, accuracy_axes = figure.subplots(1, 2)
    for name, history in histories.items():
        epochs = np.arange(len(history.losses))
        color = DATASET_COLORS.get(name)
        loss_axes.plot(epochs, history.losses, color=color, label=name)
        accuracy_axes.plot(epochs, 100 * history.accuracies, color=color, label=name)
        if history.epochs_to_perfect is not None:
            k = history.epochs_to_perfect
            loss_axes.plot(k, history.losses[k], "o", color=color, markersize=5)
            accuracy_axes.plot(k, 100.0, "o", color=color, markersize=5, label=f"{name}: 100% from epoch {k}")
    loss_axes.set(yscale="log", xlabel="epoch", ylabel="training loss (log scale)", title="Loss")
    accuracy_axes.set(xlabel="epoch", ylabel="accuracy (%)", title="Accuracy", ylim=(0, 105))
    for axes in (loss_axes, accuracy_axes):
        axes.grid(True, which="major", alpha=0.3)
        axes.legend(fontsize=8)
    figure.suptitle(title, fontsize=11)
    figure.savefig(path)


def plot_result(
    predict: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    path: Path,
    title: str,
) -> None:
    """Ground truth (left) beside the prediction (right), whose background shades the network's
    output probability over the plane with the 0.5 decision boundary drawn as a line."""
    figure = Figure(figsize=(7.5, 3.7), dpi=DPI, layout="constrained")
    truth_axes, prediction_axes = figure.subplots(1, 2, sharex=True, sharey=True)

    low, high = X.min() - 0.1, X.max() + 0.1
    ticks = np.linspace(low, high, GRID_POINTS)
    grid_x, grid_y = np.meshgrid(ticks, ticks)
    probability = predict(np.column_stack([grid_x.ravel(), grid_y.ravel()])).reshape(grid_x.shape)
    shading = prediction_axes.contourf(
        grid_x, grid_y, probability, levels=np.linspace(0, 1, 11), cmap="RdBu", vmin=0, vmax=1, alpha=0.45
    )
    prediction_axes.contour(grid_x, grid_y, probability, levels=[0.5], colors="k", linewidths=1.2)
    figure.colorbar(shading, ax=prediction_axes, label="P(label 1)", ticks=[0, 0.5, 1], shrink=0.9)

    labels = y.ravel() >= 0.5
    predicted = predict(X).ravel() >= 0.5
    classes = ListedColormap(CLASS_COLORS)
    truth_axes.scatter(X[:, 0], X[:, 1], c=labels, cmap=classes, vmin=0, vmax=1, s=28, edgecolors="white")
    prediction_axes.scatter(X[:, 0], X[:, 1], c=predicted, cmap=classes, vmin=0, vmax=1, s=28, edgecolors="white")
    wrong = predicted != labels
    if wrong.any():
        prediction_axes.scatter(X[wrong, 0], X[wrong, 1], s=90, facecolors="none", edgecolors="k", linewidths=1.5)
    accuracy = 100 * np.mean(~wrong)
    truth_axes.set(title="Ground truth", xlabel="$x_1$", ylabel="$x_2$", xlim=(low, high), ylim=(low, high))
    prediction_axes.set(title=f"Prediction ({accuracy:.0f}% correct)", xlabel="$x_1$")
    for axes in (truth_axes, prediction_axes):
        axes.set_aspect("equal")
    for label, color in enumerate(CLASS_COLORS):
        truth_axes.scatter([], [], color=color, s=28, label=f"label {label}")
    truth_axes.legend(loc="upper left", fontsize=8, framealpha=0.9)
    figure.suptitle(title, fontsize=11)
    figure.savefig(path)


def plot_comparison(results: Results, path: Path, title: str) -> None:
    """One panel per data set, one loss curve per setting: the geometric mean over seeds, shaded
    between the best and the worst seed."""
    figure = Figure(figsize=(9, 4.2), dpi=DPI, layout="constrained")
    panels = figure.subplots(1, len(results), sharey=True, squeeze=False)[0]
    for axes, (dataset, by_setting) in zip(panels, results.items()):
        for index, (label, histories) in enumerate(by_setting.items()):
            mean, low, high = band([h.losses for h in histories])
            epochs = np.arange(len(mean))
            style = {"color": f"C{index}", "linestyle": LINE_STYLES[index % len(LINE_STYLES)]}
            axes.plot(epochs, mean, **style, linewidth=1.6, label=label, zorder=3)
            axes.fill_between(epochs, low, high, color=style["color"], alpha=0.12, linewidth=0)
        seeds = len(next(iter(by_setting.values())))
        axes.set(yscale="log", xlabel="epoch", title=f"{TITLES[dataset]}, {seeds} seeds")
        axes.grid(True, which="major", alpha=0.3)
    panels[0].set_ylabel("training loss (log scale)")
    handles, labels = panels[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 5), fontsize=9)
    figure.suptitle(f"{title}\nline: geometric mean over seeds; band: best to worst seed", fontsize=10)
    figure.savefig(path)


def plot_cnn(histories: Sequence[CNNHistory], images: np.ndarray, labels: np.ndarray, path: Path) -> None:
    """Example images, the training loss, and train/test accuracy per epoch (mean and best-to-worst band)."""
    figure = Figure(figsize=(10, 3.4), dpi=DPI, layout="constrained")
    samples_axes, loss_axes, accuracy_axes = figure.subplots(1, 3, width_ratios=(1, 1.3, 1.3))
    samples_axes.imshow(montage(images, labels), cmap="gray", vmin=-0.5, vmax=1.2, interpolation="nearest")
    samples_axes.set(title="samples: top horizontal (0),\nbottom vertical (1)", xticks=[], yticks=[])

    epochs = np.arange(1, len(histories[0].losses) + 1)
    mean, low, high = band([h.losses for h in histories])
    loss_axes.plot(epochs, mean, color="C0", label="train loss")
    loss_axes.fill_between(epochs, low, high, color="C0", alpha=0.2, linewidth=0)
    loss_axes.set(yscale="log", xlabel="epoch", ylabel="BCE loss (log scale)", title="Training loss")
    for color, name, curves in (
        ("C2", "train", [h.train_accuracies for h in histories]),
        ("C3", "test", [h.test_accuracies for h in histories]),
    ):
        stacked = 100 * np.stack(curves)
        accuracy_axes.plot(epochs, stacked.mean(axis=0), color=color, label=name)
        accuracy_axes.fill_between(epochs, stacked.min(axis=0), stacked.max(axis=0), color=color, alpha=0.2, lw=0)
    accuracy_axes.set(xlabel="epoch", ylabel="accuracy (%)", title="Accuracy", ylim=(40, 102))
    for axes in (loss_axes, accuracy_axes):
        axes.grid(True, alpha=0.3)
        axes.legend(fontsize=8)
    figure.suptitle(f"Small CNN on 8x8 bar images, Adam, {len(histories)} seeds (band: best to worst)", fontsize=10)
    figure.savefig(path)


def montage(images: np.ndarray, labels: np.ndarray, per_row: int = 4) -> np.ndarray:
    """`per_row` horizontal-bar images above `per_row` vertical-bar ones, one pixel apart."""
    rows = []
    for label in (0, 1):
        chosen = images[labels.ravel() == label][:per_row, 0]
        padded = [np.pad(image, 1, constant_values=np.nan) for image in chosen]
        rows.append(np.concatenate(padded, axis=1))
    return np.concatenate(rows, axis=0)
