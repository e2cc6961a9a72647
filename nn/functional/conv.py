"""2-D convolution and max pooling on (N, C, H, W) batches.

conv2d is im2col + one matmul: `Im2Col` lays every receptive field out as a column, the
weight becomes an (O, C*kh*kw) matrix, and the rest is ordinary engine ops. `Im2Col` and
`Col2Im` are each other's backward, so conv2d has derivatives of every order. max_pool2d
sends each window's gradient to its (first) maximum through the engine's scatter-add,
whose own backward is a gather.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from autograd import Function, Tensor
from autograd.ops.indexing import ScatterAdd

Pair = tuple[int, int]


class Im2Col(Function):
    """(N, C, H, W) -> (N, C*kh*kw, OH*OW): column (oh, ow) of image n holds the
    zero-padded window that output pixel (oh, ow) sees, in (c, i, j) order."""

    __slots__ = ("geometry",)

    @staticmethod
    def forward(ctx, x, kernel, stride, padding):
        ctx.geometry = (x.shape, kernel, stride, padding)
        n, c, h, w = x.shape
        (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
        if ph or pw:
            x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
        oh, ow = _output_size(x.shape[2:], kernel, stride)
        cols = np.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
        for i in range(kh):  # one strided copy per kernel offset
            for j in range(kw):
                cols[:, :, i, j] = x[:, :, i : i + sh * oh : sh, j : j + sw * ow : sw]
        return cols.reshape(n, c * kh * kw, oh * ow)

    @staticmethod
    def backward(ctx, grad_output):
        return Col2Im.call(grad_output, *ctx.geometry), None, None, None


class Col2Im(Function):
    """Im2Col's adjoint: add each column back onto the window it came from (overlaps sum)."""

    __slots__ = ("geometry",)

    @staticmethod
    def forward(ctx, cols, input_shape, kernel, stride, padding):
        ctx.geometry = (kernel, stride, padding)
        n, c, h, w = input_shape
        (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
        oh, ow = _output_size((h + 2 * ph, w + 2 * pw), kernel, stride)
        cols = cols.reshape(n, c, kh, kw, oh, ow)
        padded = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
        for i in range(kh):
            for j in range(kw):
                padded[:, :, i : i + sh * oh : sh, j : j + sw * ow : sw] += cols[:, :, i, j]
        return padded[:, :, ph : ph + h, pw : pw + w]

    @staticmethod
    def backward(ctx, grad_output):
        return Im2Col.call(grad_output, *ctx.geometry), None, None, None, None


class MaxPool2d(Function):
    """The maximum of each window; its gradient goes to the first maximal element of the
    window (row-major, as PyTorch), accumulating where windows overlap."""

    __slots__ = ("index", "input_shape")

    @staticmethod
    def forward(ctx, x, kernel, stride):
        (kh, kw), (sh, sw) = kernel, stride
        windows = sliding_window_view(x, kernel, axis=(2, 3))[:, :, ::sh, ::sw]
        n, c, oh, ow = windows.shape[:4]
        first_max = np.argmax(windows.reshape(n, c, oh, ow, kh * kw), axis=-1)  # NaN counts as the maximum
        rows = np.arange(oh).reshape(-1, 1) * sh + first_max // kw
        columns = np.arange(ow) * sw + first_max % kw
        ctx.index = (np.arange(n).reshape(-1, 1, 1, 1), np.arange(c).reshape(-1, 1, 1), rows, columns)
        ctx.input_shape = x.shape
        return x[ctx.index]

    @staticmethod
    def backward(ctx, grad_output):
        return ScatterAdd.call(grad_output, ctx.input_shape, ctx.index), None, None


def conv2d(x: Any, weight: Any, bias: Any = None, stride: int | Pair = 1, padding: int | Pair = 0) -> Tensor:
    """Cross-correlate x (N, C, H, W) with weight (O, C, kh, kw), plus bias (O,): (N, O, OH, OW)."""
    x, weight = _as_tensor(x), _as_tensor(weight)
    stride = _pair("conv2d", "stride", stride, minimum=1)
    padding = _pair("conv2d", "padding", padding, minimum=0)
    _check_ndim("conv2d", "x", x, "(N, C, H, W)")
    _check_ndim("conv2d", "weight", weight, "(out_channels, in_channels, kh, kw)")
    n, channels, h, w = x.shape
    out_channels, weight_channels, kh, kw = weight.shape
    if channels != weight_channels:
        raise ValueError(
            f"conv2d: x has {channels} channels (shape {x.shape}) but weight expects {weight_channels} "
            f"(shape {weight.shape}, laid out as (out_channels, in_channels, kh, kw))"
        )
    padded = (h + 2 * padding[0], w + 2 * padding[1])
    _check_fits("conv2d", (kh, kw), padded, f"padded input {padded} (x shape {x.shape}, padding {padding})")
    if bias is not None:
        bias = _as_tensor(bias)
        if bias.shape != (out_channels,):
            raise ValueError(
                f"conv2d: bias has shape {bias.shape}, expected ({out_channels},) for weight of shape "
                f"{weight.shape}"
            )

    oh, ow = _output_size(padded, (kh, kw), stride)
    cols = Im2Col.apply(x, (kh, kw), stride, padding)  # (N, C*kh*kw, OH*OW)
    out = weight.reshape(out_channels, channels * kh * kw) @ cols  # (N, O, OH*OW)
    if bias is not None:
        out = out + bias.reshape(out_channels, 1)
    return out.reshape(n, out_channels, oh, ow)


def max_pool2d(x: Any, kernel_size: int | Pair, stride: int | Pair | None = None) -> Tensor:
    """The maximum of each kernel_size window of x (N, C, H, W); stride defaults to kernel_size."""
    x = _as_tensor(x)
    kernel = _pair("max_pool2d", "kernel_size", kernel_size, minimum=1)
    stride = kernel if stride is None else _pair("max_pool2d", "stride", stride, minimum=1)
    _check_ndim("max_pool2d", "x", x, "(N, C, H, W)")
    _check_fits("max_pool2d", kernel, x.shape[2:], f"input {x.shape[2:]} (x shape {x.shape})")
    return MaxPool2d.apply(x, kernel, stride)


def _output_size(padded: Pair, kernel: Pair, stride: Pair) -> Pair:
    return (padded[0] - kernel[0]) // stride[0] + 1, (padded[1] - kernel[1]) // stride[1] + 1


def _as_tensor(value: Any) -> Tensor:
    return value if isinstance(value, Tensor) else Tensor(value)


def _pair(op: str, name: str, value: Any, minimum: int) -> Pair:
    """An int or a pair of ints, each at least `minimum`, as a pair."""
    pair = (
        (value, value)
        if isinstance(value, (int, np.integer))
        else tuple(value)
        if np.ndim(value) == 1
        else None
    )
    if pair is None or len(pair) != 2 or not all(isinstance(v, (int, np.integer)) for v in pair):
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {value!r}")
    return int(pair[0]), int(pair[1])


def _check_ndim(op: str, name: str, tensor: Tensor, layout: str) -> None:
    if tensor.ndim != 4:
        raise ValueError(
            f"{op}: expected {name} of shape {layout}, got shape {tensor.shape} ({tensor.ndim}-D)"
        )


def _check_fits(op: str, kernel: Pair, size: tuple[int, ...], what: str) -> None:
    if kernel[0] > size[0] or kernel[1] > size[1]:
        raise ValueError(f"{op}: kernel {kernel} is larger than the {what}")
