"""Handwritten digits beyond the lab: an MLP with BatchNorm and Dropout, and a small CNN, trained
on scikit-learn's 8x8 digits (1797 images that ship inside the package: no download) with
DataLoader, Adam and a cosine learning-rate schedule.

`python -m examples.digits [--out runs/digits] [--epochs N] [--models mlp cnn] [--seed 0] [--quiet]`

Needs scikit-learn (`pip install -e '.[examples]'`); without it the example says so and exits.
Writes learning_curves.png, confusion_matrix.png and report.md to --out.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

import autograd as ag
import nn
import nn.functional as F
from examples.lab.cli import require_writable_folder
from nn.data import DataLoader, TensorDataset
from nn.optim import Adam
from nn.optim.lr_scheduler import CosineAnnealingLR

CLASSES = 10
TEST_FRACTION = 0.25  # 450 of the 1797 images, stratified by class
BATCH_SIZE = 32
LR = 3e-3
WEIGHT_DECAY = 1e-4
DPI = 150


def make_mlp() -> nn.Module:
    """64 pixels -> 128 -> 64 -> 10, each hidden layer Linear, BatchNorm, ReLU, Dropout."""
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(64, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(128, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(64, CLASSES),
    )  # fmt: skip


def make_cnn() -> nn.Module:
    """(1, 8, 8) -> conv 16 -> max pool -> (16, 4, 4) -> conv 32 -> avg pool -> (32, 2, 2) -> 10."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Dropout(0.2), nn.Linear(128, CLASSES),
    )  # fmt: skip


MODELS: dict[str, tuple[str, Callable[[], nn.Module]]] = {
    "mlp": ("MLP 64-128-64-10, BatchNorm1d + ReLU + Dropout(0.2)", make_mlp),
    "cnn": ("CNN conv3x3(16) BN maxpool, conv3x3(32) BN avgpool, Dropout(0.2), linear", make_cnn),
}


@dataclass
class History:
    """Per epoch: the learning rate used, mean training loss, and test loss and accuracy."""

    title: str
    lrs: list[float] = field(default_factory=list)
    train_losses: list[float] = field(default_factory=list)
    test_losses: list[float] = field(default_factory=list)
    test_accuracies: list[float] = field(default_factory=list)
    confusion: np.ndarray = field(default_factory=lambda: np.zeros((CLASSES, CLASSES), dtype=int))
    seconds: float = 0.0


