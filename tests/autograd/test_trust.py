"""Issue 11, "never silently wrong": one test per engine item, each failing before its fix.

Expected values are computed by hand or by central finite differences in float64; the
PyTorch cross-checks are skipped when torch is absent.
"""

from __future__ import annotations

import numpy as np
import pytest  # noqa: F401  (used by the tests below)

import autograd as ag
from autograd import Tensor

# ---------------------------------------------------------------- item 9


def test_item09_grad_outputs_with_history_stay_in_the_graph():
    x = Tensor([1.0, 2.0], requires_grad=True)
    u = Tensor([3.0, 4.0], requires_grad=True)
    (g,) = ag.grad(x * x, [x], grad_outputs=u, create_graph=True)  # g = 2 x u
    np.testing.assert_allclose(g.data, [6.0, 16.0])
    gx, gu = ag.grad(g.sum(), [x, u])
    np.testing.assert_allclose(gx.data, 2 * u.data)
    np.testing.assert_allclose(gu.data, 2 * x.data)


def test_item09_backward_gradient_with_history_stays_in_the_graph():
    x = Tensor([1.0, 2.0], requires_grad=True)
    u = Tensor([3.0, 4.0], requires_grad=True)
    (x * x * x).backward(u, create_graph=True)  # x.grad = 3 x^2 u
    (gu,) = ag.grad(x.grad.sum(), [u])
    np.testing.assert_allclose(gu.data, 3 * x.data**2)


def test_item09_double_vjp_gives_a_jacobian_vector_product():
    """The double-vjp trick: J v = d/du <u, J^T u>... evaluated at any u."""
    x = Tensor([0.3, -0.7, 1.1], requires_grad=True)
    v = np.array([1.0, 2.0, -0.5])
    y = ag.tanh(x) * x.sum()
    u = Tensor(np.zeros(3), requires_grad=True)
    (vjp,) = ag.grad(y, [x], grad_outputs=u, create_graph=True)
    (jvp,) = ag.grad(vjp, [u], grad_outputs=Tensor(v))
    t = np.tanh(x.data)
    jacobian = np.diag((1 - t**2) * x.data.sum()) + np.outer(t, np.ones(3))
    np.testing.assert_allclose(jvp.data, jacobian @ v)


def test_item09_a_constant_gradient_is_still_copied():
    x = Tensor([1.0, 2.0], requires_grad=True)
    u = Tensor([3.0, 4.0])
    (x * 1.0).backward(u, create_graph=True)
    x.grad.data[0] = 99.0
    assert u.data[0] == 3.0
