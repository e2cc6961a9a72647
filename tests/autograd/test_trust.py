"""Issue 11, "never silently wrong": tests of the engine items, each failing before its fix (item 2 is
in test_views.py, item 3 in test_threads.py), and the shrunk programs of /work/wt/FINDINGS.md.

Expected values are computed by hand or by central finite differences in float64; the
PyTorch cross-checks are skipped when torch is absent.
"""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor

# ---------------------------------------------------------------- item 9


def test_item09_grad_outputs_with_history_stay_in_the_graph():
    x = Tensor([1.0, 2.0], requires_grad=True)
    u = Tensor([3.0, 4.0], requires_grad=True)
    (g,) = ag.grad(x * x, [x], grad_outputs=u, create_graph=True)  # g = 2 x u
    np.testing.assert_allclose(g.data, [6.0, 16.0])
    gx, gu = ag.grad(g.sum(), [x, u])
    np.testing.assert_allclose(gx.data, 2 * u.data)
    np.testing.assert_allclose(gu.data, 2 * x.data)


def test_item09_backward_gradient_with_history_stays_in_the_graph():
    x = Tensor([1.0, 2.0], requires_grad=True)
    u = Tensor([3.0, 4.0], requires_grad=True)
    (x * x * x).backward(u, create_graph=True)  # x.grad = 3 x^2 u
    (gu,) = ag.grad(x.grad.sum(), [u])
    np.testing.assert_allclose(gu.data, 3 * x.data**2)


def test_item09_double_vjp_gives_a_jacobian_vector_product():
    """The double-vjp trick: J v = d/du <u, J^T u>... evaluated at any u."""
    x = Tensor([0.3, -0.7, 1.1], requires_grad=True)
    v = np.array([1.0, 2.0, -0.5])
    y = ag.tanh(x) * x.sum()
    u = Tensor(np.zeros(3), requires_grad=True)
    (vjp,) = ag.grad(y, [x], grad_outputs=u, create_graph=True)
    (jvp,) = ag.grad(vjp, [u], grad_outputs=Tensor(v))
    t = np.tanh(x.data)
    jacobian = np.diag((1 - t**2) * x.data.sum()) + np.outer(t, np.ones(3))
    np.testing.assert_allclose(jvp.data, jacobian @ v)


def test_item09_a_constant_gradient_is_still_copied():
    x = Tensor([1.0, 2.0], requires_grad=True)
    u = Tensor([3.0, 4.0])
    (x * 1.0).backward(u, create_graph=True)
    x.grad.data[0] = 99.0
    assert u.data[0] == 3.0


# ---------------------------------------------------------------- item 1


def _is_array(tensor):
    return type(tensor.data) is np.ndarray and np.asarray(tensor).shape == tensor.shape


def test_item01_gradients_of_0d_tensors_are_arrays():
    a = Tensor(1.5, requires_grad=True)
    (a + ag.ones((2, 3))).sum().backward()  # a broadcast 0-d input: its gradient is a full reduction
    assert _is_array(a.grad) and a.grad.item() == 6.0
    (a * a).backward()  # two 0-d contributions summed
    assert _is_array(a.grad) and a.grad.item() == 9.0  # accumulated across calls: 6 + 2 * 1.5
    seen = []
    a.register_hook(lambda g: seen.append(g) or None)
    b = Tensor(2.0, requires_grad=True)
    (ga, gb) = ag.grad((a * b + a).sum(), [a, b])
    assert all(_is_array(g) for g in (ga, gb, *seen))
    (gg,) = ag.grad((a * ag.ones(3)).sum() * a, [a], create_graph=True)
    assert _is_array(gg) and gg.item() == 6 * 1.5


def test_item01_every_op_output_of_0d_inputs_is_an_array():
    x = Tensor(0.7, requires_grad=True)
    for y in [x + 1, x * x, x / 2, x**2, -x, x.exp(), x.sum(), x.mean(), x.max(), ag.logsumexp(x), x.var(), x[()]]:
        assert _is_array(y), y
        (g,) = ag.grad(y.sum(), [x])
        assert _is_array(g), y


# ---------------------------------------------------------------- item 4


@pytest.mark.parametrize("make", [lambda: Tensor([1 + 1j], requires_grad=True), lambda: Tensor([1j]).requires_grad_()])
def test_item04_complex_tensors_cannot_require_grad(make):
    with pytest.raises(TypeError, match="only real floating-point tensors can require grad, got dtype complex128"):
        make()


def test_item04_a_complex_grad_for_a_real_output_is_refused():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"backward: grad is complex \(complex128\) but the output is real"):
        (x * 2).backward(np.array([1 + 1j, 1.0]))
    assert x.grad is None
    with pytest.raises(TypeError, match=r"grad: grad_outputs\[0\] is complex"):
        ag.grad(x * 2, [x], grad_outputs=Tensor([1j, 1j]))


