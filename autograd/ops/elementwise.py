"""Elementwise functions: exp, log, sqrt, sin, cos, tanh, sigmoid, relu, abs, clip,
maximum, minimum and where.

Masks that select where a gradient flows are computed in forward and saved as constant
arrays, so the same backward serves first and higher derivatives.
"""

from __future__ import annotations

import numpy as np

from autograd.function import Function


class Exp(Function):
    """e^x, elementwise: the gradient is g * e^x."""

    @staticmethod
    def forward(ctx, x):
        out = np.exp(x)
        ctx.saved_tensors = (out,)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * out


class Log(Function):
    """The natural logarithm, elementwise: the gradient is g / x."""

    @staticmethod
    def forward(ctx, x):
        ctx.saved_tensors = (x,)
        return np.log(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output / x


class Sqrt(Function):
    """The square root, elementwise: the gradient is g / (2 √x)."""

    @staticmethod
    def forward(ctx, x):
        out = np.sqrt(x)
        ctx.saved_tensors = (out,)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output / (2.0 * out)


class Sin(Function):
    """The sine, elementwise: the gradient is g * cos x."""

    @staticmethod
    def forward(ctx, x):
        ctx.saved_tensors = (x,)
        return np.sin(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * np.cos(x)


class Cos(Function):
    """The cosine, elementwise: the gradient is -g * sin x."""

    @staticmethod
    def forward(ctx, x):
        ctx.saved_tensors = (x,)
        return np.cos(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return -grad_output * np.sin(x)


class Tanh(Function):
    """The hyperbolic tangent, elementwise: the gradient is g * (1 - tanh² x)."""

    @staticmethod
    def forward(ctx, x):
        out = np.tanh(x)
        ctx.saved_tensors = (out,)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * (1.0 - out * out)


class Sigmoid(Function):
    """sigmoid(x) = 1 / (1 + e^-x), computed as (1 + tanh(x/2)) / 2: no overflow for any x."""

    @staticmethod
    def forward(ctx, x):
        out = np.tanh(x * 0.5)
        out += 1.0
        out *= 0.5
        ctx.saved_tensors = (out,)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * out * (1.0 - out)


class ReLU(Function):
    """max(x, 0), elementwise: the gradient passes where x > 0."""

    @staticmethod
    def forward(ctx, x):
        ctx.saved_tensors = (x > 0,)
        return np.maximum(x, 0)  # not x * mask: -inf * 0 is NaN, and -1 * 0 is -0.0

    @staticmethod
    def backward(ctx, grad_output):
        (mask,) = ctx.saved_tensors
        return grad_output * mask


class Abs(Function):
    """|x|, with gradient sign(x) (0 at x = 0, as NumPy's sign and PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        ctx.saved_tensors = (np.sign(x),)
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad_output):
        (sign,) = ctx.saved_tensors
        return grad_output * sign


class Clip(Function):
    """clip(x, lo, hi): the gradient passes where lo <= x <= hi (bounds may be None)."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        inside = np.ones(np.shape(x), dtype=bool)
        if lo is not None:
            inside &= x >= lo
        if hi is not None:
            inside &= x <= hi
        ctx.saved_tensors = (inside,)
        return np.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, grad_output):
        (inside,) = ctx.saved_tensors
        return grad_output * inside, None, None


class Maximum(Function):
    """Elementwise max; on a tie each side gets half the gradient."""

    @staticmethod
    def forward(ctx, a, b):
        out = np.maximum(a, b)
        ctx.saved_tensors = (_tie_split(a > b, a == b, out),)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (share_a,) = ctx.saved_tensors
        return grad_output * share_a, grad_output * (1.0 - share_a)


class Minimum(Function):
    """Elementwise min; on a tie each side gets half the gradient."""

    @staticmethod
    def forward(ctx, a, b):
        out = np.minimum(a, b)
        ctx.saved_tensors = (_tie_split(a < b, a == b, out),)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (share_a,) = ctx.saved_tensors
        return grad_output * share_a, grad_output * (1.0 - share_a)


def _tie_split(wins, ties, out):
    """The share of the gradient that goes to `a`: 1 where it wins, 1/2 on a tie."""
    share = np.where(wins, 1.0, np.where(ties, 0.5, 0.0))
    return share.astype(out.dtype) if out.dtype.kind == "f" else share


class Where(Function):
    """where(condition, a, b); the condition is a constant."""

    @staticmethod
    def forward(ctx, condition, a, b):
        condition = np.asarray(condition, dtype=bool)
        ctx.saved_tensors = (condition,)
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx, grad_output):
        (condition,) = ctx.saved_tensors
        return None, grad_output * condition, grad_output * ~condition
