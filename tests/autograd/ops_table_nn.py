"""The rows of test_ops_table's `OPS` for the ops defined in nn/functional/*.py.

Each row returns (fn, inputs, ref): `ref` is the forward written in plain NumPy, called with
the inputs' arrays (the format: /work/wt/OPTABLE_FORMAT.md). A plain module (no tests here),
kept apart so that the table file stays readable. Inputs are float64, small (images up to
(2, 2, 5, 5), kernels up to 3, strides 1-2, padding 0-1), away from kinks (leaky relu at 0,
tied maxima of a pooling window) and from the edges of BCE's domain (probabilities in
[0.05, 0.75]). Self-contained: the test file imports it, so it cannot import the test file's
helpers back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import autograd as ag
from nn.functional.activation import LeakyReLU
from nn.functional.conv import Col2Im, Im2Col, MaxPool2d
from nn.functional.linear import Linear
from nn.functional.loss import BinaryCrossEntropy, BinaryCrossEntropyWithLogits, CrossEntropy

Case = tuple[Callable[..., Any], list[Any], Callable[..., Any]]  # (fn, inputs, NumPy reference)
Geometry = tuple[tuple[int, int, int, int], tuple[int, int], tuple[int, int], tuple[int, int]]

SHAPES = array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
PAIRS = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1, max_side=3)


def leaf(array: Any, requires_grad: bool = True) -> ag.Tensor:
    return ag.Tensor(np.asarray(array, dtype=np.float64), requires_grad=requires_grad)


def rng_from(data: st.DataObject) -> np.random.Generator:
    return np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))


def linear_case(data: st.DataObject) -> Case:
    """x of shape (in,), (n, in) or (b, n, in), so both of Linear's weight-gradient paths run;
    bias or none; x sometimes a constant (a network's input), so its gradient is skipped."""
    rng = rng_from(data)
    n, in_features, out_features = (data.draw(st.integers(1, 3), label=name) for name in ("n", "in", "out"))
    batch = data.draw(st.sampled_from([(), (n,), (2, n)]), label="batch")
    x = leaf(rng.uniform(-2, 2, batch + (in_features,)), requires_grad=data.draw(st.booleans(), label="x grad"))
    weight = leaf(rng.uniform(-2, 2, (out_features, in_features)))
    if data.draw(st.booleans(), label="bias"):
        return Linear.apply, [x, weight, leaf(rng.uniform(-2, 2, out_features))], lambda x, w, b: x @ w.T + b
    return lambda x, weight: Linear.apply(x, weight, None), [x, weight], lambda x, w: x @ w.T


def leaky_relu_case(data: st.DataObject) -> Case:
    rng = rng_from(data)
    shape = data.draw(SHAPES, label="shape")
    x = rng.choice([-1.0, 1.0], shape) * rng.uniform(0.3, 2.0, shape)  # |x| >= 0.3: away from the kink
    slope = data.draw(st.sampled_from([0.01, 0.2, 1.5]), label="negative slope")
    return lambda x: LeakyReLU.apply(x, slope), [leaf(x)], lambda x: np.where(x > 0, x, slope * x)


def bce_case(data: st.DataObject) -> Case:
    """Probabilities in [0.05, 0.75] against soft targets in [0, 1], shapes that broadcast; at most
    0.75, as test_compile scales the inputs by up to 1.3 and BCE's forward rejects p > 1."""
    rng = rng_from(data)
    (shape_p, shape_t), _ = data.draw(PAIRS, label="shapes")
    p, t = leaf(rng.uniform(0.05, 0.75, shape_p)), leaf(rng.uniform(0.0, 1.0, shape_t))
    return BinaryCrossEntropy.apply, [p, t], lambda p, t: -(t * np.log(p) + (1 - t) * np.log(1 - p))


def bce_with_logits_case(data: st.DataObject) -> Case:
    rng = rng_from(data)
    (shape_x, shape_t), _ = data.draw(PAIRS, label="shapes")
    x, t = leaf(rng.uniform(-4.0, 4.0, shape_x)), leaf(rng.uniform(0.0, 1.0, shape_t))
    return BinaryCrossEntropyWithLogits.apply, [x, t], bce_with_logits_reference


def bce_with_logits_reference(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """BCE of sigmoid(x), straight from the definition (|x| <= 4: nothing saturates)."""
    p = 1.0 / (1.0 + np.exp(-x))
    return -(t * np.log(p) + (1 - t) * np.log(1 - p))


def cross_entropy_case(data: st.DataObject) -> Case:
    """Logits (N, C) against class indices, each class picked by some rows or none."""
    rng = rng_from(data)
    n, c = data.draw(st.integers(1, 4), label="N"), data.draw(st.integers(1, 4), label="C")
    target = rng.integers(0, c, n)
    return (
        lambda x: CrossEntropy.apply(x, target),
        [leaf(rng.uniform(-3, 3, (n, c)))],
        lambda x: cross_entropy_reference(x, target),
    )


def cross_entropy_reference(x: np.ndarray, target: np.ndarray) -> np.ndarray:
    """-log(softmax(x))[i, t_i], straight from the definition (|x| <= 3: nothing overflows)."""
    probabilities = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    return -np.log(probabilities[np.arange(len(x)), target])


def conv_geometry(data: st.DataObject) -> Geometry:
    """An image shape (N, C, H, W) up to (2, 2, 5, 5), with a kernel (up to 3) that fits the padded image."""
    n, c = (data.draw(st.integers(1, 2), label=name) for name in "NC")
    h, w = (data.draw(st.integers(1, 5), label=name) for name in "HW")
    padding = tuple(data.draw(st.integers(0, 1), label="padding") for _ in range(2))
    kernel = (
        data.draw(st.integers(1, min(3, h + 2 * padding[0])), label="kh"),
        data.draw(st.integers(1, min(3, w + 2 * padding[1])), label="kw"),
    )
    stride = tuple(data.draw(st.integers(1, 2), label="stride") for _ in range(2))
    return (n, c, h, w), kernel, stride, padding


def im2col_case(data: st.DataObject) -> Case:
    rng = rng_from(data)
    shape, kernel, stride, padding = conv_geometry(data)
    fn = lambda x: Im2Col.apply(x, kernel, stride, padding)  # noqa: E731
    return fn, [leaf(rng.uniform(-2, 2, shape))], lambda x: im2col_reference(x, kernel, stride, padding)


def col2im_case(data: st.DataObject) -> Case:
    """Columns shaped as Im2Col lays them out, added back onto (overlapping) windows."""
    rng = rng_from(data)
    shape, kernel, stride, padding = conv_geometry(data)
    n, c, h, w = shape
    rows = (h + 2 * padding[0] - kernel[0]) // stride[0] + 1
    columns = (w + 2 * padding[1] - kernel[1]) // stride[1] + 1
    cols = leaf(rng.uniform(-2, 2, (n, c * kernel[0] * kernel[1], rows * columns)))
    fn = lambda cols: Col2Im.apply(cols, shape, kernel, stride, padding)  # noqa: E731
    return fn, [cols], lambda cols: col2im_reference(cols, shape, kernel, stride, padding)


def max_pool_case(data: st.DataObject) -> Case:
    """Values 0.1 apart (a shuffled grid), so that no window holds a tie, even after a step of eps."""
    rng = rng_from(data)
    (n, c, h, w), _, stride, _ = conv_geometry(data)
    kernel = (data.draw(st.integers(1, min(3, h)), label="kh"), data.draw(st.integers(1, min(3, w)), label="kw"))
    x = (rng.permutation(n * c * h * w).reshape(n, c, h, w) - n * c * h * w / 2) * 0.1 + 0.013
    return lambda x: MaxPool2d.apply(x, kernel, stride), [leaf(x)], lambda x: max_pool_reference(x, kernel, stride)


# ---------------------------------------------------------------- references: one window at a time


def windows(height: int, width: int, kernel: tuple[int, int], stride: tuple[int, int]) -> list[tuple[slice, slice]]:
    """The (rows, columns) slices of every window, in row-major output order."""
    return [
        (slice(i, i + kernel[0]), slice(j, j + kernel[1]))
        for i in range(0, height - kernel[0] + 1, stride[0])
        for j in range(0, width - kernel[1] + 1, stride[1])
    ]


def im2col_reference(x: np.ndarray, kernel: Any, stride: Any, padding: Any) -> np.ndarray:
    padded = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    spots = windows(*padded.shape[2:], kernel, stride)
    return np.stack([padded[:, :, rows, columns].reshape(len(x), -1) for rows, columns in spots], axis=-1)


def col2im_reference(cols: np.ndarray, shape: Any, kernel: Any, stride: Any, padding: Any) -> np.ndarray:
    n, c, h, w = shape
    padded = np.zeros((n, c, h + 2 * padding[0], w + 2 * padding[1]))
    for k, (rows, columns) in enumerate(windows(*padded.shape[2:], kernel, stride)):
        padded[:, :, rows, columns] += cols[:, :, k].reshape(n, c, *kernel)
    return padded[:, :, padding[0] : padding[0] + h, padding[1] : padding[1] + w]


def max_pool_reference(x: np.ndarray, kernel: Any, stride: Any) -> np.ndarray:
    h, w = x.shape[2:]
    out_h, out_w = (h - kernel[0]) // stride[0] + 1, (w - kernel[1]) // stride[1] + 1
    maxima = [x[:, :, rows, columns].max(axis=(2, 3)) for rows, columns in windows(h, w, kernel, stride)]
    return np.stack(maxima, axis=-1).reshape(*x.shape[:2], out_h, out_w)


NN_OPS: dict[type[ag.Function], Callable[[st.DataObject], Case]] = {
    Linear: linear_case,
    LeakyReLU: leaky_relu_case,
    BinaryCrossEntropy: bce_case,
    BinaryCrossEntropyWithLogits: bce_with_logits_case,
    CrossEntropy: cross_entropy_case,
    Im2Col: im2col_case,
    Col2Im: col2im_case,
    MaxPool2d: max_pool_case,
}
