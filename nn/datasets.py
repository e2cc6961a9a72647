"""The back-propagation lab's two data sets, and mini-batches over any (X, y)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from autograd.random import get_rng


def generate_linear(n: int = 100, rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """n points uniform in the unit square; label 0 below the diagonal (x0 > x1), else 1.
    Returns X (n, 2) and y (n, 1), both float64."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"generate_linear: n must be a non-negative integer, got {n!r}")
    points = get_rng(rng).uniform(0, 1, (n, 2))
    labels = np.where(points[:, 0] > points[:, 1], 0.0, 1.0)
    return points, labels.reshape(n, 1)


def generate_xor_easy() -> tuple[np.ndarray, np.ndarray]:
    """The 21-point XOR cross: (0.1i, 0.1i) labelled 0 and (0.1i, 1 - 0.1i) labelled 1 for
    i = 0..10, without the second copy of the centre (0.5, 0.5). Returns X (21, 2), y (21, 1)."""
    inputs, labels = [], []
    for i in range(11):
        inputs.append([0.1 * i, 0.1 * i])
        labels.append(0.0)
        if 0.1 * i == 0.5:
            continue
        inputs.append([0.1 * i, 1 - 0.1 * i])
        labels.append(1.0)
    return np.array(inputs), np.array(labels).reshape(21, 1)


def batches(
    X: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    shuffle: bool = True,
    rng: np.random.Generator | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (X_batch, y_batch) pairs covering every sample once; the last batch may be smaller."""
    if len(X) != len(y):
        raise ValueError(f"batches: X has {len(X)} samples but y has {len(y)}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
        raise ValueError(f"batches: batch_size must be a positive integer, got {batch_size!r}")
    order = get_rng(rng).permutation(len(X)) if shuffle else np.arange(len(X))
    for start in range(0, len(X), batch_size):
        index = order[start : start + batch_size]
        yield X[index], y[index]


generate_XOR_easy = generate_xor_easy  # the lab handout's name