def load_data(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Images (N, 1, 8, 8) scaled to [0, 1] and labels, split into train and test by class."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = (digits.images / 16.0).reshape(-1, 1, 8, 8)
    return train_test_split(images, digits.target, test_size=TEST_FRACTION, stratify=digits.target, random_state=seed)


def evaluate(model: nn.Module, images: np.ndarray, labels: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Loss, accuracy and predicted classes in eval mode (running statistics, no dropout)."""
    model.eval()
    with ag.no_grad():
        logits = model(ag.Tensor(images))
    model.train()
    predictions = logits.data.argmax(axis=1)
    return F.cross_entropy(logits, labels).item(), float(np.mean(predictions == labels)), predictions


def train(
    name: str, data: tuple[np.ndarray, ...], epochs: int, seed: int, log: Callable[[str], None]
) -> tuple[History, nn.Module]:
    """Adam with weight decay, cosine-annealed to 0 over `epochs`, on shuffled mini-batches."""
    train_images, test_images, train_labels, test_labels = data
    nn.manual_seed(seed)  # the initial weights and the dropout masks
    title, make = MODELS[name]
    model = make()
    loader = DataLoader(
        TensorDataset(train_images, train_labels), batch_size=BATCH_SIZE, shuffle=True, rng=np.random.default_rng(seed)
    )
    optimizer = Adam(model.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
    scheduler = CosineAnnealingLR(optimizer, T_max=epochs)
    history = History(title)
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        history.lrs.append(optimizer.param_groups[0]["lr"])
        total = 0.0
        for images, labels in loader:
            loss = F.cross_entropy(model(images), labels.data)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(labels)
        scheduler.step()
        history.train_losses.append(total / len(train_labels))
        test_loss, accuracy, _ = evaluate(model, test_images, test_labels)
        history.test_losses.append(test_loss)
        history.test_accuracies.append(accuracy)
        log(f"{name} epoch {epoch:3d}  lr {history.lrs[-1]:.2e}  train loss {history.train_losses[-1]:.4f}  "
            f"test loss {test_loss:.4f}  test accuracy {100 * accuracy:.2f}%")  # fmt: skip
    history.seconds = time.perf_counter() - start
    _, _, predictions = evaluate(model, test_images, test_labels)
    np.add.at(history.confusion, (test_labels, predictions), 1)
    return history, model


# ---------------------------------------------------------------------------- output


def save_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """`write` a temporary file in the same folder, then move it over `path`: never half a file."""
    temporary = path.with_name(f".{path.stem}.{secrets.token_hex(6)}{path.suffix}")  # the suffix tells the format
    try:
        with open(temporary, "xb"):  # "x": never an existing file; its mode follows the umask
            pass
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def plot_learning_curves(histories: dict[str, History], path: Path) -> None:
    """Training and test loss, test accuracy, and the learning rate, per epoch, for each model."""
    figure = Figure(figsize=(12, 3.8), dpi=DPI, layout="constrained")
    loss_axes, accuracy_axes, lr_axes = figure.subplots(1, 3)
    for (name, history), color in zip(histories.items(), ("#1f77b4", "#d62728")):
        epochs = np.arange(1, len(history.train_losses) + 1)
        loss_axes.plot(epochs, history.train_losses, color=color, label=f"{name} train")
        loss_axes.plot(epochs, history.test_losses, "--", color=color, label=f"{name} test")
        final = 100 * history.test_accuracies[-1]
        accuracy_axes.plot(epochs, 100 * np.array(history.test_accuracies), color=color, label=f"{name}: {final:.1f}%")
        lr_axes.plot(epochs, history.lrs, color=color, label=name)
    loss_axes.set(yscale="log", xlabel="epoch", ylabel="cross entropy (log scale)", title="Loss")
    accuracy_axes.set(xlabel="epoch", ylabel="test accuracy (%)", title="Test accuracy", ylim=(80, 100))
    accuracy_axes.axhline(97, color="grey", linewidth=0.8, linestyle=":")
    lr_axes.set(xlabel="epoch", ylabel="learning rate", title="Adam, cosine-annealed learning rate")
    for axes in (loss_axes, accuracy_axes, lr_axes):
        axes.grid(True, alpha=0.3)
        axes.legend(fontsize=8)
    figure.suptitle("8x8 handwritten digits (scikit-learn): 1347 training, 450 test images", fontsize=11)
    save_atomically(path, figure.savefig)


def plot_confusion_matrices(histories: dict[str, History], path: Path) -> None:
    """One confusion matrix per model on the test set: true class by row, prediction by column."""
    figure = Figure(figsize=(5.2 * len(histories), 4.8), dpi=DPI, layout="constrained")
    all_axes = np.atleast_1d(figure.subplots(1, len(histories)))
    for axes, (name, history) in zip(all_axes, histories.items()):
        matrix = history.confusion
        axes.imshow(matrix, cmap="Blues")
        for true, predicted in np.ndindex(matrix.shape):
            if matrix[true, predicted]:
                dark = matrix[true, predicted] > matrix.max() / 2
                axes.text(predicted, true, matrix[true, predicted], ha="center", va="center", fontsize=8,
                          color="white" if dark else "black")  # fmt: skip
        accuracy = np.trace(matrix) / matrix.sum()
        axes.set(xlabel="predicted", ylabel="true", xticks=range(CLASSES), yticks=range(CLASSES))
        axes.set_title(f"{name}: {100 * accuracy:.2f}% of {matrix.sum()} test images", fontsize=10)
    save_atomically(path, figure.savefig)


def render_report(histories: dict[str, History], models: dict[str, nn.Module], epochs: int, seed: int) -> str:
    lines = [
        "# Handwritten digits (scikit-learn's 8x8 `load_digits`)",
        "",
        f"Test set: {int(TEST_FRACTION * 100)}% of the 1797 images, stratified, seed {seed}. Adam (lr {LR:g}, "
        f"weight decay {WEIGHT_DECAY:g}), cosine annealing to 0 over {epochs} epochs, batches of {BATCH_SIZE}, "
        "cross entropy. The training loss is the mean over each epoch's batches in train mode (dropout on, "
        "batch statistics); test figures are in eval mode (running statistics, no dropout). Reproduce: "
        f"`python -m examples.digits --epochs {epochs} --seed {seed}`.",
        "",
        "| model | test accuracy | best epoch (accuracy) | final test loss | parameters | training time |",
        "|---|---|---|---|---|---|",
    ]
    for name, history in histories.items():
        best = int(np.argmax(history.test_accuracies))
        parameters = sum(p.size for p in models[name].parameters())
        lines.append(
            f"| {history.title} | {100 * history.test_accuracies[-1]:.2f}% | {best + 1} "
            f"({100 * history.test_accuracies[best]:.2f}%) | {history.test_losses[-1]:.4f} | {parameters} | "
            f"{history.seconds:.1f} s |"
        )
    lines += ["", "![learning curves](learning_curves.png)", "", "![confusion matrix](confusion_matrix.png)", ""]
    for name, model in models.items():
        lines += [f"`{name}`:", "", "```", repr(model), "```", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------------------- command line


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m examples.digits", description=__doc__.splitlines()[0], allow_abbrev=False
    )
    parser.add_argument("--out", type=Path, default=Path("runs/digits"), help="folder for the figures and report")
    parser.add_argument("--epochs", type=int, default=30, help="epochs per model (default 30)")
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS), help="which models")
    parser.add_argument("--seed", type=int, default=0, help="train/test split, initial weights, shuffling, dropout")
    parser.add_argument("--quiet", action="store_true", help="print only the summary, not every epoch")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"argument --epochs: must be at least 1, got {args.epochs}")
    try:
        data = load_data(args.seed)
    except ImportError:
        print(
            "examples.digits: skipped: it needs scikit-learn for its load_digits data set; "
            "install it with: pip install -e '.[examples]'",
            file=sys.stderr,
        )
        return 0
    require_writable_folder(parser, args.out)
    args.out.mkdir(exist_ok=True)  # its parent exists now; the figures are written after training
    log = (lambda message: None) if args.quiet else print
    histories, models = {}, {}
    for name in args.models:
        histories[name], models[name] = train(name, data, args.epochs, args.seed, log)
        print(f"{name}: test accuracy {100 * histories[name].test_accuracies[-1]:.2f}% "
              f"after {args.epochs} epochs ({histories[name].seconds:.1f} s)")  # fmt: skip
    plot_learning_curves(histories, args.out / "learning_curves.png")
    plot_confusion_matrices(histories, args.out / "confusion_matrix.png")
    report = render_report(histories, models, args.epochs, args.seed)
    save_atomically(args.out / "report.md", lambda path: path.write_text(report, encoding="utf-8"))
    print(f"wrote {args.out}/learning_curves.png, confusion_matrix.png, report.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
