"""`AvgPool2d`: the mean over windows of (N, C, H, W) inputs."""

from __future__ import annotations

from typing import Any

from autograd import Tensor
from nn.functional.pooling import avg_pool2d
from nn.module import Module


class Pool2d(Module):
    """What the pooling layers share: a window size, and a stride that defaults to it."""

    def __init__(
        self, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride

    def extra_repr(self) -> str:
        stride = self.stride if self.stride is not None else self.kernel_size
        return f"kernel_size={self.kernel_size}, stride={stride}"


class AvgPool2d(Pool2d):
    """Mean over kernel_size windows; stride defaults to kernel_size."""

    def forward(self, x: Any) -> Tensor:
        return avg_pool2d(x, self.kernel_size, stride=self.stride)
