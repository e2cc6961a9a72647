"""The tests' one finite-difference oracle: central differences in float64, written here and
independent of the library's own `autograd.gradcheck.numerical_grad`, so that a bug there cannot
hide a bug in a backward. tests/autograd/conftest.py and tests/nn/conftest.py both use it."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def central_differences(evaluate: Callable[[], float], array: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """d evaluate() / d array, element by element: `array` is perturbed in place (so `evaluate`
    sees it through whatever holds it) and restored exactly after each element."""
    if array.dtype != np.float64:
        raise TypeError(f"central_differences: the array is {array.dtype}; finite differences need float64")
    flat = array.reshape(-1)  # a view: writing it perturbs the array
    if not np.shares_memory(flat, array):
        raise ValueError("central_differences: the array must be contiguous (reshape(-1) copied it)")
    grad = np.zeros(flat.size)
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + eps
        plus = evaluate()
        flat[i] = original - eps
        minus = evaluate()
        flat[i] = original
        grad[i] = (plus - minus) / (2 * eps)
    return grad.reshape(array.shape)
