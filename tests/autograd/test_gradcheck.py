"""ag.gradcheck, ag.gradgradcheck and ag.numerical_grad: what they accept, what they catch,
how they report it, and that they leave the inputs exactly as they were."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

import autograd as ag

gradcheck_module = importlib.import_module("autograd.gradcheck")  # `autograd.gradcheck` is the function


def leaf(array, dtype=np.float64) -> ag.Tensor:
    return ag.Tensor(np.asarray(array, dtype=dtype), requires_grad=True)


def random_leaf(*shape: int, seed: int = 0) -> ag.Tensor:
    return leaf(np.random.default_rng(seed).standard_normal(shape))


class ZeroGradSoftmax(ag.Function):
    """A softmax whose backward returns zeros: right for the gradient of its sum, wrong otherwise."""

    @staticmethod
    def forward(ctx, x):
        exps = np.exp(x - x.max(axis=-1, keepdims=True))
        return exps / exps.sum(axis=-1, keepdims=True)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * 0.0


class ScaleWithWrongElement(ag.Function):
    """y = a * b, whose gradient for b is off by 0.5 at one element: d y[1, 2] / d b[1, 2] = a[1, 2] + 0.5."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        grad_b = grad_output * a
        grad_b[1, 2] += 0.5 * grad_output[1, 2]
        return grad_output * b, grad_b


