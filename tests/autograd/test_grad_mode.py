"""Graph control: no_grad / enable_grad, ag.grad, detect_anomaly."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor

# The anomaly tests make NaN on purpose; NumPy warns about it first, and setup.cfg turns
# RuntimeWarnings from autograd into errors.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

# ---------------------------------------------------------------- no_grad and enable_grad


def test_no_grad_records_nothing_and_restores():
    x = Tensor([1.0, 2.0], requires_grad=True)
    assert ag.is_grad_enabled()
    with ag.no_grad():
        assert not ag.is_grad_enabled()
        y = x * 2 + x.exp()
        assert not y.requires_grad and y.grad_fn is None
        with ag.enable_grad():
            assert ag.is_grad_enabled()
            z = x * 2
            assert z.requires_grad and z.grad_fn is not None
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()
    z.sum().backward()  # recorded inside enable_grad: a real graph
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


def test_no_grad_restores_after_an_exception():
    with pytest.raises(KeyError):
        with ag.no_grad():
            raise KeyError
    assert ag.is_grad_enabled()


def test_no_grad_decorator():
    x = Tensor([1.0], requires_grad=True)

    @ag.no_grad()
    def predict(t):
        """docstring kept"""
        return t * 3, ag.is_grad_enabled()

    out, enabled = predict(x)
    assert not enabled and not out.requires_grad and ag.is_grad_enabled()
    assert predict.__name__ == "predict" and predict.__doc__ == "docstring kept"

    @ag.enable_grad()
    def train_step(t):
        return t * 3

    with ag.no_grad():
        assert train_step(x).requires_grad


def test_no_grad_is_reentrant():
    context = ag.no_grad()
    with context:
        with context:
            assert not ag.is_grad_enabled()
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()


# ---------------------------------------------------------------- ag.grad


def test_grad_returns_a_tuple_and_leaves_dot_grad_alone():
    x = Tensor([1.0, 2.0], requires_grad=True)
    w = Tensor([3.0, 4.0], requires_grad=True)
    x.grad = Tensor([100.0, 100.0])
    gx, gw = ag.grad((x * w).sum(), [x, w])
    np.testing.assert_array_equal(gx.data, [3.0, 4.0])
    np.testing.assert_array_equal(gw.data, [1.0, 2.0])
    np.testing.assert_array_equal(x.grad.data, [100.0, 100.0])
    assert w.grad is None


def test_grad_with_respect_to_an_intermediate():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    (gh,) = ag.grad((h * h).sum(), h)
    np.testing.assert_array_equal(gh.data, 2 * h.data)
    assert x.grad is None and h.grad is None


def test_grad_with_grad_outputs_and_several_outputs():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (gx,) = ag.grad([x * 2, x * x], x, grad_outputs=[np.array([1.0, 0.0]), np.array([0.0, 1.0])])
    np.testing.assert_array_equal(gx.data, [2.0, 4.0])
    with pytest.raises(ValueError, match="2 outputs but 1 grad_outputs"):
        ag.grad([x * 2, x * x], x, grad_outputs=[np.ones(2)])


def test_grad_frees_the_graph_unless_asked():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    ag.grad(y, x, retain_graph=True)
    ag.grad(y, x)
    with pytest.raises(RuntimeError, match="second time"):
        ag.grad(y, x)


def test_allow_unused():
    x = Tensor([1.0], requires_grad=True)
    unused = Tensor([2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"input 1 \(shape \(2,\)\).*allow_unused=True"):
        ag.grad((x * 2).sum(), [x, unused])
    gx, gu = ag.grad((x * 2).sum(), [x, unused], allow_unused=True)
    assert gx.item() == 2.0 and gu is None


def test_grad_of_an_input_that_does_not_require_grad_is_an_error():
    x = Tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="input 1"):
        ag.grad((x * 2).sum(), [x, Tensor([1.0])])


# ---------------------------------------------------------------- detect_anomaly


def _line_of(marker: str) -> int:
    source, start = inspect.getsourcelines(_line_of.__globals__[marker])
    return start + next(i for i, line in enumerate(source) if "# <- the op" in line)


def _forward_nan(x):
    return ag.log(x - 1.0)  # <- the op


def _backward_inf(x):
    return ag.sqrt(x).sum()  # <- the op


def test_anomaly_in_forward_names_op_shapes_and_user_line():
    x = Tensor(np.zeros((2, 3)), requires_grad=True)
    with ag.detect_anomaly():
        with pytest.raises(FloatingPointError) as error:
            _forward_nan(x)
    message = str(error.value)
    assert "Log forward" in message and "(2, 3)" in message
    assert f"{__file__}:{_line_of('_forward_nan')}" in message


def test_anomaly_in_backward_names_op_shapes_and_user_line():
    x = Tensor(np.array([[0.0, 1.0]]), requires_grad=True)  # sqrt is fine at 0, its gradient is not
    with ag.detect_anomaly():
        out = _backward_inf(x)
        assert np.isfinite(out.data)
        with pytest.raises(FloatingPointError) as error:
            out.backward()
    message = str(error.value)
    assert "Sqrt backward" in message and "(1, 2)" in message
    assert f"{__file__}:{_line_of('_backward_inf')}" in message


def test_anomaly_decorator_and_finite_values_pass():
    @ag.detect_anomaly()
    def checked(t):
        return ag.log(t)

    with pytest.raises(FloatingPointError, match="Log forward"):
        checked(Tensor([-1.0]))
    assert checked(Tensor([1.0])).item() == 0.0


def test_without_anomaly_detection_nan_flows_silently():
    out = ag.log(Tensor([-1.0], requires_grad=True))
    assert np.isnan(out.data).all()


def test_detect_anomaly_is_reentrant_and_restores():
    context = ag.detect_anomaly()
    with context:
        with context:
            pass
        with pytest.raises(FloatingPointError):
            ag.log(Tensor([-1.0]))
    assert np.isnan(ag.log(Tensor([-1.0])).data).all()


def test_closing_the_outermost_block_leaves_no_entry_in_the_context():
    """An entry left in the context (even of the default mode) makes every NumPy call look its own
    absent context variable up in a non-empty mapping: slower for the rest of the process."""
    import contextvars

    from autograd.grad_mode import _mode

    def entries():
        return [var for var in contextvars.copy_context() if var is _mode]

    assert entries() == []  # no block is open, and the blocks closed before left nothing
    with ag.no_grad():
        with ag.enable_grad():
            with ag.detect_anomaly():
                assert ag.is_grad_enabled()
            assert ag.is_grad_enabled()
        assert not ag.is_grad_enabled() and entries() != []
    assert entries() == [] and ag.is_grad_enabled()

    @ag.no_grad()
    def inside():
        return ag.is_grad_enabled()

    assert inside() is False and entries() == [] and ag.is_grad_enabled()
