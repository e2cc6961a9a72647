"""The arithmetic operators: + - * / ** and unary minus."""

from __future__ import annotations

import numpy as np

from autograd.function import Function


class Add(Function):
    """a + b, broadcasting: each side's gradient is the output's, summed over broadcast axes."""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, grad_output


class Sub(Function):
    """a - b, broadcasting: the gradient is +g for a and -g for b."""

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, -grad_output if ctx.needs_input_grad[1] else None


class Mul(Function):
    """a * b. Each operand is saved only when the other needs a gradient (as PyTorch), so that
    `y * 2.0` leaves `y` free to be modified in place."""

    @staticmethod
    def forward(ctx, a, b):
        a_edge, b_edge = ctx._edges
        ctx.saved_tensors = (None if b_edge is None else a, None if a_edge is None else b)
        return a * b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors  # b is saved exactly when a needs its gradient, and a when b does
        return None if b is None else grad_output * b, None if a is None else grad_output * a


class Div(Function):
    """a / b: d/da = 1/b; d/db = -a/b². Saves its inputs, not its output (as PyTorch), so that
    the result can be modified in place and `y /= b` differentiates twice; and `a` only when b
    needs a gradient, so that `y / 3.0` leaves `y` free to be modified in place."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.saved_tensors = (a if ctx._edges[1] is not None else None, b)
        return a / b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        grad_a = grad_output / b
        return grad_a if needs_a else None, -grad_a * (a / b) if needs_b else None


class Reciprocal(Function):
    """1 / x: the gradient is -g / x², written with the saved output (as PyTorch), so that x
    can be modified in place afterwards. `c / x` for a number c is recorded as `(1 / x) * c`."""

    @staticmethod
    def forward(ctx, x):
        out = np.asarray(1.0 / x)  # an array even for 0-d x, so that the saved output is the output
        ctx.saved_tensors = (out,)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return -grad_output * out * out


class Neg(Function):
    """-x: the gradient is -g."""

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad_output):
        return -grad_output


class Pow(Function):
    """x ** p: d/dx = p x^(p-1); d/dp = x^p log x (taken as 0 where x <= 0). Saves its inputs,
    not its output, so that the result can be modified in place."""

    @staticmethod
    def forward(ctx, x, p):
        ctx.saved_tensors = (x, p)
        return x**p  # the operator takes NumPy's fast paths for p = 2, 0.5, -1

    @staticmethod
    def backward(ctx, grad_output):
        x, p = ctx.saved_tensors
        needs_x, needs_p = ctx.needs_input_grad
        grad_x = grad_output * p * x ** (p - 1) if needs_x else None
        grad_p = None
        if needs_p:
            positive = np.asarray(x > 0)
            grad_p = grad_output * x**p * np.log(np.where(positive, x, 1.0)) * positive
        return grad_x, grad_p
