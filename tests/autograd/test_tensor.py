"""Tensor: construction and dtype rules (SPEC §4), attributes, operators, comparisons,
indexing and NumPy interop."""

from __future__ import annotations

import operator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
from autograd import Tensor

# ---------------------------------------------------------------- construction and dtypes


@pytest.mark.parametrize("data", [1, 2.5, [1, 2, 3], [[1.0, 2.0]], [1, 2.5], 0])
def test_python_numbers_become_float64(data):
    t = Tensor(data)
    assert t.dtype == np.float64
    np.testing.assert_array_equal(t.data, np.asarray(data, dtype=np.float64))


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8, np.float32, np.float64, np.bool_])
def test_numpy_arrays_keep_their_dtype(dtype):
    array = np.ones((2, 3), dtype=dtype)
    assert Tensor(array).dtype == dtype
    assert Tensor(array[0, 0]).dtype == dtype  # a NumPy scalar too


def test_python_bools_stay_bool():
    assert Tensor([True, False]).dtype == np.bool_


def test_dtype_argument_wins():
    assert Tensor([1, 2], dtype=np.float32).dtype == np.float32
    assert Tensor(np.ones(2), dtype="int64").dtype == np.int64


def test_tensor_of_a_tensor_shares_its_data():
    a = Tensor([1.0, 2.0])
    assert Tensor(a).data is a.data


def test_ag_tensor_is_the_constructor():
    t = ag.tensor([1.0, 2.0], requires_grad=True, name="w")
    assert type(t) is Tensor and t.requires_grad and t.name == "w"


@pytest.mark.parametrize(
    "data, kwargs",
    [
        (np.array([1, 2]), {}),
        (np.array([True]), {}),
        ([1.0, 2.0], {"dtype": np.int32}),
        ([True, False], {}),
    ],
)
def test_integer_and_bool_tensors_cannot_require_grad(data, kwargs):
    with pytest.raises(TypeError, match=r"floating-point.*(int|bool)"):
        Tensor(data, requires_grad=True, **kwargs)
    t = Tensor(data, **kwargs)
    with pytest.raises(TypeError, match="floating-point"):
        t.requires_grad_()


@pytest.mark.parametrize("data", [None, "abc", {"a": 1}, [[1.0], [1.0, 2.0]]])
def test_non_numeric_data_is_a_clear_error(data):
    with pytest.raises((TypeError, ValueError), match="Tensor"):
        Tensor(data)


# ---------------------------------------------------------------- attributes


def test_leaf_attributes():
    t = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, name="x")
    assert isinstance(t.data, np.ndarray)
    assert t.grad is None and t.grad_fn is None and t.is_leaf and t.requires_grad
    assert (t.name, t.shape, t.ndim, t.size, t.dtype, len(t)) == ("x", (2, 3), 2, 6, np.float64, 2)
    np.testing.assert_array_equal(t.T.data, t.data.T)
    assert t.numpy() is t.data
    assert Tensor([[3.5]]).item() == 3.5 and isinstance(Tensor([[3.5]]).item(), float)
    assert "requires_grad=True" in repr(t) and "'x'" in repr(t)


def test_result_attributes():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    assert not y.is_leaf and y.requires_grad and y.grad_fn is not None and y.grad is None
    assert "Mul" in repr(y.grad_fn) and "grad_fn=<Mul>" in repr(y)
    z = Tensor([1.0, 2.0]) * 2  # nothing requires grad: nothing is recorded
    assert z.is_leaf and not z.requires_grad and z.grad_fn is None


def test_detach_shares_memory_and_leaves_the_graph():
    x = Tensor([1.0, 2.0], requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad and d.is_leaf
    y = x * 1
    assert y.detach().data is y.data


def test_copy_and_astype_are_differentiable():
    x = Tensor([1.0, 2.0], requires_grad=True)
    c = x.copy()
    assert not np.shares_memory(c.data, x.data)
    h = x.astype(np.float32)
    assert h.dtype == np.float32
    (c * 3 + h * 2).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad.data, [5.0, 5.0])


def test_iteration_yields_differentiable_rows():
    x = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    rows = list(x)
    assert [r.shape for r in rows] == [(2,)] * 3
    (rows[0] * 1 + rows[2] * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[1, 1], [0, 0], [2, 2]])


