"""Tests written to kill the engine mutants that survived mutation testing (see README,
"Mutation testing"): exact error messages, rarely taken engine paths, and the op mechanism
itself. Custom ops are defined inside the tests on purpose: `Function.apply` is built when a
class is created, so a class made at test time runs the current `_make_apply`."""

from __future__ import annotations

import re
import weakref

import numpy as np
import pytest

import autograd as ag


def leaf(values, dtype=np.float64) -> ag.Tensor:
    return ag.Tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def two_outputs_op(save_outputs: bool = False) -> type[ag.Function]:
    class TwoOutputs(ag.Function):
        """(2x, 3x)."""

        @staticmethod
        def forward(ctx, x):
            first, second = x * 2.0, x * 3.0
            if save_outputs:
                ctx.save_for_backward(first, second)
            return first, second

        @staticmethod
        def backward(ctx, grad_first, grad_second):
            return 2.0 * grad_first + 3.0 * grad_second

    return TwoOutputs


# ------------------------------------------------------------------ the op mechanism (_make_apply)


def test_a_unary_op_made_at_test_time_records_its_edge_and_output_index():
    class Square(ag.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return 2.0 * x * grad_output

    x = leaf([1.0, -2.0])
    y = Square.apply(x)
    assert y.requires_grad and y.grad_fn.name == "Square" and y.grad_fn.next_functions == ((x, None),)
    assert y.grad_fn.inputs == (x,)
    np.testing.assert_array_equal(y.data, [1.0, 4.0])
    z = Square.apply(y)
    assert z.grad_fn.next_functions == ((y.grad_fn, 0),)
    first, second = two_outputs_op().apply(x)
    on_second = Square.apply(second)
    assert on_second.grad_fn.next_functions == ((second.grad_fn, 1),)
    (g,) = ag.grad(on_second.sum(), [x])
    np.testing.assert_allclose(g.data, 18.0 * x.data)
    with ag.no_grad():
        assert Square.apply(x).grad_fn is None and not Square.apply(x).requires_grad
    constant = Square.apply(ag.Tensor([3.0]))
    assert not constant.requires_grad and constant.grad_fn is None
    np.testing.assert_array_equal(Square.apply(np.array([3.0])).data, [9.0])  # arrays are accepted


def test_a_binary_op_made_at_test_time_records_both_edges():
    class Product(ag.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            assert ctx.needs_input_grad == (needs[0], needs[1])  # readable inside forward
            return a * b

        @staticmethod
        def backward(ctx, grad_output):
            a, b = ctx.saved_tensors
            return grad_output * b, grad_output * a

    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    needs = (True, True)
    y = Product.apply(a, b)
    assert y.grad_fn.next_functions == ((a, None), (b, None))
    ga, gb = ag.grad(y.sum(), [a, b])
    np.testing.assert_array_equal(ga.data, [3.0, 4.0])
    np.testing.assert_array_equal(gb.data, [1.0, 2.0])
    needs = (False, True)
    y = Product.apply(a.detach(), b)
    assert y.grad_fn.next_functions == (None, (b, None))
    needs = (True, False)
    y = Product.apply(a, 5.0)
    assert y.grad_fn.next_functions == ((a, None), None) and y.grad_fn.inputs == (a, 5.0)
    needs = (False, False)
    with ag.no_grad():
        assert Product.apply(a, b).grad_fn is None
    assert Product.apply(a.detach(), b.detach()).requires_grad is False
    needs = (True, True)
    first, second = two_outputs_op().apply(a)
    y = Product.apply(second, first)
    assert y.grad_fn.next_functions == ((second.grad_fn, 1), (first.grad_fn, 0))
    (g,) = ag.grad(y.sum(), [a])
    np.testing.assert_allclose(g.data, 12.0 * a.data)


def test_an_op_with_three_arguments_made_at_test_time():
    class Affine(ag.Function):
        @staticmethod
        def forward(ctx, x, w, b):
            ctx.save_for_backward(x, w)
            return x * w + b

        @staticmethod
        def backward(ctx, grad_output):
            x, w = ctx.saved_tensors
            return grad_output * w, grad_output * x, grad_output

    x, w, b = leaf([1.0, 2.0]), leaf([3.0, 4.0]), leaf([0.5, 0.5])
    y = Affine.apply(x, w, b)
    assert y.grad_fn.next_functions == ((x, None), (w, None), (b, None))
    gx, gw, gb = ag.grad(y.sum(), [x, w, b])
    np.testing.assert_array_equal(gx.data, [3.0, 4.0])
    np.testing.assert_array_equal(gw.data, [1.0, 2.0])
    np.testing.assert_array_equal(gb.data, [1.0, 1.0])
    y = Affine.apply(x.detach(), w, 1.0)
    assert y.grad_fn.next_functions == (None, (w, None), None)
    with ag.no_grad():
        assert Affine.apply(x, w, b).grad_fn is None
    first, second = two_outputs_op().apply(x)
    y = Affine.apply(second, w.detach(), first)
    assert y.grad_fn.next_functions == ((second.grad_fn, 1), None, (first.grad_fn, 0))
    (g,) = ag.grad(y.sum(), [x])
    np.testing.assert_allclose(g.data, 3.0 * w.data + 2.0)


def test_a_multi_output_op_made_at_test_time():
    op = two_outputs_op()
    x = leaf([1.0, 2.0])
    first, second = op.apply(x)
    assert first.grad_fn is second.grad_fn and first.requires_grad and second.requires_grad
    assert first._output_nr == 0 and second._output_nr == 1
    assert first.grad_fn.inputs == (x,)
    np.testing.assert_array_equal(second.data, [3.0, 6.0])
    with ag.no_grad():
        a, b = op.apply(x)
    assert a.grad_fn is None and b.grad_fn is None and not a.requires_grad and not b.requires_grad
    a, b = op.apply(x.detach())
    assert a.grad_fn is None and not b.requires_grad


def test_forward_returning_a_scalar_list_tensor_or_none():
    class ToScalar(ag.Function):
        @staticmethod
        def forward(ctx, x):
            total = np.float64(x.sum())  # a NumPy scalar, not an array
            ctx.save_for_backward(x, total)
            return total

        @staticmethod
        def backward(ctx, grad_output):
            x, total = ctx.saved_tensors
            assert isinstance(total, np.ndarray)  # what forward saved of its output became the array too
            return np.ones_like(x) * grad_output

    x = leaf([1.0, 2.0])
    y = ToScalar.apply(x)
    assert type(y.data) is np.ndarray and y.shape == ()
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])

    class Pair(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum(), [1.0, 2.0]

        @staticmethod
        def backward(ctx, g0, g1):
            return np.full(2, float(g0))

    a, b = Pair.apply(x)
    assert type(a.data) is np.ndarray and type(b.data) is np.ndarray and b.data.tolist() == [1.0, 2.0]

    class ReturnsTensor(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return ag.Tensor(x)

    with pytest.raises(TypeError, match=r"^ReturnsTensor.forward returned a Tensor; forward works on NumPy arrays"):
        ReturnsTensor.apply(x)

    class ReturnsNone(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return None

    with pytest.raises(TypeError, match=r"^ReturnsNone.forward returned None; it must return an array or a tuple"):
        ReturnsNone.apply(x)


def test_a_shape_error_in_forward_names_the_op_and_the_input_shapes_once():
    class Mismatch(ag.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

    with pytest.raises(ValueError) as info:
        Mismatch.apply(leaf([1.0, 2.0]), np.ones(3))
    message = str(info.value)
    assert message.startswith("Mismatch: operands could not be broadcast") and message.endswith("(inputs: (2,), (3,))")

    class Wrapper(ag.Function):
        """An op whose forward runs another op on Tensors: the inner error is named once, by the inner op."""

        @staticmethod
        def forward(ctx, x):
            return (ag.Tensor(x) + ag.ones(5)).data

    with pytest.raises(ValueError) as info:
        Wrapper.apply(leaf([1.0, 2.0, 3.0]))
    message = str(info.value)
    assert message.startswith("Add: operands could not be broadcast") and "Wrapper" not in message

    class BadIndex(ag.Function):
        @staticmethod
        def forward(ctx, x, index):
            return x[index]

    with pytest.raises(IndexError, match=r"^BadIndex: .*\(inputs: \(2,\), 7\)$"):
        BadIndex.apply(leaf([1.0, 2.0]), 7)


def test_anomaly_mode_checks_forward_of_an_op_made_at_test_time():
    class Reciprocal(ag.Function):
        @staticmethod
        def forward(ctx, x):
            with np.errstate(divide="ignore"):
                return 1.0 / x

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output

    x = leaf([0.0, 1.0])
    with ag.detect_anomaly():
        with pytest.raises(FloatingPointError, match=r"Reciprocal forward produced NaN or inf.*\[\(2,\)\]"):
            Reciprocal.apply(x)
    y = Reciprocal.apply(x)  # outside anomaly mode: recorded, no check
    assert y.data[0] == np.inf

    class NaNBackward(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * np.nan

    with ag.detect_anomaly():
        out = NaNBackward.apply(leaf([1.0, 2.0]))
        with pytest.raises(FloatingPointError) as info:
            out.sum().backward()
    message = str(info.value)
    assert message.startswith("NaNBackward backward produced NaN or inf in gradient 0 (input shapes [(2,)])")
    assert re.search(r"the op was created at \S+:\d+ in \w+", message), message


def test_a_subclass_keeps_its_own_apply_and_the_base_methods_say_what_is_missing():
    def custom_apply(*args):
        return "custom"

    class OwnApply(ag.Function):
        apply = staticmethod(custom_apply)

    assert OwnApply.apply(1) == "custom"

    class NoForward(ag.Function):
        pass

    with pytest.raises(NotImplementedError) as info:
        NoForward.apply(leaf([1.0]))
    assert str(info.value) == "a Function subclass must define a static forward(ctx, *args)"

    class NoBackward(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

    y = NoBackward.apply(leaf([1.0]))
    with pytest.raises(NotImplementedError) as info:
        y.sum().backward()
    assert str(info.value) == "a Function subclass must define a static backward(ctx, *grad_outputs)"


# ------------------------------------------------------------------ the backward engine's rare paths


def test_a_second_backward_through_a_freed_graph_says_so_exactly():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError) as info:
        y.backward()
    assert str(info.value) == (
        "trying to backward through the graph a second time (through Sum): its saved arrays were freed after "
        "the first backward; pass retain_graph=True to the first backward"
    )


def test_a_second_backward_through_a_freed_multi_output_node_raises():
    x = leaf([1.0, 2.0])
    first, second = two_outputs_op().apply(x)
    (first + second).sum().backward()
    with pytest.raises(RuntimeError, match=r"a second time \(through TwoOutputs\)"):
        (second * 2.0).sum().backward()


def test_a_multi_output_node_met_twice_in_one_pass_next_to_another_pending_one():
    """The node's second heap entry, after it ran and was freed, while another multi-output
    node's output 1 is still pending: not a second backward."""
    op = two_outputs_op()
    x = leaf([1.0, -2.0])
    b0, b1 = op.apply(x)
    a0, a1 = op.apply(b1)
    (a0 * a1).sum().backward()  # a0 * a1 = 6 b1**2 = 54 x**2
    np.testing.assert_allclose(x.grad.data, 108.0 * x.data)


def test_a_backward_may_return_fewer_gradients_when_the_rest_need_none():
    class ScaleBy(ag.Function):
        @staticmethod
        def forward(ctx, x, factor):
            ctx.factor = factor
            return x * factor

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * ctx.factor  # one gradient for two arguments: factor needs none

    x = leaf([1.0, 2.0])
    (g,) = ag.grad(ScaleBy.apply(x, 3.0).sum(), [x])
    np.testing.assert_array_equal(g.data, [3.0, 3.0])
    y = ScaleBy.apply(x, leaf(3.0))  # now the second argument needs its gradient
    with pytest.raises(RuntimeError) as info:
        y.sum().backward()
    assert str(info.value) == (
        "ScaleBy.backward returned 1 gradients but forward took 2 arguments; "
        "return one per argument (None for arguments without a gradient)"
    )


def test_modified_saved_arrays_are_named_exactly():
    x = leaf([1.0, 2.0, 3.0])
    base = ag.Tensor([4.0, 5.0, 6.0])
    y = x * base
    base += 1.0
    with pytest.raises(RuntimeError) as info:
        y.sum().backward()
    assert str(info.value) == (
        "one of the arrays needed by Mul for backward, input 1 (shape (3,)), was modified by an in-place "
        "operation after Mul was recorded; use .copy() before the in-place op"
    )

    class SavesItsOutputs(ag.Function):
        @staticmethod
        def forward(ctx, x):
            first, second = np.exp(x), x * 3.0
            ctx.save_for_backward(first)
            return first, second

        @staticmethod
        def backward(ctx, grad_first, grad_second):
            (first,) = ctx.saved_tensors
            return grad_first * first + 3.0 * grad_second

    x = leaf([0.0, 1.0])
    first, second = SavesItsOutputs.apply(x)
    total = first.sum() + second.sum()
    first *= 2.0
    with pytest.raises(RuntimeError, match=r"needed by SavesItsOutputs for backward, its output, was modified"):
        total.backward()

    class SavesAScratchArray(ag.Function):
        @staticmethod
        def forward(ctx, x, scratch):
            ctx.save_for_backward(scratch[1:])
            return x * 2.0

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * 2.0, None

    scratch = ag.Tensor([1.0, 2.0, 3.0])
    y = SavesAScratchArray.apply(leaf([1.0, 2.0]), scratch)
    scratch[0] = 5.0
    with pytest.raises(RuntimeError) as info:
        y.sum().backward()
    assert "SavesAScratchArray for backward, an array of shape (2,) that it saved, was modified" in str(info.value)


# ------------------------------------------------------------------ in-place ops


def test_in_place_errors_say_what_to_do():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError) as info:
        x += 1.0
    assert str(info.value) == (
        "in-place Add on a leaf tensor that requires grad would lose its gradient; "
        "wrap the update in `with ag.no_grad():` or modify `.data`"
    )
    read_only = ag.Tensor(np.broadcast_to(np.ones(2), (3, 2)))
    with pytest.raises(RuntimeError) as info:
        read_only *= 2.0
    assert str(info.value) == (
        "in-place Mul: the tensor's array (shape (3, 2)) is read-only, e.g. a broadcast view; use .copy() first"
    )


def test_in_place_stores_a_wider_float_result_in_the_tensor_dtype():
    t = ag.Tensor(np.array([1.0, 2.0], dtype=np.float32))
    t *= ag.Tensor(np.array(2.0))  # float32 * float64 (0-d array) is float64: stored as float32
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t.data, [2.0, 4.0])
    with pytest.raises(TypeError, match="cannot be stored in"):
        i = ag.Tensor(np.array([1, 2]))
        i *= 1.5


def test_repeated_in_place_writes_register_one_finalizer_per_buffer():
    import gc

    t = ag.Tensor(np.zeros(3))
    t += 1.0
    gc.collect()  # buffers of earlier tests, freed during the loop, would take their finalizers along
    before = len(weakref.finalize._registry)  # type: ignore[attr-defined]
    for _ in range(20):
        t += 1.0
    assert len(weakref.finalize._registry) == before  # type: ignore[attr-defined]
    np.testing.assert_array_equal(t.data, np.full(3, 21.0))


def test_in_place_on_output_one_then_further_ops():
    x = leaf([1.0, 2.0])
    first, second = two_outputs_op().apply(x)
    second *= 4.0
    assert second._output_nr == 0 and second.grad_fn.next_functions == ((first.grad_fn, 1), None)
    (g,) = ag.grad((second.exp() * 0.0 + second).sum(), [x])
    np.testing.assert_allclose(g.data, [12.0, 12.0])


# ------------------------------------------------------------------ reductions, softmax


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1), -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_min_max_logsumexp_forward_match_numpy(axis, keepdims):
    x = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -999.0, -1001.0]])  # rows far apart: a per-row shift
    t = ag.Tensor(x)
    np.testing.assert_array_equal(t.min(axis=axis, keepdims=keepdims).data, np.min(x, axis=axis, keepdims=keepdims))
    np.testing.assert_array_equal(t.max(axis=axis, keepdims=keepdims).data, np.max(x, axis=axis, keepdims=keepdims))
    shift = np.max(x, axis=axis, keepdims=True)
    reference = np.log(np.sum(np.exp(x - shift), axis=axis, keepdims=True)) + shift
    reference = reference if keepdims else np.squeeze(reference, axis=axis)
    out = ag.logsumexp(t, axis=axis, keepdims=keepdims)
    assert out.shape == reference.shape
    np.testing.assert_allclose(out.data, reference, rtol=1e-15)
    if axis == 1:
        np.testing.assert_allclose(
            out.data.reshape(-1),
            [1001.0 + np.log1p(np.exp(-1) + np.exp(-2))] + [-999.0 + np.log1p(np.exp(-1) + np.exp(-2))],
            rtol=1e-15,
        )


