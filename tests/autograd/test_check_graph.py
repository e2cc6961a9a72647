"""ag.check_graph: every op of a recorded graph re-checked alone, on the values it saw."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest

import autograd as ag


def leaf(array, dtype=np.float64) -> ag.Tensor:
    return ag.Tensor(np.asarray(array, dtype=dtype), requires_grad=True)


def random_leaf(*shape: int, seed: int = 0, dtype=np.float64) -> ag.Tensor:
    return leaf(np.random.default_rng(seed).standard_normal(shape), dtype)


class ForgetfulSigmoid(ag.Function):
    """sigmoid whose backward forgets the (1 - s) factor."""

    @staticmethod
    def forward(ctx, x):
        out = 1.0 / (1.0 + np.exp(-x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * out


class WrongForSecondInput(ag.Function):
    """a * b whose gradient for b has the wrong sign; a's is right."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        return grad_output * b, -grad_output * a


class WrongAboveTen(ag.Function):
    """2x, whose backward is right only where x < 10: a bug that shows on some values only."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 2.0 * x

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * np.where(x < 10.0, 2.0, 3.0)


def model(depth: int, bad_layer: int | None = None, seed: int = 0) -> ag.Tensor:
    """A deep net of raw ops: per layer MatMul, Add and an activation (3 ops); then Mul and Mean.
    Layer `bad_layer`'s activation is ForgetfulSigmoid, which is op 3 * bad_layer + 3."""
    rng = np.random.default_rng(seed)
    h = ag.Tensor(rng.standard_normal((5, 3)))
    for layer in range(depth):
        weight = leaf(rng.standard_normal((3, 3)) * 0.5)
        bias = leaf(rng.standard_normal(3) * 0.1)
        z = h @ weight + bias
        h = ForgetfulSigmoid.apply(z) if layer == bad_layer else z.tanh()
    return (h * h).mean()


def test_a_correct_model_of_a_hundred_ops_is_clean() -> None:
    loss = model(depth=33)
    report = ag.check_graph(loss)
    assert report.node_count == 33 * 3 + 2
    assert report.ok and report.failures == []
    assert str(report).startswith("check_graph: all 101 checked ops agree with finite differences (")


@pytest.mark.parametrize("bad_layer", [0, 17, 32])
def test_the_one_wrong_op_of_a_hundred_is_located_exactly(bad_layer: int) -> None:
    report = ag.check_graph(model(depth=33, bad_layer=bad_layer))
    assert not report.ok
    assert len(report.failures) == 1
    failure = report.failures[0]
    assert failure.op == "ForgetfulSigmoid"
    assert failure.position == 3 * bad_layer + 3 and failure.node_count == 101
    assert failure.where == f"node {3 * bad_layer + 3} of 101"
    assert failure.input_index == 0
    assert failure.max_abs_err > 0.01 and failure.max_rel_err > 0.01
    text = str(report)
    assert text.startswith("check_graph: 1 of 101 checked ops disagree with finite differences (")
    assert f"{3 * bad_layer + 3} of 101  ForgetfulSigmoid" in text
    assert "analytic" in text and "numerical" in text


def test_the_failing_input_of_a_binary_op_is_named() -> None:
    a, b = random_leaf(2, 3), random_leaf(2, 3, seed=1)
    report = ag.check_graph(WrongForSecondInput.apply(a.exp(), b).sum())
    assert [(f.op, f.input_index, f.where) for f in report.failures] == [("WrongForSecondInput", 1, "node 2 of 3")]


def test_each_op_is_checked_on_the_values_it_saw() -> None:
    small, large = leaf([1.0, 2.0]), leaf([20.0, 30.0])
    assert ag.check_graph(WrongAboveTen.apply(small).sum()).ok
    report = ag.check_graph(WrongAboveTen.apply(large).sum())
    assert [f.op for f in report.failures] == ["WrongAboveTen"]


def test_shared_nodes_are_checked_once() -> None:
    x = random_leaf(3)
    shared = x.sin()
    loss = (shared * shared + shared.exp()).sum()  # a diamond: Sin feeds three uses
    report = ag.check_graph(loss)
    assert report.node_count == 5  # Sin, Mul, Exp, Add, Sum
    assert report.ok


def test_ops_with_several_outputs_and_non_tensor_arguments() -> None:
    class SplitHalves(ag.Function):
        @staticmethod
        def forward(ctx, x, axis):
            ctx.axis = axis
            first, second = np.split(x, 2, axis=axis)
            return first * 1.0, second * second

        @staticmethod
        def backward(ctx, grad_first, grad_second):
            missing = np.zeros_like(grad_second)  # should be 2 * second * grad_second
            return np.concatenate([grad_first, missing], axis=ctx.axis), None

    x = random_leaf(4, 2)
    first, second = SplitHalves.apply(x.tanh(), 0)
    report = ag.check_graph((first * second).sum())
    assert [(f.op, f.input_index) for f in report.failures] == [("SplitHalves", 0)]
    assert "output 1" in report.failures[0].detail


def test_kinks_in_a_correct_model_are_not_reported() -> None:
    x = leaf([[0.0, 0.0, 1.0], [-1.0, 0.0, 0.0]])
    loss = (x.relu().max(axis=1) + x.abs().sum(axis=1) + ag.maximum(x, 0.0).sum(axis=1)).sum()
    assert ag.check_graph(loss).ok


