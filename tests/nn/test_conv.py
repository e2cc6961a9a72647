"""conv2d and max_pool2d: values against naive loops, gradients and second derivatives
against central finite differences in float64, error messages."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd as ag
from nn.functional.conv import conv2d, max_pool2d


def as_pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def naive_conv2d(x, weight, bias=None, stride=1, padding=0):
    (sh, sw), (ph, pw) = as_pair(stride), as_pair(padding)
    x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    n, _, h, w = x.shape
    out_channels, _, kh, kw = weight.shape
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    out = np.zeros((n, out_channels, oh, ow))
    for b in range(n):
        for o in range(out_channels):
            for i in range(oh):
                for j in range(ow):
                    window = x[b, :, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    out[b, o, i, j] = np.sum(window * weight[o]) + (0.0 if bias is None else bias[o])
    return out


def naive_max_pool2d(x, kernel_size, stride=None):
    (kh, kw) = as_pair(kernel_size)
    (sh, sw) = as_pair(kernel_size if stride is None else stride)
    n, c, h, w = x.shape
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    out = np.zeros((n, c, oh, ow))
    for b in range(n):
        for ch in range(c):
            for i in range(oh):
                for j in range(ow):
                    out[b, ch, i, j] = np.max(x[b, ch, i * sh : i * sh + kh, j * sw : j * sw + kw])
    return out


def central_differences(fn, arrays, eps=1e-6):
    """d fn(*arrays) / d arrays[k] for every k, fn returning a float."""
    grads = []
    for array in arrays:
        grad = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            original = array[index]
            array[index] = original + eps
            plus = fn(*arrays)
            array[index] = original - eps
            minus = fn(*arrays)
            array[index] = original
            grad[index] = (plus - minus) / (2 * eps)
        grads.append(grad)
    return grads


# (x shape, weight shape, stride, padding)
CONV_CASES = [
    ((1, 1, 5, 5), (1, 1, 3, 3), 1, 0),
    ((2, 3, 6, 7), (4, 3, 3, 2), 1, 1),
    ((2, 2, 7, 6), (3, 2, 3, 3), 2, 0),
    ((1, 2, 8, 9), (2, 2, 2, 4), (2, 3), (1, 2)),
    ((3, 1, 4, 4), (2, 1, 4, 4), 1, 0),  # kernel as large as the input
    ((1, 1, 2, 3), (2, 1, 4, 5), 1, (1, 1)),  # only the padding makes room for the kernel
    ((2, 1, 9, 9), (1, 1, 3, 3), 3, 2),  # stride that skips input pixels
]
CONV_IDS = [f"x{x}-w{w}-s{s}-p{p}" for x, w, s, p in CONV_CASES]


@pytest.mark.parametrize("x_shape, w_shape, stride, padding", CONV_CASES, ids=CONV_IDS)
def test_conv2d_matches_naive_loops(x_shape, w_shape, stride, padding):
    rng = np.random.default_rng(0)
    x, weight, bias = rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[0])
    out = conv2d(ag.Tensor(x), ag.Tensor(weight), ag.Tensor(bias), stride=stride, padding=padding)
    np.testing.assert_allclose(out.data, naive_conv2d(x, weight, bias, stride, padding), rtol=1e-12, atol=1e-12)
    without_bias = conv2d(x, weight, stride=stride, padding=padding)  # plain ndarrays work too
    np.testing.assert_allclose(without_bias.data, naive_conv2d(x, weight, None, stride, padding), atol=1e-12)


@pytest.mark.parametrize("x_shape, w_shape, stride, padding", CONV_CASES, ids=CONV_IDS)
def test_conv2d_gradients_match_finite_differences(x_shape, w_shape, stride, padding):
    rng = np.random.default_rng(1)
    x, weight, bias = rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[0])
    cotangent = rng.normal(size=naive_conv2d(x, weight, bias, stride, padding).shape)
    inputs = [ag.Tensor(a.copy(), requires_grad=True) for a in (x, weight, bias)]
    (conv2d(*inputs, stride=stride, padding=padding) * cotangent).sum().backward()

    def loss(x, weight, bias):
        return float(np.sum(conv2d(x, weight, bias, stride=stride, padding=padding).data * cotangent))

    for tensor, numerical in zip(inputs, central_differences(loss, [x, weight, bias])):
        np.testing.assert_allclose(tensor.grad.data, numerical, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("stride, padding", [(1, 0), (2, 1), ((1, 2), (2, 0))])
def test_conv2d_second_derivative_matches_finite_differences_of_the_first(stride, padding):
    rng = np.random.default_rng(2)
    x, weight, bias = rng.normal(size=(2, 2, 5, 4)), rng.normal(size=(3, 2, 3, 2)), rng.normal(size=3)
    x_direction, w_direction = rng.normal(size=x.shape), rng.normal(size=weight.shape)

    def first_grads(x, weight, bias, create_graph=False):
        inputs = [a if isinstance(a, ag.Tensor) else ag.Tensor(a, requires_grad=True) for a in (x, weight, bias)]
        out = conv2d(*inputs, stride=stride, padding=padding)
        loss = (out * out * out).sum()  # cubic, so the second derivative depends on x and weight
        return ag.grad(loss, inputs, create_graph=create_graph)

    def projected_first_grads(x, weight, bias):
        grad_x, grad_w, _ = first_grads(x, weight, bias)
        return float(np.sum(grad_x.data * x_direction) + np.sum(grad_w.data * w_direction))

    inputs = [ag.Tensor(a.copy(), requires_grad=True) for a in (x, weight, bias)]
    grad_x, grad_w, _ = first_grads(*inputs, create_graph=True)
    assert grad_x.requires_grad and grad_w.requires_grad
    ((grad_x * x_direction).sum() + (grad_w * w_direction).sum()).backward()

    numerical = central_differences(projected_first_grads, [x, weight, bias], eps=1e-5)
    for tensor, expected in zip(inputs, numerical):
        scale = np.max(np.abs(expected))
        assert scale > 1e-3, "the second derivative under test must not vanish"
        np.testing.assert_allclose(tensor.grad.data, expected, rtol=1e-5, atol=1e-6 * scale)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 2),
    channels=st.integers(1, 3),
    out_channels=st.integers(1, 3),
    size=st.tuples(st.integers(1, 7), st.integers(1, 7)),
    kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    padding=st.tuples(st.integers(0, 2), st.integers(0, 2)),
)
def test_conv2d_matches_naive_loops_for_any_geometry(n, channels, out_channels, size, kernel, stride, padding):
    if kernel[0] > size[0] + 2 * padding[0] or kernel[1] > size[1] + 2 * padding[1]:
        return
    rng = np.random.default_rng(3)
    x = rng.normal(size=(n, channels, *size))
    weight = rng.normal(size=(out_channels, channels, *kernel))
    x_tensor, w_tensor = ag.Tensor(x, requires_grad=True), ag.Tensor(weight, requires_grad=True)
    out = conv2d(x_tensor, w_tensor, stride=stride, padding=padding)
    np.testing.assert_allclose(out.data, naive_conv2d(x, weight, None, stride, padding), atol=1e-12)
    # conv2d is linear in x and in weight, so (Euler) <grad, input> equals the summed output for both.
    out.sum().backward()
    assert x_tensor.grad.shape == x.shape and w_tensor.grad.shape == weight.shape
    np.testing.assert_allclose(np.sum(x_tensor.grad.data * x), np.sum(out.data), atol=1e-9)
    np.testing.assert_allclose(np.sum(w_tensor.grad.data * weight), np.sum(out.data), atol=1e-9)


# (x shape, kernel_size, stride)
POOL_CASES = [
    ((1, 1, 4, 4), 2, None),
    ((2, 3, 5, 7), 2, None),  # sizes not divisible by the kernel
    ((2, 2, 6, 6), 3, 1),  # overlapping windows
    ((1, 2, 7, 8), (2, 3), (1, 2)),
    ((2, 1, 3, 3), 3, None),
]
POOL_IDS = [f"x{x}-k{k}-s{s}" for x, k, s in POOL_CASES]


@pytest.mark.parametrize("x_shape, kernel_size, stride", POOL_CASES, ids=POOL_IDS)
def test_max_pool2d_matches_naive_loops(x_shape, kernel_size, stride):
    x = np.random.default_rng(4).normal(size=x_shape)
    out = max_pool2d(ag.Tensor(x), kernel_size, stride)
    np.testing.assert_array_equal(out.data, naive_max_pool2d(x, kernel_size, stride))


@pytest.mark.parametrize("x_shape, kernel_size, stride", POOL_CASES, ids=POOL_IDS)
def test_max_pool2d_gradient_matches_finite_differences(x_shape, kernel_size, stride):
    rng = np.random.default_rng(5)
    x = rng.permutation(np.prod(x_shape)).reshape(x_shape) * 0.1  # distinct values: no ties, no kinks
    cotangent = rng.normal(size=naive_max_pool2d(x, kernel_size, stride).shape)
    tensor = ag.Tensor(x.copy(), requires_grad=True)
    (max_pool2d(tensor, kernel_size, stride) * cotangent).sum().backward()

    def loss(x):
        return float(np.sum(max_pool2d(x, kernel_size, stride).data * cotangent))

    (numerical,) = central_differences(loss, [x])
    np.testing.assert_allclose(tensor.grad.data, numerical, rtol=1e-6, atol=1e-7)


def test_max_pool2d_tie_goes_to_the_first_maximum_of_each_window():
    x = np.zeros((1, 1, 4, 6))
    x[0, 0, 3, 5] = -1.0  # the last window's maximum is still its first element
    tensor = ag.Tensor(x, requires_grad=True)
    max_pool2d(tensor, 2).sum().backward()
    expected = np.zeros_like(x)
    expected[0, 0, ::2, ::2] = 1.0  # the top-left element of every window, row-major first
    np.testing.assert_array_equal(tensor.grad.data, expected)


def test_max_pool2d_ties_and_overlaps_match_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(6).integers(0, 3, size=(2, 2, 6, 7)).astype(np.float64)  # many ties
    cotangent = np.random.default_rng(7).normal(size=(2, 2, 4, 3))
    tensor = ag.Tensor(x, requires_grad=True)
    (max_pool2d(tensor, 3, (1, 2)) * cotangent).sum().backward()
    x_torch = torch.tensor(x, requires_grad=True)
    (torch.nn.functional.max_pool2d(x_torch, 3, (1, 2)) * torch.tensor(cotangent)).sum().backward()
    np.testing.assert_allclose(tensor.grad.data, x_torch.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_conv2d_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    x, weight, bias = rng.normal(size=(2, 3, 9, 8)), rng.normal(size=(4, 3, 3, 2)), rng.normal(size=4)
    cotangent = rng.normal(size=(2, 4, 5, 6))
    ours = [ag.Tensor(a, requires_grad=True) for a in (x, weight, bias)]
    (conv2d(*ours, stride=2, padding=(1, 2)) * cotangent).sum().backward()
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, weight, bias)]
    (torch.nn.functional.conv2d(*theirs, stride=2, padding=(1, 2)) * torch.tensor(cotangent)).sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_max_pool2d_second_derivative_matches_finite_differences_of_the_first():
    rng = np.random.default_rng(9)
    x = rng.permutation(2 * 5 * 5).reshape(1, 2, 5, 5) * 0.1
    direction = rng.normal(size=x.shape)

    def projected_first_grad(x):
        tensor = ag.Tensor(x, requires_grad=True)
        (grad,) = ag.grad((max_pool2d(tensor, 3, 1) ** 3).sum(), [tensor])
        return float(np.sum(grad.data * direction))

    tensor = ag.Tensor(x.copy(), requires_grad=True)
    (grad,) = ag.grad((max_pool2d(tensor, 3, 1) ** 3).sum(), [tensor], create_graph=True)
    (grad * direction).sum().backward()
    (numerical,) = central_differences(projected_first_grad, [x], eps=1e-5)
    assert np.max(np.abs(numerical)) > 1e-3
    np.testing.assert_allclose(tensor.grad.data, numerical, rtol=1e-5, atol=1e-6)


def test_float32_stays_float32():
    rng = np.random.default_rng(10)
    x = ag.Tensor(rng.normal(size=(2, 1, 6, 6)).astype(np.float32), requires_grad=True)
    weight = ag.Tensor(rng.normal(size=(2, 1, 3, 3)).astype(np.float32), requires_grad=True)
    out = max_pool2d(conv2d(x, weight, padding=1), 2)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32 and weight.grad.dtype == np.float32


@pytest.mark.parametrize(
    "x_shape, w_shape, options, error, message",
    [
        ((3, 5, 5), (2, 3, 3, 3), {}, ValueError, r"conv2d: expected x of shape \(N, C, H, W\), got shape \(3, 5, 5\)"),
        ((1, 3, 5, 5), (2, 3, 3), {}, ValueError, r"conv2d: expected weight of shape \(out_channels, in_channels"),
        (
            (1, 3, 5, 5),
            (2, 4, 3, 3),
            {},
            ValueError,
            r"conv2d: x has 3 channels \(shape \(1, 3, 5, 5\)\) but weight expects 4 \(shape \(2, 4, 3, 3\)",
        ),
        (
            (1, 1, 4, 4),
            (1, 1, 7, 3),
            {"padding": 1},
            ValueError,
            r"conv2d: kernel \(7, 3\) is larger than the padded input \(6, 6\)",
        ),
        ((1, 1, 5, 5), (1, 1, 3, 3), {"stride": 0}, ValueError, "conv2d: stride must be >= 1, got 0"),
        ((1, 1, 5, 5), (1, 1, 3, 3), {"padding": (1, -1)}, ValueError, r"conv2d: padding must be >= 0"),
        ((1, 1, 5, 5), (1, 1, 3, 3), {"stride": 1.5}, TypeError, "conv2d: stride must be an int or a pair of ints"),
        ((1, 1, 5, 5), (1, 1, 3, 3), {"stride": (1, 2, 3)}, TypeError, "conv2d: stride must be an int or a pair"),
        (
            (1, 1, 5, 5),
            (2, 1, 3, 3),
            {"bias": np.zeros(3)},
            ValueError,
            r"conv2d: bias has shape \(3,\), expected \(2,\)",
        ),
    ],
)
def test_conv2d_errors_name_the_op_and_shapes(x_shape, w_shape, options, error, message):
    with pytest.raises(error, match=message):
        conv2d(np.zeros(x_shape), np.zeros(w_shape), **options)


@pytest.mark.parametrize(
    "x_shape, kernel_size, stride, error, message",
    [
        ((4, 4), 2, None, ValueError, r"max_pool2d: expected x of shape \(N, C, H, W\), got shape \(4, 4\)"),
        ((1, 1, 3, 5), (4, 2), None, ValueError, r"max_pool2d: kernel \(4, 2\) is larger than the input \(3, 5\)"),
        ((1, 1, 4, 4), 0, None, ValueError, "max_pool2d: kernel_size must be >= 1"),
        ((1, 1, 4, 4), 2, (1, 0), ValueError, "max_pool2d: stride must be >= 1"),
        ((1, 1, 4, 4), "2", None, TypeError, "max_pool2d: kernel_size must be an int or a pair of ints"),
    ],
)
def test_max_pool2d_errors_name_the_op_and_shapes(x_shape, kernel_size, stride, error, message):
    with pytest.raises(error, match=message):
        max_pool2d(np.zeros(x_shape), kernel_size, stride)
