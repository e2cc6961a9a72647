"""Results without a gradient (comparisons, argmax/argmin, np.sign/np.floor/np.isnan/... on Tensors) are
recomputed by a compiled replay: a function traced twice on inputs that give the same mask, then called on
an input with another mask, equals eager bit for bit (value and gradients) without falling back. Eagerly
they stay constants: Tensors that never require grad and have no grad_fn, of NumPy's dtype and values."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from test_compile import compare_calls

import autograd as ag
from autograd.compiler import CompiledFunction
from autograd.compiler.trace import Slot, Trace, Tracing
from autograd.numpy_interop import _CONSTANT_UFUNCS
from autograd.ops.constant import NoGrad
from autograd.ops.elementwise import Where

# Two traces with the same sign pattern (and the same floors), then a replay where every sign changes
# and one entry is exactly 0 (so <= and < differ, and == / != find a match).
X1, X2, REPLAY = [0.75, -1.25, 2.5], [0.5, -1.5, 2.25], [-0.75, 1.25, 0.0]
# (2, 3): the same argmax along axis 1 and argmin along axis 0 in both traces, others in the replay.
M1 = [[0.5, 2.0, -1.0], [3.0, 0.25, 1.0]]
M2 = [[0.625, 2.125, -0.875], [3.125, 0.375, 1.125]]
M_REPLAY = [[2.0, 0.5, -1.0], [0.25, 3.0, 1.0]]
ZEROS = np.zeros(3)


def _masked(mask: Callable[[ag.Tensor], Any]) -> Callable[[ag.Tensor], ag.Tensor]:
    """A loss whose value and gradient depend on the mask: 3x where it holds, x*x elsewhere."""
    return lambda x: (ag.where(mask(x), x * 3.0, x * x) * ag.Tensor(np.array([1.0, 2.0, 4.0]))).sum()


def _weighted(index: Callable[[ag.Tensor], Any]) -> Callable[[ag.Tensor], ag.Tensor]:
    """A loss that multiplies x by a constant result (indices, signs, floors)."""
    return lambda x: (x * index(x)).sum()


# name -> (loss, the two traced inputs, the replayed input)
CASES: dict[str, tuple[Callable[..., ag.Tensor], list[Any], Any]] = {
    "<": (_masked(lambda x: x < 0), [X1, X2], REPLAY),
    "<=": (_masked(lambda x: x <= 0), [X1, X2], REPLAY),
    ">": (_masked(lambda x: x > 0), [X1, X2], REPLAY),
    ">=": (_masked(lambda x: x >= 0), [X1, X2], REPLAY),
    "==": (_masked(lambda x: x == 0), [X1, X2], REPLAY),
    "!=": (_masked(lambda x: x != 0), [X1, X2], REPLAY),
    "> tensor": (_masked(lambda x: x > ag.Tensor(ZEROS)), [X1, X2], REPLAY),
    "ndarray <": (_masked(lambda x: ZEROS < x), [X1, X2], REPLAY),
    "argmax axis=1": (_weighted(lambda x: x.argmax(axis=1, keepdims=True)), [M1, M2], M_REPLAY),
    "argmin axis=0": (_weighted(lambda x: x.argmin(axis=0)), [M1, M2], M_REPLAY),
    "argmax": (_weighted(lambda x: x.argmax()), [M1, M2], M_REPLAY),
    "argmin": (_weighted(lambda x: x.argmin()), [M1, M2], M_REPLAY),
    "np.sign": (_weighted(np.sign), [X1, X2], REPLAY),
    "np.floor": (_weighted(np.floor), [X1, X2], REPLAY),
    "np.isnan": (lambda x: ag.where(np.isnan(x), 0.0, x * 2.0).sum(), [X1, X2], [-0.75, np.nan, 0.0]),
    "np.greater": (_masked(lambda x: np.greater(x, 0.0)), [X1, X2], REPLAY),
}


@pytest.mark.parametrize("fast", [True, False], ids=["kernels", "ops"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_a_replay_recomputes_the_result(name: str, fast: bool) -> None:
    loss, traced, replayed = CASES[name]
    calls = [[ag.Tensor(np.array(values), requires_grad=True)] for values in [*traced, replayed, traced[0]]]
    step = CompiledFunction(loss, fast=fast)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="ag.compile", category=RuntimeWarning)
        compare_calls(loss, calls, step=step)
    assert step.counts == {"traces": 2, "replays": 2, "eager": 0}


def test_a_comparison_with_a_parameter_changed_in_place_is_replayed() -> None:
    """A closure tensor read only by a comparison is the trace's array itself: an in-place update (as the
    optimizers make) changes the replayed mask as it changes eager's."""
    w = ag.Tensor(np.array([1.0, -1.0, 1.0]), requires_grad=True)
    loss = _masked(lambda x: w > 0)
    step = ag.compile(loss)
    x = np.array(X1)
    for values in ([1.0, -1.0, 2.0], [3.0, -2.0, 1.0], [-1.0, 1.0, -1.0], [1.0, 1.0, -1.0]):
        w.data[...] = values
        eager_x, compiled_x = ag.Tensor(x.copy(), requires_grad=True), ag.Tensor(x.copy(), requires_grad=True)
        eager = loss(eager_x)
        eager.backward()
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message="ag.compile", category=RuntimeWarning)
            compiled = step(compiled_x)
        np.testing.assert_array_equal(compiled.data, eager.data, err_msg=f"w = {values}", strict=True)
        np.testing.assert_array_equal(compiled_x.grad.data, eager_x.grad.data, strict=True)
    assert step.counts == {"traces": 2, "replays": 2, "eager": 0}


