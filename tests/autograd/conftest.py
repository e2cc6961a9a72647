"""Shared helpers of the engine tests: a central-difference gradient in float64 (tests/fd_oracle.py).

Use it through the `finite_difference_grad` fixture (conftest modules are not importable
by name when several test folders have one)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

import autograd as ag
from tests.fd_oracle import central_differences


def _finite_difference_grad(
    fn: Callable[..., Any],
    inputs: Sequence[ag.Tensor],
    grad_output: Any = None,
    eps: float = 1e-6,
) -> list[np.ndarray | None]:
    """d sum(fn(*inputs) * grad_output) / d input by central differences, for each input that
    requires grad (None for the others). Without `grad_output` the output must be a single element.

    Each input is perturbed in place, one element at a time, and restored exactly (tests/fd_oracle.py)."""
    for position, tensor in enumerate(inputs):
        if tensor.requires_grad and tensor.dtype != np.float64:
            raise TypeError(f"finite_difference_grad: input {position} is {tensor.dtype}; it needs float64")

    def evaluate() -> float:
        value = fn(*inputs)  # recorded, so that fn may itself call ag.grad (higher derivatives)
        value = np.asarray(value.data if isinstance(value, ag.Tensor) else value, dtype=np.float64)
        if grad_output is None:
            if value.size != 1:
                raise ValueError(f"finite_difference_grad: output has shape {value.shape}; pass grad_output")
            return float(value.reshape(()))
        return float(np.sum(value * np.asarray(grad_output)))

    return [central_differences(evaluate, tensor.data, eps) if tensor.requires_grad else None for tensor in inputs]


@pytest.fixture(scope="session")
def finite_difference_grad() -> Callable[..., list[np.ndarray | None]]:
    """The central-difference gradient function (see `_finite_difference_grad`)."""
    return _finite_difference_grad


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240601)
