"""SGD's fast path (`SGD.step`) against the general path it sits beside (`Optimizer.step`): the same
parameters, state and errors, bit for bit, in every case the fast path takes or hands on."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
from nn import optim
from nn.optim import sgd
from nn.optim.optimizer import Optimizer

SHAPES = [(3,), (2, 2), (4, 3), (257, 257)]  # the last is updated in pieces (sgd.PIECE_BYTES)


def _run(step, dtype, grad_dtype, groups, steps=5, seed=0):
    """Parameters after `steps` updates by `step(optimizer)` on fixed pseudo-random gradients; some
    gradients missing on some steps, some of another dtype than their parameter."""
    rng = np.random.default_rng(seed)
    starts = [rng.normal(size=s).astype(dtype) for s in SHAPES]
    params = [ag.Tensor(start.copy(), requires_grad=True) for start in starts]
    split = [{"params": params[:1], **groups[0]}, {"params": params[1:], **groups[1]}]
    optimizer = optim.SGD(split, lr=0.1)
    for k in range(steps):
        optimizer.zero_grad()
        for index, p in enumerate(params):
            if (index + k) % 4 == 3:
                continue  # no gradient this step
            p.grad = ag.Tensor(rng.normal(size=p.shape).astype(grad_dtype if index == 1 else dtype))
        step(optimizer)
    return params, optimizer


GROUPS = [
    ({"lr": 0.3}, {}),
    ({"lr": 0.05}, {"lr": 0.7, "momentum": 0.9}),
    ({"weight_decay": 0.1}, {"lr": 0.2}),
    ({"momentum": 0.5, "nesterov": True}, {"lr": 0.01, "weight_decay": 0.3}),
]


@pytest.mark.parametrize("groups", GROUPS, ids=[str(g) for g in GROUPS])
@pytest.mark.parametrize(
    "dtype, grad_dtype", [(np.float64, np.float64), (np.float32, np.float32), (np.float32, np.float64)]
)
def test_plain_sgd_fast_path_equals_the_general_path(groups, dtype, grad_dtype):
    fast, fast_opt = _run(lambda o: o.step(), dtype, grad_dtype, groups)
    general, general_opt = _run(lambda o: Optimizer.step(o), dtype, grad_dtype, groups)
    for a, b in zip(fast, general):
        assert a.data.dtype == b.data.dtype
        np.testing.assert_array_equal(a.data, b.data, strict=True)

    def order(params, state):  # which parameters have state, in the order it was made
        return [[id(p) for p in params].index(id(key)) for key in state]

    assert order(fast, fast_opt.state) == order(general, general_opt.state)
    for p, q in zip(fast, general):
        assert fast_opt.state.get(p, {}).keys() == general_opt.state.get(q, {}).keys()
        for key, value in fast_opt.state.get(p, {}).items():
            np.testing.assert_array_equal(value, general_opt.state[q][key], strict=True)


def test_plain_sgd_fast_path_refuses_bad_gradients_as_the_general_path_does():
    for step in (lambda o: o.step(), lambda o: Optimizer.step(o)):
        p = ag.Tensor(np.zeros(3), requires_grad=True, name="w")
        optimizer = optim.SGD([p], lr=0.1)
        p.grad = ag.Tensor(np.ones(3))
        step(optimizer)  # the state now exists, so the next step would take the fast path
        p.grad = ag.Tensor(np.ones(1))
        with pytest.raises(ValueError, match=r"SGD.step: the gradient of parameter w has shape \(1,\)"):
            step(optimizer)
        p.grad = np.ones(3)
        with pytest.raises(TypeError, match=r"is a ndarray, not a Tensor"):
            step(optimizer)
        np.testing.assert_array_equal(p.data, np.full(3, -0.1))


def test_plain_sgd_fast_path_reads_the_learning_rate_a_scheduler_set():
    p = ag.Tensor(np.ones(2), requires_grad=True)
    optimizer = optim.SGD([p], lr=1.0)
    for lr in (1.0, 0.5, 0.25):
        optimizer.param_groups[0]["lr"] = lr
        p.grad = ag.Tensor(np.ones(2))
        optimizer.step()
    np.testing.assert_array_equal(p.data, np.full(2, 1.0 - 1.75))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("layout", ["C", "transposed", "sliced"])
def test_a_large_parameter_updated_in_pieces_equals_the_general_path(dtype, layout):
    """Pieces of sgd.PIECE_BYTES, the last one short; a parameter that is not C-contiguous is
    updated whole (a reshape of it would be a copy); a gradient that is not is read through a copy."""
    rng = np.random.default_rng(3)
    size = sgd.PIECE_BYTES // np.dtype(dtype).itemsize * 2 + 5
    start = rng.normal(size=(size // 5, 5)).astype(dtype)
    views = {"C": lambda a: a, "transposed": lambda a: a.T.copy().T, "sliced": lambda a: a}
    grads = [rng.normal(size=start.shape).astype(dtype) for _ in range(3)]
    results = []
    for step in (lambda o: o.step(), lambda o: Optimizer.step(o)):
        p = ag.Tensor(views[layout](start.copy()), requires_grad=True)
        optimizer = optim.SGD([p], lr=0.37)
        for grad in grads:
            if layout == "sliced":
                grad = np.repeat(grad, 2, axis=0)[::2]  # the same values, not C-contiguous
            p.grad = ag.Tensor(grad)
            assert p.grad.data.flags.c_contiguous == (layout != "sliced")
            step(optimizer)
        results.append(p.data)
    assert results[0].flags.c_contiguous == (layout != "transposed")
    np.testing.assert_array_equal(results[0], results[1], strict=True)
