"""Average pooling on (N, C, H, W) batches: the windows laid out by conv2d's `Im2Col`, then a
mean, so it is made of ops that have derivatives of every order."""

from __future__ import annotations

from typing import Any

from autograd import Tensor
from nn.functional.conv import Im2Col, Pair, _as_tensor, _check_fits, _check_ndim, _output_size, _pair


def avg_pool2d(x: Any, kernel_size: int | Pair, stride: int | Pair | None = None) -> Tensor:
    """The mean of each kernel_size window of x (N, C, H, W); stride defaults to kernel_size."""
    x = _as_tensor(x)
    kernel = _pair("avg_pool2d", "kernel_size", kernel_size, minimum=1)
    stride = kernel if stride is None else _pair("avg_pool2d", "stride", stride, minimum=1)
    _check_ndim("avg_pool2d", "x", x, "(N, C, H, W)")
    _check_fits("avg_pool2d", kernel, x.shape[2:], f"input {x.shape[2:]} (x shape {x.shape})")
    n, c, h, w = x.shape
    oh, ow = _output_size((h, w), kernel, stride)
    windows = Im2Col.apply(x, kernel, stride, (0, 0))  # (N, C*kh*kw, OH*OW), in (c, i, j) order
    return windows.reshape(n, c, kernel[0] * kernel[1], oh * ow).mean(axis=2).reshape(n, c, oh, ow)
