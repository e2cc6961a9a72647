"""A small convolutional network on generated images: is the bar horizontal (0) or vertical (1)?

Each 8x8 image holds one bright bar of random position and length under Gaussian noise, so a
pixel-wise rule cannot solve it but a 3x3 edge detector followed by pooling can.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

import autograd as ag
import nn
from examples.lab.training import lasting_perfect_epoch

IMAGE_SIZE = 8
NOISE = 0.25
BATCH_SIZE = 32
LEARNING_RATE = 0.01


@dataclass
class CNNHistory:
    """Per epoch (from 1): the mean training loss over its mini-batches, train and test accuracy after it."""

    losses: np.ndarray
    train_accuracies: np.ndarray
    test_accuracies: np.ndarray
    seconds: float

    @property
    def epochs_to_perfect(self) -> int | None:
        """The epoch (1-based) from which every training image stays classified correctly, or None."""
        lasting = lasting_perfect_epoch(self.train_accuracies)
        return None if lasting is None else lasting + 1


def generate_bars(n: int, rng: np.random.Generator, size: int = IMAGE_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """`n` noisy images (n, 1, size, size) with one bar each, and labels (n, 1): 1 vertical, 0 horizontal."""
    images = rng.normal(0.0, NOISE, (n, 1, size, size))
    labels = np.arange(n) % 2  # balanced classes
    rng.shuffle(labels)
    for image, vertical in zip(images[:, 0], labels):
        line, length = rng.integers(size), rng.integers(size // 2, size + 1)
        start = rng.integers(size - length + 1)
        if vertical:
            image[start : start + length, line] += 1.0
        else:
            image[line, start : start + length] += 1.0
    return images, labels[:, None].astype(np.float64)


def make_cnn(seed: int) -> nn.Sequential:
    """Conv 3x3 (4 filters) -> ReLU -> max pool 2 -> flatten -> linear: one logit per image."""
    nn.manual_seed(seed)
    pooled = IMAGE_SIZE // 2
    return nn.Sequential(
        nn.Conv2d(1, 4, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(4 * pooled * pooled, 1),
    )


def logit_accuracy(model: nn.Module, images: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of images whose logit has the sign of their label (positive for 1)."""
    with ag.no_grad():
        logits = model(ag.Tensor(images)).data
    return float(np.mean((logits > 0) == (labels > 0.5)))


def train_cnn(seed: int, epochs: int, n_train: int = 256, n_test: int = 256, compiled: bool = True) -> CNNHistory:
    """Train `make_cnn(seed)` with Adam on mini-batches of bar images (through `ag.compile` unless
    `compiled` is False: the same numbers); test on unseen ones."""
    rng = np.random.default_rng(seed)
    train_images, train_labels = generate_bars(n_train, rng)
    test_images, test_labels = generate_bars(n_test, rng)
    model = make_cnn(seed)
    optimizer = nn.optim.Adam(list(model.parameters()), lr=LEARNING_RATE)
    loss_fn = nn.BCEWithLogitsLoss()
    step = ag.compile(lambda images, labels: loss_fn(model(images), labels)) if compiled else None
    losses, train_accuracies, test_accuracies = np.empty(epochs), np.empty(epochs), np.empty(epochs)
    loader = nn.data.DataLoader(nn.data.TensorDataset(train_images, train_labels), BATCH_SIZE, shuffle=True, rng=rng)
    started = time.perf_counter()
    for epoch in range(epochs):
        batch_losses = []
        for images, labels in loader:
            optimizer.zero_grad()
            if step is not None:
                loss = step(images, labels)
            else:
                loss = loss_fn(model(images), labels)
                loss.backward()
            optimizer.step()
            batch_losses.append(loss.item())
        losses[epoch] = np.mean(batch_losses)
        train_accuracies[epoch] = logit_accuracy(model, train_images, train_labels)
        test_accuracies[epoch] = logit_accuracy(model, test_images, test_labels)
    return CNNHistory(losses, train_accuracies, test_accuracies, time.perf_counter() - started)


def summary_table(histories: list[CNNHistory]) -> str:
    """Markdown table over seeds: final loss, train and test accuracy, epochs to 100% on the training set."""
    losses = np.array([h.losses[-1] for h in histories])
    train = 100 * np.array([h.train_accuracies[-1] for h in histories])
    test = 100 * np.array([h.test_accuracies[-1] for h in histories])
    reached = [h.epochs_to_perfect for h in histories if h.epochs_to_perfect is not None]
    epochs = f"{np.median(reached):.0f} ({len(reached)}/{len(histories)} seeds)" if reached else "never"
    return "\n".join(
        [
            "| model | final loss (mean ± sd) | train accuracy | test accuracy (mean, worst) | epochs to 100% train |",
            "|---|---|---|---|---|",
            f"| conv3x3(4) relu maxpool2 linear | {losses.mean():.2e} ± {losses.std():.1e} | {train.mean():.1f}% | "
            f"{test.mean():.1f}% (worst {test.min():.1f}%) | {epochs} |",
        ]
    )