def test_a_float32_graph_is_checked_in_float64() -> None:
    x, w = random_leaf(4, 3, dtype=np.float32), random_leaf(3, 2, seed=1, dtype=np.float32)
    loss = (x @ w).sigmoid().log().mean()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no float32 warning: the copies are float64
        report = ag.check_graph(loss)
    assert report.ok
    assert x.dtype == np.float32 and x.data.dtype == np.float32  # the graph's own arrays are untouched


def test_astype_nodes_are_checked_in_float64() -> None:
    x = random_leaf(3)
    assert ag.check_graph((x.astype(np.float32) * 3.0).astype(np.float64).sum()).ok


def test_the_graph_values_are_left_alone() -> None:
    x = random_leaf(3, 2)
    before = x.data.copy()
    loss = (x.tanh() * x).sum()
    ag.check_graph(loss)
    np.testing.assert_array_equal(x.data, before)
    loss.backward()  # the graph is still usable
    np.testing.assert_allclose(x.grad.data, (1 - np.tanh(before) ** 2) * before + np.tanh(before))


def test_a_freed_graph_is_a_clear_error() -> None:
    x = random_leaf(3)
    loss = (x.exp() * 2.0).sum()
    loss.backward()
    with pytest.raises(
        RuntimeError, match="freed by backward.*before backward, or call backward\\(retain_graph=True\\)"
    ):
        ag.check_graph(loss)


def test_a_retained_graph_can_be_checked_after_backward() -> None:
    x = random_leaf(3)
    loss = (x.exp() * 2.0).sum()
    loss.backward(retain_graph=True)
    assert ag.check_graph(loss).ok


def test_an_op_whose_input_was_modified_in_place_is_skipped_and_said_so() -> None:
    x = random_leaf(3)
    h = x * 2.0
    y = h.exp()  # Exp saw h's old values
    h += 1.0  # recorded in place: h's buffer changes
    report = ag.check_graph((y + h).sum())
    assert report.ok
    assert len(report.skipped) == 1 and "(Exp): input 0 was modified in place" in report.skipped[0]
    assert str(report).startswith("check_graph: all 4 checked ops agree with finite differences, 1 skipped")


def test_a_chain_of_ten_thousand_ops_needs_no_recursion() -> None:
    x = leaf([0.3, -0.2])
    h = x
    for _ in range(10_000):
        h = h * 0.9999
    assert 10_000 > sys.getrecursionlimit()
    report = ag.check_graph(h.sum())
    assert report.ok and report.node_count == 10_001


def test_bad_arguments() -> None:
    with pytest.raises(TypeError, match="check_graph: output must be a Tensor, got ndarray"):
        ag.check_graph(np.ones(2))
    with pytest.raises(ValueError, match="check_graph: output has no recorded graph"):
        ag.check_graph(random_leaf(2))
    with ag.no_grad():
        untracked = random_leaf(2) * 2.0
    with pytest.raises(ValueError, match="no recorded graph"):
        ag.check_graph(untracked)


def test_an_op_that_fails_when_rerun_is_named() -> None:
    class OnlyOnce(ag.Function):
        calls = 0

        @staticmethod
        def forward(ctx, x):
            OnlyOnce.calls += 1
            if OnlyOnce.calls > 1:
                raise ValueError("cannot run twice")
            return x * 1.0

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output

    loss = OnlyOnce.apply(random_leaf(2).exp()).sum()
    with pytest.raises(RuntimeError, match=r"re-running OnlyOnce \(node 2 of 3\) on its inputs failed"):
        ag.check_graph(loss)


def test_the_report_is_true_exactly_when_every_op_agrees() -> None:
    """Issue 11 item 22: `assert ag.check_graph(loss)` fails on a wrong graph."""
    good = ag.check_graph(model(depth=2))
    bad = ag.check_graph(model(depth=2, bad_layer=1))
    assert bool(good) is True and good.ok
    assert bool(bad) is False and not bad.ok
    with pytest.raises(AssertionError):
        assert ag.check_graph(model(depth=2, bad_layer=0))


def test_raise_exception_raises_gradcheck_error_with_the_table() -> None:
    loss = model(depth=3, bad_layer=1)
    report = ag.check_graph(loss)  # the default returns the report, even for a wrong graph
    assert not report.ok
    with pytest.raises(ag.GradcheckError) as info:
        ag.check_graph(loss, raise_exception=True)
    message = str(info.value)
    assert message == str(report)
    assert "max abs err" in message and "6 of 11  ForgetfulSigmoid  0" in message
    clean = ag.check_graph(model(depth=3), raise_exception=True)  # a correct graph raises nothing
    assert clean.ok


class ScaleByConstant(ag.Function):
    """x * c for a constant c: no gradient for c, correctly, since c does not require grad."""

    @staticmethod
    def forward(ctx, x, c):
        ctx.save_for_backward(c)
        return x * c

    @staticmethod
    def backward(ctx, grad_output):
        (c,) = ctx.saved_tensors
        return grad_output * c, None


def test_a_constant_float_input_is_not_checked_as_if_it_required_grad() -> None:
    """Inputs are re-checked by edge (requires grad in the graph), not by dtype (planted bug)."""
    x = random_leaf(2, 3)
    constant = ag.Tensor(np.random.default_rng(1).standard_normal((2, 3)))  # float64, no grad
    report = ag.check_graph(ScaleByConstant.apply(x, constant).sum())
    assert report.ok, str(report)
    assert report.node_count == 2 and report.skipped == []
    built_in = ag.check_graph((x * constant + constant).sum())
    assert built_in.ok and built_in.node_count == 3
