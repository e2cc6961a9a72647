"""Bad input gets an error that names the op, the shapes and what was expected."""

from __future__ import annotations

import operator
import re

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor


def _shapes(*shapes):
    """A regex matching the shapes in order, anywhere in the message."""
    return ".*".join(re.escape(str(shape)) for shape in shapes)


@pytest.mark.parametrize(
    "shape_a, shape_b",
    [((2, 3), (4,)), ((2, 3), (2, 3)), ((5, 2, 3), (4, 3, 2)), ((3,), (4,))],
)
def test_matmul_mismatch_names_the_op_and_both_shapes(shape_a, shape_b):
    a = Tensor(np.ones(shape_a), requires_grad=True)
    with pytest.raises(ValueError, match="MatMul.*" + _shapes(shape_a, shape_b)):
        a @ np.ones(shape_b)


def test_matmul_of_a_scalar_says_what_to_use():
    with pytest.raises(ValueError, match=r"MatMul.*at least one axis.*use \*"):
        Tensor(np.ones(3)) @ Tensor(2.0)


@pytest.mark.parametrize(
    "op, op_name",
    [(operator.add, "Add"), (operator.sub, "Sub"), (operator.mul, "Mul"), (operator.truediv, "Div"), (pow, "Pow")],
)
def test_broadcast_mismatch_names_the_op_and_both_shapes(op, op_name):
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=rf"{op_name}.*broadcast.*" + _shapes((2, 3), (3, 2))):
        op(a, np.ones((3, 2)))
    with pytest.raises(ValueError, match=rf"{op_name}.*broadcast.*" + _shapes((3, 2), (2, 3))):
        op(np.ones((3, 2)), a)


@pytest.mark.parametrize(
    "call, pattern",
    [
        (lambda a: ag.maximum(a, np.ones(4)), "Maximum.*" + _shapes((2, 3), (4,))),
        (lambda a: ag.where(np.ones(4, dtype=bool), a, a), "Where.*" + _shapes((4,), (2, 3))),
        (lambda a: a.reshape(4), "Reshape.*size 6.*" + _shapes((2, 3))),
        (lambda a: a.sum(axis=3), "Sum.*axis 3.*" + _shapes((2, 3))),
        (lambda a: a.broadcast_to((3, 3)), "BroadcastTo.*" + _shapes((2, 3), (3, 3))),
        (lambda a: a[5], "GetItem.*index 5.*" + _shapes((2, 3))),
        (lambda a: ag.concatenate([a, np.ones((2, 4))]), "Concatenate.*" + _shapes((2, 3), (2, 4))),
        (lambda a: Tensor(np.ones(0)).max(), r"Max.*over an axis of length 0.*\(0,\)"),
    ],
)
def test_other_shape_errors_name_the_op(call, pattern):
    with pytest.raises((ValueError, IndexError), match=pattern):
        call(Tensor(np.ones((2, 3)), requires_grad=True))


@pytest.mark.parametrize("dtype", [np.int8, np.int64, np.uint16, np.bool_])
def test_integer_tensor_that_requires_grad_is_a_type_error(dtype):
    with pytest.raises(TypeError, match=rf"floating-point.*{np.dtype(dtype).name}"):
        Tensor(np.zeros(3, dtype=dtype), requires_grad=True)
    with pytest.raises(TypeError, match="floating-point"):
        ag.zeros(3, dtype=dtype, requires_grad=True)


def test_wrong_gradient_shape_for_backward():
    y = Tensor(np.ones((2, 3)), requires_grad=True).sum(axis=0)
    with pytest.raises(RuntimeError, match=r"grad has shape \(2,\) but the output has shape \(3,\)"):
        y.backward(np.ones(2))


def test_requires_grad_cannot_be_turned_off_on_a_result():
    y = Tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="leaf.*detach"):
        y.requires_grad_(False)
