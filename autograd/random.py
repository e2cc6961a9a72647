"""The default random generator: `ag.randn`/`ag.rand`, `nn`'s initialisers and the lab's
data generators draw from it when no `rng` is passed, so `manual_seed(seed)` makes them
all repeatable at once."""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the default generator (and return it), like `torch.manual_seed`."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def get_rng(rng: np.random.Generator | None = None) -> np.random.Generator:
    """`rng` itself, or the default generator when it is None."""
    return _generator if rng is None else rng
