"""Datasets and mini-batches, as in `torch.utils.data`.

loader = nn.data.DataLoader(nn.data.TensorDataset(X, y), batch_size=32, shuffle=True)
for xb, yb in loader:        # Tensors; one pass over the data per epoch
    ...
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from autograd import Tensor
from autograd.random import get_rng

__all__ = ["TensorDataset", "DataLoader"]


class TensorDataset:
    """Arrays (or Tensors) of the same length, indexed together along their first axis."""

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            raise ValueError("TensorDataset needs at least one array")
        self.arrays = tuple(_as_array(a, position) for position, a in enumerate(arrays))
        lengths = [len(a) for a in self.arrays]
        if len(set(lengths)) != 1:
            shapes = ", ".join(str(a.shape) for a in self.arrays)
            raise ValueError(
                f"TensorDataset: every array needs the same first dimension, got shapes {shapes}"
            )

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        """Sample(s) `index` of every array, as Tensors (an integer array index gives a batch)."""
        return tuple(Tensor(a[index]) for a in self.arrays)

    def __repr__(self) -> str:
        shapes = ", ".join(str(a.shape) for a in self.arrays)
        return f"TensorDataset({shapes})"


def _as_array(value: Any, position: int) -> np.ndarray:
    array = value.data if isinstance(value, Tensor) else np.asarray(value)
    if array.ndim == 0:
        raise ValueError(
            f"TensorDataset: array {position} is a scalar; every array needs a first (sample) axis"
        )
    return array


class DataLoader:
    """Mini-batches of a dataset: each pass yields one tuple of Tensors per batch.

    `shuffle` draws a new order every pass from `rng`, or from the default generator (so
    `nn.manual_seed` makes it repeatable). `drop_last` skips a final, smaller batch.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        rng: np.random.Generator | None = None,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        if not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
            raise TypeError(
                f"DataLoader: the dataset needs __len__ and __getitem__, got {type(dataset).__name__}"
            )
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.rng = rng

    def __len__(self) -> int:
        """The number of batches in one pass."""
        count = len(self.dataset)
        return count // self.batch_size if self.drop_last else -(-count // self.batch_size)

    def __iter__(self) -> Iterator[tuple[Tensor, ...]]:
        count = len(self.dataset)
        order = get_rng(self.rng).permutation(count) if self.shuffle else np.arange(count)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            yield self._batch(order[start : start + self.batch_size])

    def _batch(self, indices: np.ndarray) -> tuple[Tensor, ...]:
        if isinstance(self.dataset, TensorDataset):  # one fancy index per array
            return self.dataset[indices]
        samples = [self.dataset[int(i)] for i in indices]
        if not isinstance(samples[0], tuple):
            samples = [(s,) for s in samples]
        return tuple(
            Tensor(np.stack([np.asarray(_data(s[k])) for s in samples])) for k in range(len(samples[0]))
        )

    def __repr__(self) -> str:
        return (
            f"DataLoader({self.dataset!r}, batch_size={self.batch_size}, shuffle={self.shuffle}, "
            f"drop_last={self.drop_last})"
        )


def _data(value: Any) -> Any:
    return value.data if isinstance(value, Tensor) else value
