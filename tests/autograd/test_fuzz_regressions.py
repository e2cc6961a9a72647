"""Shrunk programs of the fuzzer's findings fixed on branch fuzz2 (/work/wt/FINDINGS.md), each failing
before its fix. Expected values are by hand or central finite differences in float64, and the same
program in PyTorch when it is installed.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor

# ---------------------------------------------------------------- fuzz finding 7: Div keeps a only for b's gradient


def _div_then_write_the_numerator(module, tensor, divisor):
    x0 = tensor(-1.0)
    v7 = x0 + x0
    v9 = v7 / divisor(module)
    v7 -= 0.25  # PyTorch's div keeps the numerator only when the divisor needs a gradient
    v9.sum().backward()
    return float(x0.grad.item()), float(v7.sum().item())


def _npgrad_scalar(value):
    return Tensor(np.array(value), requires_grad=True)


DIVISORS = {
    "a number": lambda module: 3.0,
    "a tensor without grad": lambda module: Tensor(np.array(3.0)) if module is ag else module.tensor(3.0).double(),
}


@pytest.mark.parametrize("divisor", DIVISORS.values(), ids=DIVISORS.keys())
def test_fuzz_finding7_inplace_write_to_a_numerator_after_dividing_it(divisor):
    grad, written = _div_then_write_the_numerator(ag, _npgrad_scalar, divisor)
    assert grad == pytest.approx(2.0 / 3.0)
    assert written == pytest.approx(-2.25)


@pytest.mark.parametrize("divisor", DIVISORS.values(), ids=DIVISORS.keys())
def test_fuzz_finding7_agrees_with_pytorch(divisor):
    torch = pytest.importorskip("torch")

    def torch_scalar(value):
        return torch.tensor(value, dtype=torch.float64, requires_grad=True)

    assert _div_then_write_the_numerator(ag, _npgrad_scalar, divisor) == pytest.approx(
        _div_then_write_the_numerator(torch, torch_scalar, divisor)
    )


def test_fuzz_finding7_the_fuzzers_program():
    x0 = Tensor(np.array(-1.0), requires_grad=True)
    v8 = x0.sin()
    v10 = v8 / 3.0
    v8 += v10  # reads and writes the numerator of v10
    (v8 * np.array(1.0)).sum().backward()
    assert x0.grad.item() == pytest.approx(np.cos(-1.0) * 4.0 / 3.0)


def test_fuzz_finding7_a_divisor_that_needs_a_gradient_still_keeps_the_numerator():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([4.0, 5.0], requires_grad=True)
    y = a * 1.0
    q = y / b
    y += 1.0  # d q / d b = -y / b^2 needs the y that q was computed from: PyTorch raises too
    with pytest.raises(RuntimeError, match="needed by Div.*input 0"):
        q.sum().backward()


def test_fuzz_finding7_second_order_through_a_division(finite_difference_grad):
    a = Tensor([0.5, -1.5], requires_grad=True)
    b = Tensor([2.0, 3.0], requires_grad=True)

    def f(a, b):
        (ga, gb) = ag.grad((a / b).sum() + (a / 3.0 * b).sum(), [a, b], create_graph=True)
        return (ga * gb * a).sum()

    expected = finite_difference_grad(f, [a, b])
    got = ag.grad(f(a, b), [a, b])
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g.data, e, rtol=1e-6)


# ---------------------------------------------------------------- fuzz finding 2, c / y: recorded as (1 / y) * c


def _number_over_y_then_write_y(module, tensor):
    x0 = tensor(-1.3)
    v1 = abs(x0)
    v2 = 2.0 / v1
    v1 -= 0.25  # PyTorch keeps reciprocal(v1), not v1
    v2 += 1.0  # and nothing of the quotient
    (v1 + v2).sum().backward()
    return float(x0.grad.item()), float(v2.sum().item())


def test_fuzz_finding2_inplace_write_to_y_after_a_number_over_y():
    grad, value = _number_over_y_then_write_y(ag, _npgrad_scalar)
    assert grad == pytest.approx(-(1.0 - 2.0 / 1.3**2))
    assert value == pytest.approx(2.0 / 1.3 + 1.0)


def test_fuzz_finding2_a_number_over_y_agrees_with_pytorch():
    torch = pytest.importorskip("torch")
    expected = _number_over_y_then_write_y(torch, lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True))
    assert _number_over_y_then_write_y(ag, _npgrad_scalar) == pytest.approx(expected)


@pytest.mark.parametrize("number", [1.0, -2.0, 3, 0.0])
def test_fuzz_finding2_a_number_over_y_first_and_second_order(number, finite_difference_grad):
    y = Tensor([0.5, -1.5, 2.5], requires_grad=True)
    q = number / y
    np.testing.assert_allclose(q.data, number / y.data, rtol=1e-15)

    def f(y):
        (g,) = ag.grad((number / y * y.sin()).sum(), [y], create_graph=True)
        return (g * g).sum()

    (got,) = ag.grad(f(y), [y])
    np.testing.assert_allclose(got.data, finite_difference_grad(f, [y])[0], rtol=1e-6, atol=1e-9)


def test_fuzz_finding2_an_array_over_y_is_still_one_division():
    y = Tensor([0.5, -1.5], requires_grad=True)
    assert (np.array([1.0, 2.0]) / y).grad_fn.name == "Div"
    assert (2.0 / y).grad_fn.name == "Mul" and (2.0 / y).grad_fn.next_functions[0][0].name == "Reciprocal"
