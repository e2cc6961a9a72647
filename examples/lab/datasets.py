"""The lab's two data sets by name, generated repeatably from a seed."""

from __future__ import annotations

import numpy as np

import nn

DATASETS = ("linear", "xor")
LINEAR_POINTS = 100  # the handout's size of the linear set


def title(name: str, n: int = LINEAR_POINTS) -> str:
    """A figure title for the named data set."""
    return f"Linear ({n} random points)" if name == "linear" else "XOR (21-point cross)"


TITLES = {name: title(name) for name in DATASETS}


def load_dataset(name: str, seed: int, n: int = LINEAR_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """`(X, y)` of the named data set: X (n, 2) in the unit square, y (n, 1) of 0/1 labels (`n`: linear only)."""
    if name == "linear":
        return nn.datasets.generate_linear(n, rng=np.random.default_rng(seed))
    if name == "xor":
        return nn.datasets.generate_XOR_easy()
    raise ValueError(f"load_dataset: unknown data set {name!r}; choose from {', '.join(DATASETS)}")
