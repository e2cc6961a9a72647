"""`Linear`: y = x @ weight.T + bias."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd import Tensor
from nn import init
from nn.functional.linear import Linear as LinearFunction
from nn.module import Module
from nn.parameter import Parameter


class Linear(Module):
    """A fully connected layer: weight (out_features, in_features), bias (out_features,),
    initialised as PyTorch does (Kaiming-uniform with a = sqrt(5), bias U(+-1/sqrt(in)))."""

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        dtype: Any = np.float64,
        rng: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        for what, value in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"Linear: {what} must be a positive integer, got {value!r}")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), rng=rng)
        if bias:
            self.bias = Parameter(np.empty(out_features, dtype=dtype))
            bound = 1.0 / math.sqrt(in_features)
            init.uniform_(self.bias, -bound, bound, rng=rng)
        else:
            self.register_parameter("bias", None)

    def forward(self, x: Any) -> Tensor:
        if not isinstance(x, (Tensor, np.ndarray)):
            x = Tensor(x)
        if x.shape[-1] != self.in_features:
            raise ValueError(
                f"{self!r}: input has {x.shape[-1]} features (shape {x.shape}), expected {self.in_features}"
            )
        return LinearFunction.apply(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
        )