# ---------------------------------------------------------------- operators

BINARY = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
}

broadcasting_pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)


@settings(max_examples=25, deadline=None)
@given(shapes=broadcasting_pairs, symbol=st.sampled_from(sorted(BINARY)), seed=st.integers(0, 2**16))
def test_binary_operators_broadcast_with_correct_grads(shapes, symbol, seed, finite_difference_grad):
    rng = np.random.default_rng(seed)
    (shape_a, shape_b), out_shape = shapes.input_shapes, shapes.result_shape
    a = Tensor(rng.uniform(0.5, 2.0, shape_a), requires_grad=True)  # positive: ** and / stay smooth
    b = Tensor(rng.uniform(0.5, 2.0, shape_b), requires_grad=True)
    op = BINARY[symbol]
    out = op(a, b)
    np.testing.assert_allclose(out.data, op(a.data, b.data))
    assert out.shape == out_shape
    grad_output = rng.standard_normal(out_shape)
    out.backward(grad_output)
    expected = finite_difference_grad(op, [a, b], grad_output)
    for tensor, numerical in zip((a, b), expected):
        assert tensor.grad.shape == tensor.shape
        np.testing.assert_allclose(tensor.grad.data, numerical, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("symbol", sorted(BINARY))
@pytest.mark.parametrize("other", [2.0, 3, np.float64(1.5), np.array([0.5, 2.0, 1.5])], ids=repr)
def test_reflected_operators_with_scalars_and_ndarrays(symbol, other, finite_difference_grad):
    op = BINARY[symbol]
    x = Tensor([0.7, 1.3, 2.1], requires_grad=True)
    grad_output = np.array([1.0, -2.0, 0.5])
    for fn in (lambda t: op(t, other), lambda t: op(other, t)):
        x.grad = None
        out = fn(x)
        assert type(out) is Tensor and out.requires_grad
        np.testing.assert_allclose(out.data, fn(x.data))
        out.backward(grad_output)
        (expected,) = finite_difference_grad(fn, [x], grad_output)
        np.testing.assert_allclose(x.grad.data, expected, rtol=1e-6)


def test_unary_operators(finite_difference_grad):
    x = Tensor([-1.5, 0.5, 2.0], requires_grad=True)
    assert +x is x
    for fn, reference in ((operator.neg, np.negative), (abs, np.abs), (Tensor.abs, np.abs)):
        x.grad = None
        out = fn(x)
        np.testing.assert_array_equal(out.data, reference(x.data))
        out.backward(np.array([1.0, 2.0, 3.0]))
        (expected,) = finite_difference_grad(fn, [x], np.array([1.0, 2.0, 3.0]))
        np.testing.assert_allclose(x.grad.data, expected, rtol=1e-6)


def test_matmul_operator_and_reflected_with_ndarray():
    w = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    left = np.ones((4, 2))
    out = left @ w
    assert type(out) is Tensor and out.shape == (4, 3)
    out.sum().backward()
    np.testing.assert_array_equal(w.grad.data, np.full((2, 3), 4.0))
    np.testing.assert_array_equal((w @ np.ones(3)).data, w.data @ np.ones(3))


# ---------------------------------------------------------------- comparisons

COMPARISONS = [operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne]


@pytest.mark.parametrize("compare", COMPARISONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("other", [0.0, np.array([1.0, 0.0, -1.0]), Tensor([1.0, 0.0, -1.0], requires_grad=True)])
def test_comparisons_give_bool_tensors_that_never_require_grad(compare, other):
    x = Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    for result, expected in (
        (compare(x, other), compare(x.data, np.asarray(other))),
        (compare(np.asarray(other), x), compare(np.asarray(other), x.data)),
    ):
        assert type(result) is Tensor and result.dtype == np.bool_
        assert not result.requires_grad and result.grad_fn is None
        np.testing.assert_array_equal(result.data, expected)


def test_multiplying_by_a_comparison_backpropagates():
    t = Tensor([-2.0, 3.0, -0.5, 1.0], requires_grad=True)
    (t * (t < 0)).sum().backward()
    np.testing.assert_array_equal(t.grad.data, [1.0, 0.0, 1.0, 0.0])


def test_tensors_hash_by_identity():
    a, b = Tensor([1.0]), Tensor([1.0])
    assert len({a, b}) == 2 and {a: 1}[a] == 1


# ---------------------------------------------------------------- indexing


@pytest.mark.parametrize(
    "index",
    [0, -1, slice(1, 3), slice(None, None, -2), (Ellipsis, 1), (None, 1), (1, slice(0, 2)), ()],
    ids=repr,
)
def test_basic_indexing(index, finite_difference_grad):
    x = Tensor(np.arange(12.0).reshape(3, 4) / 7, requires_grad=True)
    out = x[index]
    np.testing.assert_array_equal(out.data, x.data[index])
    grad_output = np.random.default_rng(0).standard_normal(out.shape)
    out.backward(grad_output)
    (expected,) = finite_difference_grad(lambda t: t[index], [x], grad_output)
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("as_type", [list, np.array, Tensor], ids=["list", "ndarray", "Tensor"])
def test_repeated_integer_indices_accumulate(as_type):
    x = Tensor(np.arange(5.0), requires_grad=True)
    index = as_type([0, 3, 0, 0, 4])
    if as_type is Tensor:
        index = Tensor(np.array([0, 3, 0, 0, 4]))
    out = x[index]
    np.testing.assert_array_equal(out.data, [0.0, 3.0, 0.0, 0.0, 4.0])
    out.backward(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    np.testing.assert_array_equal(x.grad.data, [1 + 3 + 4, 0, 0, 2, 5])


def test_repeated_index_pairs_and_mixed_advanced_indexing(finite_difference_grad):
    x = Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    rows, cols = np.array([0, 2, 0, 0]), np.array([1, 3, 1, 1])
    for index in ((rows, cols), (rows, slice(1, 3)), (Ellipsis, [3, 3])):
        x.grad = None
        grad_output = np.random.default_rng(1).standard_normal(x.data[index].shape)
        x[index].backward(grad_output)
        expected = np.zeros_like(x.data)
        np.add.at(expected, index, grad_output)
        np.testing.assert_allclose(x.grad.data, expected)
        (numerical,) = finite_difference_grad(lambda t, index=index: t[index], [x], grad_output)
        np.testing.assert_allclose(x.grad.data, numerical, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("as_tensor", [False, True])
def test_boolean_mask_indexing(as_tensor):
    x = Tensor([[1.0, -2.0], [-3.0, 4.0]], requires_grad=True)
    mask = x > 0 if as_tensor else x.data > 0
    out = x[mask]
    np.testing.assert_array_equal(out.data, [1.0, 4.0])
    out.backward(np.array([10.0, 20.0]))
    np.testing.assert_array_equal(x.grad.data, [[10.0, 0.0], [0.0, 20.0]])


# ---------------------------------------------------------------- NumPy interop


def test_asarray_gives_the_data():
    t = Tensor([1.0, 2.0], requires_grad=True)
    assert np.asarray(t) is t.data
    assert np.asarray(t, dtype=np.float32).dtype == np.float32


def test_ndarray_on_either_side_gives_a_recorded_tensor():
    t = Tensor([1.0, 2.0], requires_grad=True)
    for out in (np.array([3.0, 4.0]) * t, t * np.array([3.0, 4.0]), np.array([3.0, 4.0]) - t):
        assert type(out) is Tensor and out.requires_grad
    (np.array([3.0, 4.0]) * t + np.float64(2.0) * t).sum().backward()
    np.testing.assert_array_equal(t.grad.data, [5.0, 6.0])


def test_numpy_functions_on_tensors_are_recorded_ops():
    t = Tensor([[0.5, 1.0], [1.5, 2.0]], requires_grad=True)
    out = np.sum(np.exp(t), axis=0) + np.mean(np.maximum(t, 1.0))
    assert type(out) is Tensor and out.shape == (2,)
    out.sum().backward()
    tie_and_win = np.where(t.data > 1.0, 1.0, np.where(t.data == 1.0, 0.5, 0.0))
    np.testing.assert_allclose(t.grad.data, np.exp(t.data) + 2 * tie_and_win / 4)


def test_numpy_comparison_ufuncs_give_constant_tensors():
    t = Tensor([1.0, -1.0], requires_grad=True)
    for out in (np.greater(t, 0), np.isfinite(t), np.sign(t)):
        assert type(out) is Tensor and not out.requires_grad