class CubeWithFrozenBackward(ag.Function):
    """x^3 with the right first derivative, computed from a constant copy of x: its own
    derivative (the second derivative of x^3) is then lost."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        frozen = np.array(np.asarray(x), copy=True)  # the Tensor's values, cut from the graph
        return grad_output * 3.0 * frozen**2


# ---------------------------------------------------------------------------- correct functions pass


def test_passes_for_matrix_functions_of_several_inputs() -> None:
    x, w, b = random_leaf(3, 4), random_leaf(4, 2, seed=1), random_leaf(2, seed=2)
    assert ag.gradcheck(lambda x, w, b: (x @ w + b).tanh(), [x, w, b]) is True


def test_passes_for_scalar_and_zero_dim_inputs_and_outputs() -> None:
    x = leaf(0.7)
    assert ag.gradcheck(lambda x: x.sin() * x, x)
    assert ag.gradcheck(lambda x: (x * x).sum(), [random_leaf(2, 3)])


def test_passes_for_several_outputs_and_checks_each() -> None:
    x = random_leaf(2, 3)
    assert ag.gradcheck(lambda x: (x.exp(), x.sum(axis=0), x[0] * x[1]), [x])


def test_constants_and_non_tensor_arguments_are_passed_through() -> None:
    x = random_leaf(2, 3)
    constant = ag.Tensor(np.full((2, 3), 2.0))  # does not require grad: not differentiated
    array = np.arange(3.0)
    assert ag.gradcheck(lambda x, c, a, axis: (x * c + a).sum(axis=axis), [x, constant, array, 1])


def test_non_floating_outputs_are_ignored() -> None:
    x = random_leaf(4)
    assert ag.gradcheck(lambda x: (x * 2.0, x > 0), [x])


def test_an_output_that_does_not_depend_on_the_input_has_a_zero_jacobian() -> None:
    x, unused = random_leaf(3), random_leaf(2, seed=1)
    assert ag.gradcheck(lambda x, u: x * 3.0, [x, unused])
    assert ag.gradcheck(lambda x: ag.Tensor(np.ones(2)), [x])  # a constant output


def test_works_inside_no_grad() -> None:
    x = random_leaf(3)
    with ag.no_grad():
        assert ag.gradcheck(lambda x: x.sigmoid(), [x])
        assert ag.gradgradcheck(lambda x: x.sigmoid(), [x])


def test_leaves_grad_alone() -> None:
    x = random_leaf(3)
    ag.gradcheck(lambda x: (x * x).sum(), [x])
    assert x.grad is None


# ---------------------------------------------------------------------------- wrong backwards fail


def test_a_softmax_backward_returning_zeros_is_caught() -> None:
    x = random_leaf(3, 4)
    # The trap: the gradient of the sum is zero for a true softmax too, so a sum-seeded check passes...
    assert ag.gradcheck(lambda x: ZeroGradSoftmax.apply(x).sum(), [x])
    # ...while comparing the Jacobian does not.
    with pytest.raises(ag.GradcheckError, match="input 0"):
        ag.gradcheck(ZeroGradSoftmax.apply, [x])


def test_a_wrong_backward_on_a_large_output_is_caught_on_random_cotangents() -> None:
    x = random_leaf(10, 10)  # 100 output elements: projected on random cotangents
    assert x.size > gradcheck_module.FULL_JACOBIAN_MAX
    assert ag.gradcheck(lambda x: ag.softmax(x, axis=-1), [x])
    with pytest.raises(ag.GradcheckError, match="random cotangent"):
        ag.gradcheck(ZeroGradSoftmax.apply, [x])


def test_the_message_has_one_line_per_failing_input_with_element_values_and_errors() -> None:
    a, b = random_leaf(2, 3), random_leaf(2, 3, seed=1)
    with pytest.raises(ag.GradcheckError) as caught:
        ag.gradcheck(ScaleWithWrongElement.apply, [a, b])
    lines = str(caught.value).splitlines()
    assert len(lines) == 2  # the header and one line for input 1; input 0 is right
    line = lines[1]
    assert "input 1 (shape (2, 3)) first fails at [1, 2]" in line
    assert "d output[1, 2] / d input 1[1, 2]" in line
    numbers = dict(re.findall(r"(analytic|numerical|abs err|rel err) (-?[\d.e+-]+)", line))
    expected = a.data[1, 2]
    assert float(numbers["analytic"]) == pytest.approx(expected + 0.5, rel=1e-5)
    assert float(numbers["numerical"]) == pytest.approx(expected, rel=1e-5, abs=1e-8)
    assert float(numbers["abs err"]) == pytest.approx(0.5, rel=1e-2)  # printed to 3 digits
    assert float(numbers["rel err"]) == pytest.approx(0.5 / max(abs(expected), 1e-5), rel=1e-2)


def test_several_failing_inputs_each_get_a_line() -> None:
    class DoubleEverything(ag.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, grad_output):
            return 2.0 * grad_output, 2.0 * grad_output

    with pytest.raises(ag.GradcheckError) as caught:
        ag.gradcheck(DoubleEverything.apply, [random_leaf(2), random_leaf(2)])
    lines = str(caught.value).splitlines()[1:]
    assert [line.split(" (")[0].strip() for line in lines] == ["input 0", "input 1"]


def test_a_wrong_second_output_is_named() -> None:
    class TwoOutputs(ag.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2.0, x * x

        @staticmethod
        def backward(ctx, grad_double, grad_square):
            (x,) = ctx.saved_tensors
            return grad_double * 2.0 + grad_square * x  # should be 2 x

    with pytest.raises(ag.GradcheckError, match=r"d output 1\[0\] / d input 0\[0\]"):
        ag.gradcheck(TwoOutputs.apply, [random_leaf(3)])


def test_raise_exception_false_returns_false() -> None:
    assert ag.gradcheck(ZeroGradSoftmax.apply, [random_leaf(2, 3)], raise_exception=False) is False


def test_nan_in_the_backward_fails() -> None:
    class NanBackward(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * np.nan

    with pytest.raises(ag.GradcheckError, match="analytic nan"):
        ag.gradcheck(NanBackward.apply, [random_leaf(2)])


def test_a_tolerance_is_a_real_bound() -> None:
    class SlightlyOff(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * 1.01  # 1% too large

    x = random_leaf(3)
    assert ag.gradcheck(SlightlyOff.apply, [x], atol=0.0, rtol=0.02)
    assert not ag.gradcheck(SlightlyOff.apply, [x], atol=0.0, rtol=0.005, raise_exception=False)


# ---------------------------------------------------------------------------- non-differentiable points


KINKS = {
    "relu": (lambda x: x.relu(), [0.0, 1.0, -1.0]),  # relu'(0) = 0
    "abs": (lambda x: x.abs(), [0.0, 2.0, -2.0]),  # abs'(0) = 0
    "max-tie": (lambda x: x.max(), [1.0, 1.0, 1.0, 0.0]),  # a three-way tie: 1/3 each
    "maximum-tie": (lambda x: ag.maximum(x[0], x[1]), [1.5, 1.5]),  # a tie: half each
    "clip-bounds": (lambda x: x.clip(-1.0, 1.0), [-1.0, 1.0, 0.0]),  # the gradient passes at a bound
}


@pytest.mark.parametrize("kink", sorted(KINKS))
def test_subgradients_at_kinks_are_accepted(kink: str) -> None:
    fn, point = KINKS[kink]
    assert ag.gradcheck(fn, [leaf(point)])


@pytest.mark.parametrize("kink", ["relu", "max-tie", "clip-bounds"])
def test_at_these_kinks_the_central_difference_alone_would_fail(kink: str) -> None:
    fn, point = KINKS[kink]
    x = leaf(point)
    analytic = ag.grad(fn(x).sum(), x)[0].data
    (central,) = ag.numerical_grad(lambda x: fn(x).sum(), [x])
    assert np.max(np.abs(analytic - central)) > 0.1


def test_a_wrong_derivative_beside_a_kink_is_still_caught() -> None:
    class LeakyMask(ag.Function):
        """relu whose backward also lets the gradient through for x in (-1, 0]."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x > -1.0)
            return x * (x > 0)

        @staticmethod
        def backward(ctx, grad_output):
            (mask,) = ctx.saved_tensors
            return grad_output * mask

    with pytest.raises(ag.GradcheckError, match=r"first fails at \[1\]"):
        ag.gradcheck(LeakyMask.apply, [leaf([0.5, -0.5, -2.0])])