def test_item04_complex_values_inside_the_graph_do_not_give_a_real_leaf_a_wrong_gradient():
    x = Tensor([1.0, -2.0], requires_grad=True)
    with pytest.raises(TypeError, match="came out complex"):
        abs(x * Tensor([1 + 2j, 3j])).sum().backward()  # a wrong conjugate would be silently real


# ---------------------------------------------------------------- item 5


def test_item05_var_without_degrees_of_freedom_is_inf_as_in_numpy():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    for ddof in (3, 5):
        with np.errstate(divide="ignore"), pytest.warns(RuntimeWarning, match="Degrees of freedom"):
            expected = np.var(x.data, ddof=ddof)
        assert x.var(ddof=ddof).item() == expected == np.inf
    assert x.var(ddof=2).item() == pytest.approx(2.0)  # the largest ddof that leaves one degree
    np.testing.assert_allclose(x.var(axis=0, ddof=1, keepdims=True).data, [1.0])


# ---------------------------------------------------------------- item 6


def test_item06_a_leaf_hook_cannot_change_the_gradient_shape():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True, name="w")
    x.register_hook(lambda g: Tensor(np.ones((2, 2))))
    with pytest.raises(RuntimeError, match=r"hook has changed the size of value: .*'w' of shape \(3,\)"):
        (x * 2).sum().backward()
    assert x.grad is None


def test_item06_a_non_leaf_hook_cannot_return_a_broadcastable_gradient():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: Tensor([1.0]))
    with pytest.raises(
        RuntimeError, match=r"hook has changed the size of value: the gradient of the output of Mul has shape \(3,\)"
    ):
        y.sum().backward()


def test_item06_a_hook_returning_a_string_is_named():
    def bad_hook(grad):
        return "abc"

    x = Tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(bad_hook)
    with pytest.raises(TypeError, match="hook .*bad_hook returned a str; a gradient hook must return a Tensor or None"):
        (x * 2).sum().backward()


def test_item06_a_hook_returning_the_right_shape_still_replaces_the_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.register_hook(lambda g: g * 10)
    x.register_hook(lambda g: g + 1)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [31.0, 31.0])


# ---------------------------------------------------------------- item 18


@pytest.mark.parametrize("dtype", [object, "U3", "datetime64[s]"])
def test_item18_non_numeric_arrays_are_refused_at_construction(dtype):
    with pytest.raises(TypeError, match="Tensor: cannot make a numeric tensor from an array of dtype"):
        Tensor(np.array(["1"] if dtype == "datetime64[s]" else [1.0], dtype=dtype))


# ---------------------------------------------------------------- item 19


def test_item19_reductions_over_non_empty_axes_of_an_empty_tensor_follow_numpy():
    x = ag.zeros((0, 3), requires_grad=True)
    for op in ("max", "min"):
        y = getattr(x, op)(axis=1)
        assert y.shape == getattr(np.zeros((0, 3)), op)(axis=1).shape == (0,)
        y.sum().backward()
        assert x.grad.shape == (0, 3)
    np.testing.assert_array_equal(ag.logsumexp(x, axis=0).data, [-np.inf] * 3)
    assert ag.logsumexp(x, axis=1).shape == (0,)
    (g,) = ag.grad(ag.logsumexp(x, axis=0).sum(), [x])
    assert g.shape == (0, 3)


def test_item19_max_over_an_empty_axis_is_still_an_error():
    with pytest.raises(ValueError, match=r"cannot take the max over an axis of length 0 \(shape \(0, 3\), axis=0\)"):
        ag.zeros((0, 3)).max(axis=0)


# ---------------------------------------------------------------- item 20


def test_item20_a_bad_backward_grad_names_the_argument():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(
        TypeError, match=r"backward: grad must be a numeric Tensor or array of shape \(\), got str 'abc'"
    ):
        (x * 2).sum().backward(grad="abc")
    with pytest.raises(TypeError, match=r"grad: grad_outputs\[0\] must be a numeric"):
        ag.grad(x * 2, [x], grad_outputs=[object()])


# ---------------------------------------------------------------- item 10


def _divided_in_place(a, b):
    y = a * 1.0
    y /= b
    return y


