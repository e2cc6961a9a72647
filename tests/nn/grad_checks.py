"""Finite-difference gradient checks for the nn tests (float64, central differences: tests/fd_oracle.py).

The output is contracted with a random cotangent, never summed: a backward that returns,
say, zeros for a softmax would pass a check seeded with `sum()`."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

import autograd as ag
from tests.fd_oracle import central_differences


def numerical_grads(
    fn: Callable[..., ag.Tensor], inputs: Sequence[ag.Tensor], cotangent: np.ndarray, eps: float = 1e-6
):
    """d sum(fn(*inputs) * cotangent) / d input, by central differences, for every input."""

    def evaluate() -> float:
        return float(np.sum(np.asarray(fn(*inputs).data) * cotangent))

    return [
        central_differences(evaluate, tensor.data, eps) if tensor.requires_grad else np.zeros_like(tensor.data)
        for tensor in inputs
    ]


def check_grads(
    fn: Callable[..., ag.Tensor], inputs: Sequence[ag.Tensor], seed: int = 0, atol: float = 1e-6, rtol: float = 1e-5
) -> None:
    """Assert that backward through `fn` matches finite differences for every input that requires grad."""
    for tensor in inputs:
        assert tensor.dtype == np.float64, "finite differences need float64"
        tensor.grad = None
    output = fn(*inputs)
    cotangent = np.random.default_rng(seed).standard_normal(output.shape)
    (output * cotangent).sum().backward()
    expected = numerical_grads(fn, inputs, cotangent)
    for index, (tensor, numerical) in enumerate(zip(inputs, expected)):
        if not tensor.requires_grad:
            continue
        assert tensor.grad is not None, f"input {index} got no gradient"
        np.testing.assert_allclose(tensor.grad.data, numerical, atol=atol, rtol=rtol, err_msg=f"input {index}")


def check_second_order(fn: Callable[..., ag.Tensor], inputs: Sequence[ag.Tensor], seed: int = 1) -> None:
    """Check the derivative of the (create_graph) gradient of `fn`, contracted with random
    directions, against finite differences of that same gradient."""
    rng = np.random.default_rng(seed)
    cotangent = rng.standard_normal(fn(*inputs).shape)
    directions = [rng.standard_normal(t.shape) for t in inputs]
    wanted = [index for index, t in enumerate(inputs) if t.requires_grad]

    def directional_grad(*tensors: ag.Tensor) -> ag.Tensor:
        output = (fn(*tensors) * cotangent).sum()
        grads = ag.grad(output, [tensors[i] for i in wanted], create_graph=True, allow_unused=True)
        total = ag.Tensor(0.0)
        for grad, index in zip(grads, wanted):
            if grad is not None:
                total = total + (grad * directions[index]).sum()
        return total

    check_grads(directional_grad, inputs, seed=seed, atol=1e-5, rtol=1e-4)


def leaf(array, requires_grad: bool = True) -> ag.Tensor:
    return ag.Tensor(np.array(array, dtype=np.float64), requires_grad=requires_grad)
