"""`Dropout`: inverted dropout in training, the identity in `eval()`."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Tensor
from nn.functional.regularization import dropout
from nn.module import Module


class Dropout(Module):
    """Zeroes each element with probability p in training and scales the rest by 1 / (1 - p).
    Masks come from `rng`, else from the default generator, so `nn.manual_seed` repeats them."""

    def __init__(self, p: float = 0.5, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float, np.number)) or not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p!r}")
        self.p = float(p)
        self.rng = rng

    def forward(self, x: Any) -> Tensor:
        return dropout(x, self.p, self.training, rng=self.rng)

    def extra_repr(self) -> str:
        return f"p={self.p}"