def test_reductions_of_an_empty_tensor_name_the_reduction():
    with pytest.raises(ValueError, match=r"cannot take the min over an axis of length 0 \(shape \(0, 3\)"):
        ag.zeros((0, 3)).min()
    with pytest.raises(ValueError, match=r"cannot take the max over an axis of length 0 \(shape \(0, 3\)"):
        ag.zeros((0, 3)).max()


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_family_with_rows_far_apart(axis):
    x = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -999.0, -1001.0]])
    shifted = x - np.max(x, axis=axis, keepdims=True)
    soft = np.exp(shifted) / np.sum(np.exp(shifted), axis=axis, keepdims=True)
    np.testing.assert_allclose(ag.softmax(ag.Tensor(x), axis=axis).data, soft, rtol=1e-14)
    log_soft = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    np.testing.assert_allclose(ag.log_softmax(ag.Tensor(x), axis=axis).data, log_soft, rtol=1e-14, atol=1e-300)


def test_stack_and_pad_functions():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    s = ag.stack([a, b], axis=1)
    np.testing.assert_array_equal(s.data, [[1.0, 3.0], [2.0, 4.0]])
    ga, gb = ag.grad((s * ag.Tensor([[1.0, 2.0], [3.0, 4.0]])).sum(), [a, b])
    np.testing.assert_array_equal(ga.data, [1.0, 3.0])
    np.testing.assert_array_equal(gb.data, [2.0, 4.0])
    p = ag.pad(a, (1, 2), constant_values=9.0)
    np.testing.assert_array_equal(p.data, [9.0, 1.0, 2.0, 9.0, 9.0])
    (g,) = ag.grad((p * ag.arange(5.0)).sum(), [a])
    np.testing.assert_array_equal(g.data, [1.0, 2.0])
    np.testing.assert_array_equal(ag.pad(a, 1).data, [0.0, 1.0, 2.0, 0.0])


