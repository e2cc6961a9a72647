"""The op-table rows for the ops that nn's layers beyond the lab define in nn/functional/*.py
(rows as test_ops_table.py describes them: fn, inputs and a plain-NumPy forward; it imports
`NN_MORE_OPS`).

`Softplus` and `EmbeddingLookup` are their own ops; dropout, batch_norm, avg_pool2d and silu are
made of engine ops that have rows already, and are checked as layers in tests/nn/test_layers_more.py.
A plain, self-contained module: the test file imports it, so it cannot import the test's helpers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import autograd as ag
from nn.functional.lookup import EmbeddingLookup
from nn.functional.smooth_activation import Softplus

Case = tuple[Callable[..., Any], list[Any], Callable[..., Any]]  # (fn, inputs, NumPy reference)

SHAPES = array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)


def softplus_case(data: st.DataObject) -> Case:
    """beta x on both sides of the threshold (but at least 0.05 from it, where the slope jumps)."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    beta = data.draw(st.sampled_from([1.0, 2.0, 0.5]), label="beta")
    threshold = data.draw(st.sampled_from([20.0, 1.0, -0.5]), label="threshold")
    x = np.asarray(rng.uniform(-3.0, 3.0, data.draw(SHAPES, label="shape")))
    x = np.where(np.abs(beta * x - threshold) < 0.05, x + 0.1 / beta, x)

    def reference(x: np.ndarray) -> np.ndarray:
        return np.where(beta * x > threshold, x, np.log1p(np.exp(beta * x)) / beta)

    return lambda x: Softplus.apply(x, beta, threshold), [ag.Tensor(x, requires_grad=True)], reference


def embedding_lookup_case(data: st.DataObject) -> Case:
    """Indices of shape () to (2, 3) that repeat rows (more picks than rows), so gradients add up."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    rows, dim = data.draw(st.integers(1, 3), label="rows"), data.draw(st.integers(1, 3), label="dim")
    index = rng.integers(0, rows, data.draw(array_shapes(min_dims=0, max_dims=2, max_side=3), label="index"))
    weight = ag.Tensor(rng.uniform(-2.0, 2.0, (rows, dim)), requires_grad=True)
    return lambda weight: EmbeddingLookup.apply(weight, index), [weight], lambda weight: weight[index]


NN_MORE_OPS: dict[type[ag.Function], Callable[[st.DataObject], Case]] = {
    Softplus: softplus_case,
    EmbeddingLookup: embedding_lookup_case,
}
