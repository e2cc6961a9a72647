"""Convolution layers: `Conv2d`, `MaxPool2d` and `Flatten`, on (N, C, H, W) inputs."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd import Tensor
from nn import functional as F
from nn import init
from nn.layers.pooling import Pool2d
from nn.module import Module
from nn.parameter import Parameter


def _pair(value: int | tuple[int, int], what: str) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or any(
        isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v <= 0 for v in pair
    ):
        raise ValueError(f"{what} must be a positive int or a pair of them, got {value!r}")
    return int(pair[0]), int(pair[1])


class Conv2d(Module):
    """2-D cross-correlation: weight (out_channels, in_channels, kh, kw), PyTorch's default init."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int = 1,
        padding: int = 0,
        bias: bool = True,
        dtype: Any = np.float64,
        rng: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        for what, value in (("in_channels", in_channels), ("out_channels", out_channels)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"Conv2d: {what} must be a positive integer, got {value!r}")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = _pair(kernel_size, "Conv2d: kernel_size")
        self.stride, self.padding = stride, padding
        self.weight = Parameter(np.empty((out_channels, in_channels, *self.kernel_size), dtype=dtype))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), rng=rng)
        if bias:
            bound = 1.0 / math.sqrt(in_channels * self.kernel_size[0] * self.kernel_size[1])
            self.bias = Parameter(np.empty(out_channels, dtype=dtype))
            init.uniform_(self.bias, -bound, bound, rng=rng)
        else:
            self.register_parameter("bias", None)

    def forward(self, x: Any) -> Tensor:
        if np.ndim(x) != 4 or np.shape(x)[1] != self.in_channels:
            raise ValueError(f"{self!r}: input shape {np.shape(x)} is not (N, {self.in_channels}, H, W)")
        return F.conv2d(x, self.weight, self.bias, stride=self.stride, padding=self.padding)

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding}, bias={self.bias is not None}"
        )


class MaxPool2d(Pool2d):
    """Max over kernel_size windows; stride defaults to kernel_size."""

    def forward(self, x: Any) -> Tensor:
        return F.max_pool2d(x, self.kernel_size, stride=self.stride)


class Flatten(Module):
    """(N, d1, d2, ...) -> (N, d1 * d2 * ...)."""

    def forward(self, x: Any) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(x)
        return x.reshape(x.shape[0], -1)
