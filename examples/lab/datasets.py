"""The lab's two data sets by name, generated repeatably from a seed."""

from __future__ import annotations

import numpy as np

import nn

DATASETS = ("linear", "xor")
TITLES = {"linear": "Linear (100 random points)", "xor": "XOR (21-point cross)"}


def load_dataset(name: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`(X, y)` of the named data set: X (n, 2) in the unit square, y (n, 1) of 0/1 labels."""
    if name == "linear":
        return nn.datasets.generate_linear(100, rng=np.random.default_rng(seed))
    if name == "xor":
        return nn.datasets.generate_xor_easy()
    raise ValueError(f"load_dataset: unknown data set {name!r}; choose from {', '.join(DATASETS)}")
