"""`run_backward`'s lean path is an optimisation of its general path (`_run_general_path`): on
the same graph both must give the same gradients, bit for bit."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd as ag


def leaf_grads(seed: int, general: bool) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    x = ag.Tensor(rng.standard_normal((4, 3)), requires_grad=True)
    w = ag.Tensor(rng.standard_normal((3, 5)), requires_grad=True)
    b = ag.Tensor(rng.standard_normal(5), requires_grad=True)
    h = (x @ w + b).tanh()  # broadcast bias: the engine sums its gradient back
    y = h * h.sigmoid() - h[1:].mean(axis=0) / (1.0 + x.sum() ** 2)  # fan-out, a view, reductions
    z = (y.reshape(20) * 3.0).max() + ag.maximum(y, 0.1).sum() + x.T.exp().var(axis=1).sum()
    if general:  # anomaly mode sends every node through the general path
        with ag.detect_anomaly():
            z.backward()
    else:
        z.backward()
    return [t.grad.data for t in (x, w, b)]


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_lean_and_general_backward_paths_agree(seed):
    lean, general = leaf_grads(seed, general=False), leaf_grads(seed, general=True)
    for got, want in zip(lean, general):
        assert np.array_equal(got, want)