def test_where_takes_any_truthy_condition_as_a_mask():
    a, b = leaf([1.0, 2.0, 3.0]), leaf([10.0, 20.0, 30.0])
    condition = np.array([2.0, 0.0, -1.0])  # not bool: nonzero is true, and the gradient is not scaled by it
    out = ag.where(condition, a, b)
    np.testing.assert_array_equal(out.data, [1.0, 20.0, 3.0])
    ga, gb = ag.grad(out.sum(), [a, b])
    np.testing.assert_array_equal(ga.data, [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(gb.data, [0.0, 1.0, 0.0])


def test_pad_widths_may_be_given_as_floats_holding_integers():
    a = leaf([[1.0, 2.0]])
    p = ag.pad(a, ((1.0, 0.0), (0.0, 2.0)))
    np.testing.assert_array_equal(p.data, [[0.0, 0.0, 0.0, 0.0], [1.0, 2.0, 0.0, 0.0]])
    (g,) = ag.grad(p.sum(), [a])
    np.testing.assert_array_equal(g.data, [[1.0, 1.0]])


@pytest.mark.parametrize(("axis", "shape"), [(None, (2,)), (0, (2, 1)), (2, (1, 2)), ((0, 2), (2,)), (-1, (1, 2))])
def test_squeeze_removes_exactly_the_axes_asked_for(axis, shape):
    x = leaf(np.arange(2.0).reshape(1, 2, 1))
    out = ag.squeeze(x, axis) if axis is not None else x.squeeze()
    assert out.shape == shape == np.squeeze(x.data, axis).shape
    (g,) = ag.grad(out.sum(), [x])
    assert g.shape == (1, 2, 1)


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1), -1])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("ddof", [0, 1])
def test_var_matches_numpy(axis, keepdims, ddof):
    x = np.array([[1.0, 2.0, 4.0], [8.0, 16.0, 32.0]])
    t = leaf(x)
    out = t.var(axis=axis, keepdims=keepdims, ddof=ddof)
    expected = np.var(x, axis=axis, keepdims=keepdims, ddof=ddof)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-14)
    np.testing.assert_allclose(ag.var(t, axis=axis, keepdims=keepdims, ddof=ddof).data, expected, rtol=1e-14)
    (g,) = ag.grad(out.sum(), [t])
    count = x.size if axis is None else np.prod([x.shape[a] for a in np.atleast_1d(axis)])
    mean = np.mean(x, axis=axis, keepdims=True)
    np.testing.assert_allclose(g.data, 2.0 * (x - mean) / (count - ddof), rtol=1e-12)


