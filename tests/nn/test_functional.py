"""nn.functional: linear and the activations, values against NumPy and gradients against
finite differences (first and second order)."""

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from tests.nn.grad_checks import check_grads, check_second_order, leaf


@pytest.mark.parametrize("x_shape", [(5, 3), (3,), (2, 4, 3)], ids=["batch", "single", "extra_dims"])
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear_matches_numpy_and_finite_differences(rng, x_shape, with_bias):
    x, weight = leaf(rng.standard_normal(x_shape)), leaf(rng.standard_normal((2, 3)))
    bias = leaf(rng.standard_normal(2)) if with_bias else None
    out = F.linear(x, weight, bias)
    expected = x.data @ weight.data.T + (bias.data if with_bias else 0.0)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    inputs = [x, weight] + ([bias] if with_bias else [])
    check_grads(lambda *t: F.linear(*t) if with_bias else F.linear(t[0], t[1]), inputs)


def test_linear_second_derivatives(rng):
    x, weight, bias = leaf(rng.standard_normal((4, 3))), leaf(rng.standard_normal((2, 3))), leaf(rng.standard_normal(2))
    check_second_order(lambda x, w, b: F.linear(x, w, b).tanh(), [x, weight, bias])


def test_linear_only_computes_the_grads_asked_for(rng):
    x = leaf(rng.standard_normal((4, 3)), requires_grad=False)
    weight, bias = leaf(rng.standard_normal((2, 3))), leaf(rng.standard_normal(2))
    F.linear(x, weight, bias).sum().backward()
    assert x.grad is None
    np.testing.assert_allclose(weight.grad.data, np.ones((4, 2)).T @ x.data)
    np.testing.assert_allclose(bias.grad.data, np.full(2, 4.0))


def test_linear_accepts_ndarray_input(rng):
    weight = leaf(rng.standard_normal((2, 3)))
    x = rng.standard_normal((4, 3))
    out = F.linear(x, weight)
    out.sum().backward()
    np.testing.assert_allclose(weight.grad.data, np.ones((4, 2)).T @ x)


def test_linear_float32_gives_float32_output_and_grads(rng):
    x = ag.Tensor(rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    weight = ag.Tensor(rng.standard_normal((2, 3)).astype(np.float32), requires_grad=True)
    bias = ag.Tensor(rng.standard_normal(2).astype(np.float32), requires_grad=True)
    out = F.linear(x, weight, bias)
    out.sum().backward()
    assert out.dtype == np.float32
    assert x.grad.dtype == weight.grad.dtype == bias.grad.dtype == np.float32


def test_linear_shape_error_names_the_op(rng):
    with pytest.raises(ValueError, match="Linear"):
        F.linear(leaf(rng.standard_normal((4, 3))), leaf(rng.standard_normal((2, 5))))


@pytest.mark.parametrize(
    "fn, reference",
    [
        (F.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
        (F.tanh, np.tanh),
        (F.relu, lambda x: np.maximum(x, 0)),
        (F.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x)),
        (lambda x: F.leaky_relu(x, 0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    ],
    ids=["sigmoid", "tanh", "relu", "leaky_relu", "leaky_relu_0.2"],
)
def test_activation_values_and_grads(rng, fn, reference):
    values = rng.standard_normal((4, 5))
    values[np.abs(values) < 1e-3] = 0.5  # keep finite differences away from the kinks
    x = leaf(values)
    np.testing.assert_allclose(fn(x).data, reference(values), rtol=1e-12)
    check_grads(fn, [x])


def test_leaky_relu_second_derivatives_and_kink_gradient(rng):
    x = leaf(rng.standard_normal((3, 4)) + 0.01)
    check_second_order(lambda t: F.leaky_relu(t, 0.1) * t, [x])
    at_zero = leaf([0.0, -2.0, 3.0])
    F.leaky_relu(at_zero, 0.1).sum().backward()
    np.testing.assert_allclose(at_zero.grad.data, [0.1, 0.1, 1.0])  # slope at 0 taken from the left, as PyTorch


def test_leaky_relu_keeps_float32():
    x = ag.Tensor(np.array([-1.0, 2.0], dtype=np.float32), requires_grad=True)
    out = F.leaky_relu(x)
    out.sum().backward()
    assert out.dtype == x.grad.dtype == np.float32


@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_and_log_softmax(rng, axis):
    values = rng.standard_normal((3, 4)) * 5
    x = leaf(values)
    shifted = np.exp(values - values.max(axis=axis, keepdims=True))
    expected = shifted / shifted.sum(axis=axis, keepdims=True)
    np.testing.assert_allclose(F.softmax(x, axis=axis).data, expected, rtol=1e-12)
    np.testing.assert_allclose(F.log_softmax(x, axis=axis).data, np.log(expected), rtol=1e-10)
    check_grads(lambda t: F.softmax(t, axis=axis), [x])
    check_grads(lambda t: F.log_softmax(t, axis=axis), [x])


def test_functional_exports_the_spec_names():
    names = (
        "sigmoid relu tanh leaky_relu linear conv2d max_pool2d softmax log_softmax mse_loss "
        "binary_cross_entropy binary_cross_entropy_with_logits cross_entropy"
    ).split()
    for name in names:
        assert callable(getattr(nn.functional, name)), name
