"""`ag.compile` runs nn.functional's value checks on every replayed call, not only while tracing:
an out-of-range embedding index or a BCE input outside [0, 1] raises on the replay the error eager
raises. And a function that reads a tensor with `np.asarray(t)` while tracing falls back to eager."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd as ag
import nn.functional as F


def _raised(call: Callable[[], Any]) -> tuple[type, str]:
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the type is compared with eager's
        call()
    return caught.type, str(caught.value)


def _leaf(array: Any) -> ag.Tensor:
    return ag.Tensor(np.array(array, dtype=np.float64), requires_grad=True)


def _check_replay_raises_as_eager(
    fn: Callable[..., ag.Tensor], leaf: ag.Tensor, valid: list[Any], bad: Any
) -> tuple[type, str]:
    """Two valid calls (traces) then one more (a replay) equal eager bit for bit, value and grad;
    then `bad` raises on a replay the exception eager raises, and the next valid call still replays."""
    step = ag.compile(fn)
    for number, arg in enumerate(valid):
        leaf.grad = None
        eager = fn(arg)
        eager.backward()
        eager_grad = leaf.grad.data
        leaf.grad = None
        compiled = step(arg)
        np.testing.assert_array_equal(compiled.data, eager.data, err_msg=f"call {number}", strict=True)
        np.testing.assert_array_equal(leaf.grad.data, eager_grad, err_msg=f"call {number}: grad", strict=True)
    assert step.counts == {"traces": 2, "replays": len(valid) - 2, "eager": 0}, step.fallback_reason
    expected = _raised(lambda: fn(bad))
    assert _raised(lambda: step(bad)) == expected
    assert step.counts == {"traces": 2, "replays": len(valid) - 1, "eager": 0}  # it was a replay
    leaf.grad = None
    eager = fn(valid[0])
    assert np.array_equal(step(valid[0]).data, eager.data)
    assert step.counts["replays"] == len(valid) and step.fallback_reason is None
    return expected


# -------------------------------------------------------------------------------------- embedding
WEIGHT = np.arange(8.0).reshape(4, 2)
VALID_INDICES = [np.array([0, 1, 1]), np.array([3, 2, 3]), np.array([2, 0, 0])]  # repeats add up


@pytest.mark.parametrize(
    "bad, found",
    [(np.array([0, -1, 2]), "[-1, 2]"), (np.array([0, 4, 1]), "[0, 4]"), (np.array([-2, 9, 1]), "[-2, 9]")],
    ids=["negative", "too large", "both"],
)
def test_a_replayed_embedding_rejects_an_out_of_range_index_as_eager_does(bad: np.ndarray, found: str) -> None:
    weight = _leaf(WEIGHT)
    scale = np.array([[1.0, 2.0]])

    def loss(index: np.ndarray) -> ag.Tensor:
        return (F.embedding(index, weight) * scale).sum()

    kind, message = _check_replay_raises_as_eager(loss, weight, VALID_INDICES, bad)
    assert kind is IndexError
    assert message == f"embedding: indices must be in [0, 3] for weight of shape (4, 2), got {found}"


def test_a_replayed_embedding_of_the_issue_raises_instead_of_wrapping_around() -> None:
    weight = _leaf(WEIGHT)
    step = ag.compile(lambda index: F.embedding(index, weight).sum())
    step(np.array([0, 1]))
    step(np.array([0, 1]))
    with pytest.raises(IndexError, match=r"embedding: indices must be in \[0, 3\]"):
        step(np.array([0, -1]))  # without the check in the op's forward: 14.0, row -1 is row 3


# ----------------------------------------------------------------------------------- binary BCE
TARGET = np.array([[1.0], [0.0], [1.0]])
VALID_INPUTS = [np.array([[0.5], [-0.5], [1.0]]), np.array([[1.5], [0.25], [-2.0]]), np.array([[0.0], [0.0], [0.0]])]


@pytest.mark.parametrize(
    "bad, found",
    [
        (np.array([[-4.0], [0.5], [1.0]]), "[-0.5, 0.75]"),
        (np.array([[3.0], [0.5], [0.0]]), "[0.5, 1.25]"),
        (np.array([[np.nan], [0.5], [1.0]]), "[nan, nan]"),
    ],
    ids=["below 0", "above 1", "NaN"],
)
def test_a_replayed_bce_rejects_an_input_outside_0_1_as_eager_does(bad: np.ndarray, found: str) -> None:
    weight = _leaf([[0.25]])

    def loss(x: np.ndarray) -> ag.Tensor:
        return F.binary_cross_entropy(x * weight + 0.5, TARGET)  # probabilities made by the model

    kind, message = _check_replay_raises_as_eager(loss, weight, VALID_INPUTS, bad)
    assert kind is ValueError
    assert message == (
        f"binary_cross_entropy: input must hold probabilities in [0, 1], got values in {found}; "
        "for raw scores use binary_cross_entropy_with_logits"
    )


# ---------------------------------------------------------------------------- np.asarray(t) reads
def test_np_asarray_of_a_tensor_while_tracing_falls_back_with_one_warning() -> None:
    weight = _leaf([1.5, -0.5])

    def loss(x: ag.Tensor) -> ag.Tensor:
        out = x * weight
        scale = 2.0 if np.asarray(out).sum() > 0 else 3.0  # a branch on values the replay cannot see
        return (out * scale).sum()

    step = ag.compile(loss)
    # the two traces take the same branch: unseen, the replays would take it too (silently wrong)
    calls = [np.array([2.0, 1.0]), np.array([3.0, 1.0]), np.array([1.0, 4.0]), np.array([-1.0, 2.0])]
    results = []
    with pytest.warns(RuntimeWarning, match=r"will run eagerly: .*np\.asarray\(t\)") as caught:
        for x in calls:
            weight.grad = None
            results.append((step(ag.Tensor(x)).data, weight.grad.data))
    assert len([w for w in caught if issubclass(w.category, RuntimeWarning)]) == 1
    assert step.counts == {"traces": 1, "replays": 0, "eager": 3}
    for (value, grad), x in zip(results, calls):
        weight.grad = None
        eager = loss(ag.Tensor(x))
        eager.backward()
        np.testing.assert_array_equal(value, eager.data, strict=True)
        np.testing.assert_array_equal(grad, weight.grad.data, strict=True)


def test_zeros_like_and_ones_like_of_a_tensor_still_compile() -> None:
    """They read only a shape and dtype: the library's own calls must not count as value reads."""
    weight = _leaf([1.5, -0.5])
    step = ag.compile(lambda x: (x * weight + ag.zeros_like(x) + ag.ones_like(weight)).sum())
    for k in range(4):
        out = step(ag.Tensor(np.array([1.0, 2.0]) + k))
        assert out.data == 1.5 * (1 + k) - 0.5 * (2 + k) + 2.0
    assert step.counts == {"traces": 2, "replays": 2, "eager": 0}
