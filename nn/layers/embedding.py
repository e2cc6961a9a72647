"""`Embedding`: a trainable table of vectors looked up by integer index."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Tensor
from nn import init
from nn.functional.lookup import embedding
from nn.module import Module
from nn.parameter import Parameter


class Embedding(Module):
    """weight (num_embeddings, embedding_dim), drawn from N(0, 1) as PyTorch; indices of shape S
    give vectors of shape S + (embedding_dim,)."""

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        dtype: Any = np.float64,
        rng: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        for what, value in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"Embedding: {what} must be a positive integer, got {value!r}")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=dtype))
        init.normal_(self.weight, rng=rng)

    def forward(self, indices: Any) -> Tensor:
        return embedding(indices, self.weight)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"