def test_item10_second_derivatives_through_inplace_division(finite_difference_grad):
    a, b = Tensor([1.5], requires_grad=True), Tensor([0.8], requires_grad=True)
    ga, gb = ag.grad(_divided_in_place(a, b).sum(), [a, b], create_graph=True)
    np.testing.assert_allclose(ga.data, [1 / 0.8])
    np.testing.assert_allclose(gb.data, [-1.5 / 0.8**2])
    gba, gbb = ag.grad(gb.sum(), [a, b], retain_graph=True)
    np.testing.assert_allclose(gba.data, [-1.5625])  # -1/b²: the value in the issue
    np.testing.assert_allclose(gbb.data, [5.859375])  # 2a/b³
    gaa, gab = ag.grad(ga.sum(), [a, b], allow_unused=True)
    assert gaa is None
    np.testing.assert_allclose(gab.data, [-1.5625])
    for k in (0, 1):  # the same against finite differences of the first derivatives
        expected = finite_difference_grad(
            lambda a, b, k=k: ag.grad(_divided_in_place(a, b).sum(), [a, b], create_graph=True)[k].sum(), [a, b]
        )
        first = ag.grad(_divided_in_place(a, b).sum(), [a, b], create_graph=True)[k]
        got = ag.grad(first.sum(), [a, b], allow_unused=True)
        for g, e in zip(got, expected):
            np.testing.assert_allclose(0.0 if g is None else g.data, e, rtol=1e-6, atol=1e-8)


def test_item10_inplace_division_of_a_vector_matches_out_of_place(finite_difference_grad):
    rng = np.random.default_rng(10)
    a = Tensor(rng.normal(size=(2, 3)), requires_grad=True)
    b = Tensor(rng.uniform(0.5, 2.0, size=3), requires_grad=True)
    u = rng.normal(size=(2, 3))

    def first(a, b):
        ga, gb = ag.grad(_divided_in_place(a, b), [a, b], grad_outputs=Tensor(u), create_graph=True)
        return (ga * ga).sum() + (gb * a.sum()).sum()

    got = ag.grad(first(a, b), [a, b])
    for g, e in zip(got, finite_difference_grad(first, [a, b])):
        np.testing.assert_allclose(g.data, e, rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------- item 11

_MODIFIED_AFTERWARDS = {
    "x / 3.0": lambda x, z: x / 3.0,
    "x / z": lambda x, z: x / z,
    "3.0 / x": lambda x, z: 3.0 / x,
    "x ** 2.0": lambda x, z: x**2.0,
    "x ** 3": lambda x, z: x**3,
    "x ** z": lambda x, z: x**z,
    "x.var(axis=0)": lambda x, z: x.reshape(2, 2).var(axis=0),
    "x.var(ddof=1)": lambda x, z: x.var(ddof=1).reshape(1),
}


@pytest.mark.parametrize("modify", ["y += 1.0", "y[0] = 0.25", "y *= z"])
@pytest.mark.parametrize("name", list(_MODIFIED_AFTERWARDS))
def test_item11_the_results_of_div_pow_and_var_can_be_modified_in_place(name, modify, finite_difference_grad):
    op = _MODIFIED_AFTERWARDS[name]

    def f(x, z):
        y = op(x, z)
        if modify == "y += 1.0":
            y += 1.0
        elif modify == "y[0] = 0.25":
            y[0] = 0.25
        else:
            y *= z[: y.shape[0]]
        return y

    x = Tensor([0.5, 1.2, 2.0, 0.9], requires_grad=True)
    z = Tensor([1.5, 0.7, 1.1, 2.0], requires_grad=True)
    u = np.random.default_rng(11).normal(size=f(x, z).shape)
    f(x, z).backward(u)
    for got, expected in zip((x.grad, z.grad), finite_difference_grad(f, [x, z], u)):
        np.testing.assert_allclose(0.0 if got is None else got.data, expected, rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------- item 8


def test_item08_deepcopy_of_a_non_leaf_raises_as_in_pytorch():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Only Tensors created explicitly by the user \(graph leaves\) support"):
        copy.deepcopy(x * 2)
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy({"x": x, "y": x.exp()})


def test_item08_deepcopy_of_a_leaf_is_independent_and_keeps_grad_and_name():
    x = Tensor([1.0, 2.0], requires_grad=True, name="w")
    (x * 3).sum().backward()
    clone = copy.deepcopy(x)
    assert clone is not x and clone.requires_grad and clone.is_leaf and clone.name == "w"
    np.testing.assert_array_equal(clone.grad.data, [3.0, 3.0])
    clone.data += 1.0
    clone.grad.data += 1.0
    np.testing.assert_array_equal(x.data, [1.0, 2.0])
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])
    pair = copy.deepcopy([x, x])
    assert pair[0] is pair[1]  # the memo is honoured


