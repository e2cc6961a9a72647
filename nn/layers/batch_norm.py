"""`BatchNorm1d` and `BatchNorm2d`: batch normalisation with running statistics, as PyTorch.

In training a layer normalises by the batch's statistics and updates its buffers
`running_mean`, `running_var` (unbiased) and `num_batches_tracked`; in `eval()` it normalises
by the running statistics. The buffers are part of `state_dict()`."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Tensor
from nn.functional.normalization import batch_norm
from nn.module import Module
from nn.parameter import Parameter


class _BatchNorm(Module):
    """What BatchNorm1d and BatchNorm2d share; they differ only in the input shapes they accept."""

    _layouts: tuple[str, ...] = ()  # the accepted input layouts, e.g. ("(N, C)", "(N, C, L)")
    _ndims: tuple[int, ...] = ()  # their numbers of axes

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: Any = np.float64,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if (
            isinstance(num_features, bool)
            or not isinstance(num_features, (int, np.integer))
            or num_features <= 0
        ):
            raise ValueError(f"{name}: num_features must be a positive integer, got {num_features!r}")
        if momentum is not None and not 0.0 <= momentum <= 1.0:
            raise ValueError(
                f"{name}: momentum must be in [0, 1] or None (cumulative average), got {momentum!r}"
            )
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=dtype))
            self.bias = Parameter(np.zeros(num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype=dtype)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype=dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            for buffer in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(buffer, None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches tracked."""
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def forward(self, x: Any) -> Tensor:
        shape = np.shape(x)
        if len(shape) not in self._ndims or shape[1] != self.num_features:
            layouts = " or ".join(layout.replace("C", str(self.num_features)) for layout in self._layouts)
            raise ValueError(f"{type(self).__name__}: input shape {shape} is not {layouts}")
        # batch statistics in training, and always when there are no running statistics (as PyTorch);
        # the op that updates the running statistics counts the batch (momentum None: 1 / count)
        use_batch_stats = self.training or not self.track_running_stats
        return batch_norm(
            x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            use_batch_stats,
            self.momentum,
            self.eps,
            num_batches_tracked=self.num_batches_tracked,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs, per channel C."""

    _layouts, _ndims = ("(N, C)", "(N, C, L)"), (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) inputs, per channel C."""

    _layouts, _ndims = ("(N, C, H, W)",), (4,)
