"""`ag.compile`'s kernels where they write into buffers or in place, or use 0-d constants: each such
variant equals eager execution bit for bit, and the plans checked really take that variant."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from test_compile import compare_calls

import autograd as ag
import nn.functional as F

RNG = np.random.default_rng(7)
WEIGHTS = RNG.uniform(0.5, 1.5, (50, 40))


def calls_of(*dtypes: Any, count: int = 4) -> list[list[ag.Tensor]]:
    """Calls with one leaf per dtype, of shape (50, 40), new values each call."""
    return [
        [ag.Tensor(RNG.normal(size=(50, 40)).astype(dtype), requires_grad=True) for dtype in dtypes]
        for _ in range(count)
    ]


def source(step: Any) -> str:
    (plan,) = step.plans()
    return plan.source


ACTIVATIONS = {"sigmoid": lambda t: t.sigmoid(), "tanh": lambda t: t.tanh(), "relu": lambda t: t.relu()}
BUFFERED = {"sigmoid": "_subtract(k", "tanh": "_subtract(k", "relu": ", zeros"}  # the buffered variant's code


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize(
    "dtype, weights_dtype", [(np.float64, np.float64), (np.float32, np.float32), (np.float32, np.float64)]
)
def test_activation_backward_through_buffers_equals_eager(activation: str, dtype: Any, weights_dtype: Any) -> None:
    """An activation inside the function (its output is not returned, so it has buffers); float32
    activations under a float64 gradient too, where the gradient's dtype is not the output's."""
    weights = WEIGHTS.astype(weights_dtype)
    act = ACTIVATIONS[activation]
    step = compare_calls(lambda x, w: (act(x * w) * weights).sum(), calls_of(dtype, dtype))
    assert BUFFERED[activation] in source(step)  # 1 - out into a buffer; relu into a buffer


PRODUCTS = {
    "y*y, y new": (lambda x: (lambda y: y * y)(x * 1.5), True),
    "x*x of a leaf": (lambda x: x * x, True),
    "y*y + y: y has a gradient first": (lambda x: (lambda y: y * y + y)(x * 1.5), False),
    "y + y: the gradient itself, passed on": (lambda x: (lambda y: y + y)(x * 1.5), False),
    "x + x of a leaf": (lambda x: x + x, False),
    "y * y[0]: broadcast": (lambda x: (lambda y: y * y[0])(x * 1.5), False),
}


@pytest.mark.parametrize("name", PRODUCTS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [True, False])
def test_a_value_times_itself_equals_eager(name: str, dtype: Any, weighted: bool) -> None:
    """x * x sends g*x twice to x: added in place when x had no gradient yet, as the engine adds."""
    fn, doubled = PRODUCTS[name]
    weights = WEIGHTS.astype(dtype)
    loss = (lambda x: (fn(x) * weights).sum()) if weighted else (lambda x: fn(x).sum())
    step = compare_calls(loss, calls_of(dtype))
    in_place = [line for line in source(step).splitlines() if line.strip().startswith("_add(")]
    assert bool(in_place) == doubled, in_place


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_float_constants_as_0d_arrays_equal_eager(dtype: Any) -> None:
    """x * 0.7 + 0.3 in float32: 0.7 rounded to float32 first, as NumPy does for a Python float; an
    integer argument times a float stays the number (the result is float64, not the argument's dtype)."""
    counts = ag.Tensor(np.arange(2000).reshape(50, 40))

    def loss(x: ag.Tensor, n: ag.Tensor) -> ag.Tensor:
        return (((x * 0.7 + 0.3).tanh() + n * 0.1) * WEIGHTS.astype(dtype)).sum()

    calls = [[x, counts] for (x,) in calls_of(dtype)]
    step = compare_calls(loss, calls)
    text = source(step)
    assert "_multiply(v0, k" in text and "_add(" in text


# ------------------------------------------------------------------ the argument check beside the key
def test_the_argument_check_agrees_with_the_key() -> None:
    """`_matcher(key)` says yes only for arguments whose `_key` is `key` (and, for arrays of NumPy's
    own dtypes, always then): the fast check on the last replayed plan is the key lookup's equal."""
    from autograd.compiler import _key, _matcher

    x, y = np.ones((3, 2)), np.zeros(3)
    variants = [
        (ag.Tensor(x), ag.Tensor(y)),
        (ag.Tensor(x.copy()), ag.Tensor(y.copy())),
        (ag.Tensor(x, requires_grad=True), ag.Tensor(y)),
        (ag.Tensor(x), y),
        (x, ag.Tensor(y)),
        (ag.Tensor(x.astype(np.float32)), ag.Tensor(y)),
        (ag.Tensor(x.T.copy()), ag.Tensor(y)),
        (ag.Tensor(x), ag.Tensor(y[:2])),
        (ag.Tensor(x),),
        (ag.Tensor(x), ag.Tensor(y), ag.Tensor(y)),
        (ag.Tensor(x), ag.Tensor(x)),  # two Tensors of one array
        (ag.Tensor(x), ag.Tensor(x.copy())),  # the same, but two arrays
        (ag.Tensor(x, requires_grad=True) * 2, ag.Tensor(y)),  # a recorded op's output: no key
        (ag.Tensor(x), 3),
        (ag.Tensor(x), 4),
    ]
    same = ag.Tensor(x)
    variants.append((same, same))
    checked = 0
    for base in variants:
        for grad_enabled in (True, False):
            key = _key(base, grad_enabled)
            matcher = None if key is None else _matcher(key)
            if matcher is None:
                assert key is None or any(type(part[0]) is not tuple for part in key[1:])  # a constant or repeats
                continue
            for candidate in variants:
                for mode in (True, False):
                    assert matcher(candidate, mode) == (_key(candidate, mode) == key), (base, candidate, mode)
                    checked += 1
    assert checked > 300


# ------------------------------------------------------------------ a leaf's first gradient given directly
@pytest.mark.parametrize("reset", ["none", "zeros", "keep", "none, then clipped in place"])
@pytest.mark.parametrize(
    "dtype, data_dtype", [(np.float64, np.float64), (np.float32, np.float32), (np.float32, np.float64)]
)
@pytest.mark.parametrize("model", ["linear", "gradient passed on"])
def test_parameter_grads_set_or_accumulated_equal_eager(model: str, reset: str, dtype: Any, data_dtype: Any) -> None:
    """The plan hands a parameter its gradient array directly when `.grad` is None and the dtypes
    agree, else accumulates as the engine does: after zero_grad, after zeros, and when kept; a float32
    parameter under float64 data gets a float64 gradient made float32."""
    rng = np.random.default_rng(5)
    weights = [rng.normal(size=shape).astype(dtype) for shape in [(4, 3), (4,), (6, 4)]]
    eager_params = [ag.Tensor(w.copy(), requires_grad=True) for w in weights]
    compiled_params = [ag.Tensor(w.copy(), requires_grad=True) for w in weights]

    def loss_of(params: list[ag.Tensor]) -> Any:
        if model == "gradient passed on":  # the last parameter's gradient is the sum's own (shared) array
            return lambda x: (F.linear(x, params[0], params[1]).sigmoid() * 1.5 + params[2]).sum()
        return lambda x: (F.linear(x, params[0], params[1]).sigmoid() * 1.5).sum()

    step = ag.compile(loss_of(compiled_params))
    for call in range(5):
        x = ag.Tensor(rng.normal(size=(6, 3)).astype(data_dtype))
        for params in (eager_params, compiled_params):
            for p in params:
                if reset in ("none", "none, then clipped in place"):
                    p.grad = None
                elif reset == "zeros" and p.grad is not None:
                    p.grad.data[...] = 0
        loss_of(eager_params)(x).backward()
        step(x)
        for c, e in zip(compiled_params, eager_params):
            if e.grad is None:  # the linear model leaves the last parameter out
                assert c.grad is None and model == "linear"
                continue
            assert c.grad.data.dtype == e.grad.data.dtype == dtype
            np.testing.assert_array_equal(c.grad.data, e.grad.data, strict=True, err_msg=f"call {call}")
            if reset == "none, then clipped in place":  # as clip_grad_norm_ does: the grad is the leaf's own
                c.grad.data *= 0.5
                e.grad.data *= 0.5
    assert step.counts["replays"] == 3
    assert "r.data = l" in step.plans()[0].source
