"""In-place ops: recorded and differentiated; a modified saved tensor is caught; `.data` is untracked."""

from __future__ import annotations

import gc

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor


def test_augmented_assignments_are_recorded(finite_difference_grad):
    def f(x, w):
        y = x * 1.0
        buffer = y.data
        y += x * w
        y -= 0.5
        y *= x
        y /= w
        assert y.data is buffer  # really in place
        return y

    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = Tensor([0.5, 1.5, -2.0], requires_grad=True)
    grad_output = np.array([1.0, -1.0, 2.0])
    y = f(x, w)
    np.testing.assert_allclose(y.data, (x.data + x.data * w.data - 0.5) * x.data / w.data)
    assert y.grad_fn.name == "Div"
    y.backward(grad_output)
    expected_x, expected_w = finite_difference_grad(f, [x, w], grad_output)
    np.testing.assert_allclose(x.grad.data, expected_x, rtol=1e-6)
    np.testing.assert_allclose(w.grad.data, expected_w, rtol=1e-6)


def test_setitem_is_recorded(finite_difference_grad):
    def f(x, v):
        y = x * 2
        y[1] = v[0] * 10
        y[np.array([0, 3])] = v  # integer-array assignment
        y[y.data > 100] = 0.0  # boolean-mask assignment of a constant
        return y

    x = Tensor([1.0, 2.0, 3.0, 4.0, 60.0], requires_grad=True)
    v = Tensor([7.0, -3.0], requires_grad=True)
    grad_output = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    y = f(x, v)
    np.testing.assert_array_equal(y.data, [7.0, 70.0, 6.0, -3.0, 0.0])
    y.backward(grad_output)
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 6.0, 0.0, 0.0])
    np.testing.assert_array_equal(v.grad.data, [1.0 + 20.0, 4.0])
    expected_x, expected_v = finite_difference_grad(f, [x, v], grad_output)
    np.testing.assert_allclose(x.grad.data, expected_x, atol=1e-7)
    np.testing.assert_allclose(v.grad.data, expected_v, rtol=1e-6)


def test_inplace_on_a_constant_with_a_grad_requiring_value():
    w = Tensor([3.0, 4.0], requires_grad=True)
    a = Tensor([1.0, 2.0])
    a += w
    a[0] = w[1] * 2
    assert a.requires_grad and not a.is_leaf
    a.sum().backward()
    np.testing.assert_array_equal(w.grad.data, [0.0, 3.0])


def test_inplace_without_grad_is_plain_numpy():
    a = Tensor([1.0, 2.0])
    buffer = a.data
    a *= 3
    a[0] = -1
    assert a.data is buffer and a.is_leaf and not a.requires_grad
    np.testing.assert_array_equal(a.data, [-1.0, 6.0])


@pytest.mark.parametrize(
    "modify, op_name",
    [
        (lambda t: t.__iadd__(1.0), "Mul"),
        (lambda t: t.__imul__(2.0), "Mul"),
        (lambda t: t.__setitem__(0, 5.0), "Mul"),
    ],
)
def test_modifying_a_saved_input_then_backward_names_the_op(modify, op_name):
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y * y  # Mul saves y
    modify(y)
    with pytest.raises(RuntimeError, match=rf"needed by {op_name} for backward.*modified by an in-place"):
        z.sum().backward()


def test_modifying_a_saved_output_then_backward_names_the_op():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()  # Exp saves its output
    total = y.sum()
    y *= 2
    with pytest.raises(RuntimeError, match=r"needed by Exp for backward, its output"):
        total.backward()


def test_modifying_a_leaf_under_no_grad_before_backward_is_caught():
    w = Tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    with ag.no_grad():
        w -= 0.1  # an optimizer step taken too early
    with pytest.raises(RuntimeError, match="needed by Mul"):
        loss.backward()


def test_modifying_a_tensor_no_op_saved_is_fine():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y + 1  # Add saves nothing
    y += 100
    z.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


def test_ops_recorded_after_the_modification_are_fine():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y += 1
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad.data, 4 * (2 * x.data + 1))


@pytest.mark.parametrize("modify", [lambda t: t.__iadd__(1.0), lambda t: t.__setitem__(0, 1.0)])
def test_inplace_on_a_leaf_that_requires_grad_is_an_error(modify):
    w = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"in-place \w+ on a leaf tensor that requires grad.*no_grad"):
        modify(w)
    np.testing.assert_array_equal(w.data, [1.0, 2.0])


def test_optimizer_style_update_under_no_grad():
    w = Tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        (w * w).sum().backward()
        with ag.no_grad():
            w -= 0.25 * w.grad
        w.grad = None
    assert w.is_leaf and w.requires_grad
    np.testing.assert_allclose(w.data, np.array([1.0, 2.0]) * 0.5**3)


def test_data_is_the_untracked_escape_hatch():
    w = Tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    w.data[...] = [10.0, 20.0]  # not seen by the version counter, as in PyTorch
    loss.backward()
    np.testing.assert_array_equal(w.grad.data, [20.0, 40.0])
    w.data -= 1.0
    assert w.is_leaf and w.grad_fn is None


def test_inplace_errors_for_shapes_dtypes_and_read_only_arrays():
    y = Tensor([1.0, 2.0], requires_grad=True) * 1
    with pytest.raises(RuntimeError, match=r"in-place Add.*\(2, 2\).*\(2,\)"):
        y += np.ones((2, 2))
    counts = Tensor(np.array([1, 2]))
    with pytest.raises(TypeError, match="in-place Add.*float64.*int64"):
        counts += 0.5
    view = Tensor(1.0).broadcast_to((3,))
    with pytest.raises(RuntimeError, match="read-only"):
        view += 1.0


def test_modifying_a_view_of_a_saved_tensor_is_caught():
    x = Tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = x * 2
    total = (y * y).sum()  # Mul saves y's buffer
    view = y.reshape(2, 2)
    view += 1  # writes into y's buffer
    with pytest.raises(RuntimeError, match="needed by Mul"):
        total.backward()


@pytest.mark.parametrize(
    "make_view",
    [lambda y: y.T, lambda y: y[1], lambda y: y[:, ::2], lambda y: y.reshape(-1)],
    ids=["transpose", "row", "strided-slice", "reshape"],
)
def test_writing_through_any_view_of_a_saved_buffer_is_caught(make_view):
    x = Tensor(np.arange(1.0, 7.0).reshape(2, 3), requires_grad=True)
    y = x.exp()  # Exp saves its output, y's buffer
    total = y.sum()
    view = make_view(y)
    view += 1
    with pytest.raises(RuntimeError, match="needed by Exp"):
        total.backward()


def test_writing_into_a_copy_is_fine_and_versions_of_freed_buffers_are_forgotten():
    from autograd import inplace

    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    total = y.sum()
    other = y.copy()
    other += 1
    total.backward()
    np.testing.assert_allclose(x.grad.data, np.exp([1.0, 2.0]))
    before = len(inplace._buffer_versions)
    for _ in range(100):
        z = x * 1.0
        z += 1
    del z, other
    gc.collect()
    assert len(inplace._buffer_versions) <= before