# ---------------------------------------------------------------------------- inputs are restored


def test_inputs_are_restored_exactly() -> None:
    base = np.random.default_rng(3).standard_normal((4, 3))
    x = ag.Tensor(base.T, requires_grad=True)  # a non-contiguous view
    y = leaf(np.array(0.6404226504432821))  # 0-d; x + eps - 2 eps + eps is not x for this value
    x_array, y_array, before = x.data, y.data, (base.copy(), y.data.copy())
    ag.gradcheck(lambda x, y: x * y, [x, y])
    ag.gradgradcheck(lambda x, y: x * y, [x, y])
    ag.numerical_grad(lambda x, y: (x * y).sum(), [x, y])
    assert x.data is x_array and y.data is y_array
    np.testing.assert_array_equal(base, before[0])  # bit for bit
    assert y.data.tobytes() == before[1].tobytes()


def test_inputs_are_restored_when_fn_raises_midway() -> None:
    x = random_leaf(3)
    array, before = x.data, x.data.copy()
    calls = []

    def fragile(x):
        calls.append(1)
        if len(calls) > 3:
            raise ArithmeticError("boom")
        return x * 2.0

    with pytest.raises(ArithmeticError):
        ag.gradcheck(fragile, [x])
    assert x.data is array
    np.testing.assert_array_equal(x.data, before)


def test_read_only_inputs_are_never_written() -> None:
    x = random_leaf(2, 2)
    x.data.flags.writeable = False
    assert ag.gradcheck(lambda x: x * x, [x])


# ---------------------------------------------------------------------------- precision


def test_float32_inputs_get_a_warning() -> None:
    x = leaf([0.5, 1.0], dtype=np.float32)
    with pytest.warns(UserWarning, match=r"input 0 is float32.*float64"):
        ag.gradcheck(lambda x: x * 2.0, [x], eps=1e-3, atol=1e-2, raise_exception=False)


def test_float64_inputs_get_no_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ag.gradcheck(lambda x: x * 2.0, [random_leaf(2)])


def test_an_eps_below_the_dtype_resolution_is_a_clear_error() -> None:
    x = leaf([1000.0], dtype=np.float32)
    with pytest.warns(UserWarning), pytest.raises(ValueError, match=r"eps=1e-06 is below the resolution of input 0"):
        ag.gradcheck(lambda x: x * 2.0, [x])


# ---------------------------------------------------------------------------- bad input


def test_fn_must_be_callable() -> None:
    with pytest.raises(TypeError, match="gradcheck: fn must be callable, got Tensor"):
        ag.gradcheck(random_leaf(2), [random_leaf(2)])


def test_some_input_must_require_grad() -> None:
    with pytest.raises(ValueError, match="gradcheck: no input requires grad"):
        ag.gradcheck(lambda x: x * 2.0, [ag.Tensor([1.0, 2.0])])


def test_integer_inputs_are_explained() -> None:
    with pytest.raises(ValueError, match="input 0 has dtype int64, and only floating-point tensors can require grad"):
        ag.gradcheck(lambda x: x * 2.0, [ag.Tensor(np.arange(3))])
    with pytest.raises(ValueError, match="input 0 is a ndarray, not a Tensor"):
        ag.gradcheck(lambda x: x * 2.0, [np.ones(3)])


def test_complex_inputs_are_refused() -> None:
    with pytest.raises(TypeError, match="only real floating-point tensors can require grad"):  # issue 11 item 4
        ag.Tensor(np.array([1 + 1j]), requires_grad=True)
    z = ag.Tensor(np.array([1 + 1j]))
    with pytest.raises(ValueError, match="input 0 has dtype complex128, and only floating-point tensors can require"):
        ag.gradcheck(lambda z: z * 2.0, [z])


