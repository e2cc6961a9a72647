"""`Optimizer.load_state_dict` of a 0-d parameter's state: the state arrays are copied and in the
parameter's dtype, as they are for parameters of any other shape (a 0-d array was once taken as it
was: the loaded optimizer updated the caller's state dict in place and kept float64 state for float32);
and a step saved as a NumPy integer is loaded as an int (it once kept the fast path off for good)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import autograd as ag
import nn
from nn import optim

OPTIONS = {
    optim.Adam: {},
    optim.AdamW: {"weight_decay": 0.1},
    optim.RMSprop: {"momentum": 0.9},
    optim.Adagrad: {"lr_decay": 0.1},
    optim.SGD: {"momentum": 0.9},
}


def stepped(cls, dtype, steps, state_dict=None):
    """`cls` over a 0-d and a (2,) parameter of `dtype`, `state_dict` loaded, after `steps` steps."""
    params = [ag.Tensor(np.array(1.0, dtype), requires_grad=True), ag.Tensor(np.ones(2, dtype), requires_grad=True)]
    optimizer = cls([{"params": params[:1]}, {"params": params[1:]}], lr=0.1, **OPTIONS[cls])
    if state_dict is not None:
        optimizer.load_state_dict(state_dict)
    for k in range(steps):
        for p in params:
            p.grad = ag.Tensor(np.full(p.shape, 0.5 + k, dtype))
        optimizer.step()
    return params, optimizer


@pytest.mark.parametrize("cls", list(OPTIONS))
def test_loading_never_updates_the_callers_state_dict(cls):
    _, optimizer = stepped(cls, np.float64, 2)
    saved = optimizer.state_dict()
    before = json.dumps(saved, default=lambda a: a.tolist())
    _, loaded = stepped(cls, np.float64, 3, saved)
    assert json.dumps(saved, default=lambda a: a.tolist()) == before
    for state in loaded.state.values():
        for key, value in state.items():
            if isinstance(value, np.ndarray):
                assert all(value is not v for s in saved["state"].values() for v in s.values()), key


@pytest.mark.parametrize("cls", list(OPTIONS))
def test_a_0d_parameter_s_state_is_loaded_in_the_parameter_s_dtype(cls):
    """Saved from float64, loaded for float32: the same as for the (2,) parameter, and the same numbers
    as a float32 run that started from float32 copies of the state."""
    _, optimizer = stepped(cls, np.float64, 2)
    saved = optimizer.state_dict()
    params, loaded = stepped(cls, np.float32, 0, saved)
    for p in params:
        for key, value in loaded.state[p].items():
            if isinstance(value, np.ndarray) and value.dtype.kind == "f":
                assert value.dtype == np.float32, (p.shape, key)
    as_float32 = {
        "param_groups": saved["param_groups"],
        "state": {
            i: {k: v.astype(np.float32) if isinstance(v, np.ndarray) else v for k, v in s.items()}
            for i, s in saved["state"].items()
        },
    }
    a, _ = stepped(cls, np.float32, 2, saved)
    b, _ = stepped(cls, np.float32, 2, as_float32)
    for p, q in zip(a, b, strict=True):
        np.testing.assert_array_equal(p.data, q.data, strict=True)


def test_a_step_saved_as_a_numpy_integer_is_loaded_as_an_int_and_the_lab_network_takes_the_fast_path():
    """A JSON round trip (or np.load) turns the step into a 0-d integer array: it is loaded as the int that
    `update` makes, not cast to the parameter's dtype, and the fast path goes on (it takes int steps)."""
    nn.manual_seed(0)
    params = list(nn.MLP([2, 4, 4, 1]).parameters())
    optimizer = optim.Adam(params, lr=0.01)
    for k in range(3):
        for p in params:
            p.grad = ag.Tensor(np.full(p.shape, 0.5 + k))
        optimizer.step()
    saved = optimizer.state_dict()
    saved["state"] = {i: {k: np.array(v) for k, v in s.items()} for i, s in saved["state"].items()}
    saved["state"][0]["step"] = np.int64(3)
    optimizer = optim.Adam(params, lr=0.01)
    optimizer.load_state_dict(saved)
    assert all(type(state["step"]) is int and state["step"] == 3 for state in optimizer.state.values())
    sizes, update = [], optimizer.update
    optimizer.update = lambda param, *rest: (sizes.append(param.size), update(param, *rest))
    for p in params:
        p.grad = ag.Tensor(np.ones(p.shape))
    optimizer.step()
    assert sizes == [37]
    assert all(state["step"] == 4 for state in optimizer.state.values())


def test_a_state_array_of_integers_with_axes_is_cast_to_the_parameter_s_dtype():
    """Only a 0-d integer is a step; a momentum buffer written as integers (by hand, or by a tool that
    writes 1.0 as 1) is an array in the parameter's dtype."""
    p = ag.Tensor(np.zeros((1, 2), np.float32), requires_grad=True)
    optimizer = optim.SGD([p], lr=0.5, momentum=0.5)
    optimizer.load_state_dict(
        {"state": {0: {"momentum_buffer": np.array([[2, 4]])}}, "param_groups": optimizer.state_dict()["param_groups"]}
    )
    buffer = optimizer.state[p]["momentum_buffer"]
    assert type(buffer) is np.ndarray and buffer.dtype == np.float32
    np.testing.assert_array_equal(buffer, [[2.0, 4.0]])
    p.grad = ag.Tensor(np.ones((1, 2), np.float32))
    optimizer.step()
    np.testing.assert_array_equal(p.data, np.array([[-1.0, -1.5]], np.float32), strict=True)
