"""Custom ops: the `Function` contract that every built-in op also follows."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis.extra import numpy as hnp

import autograd as ag
from autograd import Tensor


class Cube(ag.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return 3 * x**2 * grad_output


def test_custom_op_first_and_second_derivative(finite_difference_grad):
    x = Tensor([0.5, -1.5, 2.0], requires_grad=True)
    y = Cube.apply(x)
    assert y.grad_fn.name == "Cube" and isinstance(y.grad_fn, Cube)
    np.testing.assert_array_equal(y.data, x.data**3)
    grad_output = np.array([1.0, -2.0, 0.5])
    y.backward(grad_output)
    np.testing.assert_allclose(x.grad.data, 3 * x.data**2 * grad_output)
    (second,) = ag.grad(ag.grad(Cube.apply(x).sum(), x, create_graph=True)[0].sum(), x)
    np.testing.assert_allclose(second.data, 6 * x.data)


class Record(ag.Function):
    """a * b * scale and a + b: records what the engine hands over, for the tests to inspect."""

    seen: dict = {}

    @staticmethod
    def forward(ctx, a, b, scale):
        Record.seen["forward_args"] = (type(a), type(b), scale)
        Record.seen["needs_in_forward"] = ctx.needs_input_grad
        ctx.save_for_backward(a, b)
        ctx.scale = scale
        return a * b * scale, a + b

    @staticmethod
    def backward(ctx, grad_product, grad_sum):
        a, b = ctx.saved_tensors
        Record.seen["needs"] = ctx.needs_input_grad
        Record.seen["grads"] = (np.array(grad_product), np.array(grad_sum))
        grad_a = grad_product * b * ctx.scale + grad_sum if ctx.needs_input_grad[0] else None
        grad_b = grad_product * a * ctx.scale + grad_sum if ctx.needs_input_grad[1] else None
        return grad_a, grad_b, None


def test_several_inputs_and_outputs_with_a_non_tensor_argument():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 5.0], requires_grad=True)
    product, total = Record.apply(a, b, 2.0)
    assert Record.seen["forward_args"] == (np.ndarray, np.ndarray, 2.0)
    assert product.grad_fn is total.grad_fn
    np.testing.assert_array_equal(product.data, [6.0, 20.0])
    np.testing.assert_array_equal(total.data, [4.0, 7.0])
    (product.sum() + 10 * total.sum()).backward()
    np.testing.assert_array_equal(a.grad.data, 2 * b.data + 10)
    np.testing.assert_array_equal(b.grad.data, 2 * a.data + 10)


def test_unused_output_gets_a_zero_gradient_and_node_runs_once():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 5.0], requires_grad=True)
    product, _ = Record.apply(a, b, 1.0)
    product.sum().backward()
    np.testing.assert_array_equal(Record.seen["grads"][1], [0.0, 0.0])
    np.testing.assert_array_equal(a.grad.data, b.data)


def test_both_outputs_used_without_retain_graph():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = np.array([3.0, 5.0])
    product, total = Record.apply(a, Tensor(b), 1.0)
    (product * total).sum().backward()  # one node reached through both outputs: sum(a^2 b + a b^2)
    np.testing.assert_array_equal(a.grad.data, 2 * a.data * b + b * b)


def test_needs_input_grad_in_forward_and_backward():
    a = Tensor([1.0], requires_grad=True)
    Record.apply(a, Tensor([2.0]), 1.0)[0].sum().backward()
    assert Record.seen["needs_in_forward"] == (True, False, False)
    assert Record.seen["needs"] == (True, False, False)
    with ag.no_grad():
        Record.apply(a, a, 1.0)
    assert Record.seen["needs_in_forward"] == (False, False, False)


def test_backward_may_return_none_for_inputs():
    class OnlyFirst(ag.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output, None

    a = Tensor([1.0], requires_grad=True)
    b = Tensor([1.0], requires_grad=True)
    OnlyFirst.apply(a, b).sum().backward()
    assert a.grad.item() == 1.0 and b.grad is None


class BroadcastAdd(ag.Function):
    """Returns the output-shaped gradient for both inputs: reducing it is the engine's job."""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, grad_output