# ------------------------------------------------------------------------------------------- eagerly
def _leaf(values: Any) -> ag.Tensor:
    return ag.Tensor(np.array(values), requires_grad=True)


X_NAN = [0.75, -1.25, 0.0, np.nan, np.inf, 2.5]
EAGER: dict[str, tuple[Callable[[ag.Tensor], ag.Tensor], Callable[[np.ndarray], Any]]] = {
    "<": (lambda t: t < 0.5, lambda a: a < 0.5),
    "<=": (lambda t: t <= 0.0, lambda a: a <= 0.0),
    ">": (lambda t: t > _leaf(X1 + X1), lambda a: a > np.array(X1 + X1)),
    ">=": (lambda t: t >= 0.0, lambda a: a >= 0.0),
    "==": (lambda t: t == 0.0, lambda a: a == 0.0),
    "!=": (lambda t: t != _leaf(X1 + X2), lambda a: a != np.array(X1 + X2)),
    "== None": (lambda t: t == None, lambda a: a == None),  # noqa: E711 - elementwise, as NumPy
    "argmax": (lambda t: t.argmax(), np.argmax),
    "argmin": (lambda t: t.argmin(), np.argmin),
    "argmax axis=0 keepdims": (
        lambda t: t.reshape(2, 3).argmax(axis=0, keepdims=True),
        lambda a: np.argmax(a.reshape(2, 3), axis=0, keepdims=True),
    ),
    "argmin axis=-1": (lambda t: t.reshape(2, 3).argmin(axis=-1), lambda a: np.argmin(a.reshape(2, 3), axis=-1)),
    **{
        f"np.{ufunc.__name__}": (
            (lambda t, u=ufunc: u(t)) if ufunc.nin == 1 else (lambda t, u=ufunc: u(t, np.array(X2 + X1))),
            (lambda a, u=ufunc: u(a)) if ufunc.nin == 1 else (lambda a, u=ufunc: u(a, np.array(X2 + X1))),
        )
        for ufunc in _CONSTANT_UFUNCS
    },
}


@pytest.mark.parametrize("name", sorted(EAGER))
def test_eagerly_the_result_is_a_constant(name: str) -> None:
    op, reference = EAGER[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NaN and inf in the ufuncs on their own
        x = _leaf(X_NAN)
        out = op(x)
        expected = np.asarray(reference(x.data.copy()))
    assert type(out) is ag.Tensor
    assert out.requires_grad is False and out.grad_fn is None
    assert type(out.data) is np.ndarray
    np.testing.assert_array_equal(out.data, expected, strict=True)  # dtype and shape too
    assert x.grad is None and x.grad_fn is None


def test_no_grad_apply_on_arrays_records_nothing_but_the_trace_sees_it() -> None:
    out = NoGrad.apply(np.greater, np.array([1.0, -1.0]), 0.0)
    assert type(out) is ag.Tensor and out.requires_grad is False and out.grad_fn is None
    x = _leaf(X1)
    trace = Trace([x])
    with Tracing(trace):
        mask = x > 0
        loss = ag.where(mask, x, -x).sum()
    trace.finish(loss)
    assert mask.requires_grad is False and mask.grad_fn is None
    first = trace.nodes[0]
    assert first.cls is NoGrad and first.recorded is False
    assert first.args[1] == Slot(0)  # the argument's array, not a constant
    where = next(node for node in trace.nodes if node.cls is Where)
    assert where.args[0] == Slot(first.outputs[0])  # where reads the mask that the replay computes


def test_a_comparison_of_shapes_that_do_not_broadcast_names_the_operator() -> None:
    with pytest.raises(ValueError, match=r"Tensor <: operands could not be broadcast.*\(inputs: \(2,\), \(3,\)\)"):
        ag.Tensor(np.ones(2)) < ag.Tensor(np.ones(3))  # noqa: B015
    with pytest.raises(ValueError, match=r"np.greater: operands could not be broadcast"):
        np.greater(ag.Tensor(np.ones(2)), np.ones(3))
    with pytest.raises(np.exceptions.AxisError, match=r"argmax: axis 2 is out of bounds"):
        ag.Tensor(np.ones((2, 3))).argmax(axis=2)