def test_item08_pickle_keeps_data_requires_grad_and_name_never_history():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.name = "doubled"
    x2, y2 = pickle.loads(pickle.dumps((x, y)))
    assert y2.is_leaf and y2.requires_grad and y2.name == "doubled"
    np.testing.assert_array_equal(y2.data, [2.0, 4.0])
    (y2 * y2).sum().backward()
    assert x2.grad is None  # no gradient flows into the copied leaf
    np.testing.assert_array_equal(y2.grad.data, [4.0, 8.0])
    assert pickle.loads(pickle.dumps(Tensor(np.float32(1.5)))).dtype == np.float32


def test_item08_a_long_chain_pickles_without_recursion():
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(5_000):
        y = y * 1.0001
    restored = pickle.loads(pickle.dumps(y))
    assert restored.is_leaf and restored.item() == pytest.approx(1.0001**5_000)


# ---------------------------------------------------------------- findings (/work/wt/FINDINGS.md), shrunk programs


def test_func_finding1_ag_grad_results_are_writable():
    x = Tensor(np.ones(5000), requires_grad=True)
    (g,) = ag.grad(x.sum(), x)  # a broadcast of the 0-d gradient, a read-only view before
    g.data += 1
    np.testing.assert_array_equal(g.data, 2.0)
    y = Tensor([[1.0, 2.0]], requires_grad=True)
    (h,) = ag.grad((y * 3).T.sum(), [y])
    h.data[0, 0] = 7.0
    assert h.data.flags.writeable


def test_fuzz_finding2_inplace_after_a_product_with_a_number():
    x0 = Tensor(np.array(-1.3), requires_grad=True)
    v1 = abs(x0)
    v2 = v1 * 2.0  # Mul keeps only the number: v1 is free to change
    v1 -= 0.25
    ((v1 * np.array(1.0)).sum() + (v2 * np.array(1.0)).sum()).backward()
    assert x0.grad.item() == pytest.approx(-3.0)


def test_fuzz_finding2_a_product_keeps_each_operand_for_the_others_gradient(finite_difference_grad):
    a = Tensor([0.5, -1.0], requires_grad=True)
    b = Tensor([2.0, 3.0], requires_grad=True)

    def f(a, b):
        y = a * b
        (ga,) = ag.grad((y * y).sum(), [a], create_graph=True)
        return (ga * b).sum()

    (gb,) = ag.grad(f(a, b), [b])
    np.testing.assert_allclose(gb.data, finite_difference_grad(f, [a, b])[1], rtol=1e-6)


def test_fuzz_finding4_setitem_with_a_value_of_more_axes():
    x0 = Tensor(np.array([0.4, 2.0]), requires_grad=True)
    v3 = x0 * -0.5
    v3[:] = ag.expand_dims(x0.sum(axis=None, keepdims=True), 0)  # (1, 1) into a (2,) slot
    (v3 * np.array([1.0, 1.0])).sum().backward()
    np.testing.assert_allclose(x0.grad.data, [2.0, 2.0])

    x0 = Tensor(np.array([1.8]), requires_grad=True)
    v19 = x0.clip(-0.3, None)
    v19[1:] = ag.expand_dims(x0, -1)  # an empty slot
    (v19 * np.array([1.0])).sum().backward()
    np.testing.assert_allclose(x0.grad.data, [1.0])


def test_fuzz_finding4_setitem_value_gradients_of_every_shape(finite_difference_grad):
    for value_shape in [(1, 1, 3), (1, 1, 1), (2, 1, 1, 3)[1:], (3,), (1,)]:
        x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
        v = Tensor(np.linspace(0.5, 1.5, int(np.prod(value_shape))).reshape(value_shape), requires_grad=True)

        def f(x, v):
            y = x * 1.0
            y[1] = v * v
            return (y * np.arange(1.0, 7.0).reshape(2, 3)).sum()

        f(x, v).backward()
        expected = finite_difference_grad(f, [x, v])
        np.testing.assert_allclose(v.grad.data, expected[1], rtol=1e-6, err_msg=str(value_shape))
        np.testing.assert_allclose(x.grad.data, expected[0], rtol=1e-6)


def test_fuzz_finding6_zero_d_grads_are_arrays_on_every_path():
    x1 = Tensor(np.array(0.5), requires_grad=True)
    (x1 - x1).sum().backward()  # two 0-d contributions summed
    assert type(x1.grad.data) is np.ndarray
    x1 = Tensor(np.array(1.6), requires_grad=True)
    ((x1 * np.array(1.0)).sum() + (2.0**x1 * np.array(1.0)).sum()).backward()
    assert type(x1.grad.data) is np.ndarray
    (g,) = ag.grad((x1 * x1).sum() + x1, [x1], create_graph=True)
    (h,) = ag.grad(g + g, [x1])
    assert type(g.data) is np.ndarray and type(h.data) is np.ndarray
    x1.grad = None
    (x1 - x1 + x1 * 2).backward(create_graph=True)
    assert type(x1.grad.data) is np.ndarray
