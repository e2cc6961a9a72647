"""Matrix product with `np.matmul` semantics: 1-D operands, batches, broadcast batches."""

from __future__ import annotations

import numpy as np

from autograd.function import Function


class MatMul(Function):
    """a @ b. A 1-D operand is promoted to a matrix for the backward and the promoted axis
    dropped from its gradient; broadcast batch axes are summed out by the engine."""

    @staticmethod
    def forward(ctx, a, b):
        try:
            out = np.matmul(a, b)
        except ValueError:
            if np.ndim(a) == 0 or np.ndim(b) == 0:
                raise ValueError("matmul needs operands with at least one axis; use * for scalars") from None
            raise
        ctx.saved_tensors = (a, b)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        if a.ndim == 1 and b.ndim == 1:
            return grad_output * b if needs_a else None, grad_output * a if needs_b else None
        if a.ndim == 1:
            grad_output = np.expand_dims(grad_output, -2)
        if b.ndim == 1:
            grad_output = np.expand_dims(grad_output, -1)
        grad_a = grad_b = None
        if needs_a:
            b_matrix = np.expand_dims(b, -1) if b.ndim == 1 else b
            grad_a = grad_output @ _transposed(b_matrix)
            if a.ndim == 1:
                grad_a = grad_a[..., 0, :]
        if needs_b:
            a_matrix = np.expand_dims(a, 0) if a.ndim == 1 else a
            if _column_major(b):  # b is W.T: give W a row-major gradient, as (g^T a)^T
                grad_b = _transposed(_transposed(grad_output) @ a_matrix)
            else:
                grad_b = _transposed(a_matrix) @ grad_output
            if b.ndim == 1:
                grad_b = grad_b[..., 0]
        return grad_a, grad_b


def _transposed(matrices):
    """The last two axes swapped (a matrix, or each matrix of a batch)."""
    return matrices.T if matrices.ndim == 2 else np.swapaxes(matrices, -1, -2)


def _column_major(array) -> bool:
    """A 2-D array laid out as the transpose of a row-major one (the `W.T` of `x @ W.T`)."""
    if type(array) is not np.ndarray or array.ndim != 2:
        return False
    flags = array.flags
    return flags.f_contiguous and not flags.c_contiguous
