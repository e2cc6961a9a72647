"""Every figure of the lab and its experiments: learning curves, ground truth beside prediction over
the decision boundary, multi-seed comparisons, and the CNN's curves.

Figures are built with matplotlib's object API (`Figure`), so no display or backend is needed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
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
LOSS_CAP = 1e4  # losses above this are drawn at it: a diverging run's 1e300 would swamp the axis
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
    finite = bool(np.isfinite(probability).all())
    if finite:  # a diverged model (inf or NaN weights) has no decision boundary to draw
        draw_probability(figure, prediction_axes, grid_x, grid_y, probability, colorbar=True)

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
    verdict = f"{accuracy:.0f}% correct" if finite else "diverged: inf or NaN"
    prediction_axes.set(title=f"Prediction ({verdict})", xlabel="$x_1$")
    for axes in (truth_axes, prediction_axes):
        axes.set_aspect("equal")
    for label, color in enumerate(CLASS_COLORS):
        truth_axes.scatter([], [], color=color, s=28, label=f"label {label}")
    truth_axes.legend(loc="upper left", fontsize=8, framealpha=0.9)
    figure.suptitle(title, fontsize=11)
    figure.savefig(path)


def draw_probability(
    figure: Figure, axes: Axes, grid_x: np.ndarray, grid_y: np.ndarray, probability: np.ndarray, colorbar: bool
) -> None:
    """Shade P(label 1) over the plane and draw the 0.5 decision boundary."""
    clipped = np.clip(probability, 0.0, 1.0)  # outputs without a sigmoid can leave [0, 1]
    shading = axes.contourf(
        grid_x, grid_y, clipped, levels=np.linspace(0, 1, 11), cmap="RdBu", vmin=0, vmax=1, alpha=0.45
    )
    if clipped.min() < 0.5 < clipped.max():
        axes.contour(grid_x, grid_y, clipped, levels=[0.5], colors="k", linewidths=1.2)
    if colorbar:
        figure.colorbar(shading, ax=axes, label="P(label 1)", ticks=[0, 0.5, 1], shrink=0.9)


def plot_comparison(results: Results, path: Path, title: str) -> None:
    """One panel per data set, one loss curve per setting: the geometric mean over seeds, shaded
    between the best and the worst seed."""
    figure = Figure(figsize=(9, 4.2), dpi=DPI, layout="constrained")
    panels = figure.subplots(1, len(results), sharey=True, squeeze=False)[0]
    for axes, (dataset, by_setting) in zip(panels, results.items()):
        for index, (label, histories) in enumerate(by_setting.items()):
            mean, low, high = (np.minimum(curve, LOSS_CAP) for curve in band([h.losses for h in histories]))
            epochs = np.arange(len(mean))
            style = {"color": f"C{index}", "linestyle": LINE_STYLES[index % len(LINE_STYLES)]}
            axes.plot(epochs, mean, **style, linewidth=1.6, label=label, zorder=3)
            axes.fill_between(epochs, low, high, color=style["color"], alpha=0.12, linewidth=0)
            diverged = [h.diverged_at for h in histories if h.diverged]
            if diverged:  # an x at the cap where each diverged seed was stopped
                axes.plot(diverged, [LOSS_CAP] * len(diverged), "x", color=style["color"], markersize=7, zorder=4)
        seeds = len(next(iter(by_setting.values())))
        axes.set(yscale="log", xlabel="epoch", title=f"{TITLES[dataset]}, {seeds} seeds")
        axes.grid(True, which="major", alpha=0.3)
    panels[0].set_ylabel("training loss (log scale)")
    handles, labels = panels[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 5), fontsize=9)
    caption = "line: geometric mean over seeds; band: best to worst seed; x: a seed diverged (loss inf/NaN)"
    figure.suptitle(f"{title}\n{caption}", fontsize=10)
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


PredictionPanel = tuple[str, np.ndarray, np.ndarray, Callable[[np.ndarray], np.ndarray]]  # label, X, y, predict


def plot_prediction_grid(rows: Mapping[str, Sequence[PredictionPanel]], path: Path, title: str) -> None:
    """Ground truth beside each setting's prediction: one row per data set, a first panel with the
    labels, then one small panel per setting (background: P(label 1); points: predicted class,
    wrong ones circled). A diverged model's panel says so."""
    columns = 1 + max(len(panels) for panels in rows.values())
    figure = Figure(figsize=(1.75 * columns, 1.95 * len(rows) + 0.5), dpi=DPI, layout="constrained")
    grid = figure.subplots(len(rows), columns, squeeze=False)
    classes = ListedColormap(CLASS_COLORS)
    for axes_row, (dataset, panels) in zip(grid, rows.items()):
        _, X0, y0, _ = panels[0]
        axes_row[0].scatter(X0[:, 0], X0[:, 1], c=y0.ravel() >= 0.5, cmap=classes, vmin=0, vmax=1, s=9)
        axes_row[0].set_title(f"{dataset}: ground truth", fontsize=7)
        for axes, (label, X, y, predict) in zip(axes_row[1:], panels):
            ticks = np.linspace(-0.1, 1.1, GRID_POINTS // 2)
            grid_x, grid_y = np.meshgrid(ticks, ticks)
            probability = predict(np.column_stack([grid_x.ravel(), grid_y.ravel()])).reshape(grid_x.shape)
            predicted = predict(X).ravel()
            if np.isfinite(probability).all() and np.isfinite(predicted).all():
                draw_probability(figure, axes, grid_x, grid_y, probability, colorbar=False)
                wrong = (predicted >= 0.5) != (y.ravel() >= 0.5)
                axes.scatter(X[:, 0], X[:, 1], c=predicted >= 0.5, cmap=classes, vmin=0, vmax=1, s=9)
                axes.scatter(X[wrong, 0], X[wrong, 1], s=30, facecolors="none", edgecolors="k", linewidths=0.8)
                verdict = f"{100 * np.mean(~wrong):.0f}%"
            else:
                axes.scatter(X[:, 0], X[:, 1], c="lightgray", s=9)
                axes.text(0.5, 0.5, "diverged", ha="center", va="center", fontsize=9, transform=axes.transAxes)
                verdict = "diverged"
            axes.set_title(f"{label}\n{verdict}", fontsize=7)
        for axes in axes_row[1 + len(panels) :]:
            axes.set_visible(False)
        for axes in axes_row:
            axes.set(xlim=(-0.1, 1.1), ylim=(-0.1, 1.1), xticks=[], yticks=[], aspect="equal")
    figure.suptitle(
        f"{title}\nseed 0; background P(label 1), points the predicted class, wrong ones circled", fontsize=9
    )
    figure.savefig(path)
