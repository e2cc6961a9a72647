"""Activations at infinite, negative and zero inputs give their mathematical values, eagerly and
compiled: relu(-inf) is 0, not the NaN of -inf * 0 that `x * (x > 0)` makes, and relu of a negative
number is +0.0, not -0.0 (np.maximum's, which PyTorch also gives except that it keeps relu(-0.0) = -0.0)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import autograd as ag
import nn.functional as F

X = np.array([-np.inf, -3.0, -1e-300, -0.0, 0.0, 2.0, np.inf])
# value and derivative at X (derivative 0 at relu's kink, as PyTorch)
EXPECTED: dict[str, tuple[Callable[[ag.Tensor], ag.Tensor], list[float], list[float]]] = {
    "relu": (lambda t: t.relu(), [0.0, 0.0, 0.0, 0.0, 0.0, 2.0, np.inf], [0, 0, 0, 0, 0, 1, 1]),
    "sigmoid": (lambda t: t.sigmoid(), [0.0, 1 / (1 + np.exp(3.0)), 0.5, 0.5, 0.5, 1 / (1 + np.exp(-2.0)), 1.0], None),
    "tanh": (lambda t: t.tanh(), [-1.0, np.tanh(-3.0), -1e-300, -0.0, 0.0, np.tanh(2.0), 1.0], None),
    "leaky_relu": (lambda t: F.leaky_relu(t), [-np.inf, -0.03, -1e-302, -0.0, 0.0, 2.0, np.inf], None),
}


def run(fn: Callable[[ag.Tensor], ag.Tensor], compiled: bool) -> tuple[np.ndarray, np.ndarray]:
    """fn's output at X and its derivative there, element by element (`fn(x)[k]` and its gradient), eagerly
    or from a compiled function's replay (the third call with each k)."""
    step = ag.compile(lambda x, k: fn(x)[k])
    values, slopes = np.empty_like(X), np.empty_like(X)
    for k in range(len(X)):
        for _ in range(3 if compiled else 1):
            x = ag.Tensor(X.copy(), requires_grad=True)
            out = step(x, k) if compiled else fn(x)[k]
            if not compiled:
                out.backward()
        values[k], slopes[k] = out.item(), x.grad.data[k]
        assert not np.delete(x.grad.data, k).any()
    if compiled:
        assert step.counts["replays"] == len(X)
        if fn is EXPECTED["relu"][0]:  # the kernel's fast variant: against an array of zeros
            assert all(", zeros" in plan.source for plan in step.plans())
    return values, slopes


@pytest.mark.parametrize("name", EXPECTED)
@pytest.mark.parametrize("compiled", [False, True])
def test_activation_values_at_infinities(name: str, compiled: bool) -> None:
    fn, values, slopes = EXPECTED[name]
    out, grad = run(fn, compiled)
    np.testing.assert_allclose(out, values, rtol=1e-15, atol=0)
    np.testing.assert_array_equal(np.signbit(out), np.signbit(values))
    if slopes is not None:
        np.testing.assert_array_equal(grad, slopes)
