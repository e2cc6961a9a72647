"""The names PyTorch users type (SPEC §6): argmax/argmin, unsqueeze, view, float/double, zero_,
ag.from_numpy; `dim=` pointing to `axis=`; a Function subclass called directly pointing to `.apply`."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn
from autograd.ops.elementwise import Exp

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("method", ["argmax", "argmin"])
@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, False), (1, True), (-1, False)])
def test_argmax_argmin_equal_numpy_and_never_require_grad(method, axis, keepdims):
    data = RNG.normal(size=(4, 5))
    x = ag.Tensor(data, requires_grad=True)
    result = getattr(x, method)(axis=axis, keepdims=keepdims)
    np.testing.assert_array_equal(result.data, getattr(np, method)(data, axis=axis, keepdims=keepdims))
    assert result.dtype.kind == "i" and not result.requires_grad and result.grad_fn is None


def test_unsqueeze_and_view_are_expand_dims_and_reshape_with_gradients():
    data = RNG.normal(size=(2, 3))
    x = ag.Tensor(data, requires_grad=True)
    assert x.unsqueeze(0).shape == (1, 2, 3) and x.unsqueeze(-1).shape == (2, 3, 1)
    assert x.view(3, 2).shape == (3, 2) and x.view((6,)).shape == (6,) and x.view(-1, 2).shape == (3, 2)
    weights = RNG.normal(size=(3, 2))
    (x.view(3, 2) * ag.Tensor(weights)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, weights.reshape(2, 3))
    assert ag.gradcheck(lambda t: t.unsqueeze(1) * 2.0, [ag.Tensor(data, requires_grad=True)])


def test_float_and_double_cast_like_pytorch_and_keep_the_graph():
    x = ag.Tensor([1.5, 2.5], requires_grad=True)
    half = x.float()
    assert half.dtype == np.float32 and half.requires_grad
    assert half.double().dtype == np.float64
    (half.double() * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])


def test_zero_on_a_non_leaf_is_recorded_and_stops_the_gradient():
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    assert y.zero_() is y
    np.testing.assert_array_equal(y.data, [0.0, 0.0])
    (y + x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])  # only through `+ x`


def test_zero_on_a_leaf_requiring_grad_is_refused_outside_no_grad():
    p = ag.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="zero_: .*leaf tensor that requires grad.*no_grad"):
        p.zero_()
    np.testing.assert_array_equal(p.data, [1.0, 2.0])
    with ag.no_grad():
        p.zero_()
    np.testing.assert_array_equal(p.data, [0.0, 0.0])
    plain = ag.Tensor(np.ones(3), dtype=np.float32)
    plain.zero_()
    assert plain.dtype == np.float32 and not plain.data.any()


def test_from_numpy_shares_memory_and_keeps_the_dtype():
    array = np.arange(4)
    t = ag.from_numpy(array)
    assert t.dtype == array.dtype and np.shares_memory(t.data, array)
    array[0] = 7
    assert t.data[0] == 7
    with pytest.raises(TypeError, match="from_numpy: expected a numpy.ndarray, got list"):
        ag.from_numpy([1.0, 2.0])


X = ag.Tensor(RNG.normal(size=(2, 3)))
DIM_CALLS = {
    "Tensor.sum": lambda: X.sum(dim=0),
    "Tensor.mean": lambda: X.mean(dim=1),
    "Tensor.var": lambda: X.var(dim=0),
    "Tensor.max": lambda: X.max(dim=0),
    "Tensor.min": lambda: X.min(dim=0),
    "Tensor.argmax": lambda: X.argmax(dim=1),
    "Tensor.argmin": lambda: X.argmin(dim=1),
    "Tensor.squeeze": lambda: X.squeeze(dim=0),
    "Tensor.expand_dims": lambda: X.expand_dims(dim=0),
    "Tensor.unsqueeze": lambda: X.unsqueeze(dim=0),
    "ag.sum": lambda: ag.sum(X, dim=0),
    "ag.mean": lambda: ag.mean(X, dim=0),
    "ag.max": lambda: ag.max(X, dim=0),
    "ag.min": lambda: ag.min(X, dim=0),
    "ag.var": lambda: ag.var(X, dim=0),
    "ag.logsumexp": lambda: ag.logsumexp(X, dim=0),
    "ag.softmax": lambda: ag.softmax(X, dim=1),
    "ag.log_softmax": lambda: ag.log_softmax(X, dim=1),
    "ag.concatenate": lambda: ag.concatenate([X, X], dim=0),
    "ag.stack": lambda: ag.stack([X, X], dim=0),
    "ag.squeeze": lambda: ag.squeeze(X, dim=0),
    "ag.expand_dims": lambda: ag.expand_dims(X, dim=0),
    "F.softmax": lambda: nn.functional.softmax(X, dim=1),
    "F.log_softmax": lambda: nn.functional.log_softmax(X, dim=1),
}


@pytest.mark.parametrize("name", list(DIM_CALLS))
def test_dim_keyword_says_use_axis(name):
    with pytest.raises(TypeError, match=r"got the keyword dim=, PyTorch's spelling.*use axis="):
        DIM_CALLS[name]()


def test_keepdim_says_use_keepdims_and_other_type_errors_are_untouched():
    with pytest.raises(TypeError, match="use keepdims="):
        X.sum(axis=0, keepdim=True)
    with pytest.raises(TypeError, match="unexpected keyword argument 'axes'"):
        X.sum(axes=0)
    assert X.sum(axis=0, keepdims=True).shape == (1, 3)  # the correct spelling still works
    assert ag.softmax(X, axis=0).shape == (2, 3)


def test_the_dim_guard_keeps_signatures_and_docstrings():
    import inspect

    assert list(inspect.signature(ag.Tensor.sum).parameters) == ["self", "axis", "keepdims"]
    assert list(inspect.signature(ag.softmax).parameters) == ["x", "axis"]
    assert ag.Tensor.sum.__wrapped__.__name__ == "sum"


class Swish(ag.Function):
    """x · sigmoid(x), a custom op."""

    @staticmethod
    def forward(ctx, x):
        s = 1 / (1 + np.exp(-x))
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, g):
        x, s = ctx.saved_tensors
        return g * (s + x * s * (1 - s))


def test_calling_a_function_subclass_directly_says_to_use_apply():
    x = ag.Tensor([0.5, -1.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"Swish\(\.\.\.\) does not run the op: call Swish\.apply\(\.\.\.\)"):
        Swish(x)
    with pytest.raises(TypeError, match=r"call Exp\.apply"):
        Exp(x)  # the built-in ops are Functions too
    Swish.apply(x).sum().backward()  # the right spelling still works
    assert ag.gradcheck(Swish.apply, [ag.Tensor([0.5, -1.0], requires_grad=True)])
