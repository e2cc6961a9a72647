"""Tests written to kill the `nn/optim` and `nn/module.py` mutants that survived mutation testing
(see README, "Mutation testing"): messages, hyperparameter bounds, and saving and restoring state."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn


def _params(*shapes, dtype=np.float64) -> list[nn.Parameter]:
    rng = np.random.default_rng(0)
    return [nn.Parameter(rng.standard_normal(shape).astype(dtype)) for shape in shapes]


def _step(optimizer, params, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    for p in params:
        p.grad = ag.Tensor(rng.standard_normal(p.shape).astype(p.dtype))
    optimizer.step()


def test_adam_betas_are_checked_with_clear_messages():
    (p,) = _params((2,))
    nn.optim.Adam([p], betas=(0.0, 0.0))  # 0 is a valid beta (no averaging)
    with pytest.raises(ValueError) as info:
        nn.optim.Adam([p], betas=(0.9, 0.99, 0.9))
    assert str(info.value) == "Adam: betas must be a pair (beta1, beta2), got (0.9, 0.99, 0.9)"
    with pytest.raises(ValueError, match=r"^Adam: invalid beta2=1.0 in betas; expected 0 <= beta < 1$"):
        nn.optim.Adam([p], betas=(0.9, 1.0))


def test_adamw_passes_every_hyperparameter_on():
    (p,) = _params((2,))
    optimizer = nn.optim.AdamW([p], lr=0.2, betas=(0.5, 0.6), eps=0.125, weight_decay=0.25)
    group = optimizer.param_groups[0]
    assert (group["lr"], group["betas"], group["eps"], group["weight_decay"]) == (0.2, (0.5, 0.6), 0.125, 0.25)


def test_an_optimizer_without_update_says_what_to_define():
    class Incomplete(nn.optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, dict(lr=0.1))

    (p,) = _params((2,))
    optimizer = Incomplete([p])
    p.grad = ag.Tensor(np.ones(2))
    with pytest.raises(NotImplementedError) as info:
        optimizer.step()
    assert str(info.value) == "Incomplete must define update(param, grad, state, group)"


def test_state_dict_numbers_parameters_across_groups():
    a, b, c = _params((2,), (3,), (1,))
    optimizer = nn.optim.SGD([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1, momentum=0.9)
    groups = optimizer.state_dict()["param_groups"]
    assert [g["params"] for g in groups] == [[0, 1], [2]]
    assert groups[1]["lr"] == 0.5 and groups[0]["lr"] == 0.1


def test_load_state_dict_with_another_number_of_groups_says_so():
    a, b = _params((2,), (3,))
    two = nn.optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1)
    one = nn.optim.SGD([a, b], lr=0.1)
    with pytest.raises(ValueError) as info:
        one.load_state_dict(two.state_dict())
    assert str(info.value) == "SGD.load_state_dict: the saved state has 2 parameter groups, this optimizer has 1"


def test_state_of_a_later_parameter_loads_when_an_earlier_one_has_none():
    a, b = _params((2,), (3,))
    optimizer = nn.optim.SGD([a, b], lr=0.1, momentum=0.9)
    b.grad = ag.Tensor(np.ones(3))  # only b has a gradient, so only b has state
    optimizer.step()
    saved = optimizer.state_dict()
    assert list(saved["state"]) == [1]
    c, d = _params((2,), (3,))
    other = nn.optim.SGD([c, d], lr=0.1, momentum=0.9)
    other.load_state_dict(saved)
    assert c not in other.state
    np.testing.assert_array_equal(other.state[d]["momentum_buffer"], np.ones(3))


def test_loaded_state_is_a_copy_in_the_parameter_dtype():
    (p,) = _params((3,))
    optimizer = nn.optim.Adam([p], lr=0.1)
    _step(optimizer, [p])
    saved = optimizer.state_dict()
    kept = {key: np.array(value, copy=True) for key, value in saved["state"][0].items()}
    (q,) = _params((3,), dtype=np.float32)
    other = nn.optim.Adam([q], lr=0.1)
    other.load_state_dict(saved)
    assert other.state[q]["exp_avg"].dtype == np.float32 and other.state[q]["exp_avg_sq"].dtype == np.float32
    (r,) = _params((3,))
    same = nn.optim.Adam([r], lr=0.1)
    same.load_state_dict(saved)
    assert not np.shares_memory(same.state[r]["exp_avg"], saved["state"][0]["exp_avg"])
    _step(same, [r], seed=1)
    for key, value in kept.items():
        np.testing.assert_array_equal(saved["state"][0][key], value)  # the caller's dict is left alone


def test_state_dict_keeps_plain_numbers_plain():
    (p,) = _params((2,))
    optimizer = nn.optim.Adam([p], lr=0.1)
    _step(optimizer, [p])
    _step(optimizer, [p], seed=1)
    state = optimizer.state_dict()["state"][0]
    assert type(state["step"]) is int and state["step"] == 2
    assert not np.shares_memory(state["exp_avg"], optimizer.state[p]["exp_avg"])


def test_optimizer_repr_lists_each_group_without_its_parameters():
    a, b = _params((2,), (3,))
    optimizer = nn.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    lines = repr(optimizer).split("\n")
    assert lines[0] == "SGD (" and lines[-1] == ")"
    assert "Parameter Group 0" in lines and "Parameter Group 1" in lines
    assert "    lr: 0.1" in lines and "    lr: 0.5" in lines
    assert not any("params" in line for line in lines)
    assert lines.index("Parameter Group 1") < lines.index("    lr: 0.5")


def test_rmsprop_state_as_pytorch_names_it():
    (p,) = _params((2,))
    plain = nn.optim.RMSprop([p], lr=0.01)
    for seed in range(3):
        _step(plain, [p], seed)
    assert set(plain.state[p]) == {"step", "square_avg"} and plain.state[p]["step"] == 3
    (q,) = _params((2,))
    with_momentum = nn.optim.RMSprop([q], lr=0.01, momentum=0.5)
    for seed in range(2):
        _step(with_momentum, [q], seed)
    assert set(with_momentum.state[q]) == {"step", "square_avg", "momentum_buffer"}
    assert with_momentum.state[q]["step"] == 2
