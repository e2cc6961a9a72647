"""Embedding lookup: rows of a weight table picked by integer indices. The gradient of a row
picked several times is the sum of its picks (the engine's scatter-add)."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Function, Tensor
from autograd.function import named_error
from autograd.ops.indexing import ScatterAdd


class EmbeddingLookup(Function):
    """weight[index] for an integer array `index` (a constant, not a Tensor; the layer is nn.Embedding).
    The range is checked in forward, so a compiled replay, which runs only the ops' forwards, checks it."""

    __slots__ = ("index", "weight_shape")

    @staticmethod
    def forward(ctx, weight, index):
        rows = weight.shape[0]
        if index.size and (index.min() < 0 or index.max() >= rows):
            raise named_error(
                IndexError(
                    f"embedding: indices must be in [0, {rows - 1}] for weight of shape {weight.shape}, "
                    f"got [{index.min()}, {index.max()}]"
                )
            )
        ctx.index, ctx.weight_shape = index, weight.shape
        return weight[index]

    @staticmethod
    def backward(ctx, grad_output):
        return ScatterAdd.call(grad_output, ctx.weight_shape, ctx.index), None


def embedding(indices: Any, weight: Any) -> Tensor:
    """weight[indices]: indices of any shape S (integers in [0, num_embeddings)) and weight
    (num_embeddings, embedding_dim) give shape S + (embedding_dim,)."""
    weight = weight if isinstance(weight, Tensor) else Tensor(weight)
    index = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    if weight.ndim != 2:
        raise ValueError(
            f"embedding: weight must be (num_embeddings, embedding_dim), got shape {weight.shape}"
        )
    if index.dtype.kind not in "iu":
        raise TypeError(
            f"embedding: indices must be integers, got dtype {index.dtype} (shape {index.shape}); "
            "pass an integer array, e.g. np.array([1, 2]) (Tensor([1, 2]) is float64)"
        )
    return EmbeddingLookup.apply(weight, index)
