"""Tests written to kill the `nn/optim` and `nn/module.py` mutants that survived mutation testing
(see README, "Mutation testing"): messages, hyperparameter bounds, and saving and restoring state."""

from __future__ import annotations

import math

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


# ------------------------------------------------------------------ nn.Module


class Pair(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(np.ones((1, 2)))
        self.bias = nn.Parameter(np.zeros(1))

    def forward(self, x, scale=1.0):
        return (x @ self.weight.T + self.bias) * scale


def test_a_new_module_is_in_training_mode_and_calls_forward_with_keywords():
    model = Pair()
    assert model.training is True and nn.Module().training is True
    assert model.eval() is model and model.training is False
    out = model(ag.Tensor([[1.0, 2.0]]), scale=3.0)
    np.testing.assert_array_equal(out.data, [[9.0]])

    class Bare(nn.Module):
        pass

    with pytest.raises(NotImplementedError) as info:
        Bare()(1)
    assert str(info.value) == "Bare must define forward()"


def test_deleting_registering_and_adding_update_what_is_listed():
    model = Pair()
    model.note = "plain"
    del model.note  # a plain attribute is deleted as usual
    del model.bias
    assert [name for name, _ in model.named_parameters()] == ["weight"]
    model.register_parameter("bias", None)
    assert model.bias is None and [name for name, _ in model.named_parameters()] == ["weight"]
    model.register_parameter("extra", nn.Parameter(np.ones(2)))
    assert [name for name, _ in model.named_parameters()] == ["weight", "extra"] and model.extra.name == "extra"
    model.add_module("child", Pair())
    assert [name for name, _ in model.named_parameters()] == ["weight", "extra", "child.weight", "child.bias"]
    del model.child
    assert [name for name, _ in model.named_modules()] == [""]
    model.add_module("slot", None)
    assert model.slot is None and list(model.children()) == []


def test_add_module_refuses_bad_modules_and_names_with_messages():
    model = Pair()
    with pytest.raises(TypeError) as info:
        model.add_module("x", 3)
    assert str(info.value) == "Pair.add_module: int is not a Module"
    for bad in ("", "a.b"):
        with pytest.raises(KeyError) as info:
            model.add_module(bad, Pair())
        assert info.value.args[0] == f"Pair.add_module: invalid module name {bad!r}"


def test_names_with_a_dead_parent_and_a_cycle_of_modules():
    import gc

    outer = nn.Sequential(Pair())
    child = outer[0]
    del outer
    gc.collect()
    child.scale = nn.Parameter(np.ones(1))  # the parent is gone: names are relative to the child
    assert [p.name for p in child.parameters()] == ["weight", "bias", "scale"]
    a, b = Pair(), Pair()
    a.other = b
    b.other = a  # a cycle: naming must still end
    assert [name for name, _ in a.named_parameters()] == ["weight", "bias", "other.weight", "other.bias"]


def test_named_parameters_prefix_none_entries_and_tied_parameters():
    model = nn.Module()
    model.register_parameter("skipped", None)
    model.first = Pair()
    model.second = Pair()
    model.second.weight = model.first.weight  # tied: listed once, under its first name
    model.third = Pair()
    names = [name for name, _ in model.named_parameters(prefix="net")]
    assert names == [
        "net.first.weight",
        "net.first.bias",
        "net.second.bias",
        "net.third.weight",
        "net.third.bias",
    ]
    shared = Pair()
    model2 = nn.Module()
    model2.a = shared
    model2.b = shared
    model2.c = Pair()
    assert [name for name, _ in model2.named_modules()] == ["", "a", "c"]


def test_load_state_dict_takes_lists_and_tensors_and_casts_within_a_kind():
    model = Pair()
    model.load_state_dict({"weight": [[3.0, 4.0]], "bias": ag.Tensor([5.0])})
    np.testing.assert_array_equal(model.weight.data, [[3.0, 4.0]])
    np.testing.assert_array_equal(model.bias.data, [5.0])
    small = Pair()
    small.weight.data = small.weight.data.astype(np.float32)
    small.load_state_dict({"weight": np.array([[1.5, 2.5]]), "bias": np.zeros(1)})  # float64 into float32
    assert small.weight.dtype == np.float32 and small.weight.data.tolist() == [[1.5, 2.5]]


def test_load_state_dict_lists_every_problem():
    model = nn.Module()
    model.a = nn.Parameter(np.zeros(1))
    model.b = nn.Parameter(np.zeros(1))
    model.c = nn.Parameter(np.zeros(2))
    model.d = nn.Parameter(np.zeros(3))
    model.e = nn.Parameter(np.zeros(1))
    model.f = nn.Parameter(np.zeros(1))
    state = {"c": np.zeros(3), "d": np.zeros(2), "e": np.array([1j]), "f": np.array(["s"]), "x": 1.0, "y": 2.0}
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(state)
    assert str(info.value) == (
        "Module.load_state_dict: missing keys: a, b | unexpected keys: x, y | "
        "wrong shapes: c: saved (3,), model (2,); d: saved (2,), model (3,) | "
        "dtypes that cannot be cast: e: saved complex128, model float64; f: saved <U1, model float64"
    )


def test_save_errors_keep_errno_and_name_the_target(tmp_path):
    target = tmp_path / "missing" / "model.npz"
    with pytest.raises(FileNotFoundError) as info:
        Pair().save(target)
    error = info.value
    assert (error.errno, error.strerror, error.filename) == (2, "Pair.save: No such file or directory", str(target))


def test_load_passes_strict_on(tmp_path):
    path = tmp_path / "pair.npz"
    Pair().save(path)
    bigger = Pair()
    bigger.extra = nn.Parameter(np.ones(2))
    result = bigger.load(path, strict=False)
    assert result is bigger
    with pytest.raises(RuntimeError, match="missing keys: extra"):
        bigger.load(path)


def test_repr_shows_settings_and_children_together():
    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = Pair()

        def extra_repr(self):
            return "scale=2"

    assert repr(Scaled()) == "Scaled(\n  scale=2\n  (inner): Pair()\n)"


# ------------------------------------------------------------------ optimizer construction and steps


def test_optimizer_construction_errors_name_the_optimizer():
    (p,) = _params((2,))
    cases = [
        (lambda: nn.optim.SGD(p, lr=0.1), TypeError, "SGD: params should be an iterable of Tensors or of dicts"),
        (lambda: nn.optim.SGD([], lr=0.1), ValueError, "SGD got an empty parameter list"),
        (lambda: nn.optim.SGD([p, 3], lr=0.1), TypeError, "SGD can only optimize Tensors, got int"),
        (
            lambda: nn.optim.SGD([nn.Parameter(np.ones(2))], lr=0.1).add_param_group([p]),
            TypeError,
            "SGD: a parameter group must be a dict, got list",
        ),
        (
            lambda: nn.optim.SGD([ag.Tensor(np.array([1, 2]), requires_grad=False)], lr=0.1),
            TypeError,
            "SGD can only optimize floating-point Tensors, got dtype int64",
        ),
    ]
    for make, error, message in cases:
        with pytest.raises(error) as info:
            make()
        assert str(info.value).startswith(message), str(info.value)


def test_a_group_may_hold_a_single_tensor_and_a_parameter_only_once():
    a, b = _params((2, 3), (3,))
    optimizer = nn.optim.SGD([a], lr=0.1)
    optimizer.add_param_group({"params": b})
    assert optimizer.param_groups[1]["params"] == [b]
    with pytest.raises(ValueError, match=r"SGD: a parameter appears twice \(of shape \(2, 3\)\)"):
        optimizer.add_param_group({"params": [a]})


def test_zero_grad_reaches_every_parameter_and_step_returns_none_without_closure():
    a, b, c = _params((2,), (2,), (2,))
    optimizer = nn.optim.SGD([a, b, c], lr=0.1)
    a.grad = ag.Tensor(np.ones(2))
    c.grad = ag.Tensor(np.ones(2))  # b has none: zero_grad must still reach c
    assert optimizer.step() is None
    optimizer.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(c.grad.data, [0.0, 0.0])
    optimizer.zero_grad()
    assert a.grad is None and b.grad is None and c.grad is None


def test_a_float64_gradient_updates_a_float32_parameter_in_its_dtype():
    p = nn.Parameter(np.ones(2, dtype=np.float32))
    optimizer = nn.optim.SGD([p], lr=0.5, momentum=0.9)
    p.grad = ag.Tensor(np.array([1.0, 2.0]))  # float64
    optimizer.step()
    assert p.dtype == np.float32 and optimizer.state[p]["momentum_buffer"].dtype == np.float32
    np.testing.assert_array_equal(p.data, np.array([0.5, 0.0], dtype=np.float32))


def test_names_follow_the_root_of_a_cycle_that_does_not_pass_through_the_module():
    a, b, c = nn.Module(), nn.Module(), nn.Module()
    c.x = b
    b.y = c  # b and c form a cycle; a hangs below it
    b.z = a
    a.p = nn.Parameter(np.ones(1))
    assert a.p.name == "x.z.p"


def test_state_dict_numbers_parameters_across_three_groups():
    a, b, c = _params((2,), (3,), (1,))
    optimizer = nn.optim.SGD([{"params": [a]}, {"params": [b]}, {"params": [c]}], lr=0.1)
    assert [g["params"] for g in optimizer.state_dict()["param_groups"]] == [[0], [1], [2]]


def test_names_in_a_cycle_through_the_module_follow_the_last_assignment():
    a, b = Pair(), Pair()
    a.other = b
    b.other = a  # the root is now a (b's parent), reached from b before the walk meets b again
    assert (a.weight.name, b.weight.name) == ("weight", "other.weight")


# ------------------------------------------------------------------ survivors of the 2026-12-02 rerun


def test_deleting_a_buffer_attribute_unregisters_it():
    module = nn.Module()
    module.register_buffer("running", ag.Tensor(np.zeros(2)))
    del module.running
    assert list(module.named_buffers()) == [] and list(module.state_dict()) == []


def test_loading_a_file_that_is_not_a_zip_archive_says_what_load_expects(tmp_path):
    path = tmp_path / "weights.npz"
    path.write_bytes(b"hello world")
    with pytest.raises(ValueError) as info:
        nn.Linear(2, 1).load(path)
    assert str(info.value) == (
        f"Linear.load: {str(path)!r} is not an npgrad .npz file (as written by Module.save): it is not a zip archive"
    )


def test_a_gradient_assigned_as_an_array_is_refused_with_the_fix():
    (w,) = _params((2,))
    w.grad = np.ones(2)
    with pytest.raises(TypeError) as info:
        nn.optim.SGD([w], lr=0.1).step()
    assert str(info.value) == (
        "SGD.step: the gradient of parameter (shape (2,)) is a ndarray, not a Tensor; "
        "assign p.grad = ag.Tensor(array) or let backward() fill it"
    )


def test_optimizer_load_state_dict_errors_in_full():
    (w,) = _params((2,))
    optimizer = nn.optim.SGD([w], lr=0.1, momentum=0.9)
    cases = [
        ({"state": {}}, "SGD.load_state_dict: the state dict lacks ['param_groups']; pass what state_dict() returned"),
        ({"state": {}, "param_groups": [[0]]}, "SGD.load_state_dict: saved parameter group 0 is a list, not a dict"),
    ]
    group = dict(optimizer.state_dict()["param_groups"][0])
    del group["momentum"]
    every = "a SGD group has ['dampening', 'lr', 'momentum', 'nesterov', 'params', 'weight_decay']"
    cases.append(
        (
            {"state": {}, "param_groups": [group]},
            f"SGD.load_state_dict: saved parameter group 0 lacks ['momentum']; {every} "
            "(is it another optimizer's state?)",
        )
    )
    cases.append(
        (
            {"state": {}, "param_groups": [{**group, "betas": (0.9, 0.99)}]},
            "SGD.load_state_dict: saved parameter group 0 lacks ['momentum'] and has ['betas'], which SGD does not "
            f"use; {every} (is it another optimizer's state?)",
        )
    )
    for state_dict, message in cases:
        with pytest.raises(ValueError) as info:
            optimizer.load_state_dict(state_dict)
        assert str(info.value) == message


def test_register_buffer_refuses_names_taken_parameters_and_non_tensors():
    model = nn.Linear(2, 1)
    model.child = nn.Module()
    for name in ("weight", "child"):
        with pytest.raises(KeyError) as info:
            model.register_buffer(name, ag.Tensor(np.zeros(1)))
        assert info.value.args[0] == f"Linear.register_buffer: {name!r} is already a parameter or sub-module"
    with pytest.raises(KeyError):
        model.register_buffer("stats", nn.Parameter(np.zeros(1)))  # a Parameter is not a buffer
    with pytest.raises(TypeError) as info:
        model.register_buffer("stats", np.zeros(1))
    assert str(info.value) == "Linear.register_buffer: ndarray is not a Tensor"
    assert list(model.named_buffers()) == []


def test_buffers_recurse_and_take_the_prefix():
    outer = nn.Module()
    outer.inner = nn.Module()
    outer.inner.register_buffer("running", ag.Tensor(np.zeros(2)))
    outer.register_buffer("count", ag.Tensor(np.zeros(1)))
    assert [name for name, _ in outer.named_buffers()] == ["count", "inner.running"]
    assert [name for name, _ in outer.named_buffers(prefix="model")] == ["model.count", "model.inner.running"]
    assert [name for name, _ in outer.named_buffers(recurse=False)] == ["count"]
    assert [b.shape for b in outer.buffers()] == [(1,), (2,)]
    assert [b.shape for b in outer.buffers(recurse=False)] == [(1,)]


# ------------------------------------------------------------------ nn/optim/lr_scheduler.py


def _scheduled_optimizer(lr: float = 1.0) -> nn.optim.SGD:
    return nn.optim.SGD([nn.Parameter(np.ones(2))], lr=lr)


def test_scheduler_errors_in_full():
    from nn.optim import lr_scheduler

    with pytest.raises(TypeError) as info:
        lr_scheduler.StepLR(object(), step_size=1)
    assert str(info.value) == "StepLR: object is not an nn.optim Optimizer"
    with pytest.raises(KeyError) as info:
        lr_scheduler.StepLR(_scheduled_optimizer(), step_size=2, last_epoch=4)
    assert info.value.args[0] == (
        "StepLR: param_groups[0] has no 'initial_lr', needed to resume at last_epoch=4; load the optimizer's "
        "state_dict first, or use last_epoch=-1"
    )
    with pytest.raises(TypeError) as info:
        lr_scheduler.ReduceLROnPlateau(object())
    assert str(info.value) == "ReduceLROnPlateau: object is not an nn.optim Optimizer"
    with pytest.raises(ValueError) as info:
        lr_scheduler.ReduceLROnPlateau(_scheduled_optimizer(), threshold_mode="relative")
    assert str(info.value) == "ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got 'relative'"
    with pytest.raises(ValueError, match=r"^ReduceLROnPlateau: factor must be < 1.0, got 1.0$"):
        lr_scheduler.ReduceLROnPlateau(_scheduled_optimizer(), factor=1.0)

    class Bare(lr_scheduler.LRScheduler):
        pass

    with pytest.raises(NotImplementedError) as info:
        Bare(_scheduled_optimizer())
    assert str(info.value) == "Bare must define get_lr()"


def test_step_size_and_t_max_must_be_integers_and_one_is_allowed():
    from nn.optim import lr_scheduler

    with pytest.raises(ValueError, match=r"^StepLR: step_size must be a positive integer, got 2.0$"):
        lr_scheduler.StepLR(_scheduled_optimizer(), step_size=2.0)
    with pytest.raises(ValueError, match=r"^CosineAnnealingLR: T_max must be a positive integer, got 2.0$"):
        lr_scheduler.CosineAnnealingLR(_scheduled_optimizer(), T_max=2.0)
    scheduler = lr_scheduler.CosineAnnealingLR(_scheduled_optimizer(), T_max=1)
    scheduler.step()
    assert scheduler.get_last_lr() == [0.0]


def test_scheduler_default_gammas_and_repr():
    from nn.optim import lr_scheduler

    step = lr_scheduler.StepLR(_scheduled_optimizer(), step_size=1)
    assert repr(step) == "StepLR(last_epoch=0, last_lr=[1.0])"
    step.step()
    multi = lr_scheduler.MultiStepLR(_scheduled_optimizer(), milestones=[1])
    multi.step()
    assert step.get_last_lr() == multi.get_last_lr() == [0.1]


def test_resumed_schedulers_start_from_last_epoch_and_count_steps_as_pytorch():
    from nn.optim import lr_scheduler

    made = {
        "MultiStepLR": lambda optimizer, **kw: lr_scheduler.MultiStepLR(optimizer, milestones=[6], **kw),
        "ExponentialLR": lambda optimizer, **kw: lr_scheduler.ExponentialLR(optimizer, gamma=0.5, **kw),
        "CosineAnnealingLR": lambda optimizer, **kw: lr_scheduler.CosineAnnealingLR(optimizer, T_max=8, **kw),
    }
    for name, make in made.items():
        optimizer = _scheduled_optimizer()
        optimizer.param_groups[0]["initial_lr"] = 1.0
        scheduler = make(optimizer, last_epoch=4)
        assert scheduler.last_epoch == 5, name
        assert scheduler.state_dict()["_step_count"] == 1, name  # PyTorch's count: the first step is made
        for _ in range(3):
            scheduler.step()
        assert scheduler.state_dict()["_step_count"] == 4, name


@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ExponentialLR"])
def test_closed_form_rates_equal_the_stepped_rates(name):
    from nn.optim import lr_scheduler

    options = {
        "StepLR": dict(step_size=3, gamma=0.5),
        "MultiStepLR": dict(milestones=[2, 5, 5], gamma=0.5),
        "ExponentialLR": dict(gamma=0.5),
    }[name]
    scheduler = getattr(lr_scheduler, name)(_scheduled_optimizer(0.75), **options)
    for _ in range(8):
        assert scheduler.closed_form_lr() == scheduler.get_last_lr()  # powers of 2: exact
        scheduler.step()
    assert scheduler.get_last_lr() != [0.75]


def test_reduce_on_plateau_counts_epochs_and_uses_a_patience_of_10_by_default():
    from nn.optim import lr_scheduler

    scheduler = lr_scheduler.ReduceLROnPlateau(_scheduled_optimizer())
    assert scheduler.last_epoch == 0
    scheduler.step(1.0)
    for _ in range(10):
        scheduler.step(1.0)
    assert scheduler.last_epoch == 11
    assert scheduler.get_last_lr() == [1.0]  # 10 bad epochs: not more than the patience
    scheduler.step(1.0)
    assert scheduler.get_last_lr() == [0.1]


def test_reduce_on_plateau_a_first_metric_of_inf_is_a_bad_epoch():
    from nn.optim import lr_scheduler

    scheduler = lr_scheduler.ReduceLROnPlateau(_scheduled_optimizer(), patience=1, factor=0.5)
    scheduler.step(math.inf)  # not better than the starting best, inf: one bad epoch, within the patience
    assert scheduler.get_last_lr() == [1.0]
    scheduler.step(math.inf)
    assert scheduler.get_last_lr() == [0.5]


def test_reduce_on_plateau_skips_a_reduction_not_larger_than_eps():
    from nn.optim import lr_scheduler

    for factor, eps in [(0.9999, 1e-3), (0.5, 0.5)]:  # reductions of 1e-4 and of exactly eps
        scheduler = lr_scheduler.ReduceLROnPlateau(_scheduled_optimizer(), patience=0, factor=factor, eps=eps)
        scheduler.step(1.0)
        scheduler.step(1.0)
        assert scheduler.get_last_lr() == [1.0]


def test_reduce_on_plateau_is_better_at_and_past_each_threshold():
    from nn.optim import lr_scheduler

    # best 8, threshold 0.25 (exact in binary): rel min 6.0, abs min 7.75, rel max 10.0, abs max 8.25
    expected = {
        ("min", "rel"): {6.0: False, 5.5: True, 7.5: False},
        ("min", "abs"): {7.75: False, 7.5: True},
        ("max", "rel"): {10.0: False, 10.5: True, 8.5: False},
        ("max", "abs"): {8.25: False, 8.5: True},
    }
    for (mode, threshold_mode), cases in expected.items():
        scheduler = lr_scheduler.ReduceLROnPlateau(
            _scheduled_optimizer(), mode=mode, threshold=0.25, threshold_mode=threshold_mode
        )
        for value, better in cases.items():
            assert scheduler.is_better(value, 8.0) is better, (mode, threshold_mode, value)


# ------------------------------------------------------------------ nn/optim/sgd.py, optimizer.py


def test_plain_sgd_on_a_large_parameter_allocates_one_scratch_piece_and_reuses_it():
    """The fast path's point: no temporary of the parameter's size; one scratch array of
    sgd.PIECE_BYTES in the parameter's dtype, made on the first step and reused after."""
    import tracemalloc

    from nn.optim import sgd

    size = sgd.PIECE_BYTES // 4 * 2 + 5  # float32: two full pieces and a short one
    p = nn.Parameter(np.ones(size, dtype=np.float32))
    p.grad = ag.Tensor(np.full(size, 0.5, dtype=np.float32))
    optimizer = nn.optim.SGD([p], lr=0.25)
    peaks = []
    tracemalloc.start()
    try:
        for _ in range(2):
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            optimizer.step()
            peaks.append(tracemalloc.get_traced_memory()[1] - before)
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(p.data, np.full(size, 0.75, dtype=np.float32))
    assert sgd.PIECE_BYTES <= peaks[0] < 1.5 * sgd.PIECE_BYTES, peaks
    assert peaks[1] < 0.5 * sgd.PIECE_BYTES, peaks


def test_step_without_a_closure_returns_none():
    (p,) = _params((2,))
    optimizer = nn.optim.Adam([p])
    _step(optimizer, [p])
    p.grad = ag.Tensor(np.ones(2))
    assert optimizer.step() is None
