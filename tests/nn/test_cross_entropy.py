"""cross_entropy as one op (CrossEntropy): the same numbers, bit for bit, as the composition it
replaced (log_softmax, then the rows' picks, negated), and its class check run on every call,
compiled replays included."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd as ag
import nn
import nn.functional as F


def composed(logits: ag.Tensor, target: np.ndarray, reduction: str) -> ag.Tensor:
    """cross_entropy as it was written before it was one op."""
    picked = -F.log_softmax(logits, axis=1)[np.arange(len(target)), target]
    return {"mean": picked.mean, "sum": picked.sum, "none": lambda: picked}[reduction]()


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 6),
    c=st.integers(1, 5),
    dtype=st.sampled_from([np.float32, np.float64]),
    reduction=st.sampled_from(["mean", "sum", "none"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_equals_the_composition_bit_for_bit(n: int, c: int, dtype: type, reduction: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    data = (rng.standard_normal((n, c)) * 4).astype(dtype)
    target = rng.integers(0, c, n)
    cotangent = rng.uniform(0.5, 2.0, n).astype(dtype) * rng.choice([-1, 1], n)  # no zeros (see below)
    results = []
    for fn in (F.cross_entropy, composed):
        logits = ag.Tensor(data.copy(), requires_grad=True)
        loss = fn(logits, target, reduction)
        (loss * cotangent).sum().backward() if reduction == "none" else loss.backward()
        results.append((loss.data, logits.grad.data))
    (loss, grad), (want_loss, want_grad) = results
    assert loss.dtype == want_loss.dtype and grad.dtype == want_grad.dtype == dtype
    assert loss.tobytes() == want_loss.tobytes() and grad.tobytes() == want_grad.tobytes()


def test_a_zero_upstream_gradient_differs_only_in_the_sign_of_zero() -> None:
    """The one documented difference: the composition scattered with np.add.at (0.0 + g) and summed each
    row, so a row whose upstream gradient is -0.0 got +0.0; the op assigns g itself."""
    logits_data, target = np.array([[1.0, 2.0], [0.5, -1.0]]), np.array([1, 0])
    grads = []
    for fn in (F.cross_entropy, composed):
        logits = ag.Tensor(logits_data, requires_grad=True)
        (fn(logits, target, "none") * np.array([0.0, 1.0])).sum().backward()
        grads.append(logits.grad.data)
    assert np.array_equal(grads[0], grads[1])  # equal as numbers, -0.0 == 0.0
    assert grads[0][1].tobytes() == grads[1][1].tobytes()


@pytest.mark.parametrize("bad", [[0, -1, 2], [0, 3, 2], [-5, 0, 0]])
def test_a_compiled_replay_checks_the_classes(bad: list[int]) -> None:
    """The check is in the op's forward, which a replay runs: a negative index must not wrap around."""
    model = nn.Linear(2, 3)
    step = ag.compile(lambda X, y: F.cross_entropy(model(X), y))
    X, good = np.random.default_rng(0).normal(size=(3, 2)), np.array([0, 1, 2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback to eager: the replays below are replays
        for _ in range(3):
            step(X, good)
    assert len(step.plans()) == 1
    with pytest.raises(ValueError) as eager:
        F.cross_entropy(model(ag.Tensor(X)), np.array(bad))
    with pytest.raises(ValueError) as compiled:
        step(X, np.array(bad))
    assert str(compiled.value) == str(eager.value)
    assert "class indices must be in [0, 2]" in str(eager.value)


def test_scatter_add_distinct_assigns() -> None:
    """ScatterAdd with distinct=True assigns (a -0.0 stays -0.0); without it, np.add.at adds to +0.0."""
    from autograd.ops.indexing import ScatterAdd

    values, index = np.array([-0.0, 2.0]), np.array([2, 0])
    assigned = ScatterAdd.call(values, (3,), index, True)
    added = ScatterAdd.call(values, (3,), index)
    assert assigned.tolist() == added.tolist() == [2.0, 0.0, 0.0]
    assert np.signbit(assigned[2]) and not np.signbit(added[2])


@pytest.mark.parametrize("weights_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fast", [True, False])
def test_compiled_kernel_equals_eager(weights_dtype: type, fast: bool) -> None:
    """The plan's kernel (and the general replay) against eager, float32 logits: per-row weights of the
    logits' dtype take the kernel's in-place branch, float64 ones the branch that promotes as eager."""
    from autograd.compiler import CompiledFunction

    rng = np.random.default_rng(3)
    weights = rng.uniform(0.5, 2.0, 6).astype(weights_dtype)
    weight = ag.Tensor(rng.normal(size=(4, 5)).astype(np.float32), requires_grad=True)

    def loss(X: np.ndarray, y: np.ndarray) -> ag.Tensor:
        return (F.cross_entropy(ag.Tensor(X) @ weight, y, "none") * weights).sum()

    step = CompiledFunction(loss, fast=fast)
    for _ in range(4):
        X, y = rng.normal(size=(6, 4)).astype(np.float32), rng.integers(0, 5, 6)
        weight.grad = None
        want = loss(X, y)
        want.backward()
        want_grad = weight.grad.data
        weight.grad = None
        got = step(X, y)
        assert got.data.tobytes() == want.data.tobytes() and got.dtype == want.dtype
        assert weight.grad.data.tobytes() == want_grad.tobytes()
    assert step.counts == {"traces": 2, "replays": 2, "eager": 0}
    assert fast == ("_maximum_reduce" in step.plans()[0].source)  # the kernel, or the general replay
