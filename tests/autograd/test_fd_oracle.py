"""The tests' finite-difference oracle (tests/fd_oracle.py) is right, and catches a wrong backward."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
from tests.fd_oracle import central_differences


def test_central_differences_match_known_derivatives():
    x = np.array([[0.3, -1.2, 2.0], [0.0, 0.7, -0.4]])
    before = x.copy()
    got = central_differences(lambda: float(np.sum(np.sin(x) * x)), x)
    np.testing.assert_allclose(got, np.cos(before) * before + np.sin(before), atol=1e-8)
    assert np.array_equal(x, before)  # restored exactly


def test_refuses_what_it_cannot_difference():
    with pytest.raises(TypeError, match="float64"):
        central_differences(lambda: 0.0, np.zeros(3, dtype=np.float32))
    with pytest.raises(ValueError, match="contiguous"):
        central_differences(lambda: 0.0, np.zeros((3, 4)).T)


class WrongCube(ag.Function):
    """x**3 with a planted bug: its backward is 1.5 times the true one."""

    @staticmethod
    def forward(ctx, x):
        ctx.saved_tensors = (x,)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 1.5 * 3 * x**2 * grad


def test_the_shared_fixture_catches_a_planted_wrong_backward(finite_difference_grad):
    x = ag.Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    WrongCube.apply(x).sum().backward()
    (numerical,) = finite_difference_grad(lambda t: WrongCube.apply(t).sum(), [x])
    np.testing.assert_allclose(numerical, 3 * x.data**2, rtol=1e-6)
    assert not np.allclose(x.grad.data, numerical, rtol=1e-3)