@settings(max_examples=25, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3))
def test_the_engine_reduces_broadcast_gradients(shapes):
    shape_a, shape_b = shapes.input_shapes
    a = Tensor(np.ones(shape_a), requires_grad=True)
    b = Tensor(np.ones(shape_b), requires_grad=True)
    grad_output = np.arange(float(np.prod(shapes.result_shape))).reshape(shapes.result_shape)
    BroadcastAdd.apply(a, b).backward(grad_output)
    for tensor, shape in ((a, shape_a), (b, shape_b)):
        assert tensor.grad.shape == shape
        np.testing.assert_allclose(tensor.grad.data, _reduce_to(grad_output, shape))


def _reduce_to(gradient, shape):
    """The reference reduction: sum the leading axes away, then the axes that were 1."""
    gradient = gradient.sum(axis=tuple(range(gradient.ndim - len(shape))))
    return gradient.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True).reshape(shape)


def test_a_shape_error_in_forward_names_the_op_and_shapes():
    class Outer(ag.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a @ b

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output, grad_output

    with pytest.raises(ValueError, match=r"Outer.*\(2, 3\), \(4, 5\)"):
        Outer.apply(Tensor(np.ones((2, 3))), Tensor(np.ones((4, 5))))


def test_contract_violations_are_clear_errors():
    class TooFew(ag.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output

    class WrongShape(ag.Function):
        @staticmethod
        def forward(ctx, a):
            return a.sum()

        @staticmethod
        def backward(ctx, grad_output):
            return np.ones(5)

    class ReturnsTensor(ag.Function):
        @staticmethod
        def forward(ctx, a):
            return Tensor(a)

    class NoBackward(ag.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

    a = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"TooFew.backward returned 1 gradients but forward took 2"):
        TooFew.apply(a, a).sum().backward()
    with pytest.raises(RuntimeError, match=r"WrongShape.backward.*\(5,\).*input 0.*\(2,\)"):
        WrongShape.apply(a).backward()
    with pytest.raises(TypeError, match="ReturnsTensor.forward returned a Tensor"):
        ReturnsTensor.apply(a)
    with pytest.raises(NotImplementedError, match="backward"):
        NoBackward.apply(a).sum().backward()


def test_built_in_ops_are_functions():
    y = Tensor([1.0], requires_grad=True).exp()
    assert isinstance(y.grad_fn, ag.Function) and y.grad_fn.name == "Exp"


def test_next_functions_name_each_inputs_producer_as_pytorch_does():
    """(node, output number) for a computed input, (tensor, None) for a leaf, None for no gradient."""
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 5.0], requires_grad=True)
    product, total = Record.apply(a, b, 2.0)
    z = ag.where(np.array([True, False]), product, total)
    assert z.grad_fn.next_functions == (None, (product.grad_fn, 0), (total.grad_fn, 1))
    leaf_edges = product.grad_fn.next_functions
    assert leaf_edges[0][0] is a and leaf_edges[0][1] is None
    assert leaf_edges[1][0] is b and leaf_edges[2] is None
    z.sum().backward()
    np.testing.assert_array_equal(a.grad.data, [2 * 3.0 + 0, 0 + 1])  # d/da of [a0 b0 2, a1 + b1]


def test_a_subclass_of_a_custom_op_applies_its_own_forward():
    class Double(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return 2 * x

        @staticmethod
        def backward(ctx, grad_output):
            return 2 * grad_output

    class Triple(Double):
        @staticmethod
        def forward(ctx, x):
            return 3 * x

        @staticmethod
        def backward(ctx, grad_output):
            return 3 * grad_output

    x = Tensor([1.0], requires_grad=True)
    y = Triple.apply(Double.apply(x))
    assert type(y.grad_fn) is Triple and y.data[0] == 6.0
    y.backward()
    assert x.grad.data[0] == 6.0


@pytest.mark.parametrize("returns", ["array", "tensor"])
def test_grad_is_a_tensor_after_create_graph_whatever_a_custom_backward_returns(returns):
    # A backward that returns a plain array (not differentiable, but allowed) used to leave a raw
    # ndarray in `.grad` under create_graph=True; a returned Tensor was unwrapped without it.
    class Double(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0

        @staticmethod
        def backward(ctx, grad_output):
            array = np.asarray(getattr(grad_output, "data", grad_output)) * 2.0
            return array if returns == "array" else Tensor(array)

    for create_graph in (False, True):
        x = Tensor([1.0, 2.0], requires_grad=True)
        Double.apply(x).sum().backward(create_graph=create_graph)
        assert type(x.grad) is Tensor and type(x.grad.data) is np.ndarray
        np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])