@pytest.mark.parametrize(
    "result, described",
    [(np.ones(2), "a ndarray"), (1.0, "a float"), (None, "a NoneType"), ((np.ones(2), 1), "a tuple of (ndarray, int)")],
)
def test_fn_must_return_tensors(result, described) -> None:
    with pytest.raises(TypeError, match=re.escape(f"fn must return a Tensor or a tuple of Tensors, got {described}")):
        ag.gradcheck(lambda x: result, [random_leaf(2)])


def test_inputs_must_be_a_tensor_or_a_sequence() -> None:
    with pytest.raises(TypeError, match="inputs must be a Tensor or a tuple/list"):
        ag.gradcheck(lambda x: x, {"x": random_leaf(2)})


# ---------------------------------------------------------------------------- gradgradcheck


def test_gradgradcheck_passes_for_smooth_functions() -> None:
    x, w = random_leaf(3, 2), random_leaf(2, 2, seed=1)
    assert ag.gradgradcheck(lambda x, w: (x @ w).sigmoid() * x.sum(), [x, w])
    assert ag.gradgradcheck(lambda x: (x.tanh(), x.exp().sum()), [x])


def test_gradgradcheck_catches_a_backward_that_is_not_differentiable() -> None:
    x = leaf([0.5, -1.5, 2.0])
    assert ag.gradcheck(CubeWithFrozenBackward.apply, [x])  # the first derivative is right
    with pytest.raises(ag.GradcheckError, match=r"(?s)gradgradcheck: the analytic second derivative .*d grad 0\[0\]"):
        ag.gradgradcheck(CubeWithFrozenBackward.apply, [x])


def test_gradgradcheck_takes_grad_outputs() -> None:
    x = random_leaf(2, 2)
    assert ag.gradgradcheck(lambda x: x * x * x, [x], grad_outputs=[np.ones((2, 2))])
    with pytest.raises(ValueError, match="grad_outputs have shapes"):
        ag.gradgradcheck(lambda x: x * x, [x], grad_outputs=[np.ones(3)])


def test_gradgradcheck_with_a_linear_function() -> None:
    x = random_leaf(3)
    assert ag.gradgradcheck(lambda x: 2.0 * x + 1.0, [x])  # the first-order grads are constants


# ---------------------------------------------------------------------------- numerical_grad


def test_numerical_grad_matches_known_derivatives() -> None:
    x, y = random_leaf(2, 3), random_leaf(3, seed=1)
    grad_x, grad_y = ag.numerical_grad(lambda x, y: (x.sin() * y).sum(), [x, y])
    np.testing.assert_allclose(grad_x, np.cos(x.data) * y.data, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(grad_y, np.sin(x.data).sum(axis=0), rtol=1e-7, atol=1e-9)
    assert grad_x.dtype == np.float64 and grad_x.shape == x.shape


def test_numerical_grad_is_none_for_inputs_without_grad() -> None:
    x, c = random_leaf(2), ag.Tensor([3.0, 4.0])
    grad_x, grad_c = ag.numerical_grad(lambda x, c: (x * c).sum(), [x, c])
    np.testing.assert_allclose(grad_x, c.data, rtol=1e-7)
    assert grad_c is None


def test_numerical_grad_of_a_non_scalar_needs_grad_outputs() -> None:
    x = random_leaf(3)
    with pytest.raises(ValueError, match=r"shapes \[\(3,\)\]; a gradient needs a single-element output"):
        ag.numerical_grad(lambda x: x * x, [x])
    v = np.array([1.0, -2.0, 0.5])
    (grad,) = ag.numerical_grad(lambda x: x * x, [x], grad_outputs=v)
    np.testing.assert_allclose(grad, 2 * x.data * v, rtol=1e-7, atol=1e-9)


# ---------------------------------------------------------------------------- the package's exports


def test_the_checks_are_exported() -> None:
    for name in ["numerical_grad", "gradcheck", "gradgradcheck", "GradcheckError", "check_graph"]:
        assert name in ag.__all__ and getattr(ag, name) is not None


def test_viz_is_reachable_without_importing_graphviz_at_import_time() -> None:
    code = (
        "import sys, autograd as ag; "
        "assert 'graphviz' not in sys.modules and 'autograd.viz' not in sys.modules; "
        "assert callable(ag.viz.draw_graph); "
        "assert 'graphviz' not in sys.modules; "
        "print('ok')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    with pytest.raises(AttributeError, match="module 'autograd' has no attribute 'vizz'"):
        ag.vizz  # noqa: B018