def test_tied_maximum_and_minimum_keep_float32_gradients():
    x = leaf([1.0, 2.0, 3.0], dtype=np.float32)
    y = leaf([1.0, 0.0, 3.0], dtype=np.float32)
    gx, gy = ag.grad((ag.maximum(x, y) + ag.minimum(x, y)).sum(), [x, y])
    assert gx.dtype == np.float32 and gy.dtype == np.float32
    np.testing.assert_array_equal(gx.data, [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(gy.data, [1.0, 1.0, 1.0])


def test_indexing_with_tensors_inside_a_tuple():
    x = leaf(np.arange(6.0).reshape(2, 3))
    rows = ag.Tensor(np.array([1, 0, 1]))
    out = x[(rows, 2)]
    np.testing.assert_array_equal(out.data, [5.0, 2.0, 5.0])
    (g,) = ag.grad(out.sum(), [x])
    np.testing.assert_array_equal(g.data, [[0.0, 0.0, 1.0], [0.0, 0.0, 2.0]])


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_mean_matches_numpy_and_sums_small_integers_without_overflow(axis, keepdims):
    x = np.array([[1.0, 2.0, 4.0], [8.0, 16.0, 32.0]])
    t = leaf(x)
    out = t.mean(axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(out.data, np.mean(x, axis=axis, keepdims=keepdims), rtol=1e-15)
    (g,) = ag.grad(out.sum(), [t])
    count = x.size // np.asarray(out.data).size
    np.testing.assert_allclose(g.data, np.full(x.shape, 1.0 / count), rtol=1e-15)
    small = ag.Tensor(np.array([[100, 100, 100], [120, 120, 120]], dtype=np.int8))
    np.testing.assert_allclose(
        small.mean(axis=axis, keepdims=keepdims).data, np.mean(small.data, axis=axis, keepdims=keepdims)
    )


def test_functions_accept_nested_lists_and_default_arguments():
    np.testing.assert_array_equal(ag.transpose([[1.0, 2.0], [3.0, 4.0]], (1, 0)).data, [[1.0, 3.0], [2.0, 4.0]])
    np.testing.assert_array_equal(ag.transpose([[1.0, 2.0]]).data, [[1.0], [2.0]])
    assert ag.mean([[1, 2], [3, 4]]).data == 2.5
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    assert ag.stack([a, b]).shape == (2, 2) and ag.stack([a, b]).data[1].tolist() == [3.0, 4.0]
    assert ag.var(a).shape == () and ag.var(a).data == 0.25


def test_output_one_as_the_second_argument_of_a_binary_op():
    class Product(ag.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, grad_output):
            a, b = ctx.saved_tensors
            return grad_output * b, grad_output * a

    x = leaf([1.0, 2.0])
    first, second = two_outputs_op().apply(x)
    y = Product.apply(first, second)
    assert y.grad_fn.next_functions == ((first.grad_fn, 0), (second.grad_fn, 1))
    (g,) = ag.grad(y.sum(), [x])
    np.testing.assert_allclose(g.data, 12.0 * x.data)


def test_anomaly_checks_every_output_and_names_arguments_and_site():
    class Outputs(ag.Function):
        @staticmethod
        def forward(ctx, x, scale):
            with np.errstate(divide="ignore"):
                return x.sum() * scale, scale / (x - x)

        @staticmethod
        def backward(ctx, g0, g1):
            return g0, None

    class ZeroD(ag.Function):
        @staticmethod
        def forward(ctx, x, scale):
            return np.asarray(np.inf) * scale

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output, None

    x = leaf([1.0, 2.0])
    with ag.detect_anomaly():
        with pytest.raises(FloatingPointError) as info:
            Outputs.apply(x, 2.0)
        message = str(info.value)
        assert message.startswith("Outputs forward produced NaN or inf in output 1 (input shapes [(2,), ()])"), message
        assert re.search(r"the op was created at \S+:\d+ in \w+", message), message
        with pytest.raises(FloatingPointError, match=r"ZeroD forward produced NaN or inf in output 0"):
            ZeroD.apply(x, 2.0)


def test_a_single_output_op_that_saves_its_output_is_told_apart_when_modified():
    class Exp(ag.Function):
        @staticmethod
        def forward(ctx, x):
            out = np.exp(x)
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, grad_output):
            (out,) = ctx.saved_tensors
            return grad_output * out

    x = leaf([0.0, 1.0])
    y = Exp.apply(x)
    total = y.sum()
    y += 1.0
    with pytest.raises(RuntimeError, match=r"needed by Exp for backward, its output, was modified"):
        total.backward()
    z = Exp.apply(x)
    (g,) = ag.grad(z.sum(), [x], create_graph=True)
    (gg,) = ag.grad(g.sum(), [x])  # second order goes through the saved output
    np.testing.assert_allclose(gg.data, np.exp(x.data), rtol=1e-14)


def test_a_multi_output_op_returning_a_numpy_scalar_it_saved():
    class SumAndDouble(ag.Function):
        @staticmethod
        def forward(ctx, x):
            total = np.float64(x.sum())
            ctx.save_for_backward(total)
            return total, x * 2.0

        @staticmethod
        def backward(ctx, g_total, g_double):
            (total,) = ctx.saved_tensors
            assert isinstance(total, np.ndarray)
            return g_total + 2.0 * g_double

    x = leaf([1.0, 2.0])
    total, double = SumAndDouble.apply(x)
    assert type(total.data) is np.ndarray and total.shape == ()
    (total + double.sum()).backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])


def test_gradients_returned_by_grad_are_plain_leaves():
    x = leaf([1.0, 2.0])
    (g,) = ag.grad((x * x).sum(), [x])
    assert g.requires_grad is False and g.grad_fn is None and g.is_leaf
    (x * 3.0).sum().backward()
    assert x.grad.requires_grad is False and x.grad.grad_fn is None


def test_an_unused_output_gets_a_zero_gradient_of_its_shape():
    class SumAndRows(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum(axis=1), x * 2.0

        @staticmethod
        def backward(ctx, g_sum, g_rows):
            assert g_rows.shape == (2, 3) and not g_rows.any()
            return np.repeat(g_sum[:, None], 3, axis=1) + 2.0 * g_rows

    x = leaf(np.ones((2, 3)))
    total, _ = SumAndRows.apply(x)
    (g,) = ag.grad(total.sum(), [x])
    np.testing.assert_array_equal(g.data, np.ones((2, 3)))


def test_second_order_through_a_saved_second_output():
    class SquareAndCube(ag.Function):
        @staticmethod
        def forward(ctx, x):
            square, cube = x * x, x * x * x
            ctx.save_for_backward(x, cube)
            return square, cube

        @staticmethod
        def backward(ctx, g_square, g_cube):
            x, cube = ctx.saved_tensors
            return 2.0 * x * g_square + 3.0 * cube / x * g_cube

    x = leaf([1.5, -2.0])
    _, cube = SquareAndCube.apply(x)
    (g,) = ag.grad(cube.sum(), [x], create_graph=True)
    np.testing.assert_allclose(g.data, 3.0 * x.data**2, rtol=1e-14)
    (gg,) = ag.grad(g.sum(), [x])
    np.testing.assert_allclose(gg.data, 6.0 * x.data, rtol=1e-14)


def test_a_leaf_gradient_is_writable_even_when_the_backward_gave_a_broadcast_view():
    x = leaf(np.ones(5000))  # large enough for Sum's backward to return a read-only broadcast view
    x.sum().backward()
    assert x.grad.data.flags.writeable
    x.grad.data[...] = 0.0
    y = leaf(np.ones((100, 60)))
    (y.sum(axis=0) * 2.0).sum().backward()
    assert y.grad.data.flags.writeable and np.all(y.grad.data == 2.0)


def test_a_gradient_that_views_an_array_its_op_keeps_is_not_taken_as_it_is():
    class KeepsRows(ag.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.rows = np.zeros((2, x.size))
            return x * 1.0

        @staticmethod
        def backward(ctx, grad_output):
            ctx.rows[0] = grad_output
            return ctx.rows[0]  # a view of an array the node still holds

    x = leaf([1.0, 2.0, 3.0])
    y = KeepsRows.apply(x)
    node = y.grad_fn
    y.backward(np.array([4.0, 5.0, 6.0]))
    assert not np.shares_memory(x.grad.data, node.rows)
    node.rows[...] = -1.0
    np.testing.assert_array_equal(x.grad.data, [4.0, 5.0, 6.0])


@pytest.mark.parametrize("operands", [((), (3,)), ((3,), ()), ((), ())])
def test_matmul_with_a_0d_operand_says_to_use_multiplication(operands):
    a, b = (ag.Tensor(np.ones(shape)) for shape in operands)
    with pytest.raises(ValueError) as info:
        a @ b
    assert str(info.value).startswith("MatMul: matmul needs operands with at least one axis; use * for scalars")


@pytest.mark.parametrize("shapes", [((3,), (4,)), ((2, 3), (4,)), ((3,), (4, 2))])
def test_a_matmul_shape_mismatch_keeps_numpy_s_message(shapes):
    a, b = (ag.Tensor(np.ones(shape)) for shape in shapes)
    with pytest.raises(ValueError) as info:
        a @ b
    assert "mismatch" in str(info.value) and "use * for scalars" not in str(info.value)


def test_anomaly_in_backward_names_the_shapes_of_every_argument():
    class ScaledNaN(ag.Function):
        @staticmethod
        def forward(ctx, x, scale):
            return x * scale

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * np.nan, None

    with ag.detect_anomaly():
        out = ScaledNaN.apply(leaf([1.0, 2.0]), 3.0)
        with pytest.raises(FloatingPointError) as info:
            out.sum().backward()
    assert "ScaledNaN backward produced NaN or inf in gradient 0 (input shapes [(2,), ()])" in str(info.value)


def test_transpose_of_a_nested_list_with_a_three_cycle():
    nested = np.arange(24.0).reshape(2, 3, 4).tolist()
    out = ag.transpose(nested, (1, 2, 0))
    np.testing.assert_array_equal(out.data, np.transpose(np.array(nested), (1, 2, 0)))


# ------------------------------------------------------------------ survivors of the 2026-12-02 rerun


def test_calling_a_function_class_names_apply_in_its_full_message():
    class Swish(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output

    with pytest.raises(TypeError) as info:
        Swish(leaf([1.0]))
    assert str(info.value) == (
        "Swish(...) does not run the op: call Swish.apply(...) (a Function subclass is used through its "
        "class's apply, as in PyTorch; the instance is the graph node that apply makes)"
    )


def test_in_place_writes_into_views_that_would_lose_a_gradient_say_so_in_full():
    x = leaf(np.ones((2, 3)))
    view = x[0]
    with pytest.raises(RuntimeError) as info:
        view += 1.0
    assert str(info.value) == (
        "in-place Add on a view of a leaf tensor that requires grad (shape (2, 3)) would lose its gradient; "
        "write into a copy (`y = x * 1`, then a view of y), or wrap it in `ag.no_grad()`"
    )
    y = x * 1.0
    with ag.no_grad():
        view = y[0]
    with pytest.raises(RuntimeError) as info:
        view += 1.0
    assert str(info.value) == (
        "in-place Add on a view made under no_grad of a tensor that requires grad: its base's gradient would "
        "miss the write; make the view with grad enabled, or write under no_grad"
    )


def test_max_over_an_empty_axis_says_it_has_no_identity():
    with pytest.raises(ValueError) as info:
        ag.Tensor(np.ones((0, 3))).max(axis=0)
    assert str(info.value) == (
        "Max: cannot take the max over an axis of length 0 (shape (0, 3), axis=0): it has no identity "
        "(inputs: (0, 3), 0, False)"
    )


def test_setitem_of_a_value_with_extra_leading_axes_and_a_broadcast_axis():
    # x[:] = value of shape (1, 1, 3) into (2, 3): NumPy drops the leading 1 and broadcasts over rows,
    # so value's gradient sums the rows and keeps value's shape.
    x = leaf(np.zeros((2, 3)))
    value = leaf(np.arange(3.0).reshape(1, 1, 3))
    y = x * 1.0
    y[:] = value
    (y * ag.Tensor(np.arange(6.0).reshape(2, 3))).sum().backward()
    np.testing.assert_array_equal(value.grad.data, [[[3.0, 5.0, 7.0]]])
    np.testing.assert_array_equal(x.grad.data, np.zeros((2, 3)))


def test_the_graph_drawing_shows_the_values_an_in_place_op_wrote():
    from autograd import viz

    y = leaf([1.0, 2.0]) * 1.0
    y *= 3.0
    source = viz.draw_graph(y, show_values=True, legend=False).source
    assert 'op1 [label="Mul\\nb=3\\n[3. 6.]"' in source
    assert "values freed" not in source


def test_a_tensor_hook_under_create_graph_stays_in_the_graph():
    # d/dw of the gradient a hook scaled by w: the hook's result must stay a graph Tensor.
    w = leaf(3.0)
    x = leaf([1.0, 2.0])
    y = x * x
    y.register_hook(lambda grad: grad * w)
    (grad_x,) = ag.grad(y.sum(), x, create_graph=True)
    np.testing.assert_array_equal(grad_x.data, [6.0, 12.0])
    (grad_w,) = ag.grad(grad_x.sum(), w)
    assert grad_w.data == 6.0  # sum(2x)


def test_under_create_graph_a_multi_output_backward_gets_tensors_even_for_a_missing_gradient():
    received = []

    class TwoOutputs(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0, x * 3.0

        @staticmethod
        def backward(ctx, grad_first, grad_second):
            received.extend([type(grad_first), type(grad_second)])
            return 2.0 * grad_first + 3.0 * grad_second

    x = leaf([1.0, 2.0])
    first, _ = TwoOutputs.apply(x)
    (grad,) = ag.grad(first.sum(), x, create_graph=True)  # no gradient reaches output 1: zeros
    np.testing.assert_array_equal(grad.data, [2.0, 2.0])
    assert received == [ag.Tensor, ag.Tensor]


def test_an_infinite_gradient_on_the_general_path_is_returned_without_anomaly_mode():
    x = leaf([1.0])
    (grad,) = ag.grad((x * np.inf).sum(), x, create_graph=True)  # create_graph: the general path
    assert np.isposinf(grad.data).all()


@pytest.mark.parametrize("grad_outputs", [np.ones(()), ag.Tensor(np.ones(()))])
def test_grad_with_one_array_for_two_outputs_is_an_error(grad_outputs):
    x = leaf([1.0, 2.0])
    first = (x * 2.0).sum()
    with pytest.raises(ValueError) as info:
        ag.grad([first, first * 3.0], x, grad_outputs=grad_outputs)
    assert str(info.value) == "grad: 2 outputs but 1 grad_outputs"


def test_apply_of_an_op_made_at_run_time_shows_forward_s_signature_and_the_docstring():
    import inspect

    class Scale(ag.Function):
        """x times a constant factor."""

        @staticmethod
        def forward(ctx, x, factor=2.0):
            return x * factor

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * 2.0, None

    assert str(inspect.signature(Scale.apply)) == "(x, factor=2.0)"
    assert Scale.apply.__doc__ == "x times a constant factor."


def test_call_on_arrays_runs_forward_with_no_input_needing_a_gradient():
    class Scale(ag.Function):
        @staticmethod
        def forward(ctx, x, factor):
            Scale.seen = ctx.needs_input_grad
            return x * factor

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * 2.0, None

    out = Scale.call(np.array([1.0, 2.0]), 2.0)
    assert type(out) is np.ndarray and Scale.seen == (False, False)
    np.testing.assert_array_equal(out, [2.0, 4.0])
    assert isinstance(Scale.call(leaf([1.0]), 2.0), ag.Tensor) and Scale.seen == (True, False)


@pytest.mark.parametrize("bad", [ag.Tensor([1.0]), np.array([1.0]), 1.0])
def test_grad_refuses_an_input_that_is_not_a_tensor_requiring_grad(bad):
    x = leaf([1.0])
    y = (x * 2.0).sum()
    with pytest.raises(RuntimeError) as info:
        ag.grad(y, [x, bad], allow_unused=True)
    assert str(info.value) == "grad: input 1 is not a Tensor that requires grad"


class _ReturnsShape(ag.Function):
    """x, with a backward that returns ones of a fixed shape, fitting or not."""

    shape: tuple[int, ...] = ()

    @staticmethod
    def forward(ctx, x):
        return x * 1.0

    @staticmethod
    def backward(ctx, grad_output):
        return np.ones(_ReturnsShape.shape)


def test_a_gradient_with_extra_axes_that_cannot_be_summed_to_the_input_shape_is_an_error():
    _ReturnsShape.shape = (2, 3)
    with pytest.raises(RuntimeError) as info:
        _ReturnsShape.apply(leaf(np.ones(4))).sum().backward()
    assert str(info.value).startswith("_ReturnsShape.backward returned a gradient of shape ")
    assert str(info.value).endswith(" for input 0, which has shape (4,); the two must broadcast")


def test_a_gradient_of_the_wrong_shape_is_named_as_backward_returned_it():
    _ReturnsShape.shape = (2, 3)
    with pytest.raises(RuntimeError, match=r"returned a gradient of shape \(2, 3\) for input 0"):
        _ReturnsShape.apply(leaf(np.ones(4))).sum().backward()


@pytest.mark.parametrize("reduce", [ag.Tensor.max, ag.Tensor.min])
def test_max_and_min_of_an_empty_tensor_over_a_non_empty_axis_are_empty(reduce):
    x = leaf(np.ones((0, 3)))
    out = reduce(x, axis=1)
    assert out.shape == (0,)
    out.sum().backward()
    assert x.grad.shape == (0, 3)


def test_setitem_keeps_a_float32_gradient_float32():
    x = leaf(np.ones(3), dtype=np.float32)
    y = x * 1.0
    y[0] = 0.0
    (grad,) = ag.grad(y.sum(), x)
    assert grad.dtype == np.float32
    np.testing.assert_array_equal(grad.data, [0.0, 1.0, 1.0])


def _recording_identity(received: list) -> type:
    """An identity Function whose backward appends the type of the gradient it gets to `received`."""

    class Record(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, grad_output):
            received.append(type(grad_output))
            return grad_output

    return Record


def test_a_python_scalar_from_a_custom_backward_is_broadcast_and_a_tensor_under_create_graph():
    received = []
    Record = _recording_identity(received)

    class ScalarGrad(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0

        @staticmethod
        def backward(ctx, grad_output):
            return 2.0  # one number for every element

    for create_graph in (False, True):
        received.clear()
        x = leaf([1.0, 2.0, 3.0])
        (grad,) = ag.grad(ScalarGrad.apply(Record.apply(x)).sum(), x, create_graph=create_graph)
        np.testing.assert_array_equal(grad.data, [2.0, 2.0, 2.0])
        assert received == [ag.Tensor if create_graph else np.ndarray]


def test_a_custom_backward_gets_a_0d_array_not_a_numpy_scalar_after_a_broadcast():
    received = []
    Record = _recording_identity(received)

    x = leaf(2.0)
    (Record.apply(x) * ag.Tensor(np.ones(3))).sum().backward()  # (3,) summed back to ()
    assert received == [np.ndarray] and x.grad.data == 3.0


def test_a_constant_times_y_leaves_y_free_to_be_modified_in_place():
    x = leaf([1.0, 2.0])
    y = x * 1.0
    z = ag.Tensor([3.0, 4.0]) * y  # only y needs a gradient: y itself is not saved
    y += 1.0
    z.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 4.0])


def test_a_leaf_hook_under_create_graph_stays_in_the_graph():
    w = leaf(3.0)
    x = leaf([1.0, 2.0])
    x.register_hook(lambda grad: grad * w)
    (x * x).sum().backward(create_graph=True)
    np.testing.assert_array_equal(x.grad.data, [6.0, 12.0])
    (grad_w,) = ag.grad(x.grad.sum(), w)
    assert grad_w.data == 6.0  # sum(2x)


def test_a_complex_gradient_for_a_real_leaf_is_refused_in_full():
    x = leaf([1.0, 2.0])
    with pytest.raises(TypeError) as info:
        (x * ag.Tensor(np.array([1j, 1j]))).sum().backward(grad=np.array(1 + 0j))
    assert str(info.value) == (
        "backward: the gradient of a real leaf of shape (2,) came out complex (complex128): "
        "complex numbers entered the graph; complex autograd is not supported"
    )


def test_under_create_graph_a_float32_leaf_accumulates_a_float32_grad():
    x = leaf([1.0, 2.0], dtype=np.float32)
    weights = ag.Tensor(np.array([3.0, 4.0]))  # float64: the gradient arrives as float64
    for expected in ([3.0, 4.0], [6.0, 8.0]):
        (x * weights).sum().backward(create_graph=True)
        assert x.grad.dtype == np.float32
        np.testing.assert_array_equal(x.grad.data, np.array(expected, dtype=np.float32))


def test_under_create_graph_every_leaf_gets_its_grad():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a * b).sum().backward(create_graph=True)
    np.testing.assert_array_equal(a.grad.data, [3.0, 4.0])
    np.testing.assert_array_equal(b.grad.data, [1.0, 2.0])


def test_grad_of_an_unused_input_says_to_pass_allow_unused():
    x, unused = leaf([1.0, 2.0]), leaf([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError) as info:
        ag.grad((x * 2.0).sum(), [x, unused])
    assert str(info.value) == (
        "grad: input 1 (shape (3,)) was not used to compute the outputs; pass allow_unused=True to get None for it"
    )
    assert ag.grad((x * 2.0).sum(), [x, unused], allow_unused=True)[1] is None


def test_grad_mode_inside_backward_follows_create_graph():
    seen = []
    for create_graph in (False, True):
        x = leaf([1.0, 2.0])
        y = x * 2.0
        y.register_hook(lambda grad: seen.append(ag.is_grad_enabled()))
        y.sum().backward(create_graph=create_graph)
    assert seen == [False, True] and ag.is_grad_enabled()


def test_grad_with_a_leaf_output_before_another_output_sums_both():
    x = ag.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * 2.0
    (dx,) = ag.grad([x, y], [x], grad_outputs=[np.ones(2), np.ones(2)])
    np.testing.assert_array_equal(dx, [3.0, 3.0])


def test_backward_of_a_tensor_without_a_graph_says_so_in_full():
    with pytest.raises(RuntimeError) as info:
        ag.Tensor(np.ones(1)).backward()
    assert str(info.value) == "backward: the tensor does not require grad and has no grad_fn, so it has no graph"


def test_bad_root_gradients_are_refused_in_full():
    x = ag.Tensor(np.ones(2), requires_grad=True)
    y = x * 2.0
    with pytest.raises(RuntimeError) as info:
        y.backward()
    assert str(info.value) == (
        "backward: a gradient can be created implicitly only for a single-element output, but this one "
        "has shape (2,); pass grad= of that shape"
    )
    with pytest.raises(RuntimeError) as info:
        (ag.Tensor(np.ones(1), requires_grad=True) * 1j).backward()
    assert str(info.value) == (
        "backward: a gradient can be created implicitly only for a real output, not a complex one"
    )
    with pytest.raises(TypeError) as info:
        y.backward([[1.0], [1.0, 2.0]])
    assert str(info.value).startswith("backward: grad must be a Tensor or array of shape (2,): ")
    with pytest.raises(TypeError) as info:
        (x.sum() * 2.0).backward("abc")
    assert str(info.value) == "backward: grad must be a numeric Tensor or array of shape (), got str 'abc'"
    with pytest.raises(TypeError) as info:
        y.backward(np.ones(2, dtype=np.complex128))
    assert str(info.value) == (
        "backward: grad is complex (complex128) but the output is real (float64); pass a real gradient"
    )
    with pytest.raises(RuntimeError) as info:
        y.backward(np.ones(3))
    assert str(info.value) == "backward: grad has shape (3,) but the output has shape (2,)"


def test_a_custom_backward_gets_an_array_from_an_implicit_root_gradient():
    seen = []

    class Double(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0

        @staticmethod
        def backward(ctx, grad):
            seen.append(type(grad))
            return grad * 2.0

    x = leaf(3.0)
    Double.apply(x).backward()
    assert seen == [np.ndarray]
    assert x.grad.item() == 2.0


def test_a_root_gradient_that_requires_grad_is_cast_to_the_output_dtype_and_unwrapped_without_create_graph():
    for out_dtype, grad_dtype in [(np.float32, np.float64), (np.float64, np.float32)]:
        x = leaf([1.0, 2.0], out_dtype)
        (dx,) = ag.grad(x * 2.0, x, leaf([1.0, 1.0], grad_dtype), create_graph=True)
        assert dx.dtype == out_dtype
        np.testing.assert_array_equal(dx.data, [2.0, 2.0])
    x = leaf([1.0, 2.0])
    (dx,) = ag.grad(x * 2.0, x, np.ones(2), create_graph=True)  # an array: made a Tensor
    assert type(dx) is ag.Tensor
    np.testing.assert_array_equal(dx.data, [2.0, 2.0])
    seen = []

    class Double(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0

        @staticmethod
        def backward(ctx, grad):
            seen.append(type(grad))
            return grad * 2.0

    Double.apply(leaf([3.0])).backward(leaf([1.0]))
    assert seen == [np.ndarray]
