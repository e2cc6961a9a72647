"""The multi-tensor fast path (nn/optim/foreach.py: `update` once on a group's flat arrays) against the
general path it sits beside (`Optimizer.step_group`: `update` per parameter): the same parameters and
state, bit for bit, for every optimizer and option, through missing gradients, gradients of another
dtype, learning rates changed between steps, state saved, loaded, replaced or copied."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd as ag
import nn
from nn import optim
from nn.optim import foreach
from nn.optim.optimizer import Optimizer

OPTIONS = {  # per optimizer: the group options covered (a test runs each beside the next, in two groups)
    optim.Adam: [
        {},
        {"weight_decay": 0.1},
        {"betas": (0.5, 0.9), "eps": 1e-3},
        {"lr": np.float64(0.003), "betas": (np.float32(0.8), 0.99)},  # NumPy scalars keep their dtype
    ],
    optim.AdamW: [{}, {"weight_decay": 0.3}, {"weight_decay": 0.0}, {"lr": np.float32(0.02), "betas": (0.7, 0.8)}],
    optim.RMSprop: [
        {},
        {"momentum": 0.9},
        {"weight_decay": 0.1, "alpha": 0.5},
        {"momentum": 0.5, "weight_decay": 0.2, "eps": 1e-3},
    ],
    optim.Adagrad: [
        {},
        {"lr_decay": 0.1},
        {"weight_decay": 0.1, "eps": 1e-3},
        {"lr_decay": 0.01, "weight_decay": 0.01},
    ],
    optim.SGD: [
        {"momentum": 0.9},
        {"momentum": 0.9, "nesterov": True},
        {"momentum": 0.5, "dampening": 0.3},
        {"momentum": 0.9, "weight_decay": 0.1},
        {"weight_decay": 0.1},
        {"momentum": 0.8, "nesterov": True, "weight_decay": 0.01},
    ],
}
CASES = [
    (cls, options[i], options[(i + 1) % len(options)]) for cls, options in OPTIONS.items() for i in range(len(options))
]
SHAPES = [[(), (3,), (257, 257)], [(1,), (2, 3), (4, 1, 2)]]  # group 0, group 1


def general_step(optimizer: Optimizer) -> None:
    """The general path: `update` per parameter."""
    for group in optimizer.param_groups:
        Optimizer.step_group(optimizer, group)


def fast_step(optimizer: Optimizer) -> None:
    optimizer.step()


def make(cls, options, dtype, shapes=SHAPES, seed=0):
    """Parameters drawn from `seed` in groups of `shapes`, and `cls` over them; group i's lr is 0.01*(i+1)
    unless its options set one."""
    rng = np.random.default_rng(seed)
    groups = [[ag.Tensor(rng.normal(size=s).astype(dtype), requires_grad=True) for s in g] for g in shapes]
    spec = [{"params": ps, "lr": 0.01 * (i + 1), **o} for i, (ps, o) in enumerate(zip(groups, options))]
    return [p for ps in groups for p in ps], cls(spec, lr=0.01)


def gradients(params, steps, seed=1, missing=(), other_dtype=()):
    """Per step, a gradient per parameter (None for (step, index) in `missing`; of the other float dtype
    for those in `other_dtype`)."""
    rng = np.random.default_rng(seed)
    schedule = []
    for k in range(steps):
        row = []
        for i, p in enumerate(params):
            grad = rng.normal(size=p.shape)
            dtype = p.data.dtype
            if (k, i) in other_dtype:
                dtype = np.float32 if dtype == np.float64 else np.float64
            row.append(None if (k, i) in missing else grad.astype(dtype))
        schedule.append(row)
    return schedule


def train(step, params, optimizer, schedule, lr_changes=None):
    """`step(optimizer)` once per row of `schedule` (gradients set first); group 0's lr set to
    `lr_changes[k]` before step k."""
    for k, row in enumerate(schedule):
        if lr_changes and k in lr_changes:
            optimizer.param_groups[0]["lr"] = lr_changes[k]
        for p, grad in zip(params, row):
            p.grad = None if grad is None else ag.Tensor(grad.copy())
        step(optimizer)


def assert_same(fast, fast_optimizer, general, general_optimizer):
    """Parameters, and state (keys in order, values, types, dtypes, shapes), equal bit for bit."""
    for p, q in zip(fast, general, strict=True):
        np.testing.assert_array_equal(p.data, q.data, strict=True)

    def order(params, state):  # which parameters have state, in the order it was made
        return [[id(p) for p in params].index(id(key)) for key in state]

    assert order(fast, fast_optimizer.state) == order(general, general_optimizer.state)
    for p, q in zip(fast, general):
        a, b = fast_optimizer.state.get(p, {}), general_optimizer.state.get(q, {})
        assert list(a) == list(b)
        for key in a:
            assert type(a[key]) is type(b[key])
            np.testing.assert_array_equal(a[key], b[key], strict=True)
    for g, h in zip(fast_optimizer.param_groups, general_optimizer.param_groups, strict=True):
        assert {k: v for k, v in g.items() if k != "params"} == {k: v for k, v in h.items() if k != "params"}


def count_updates(optimizer: Optimizer) -> list[int]:
    """The sizes of the arrays each later `optimizer.update` call is given, as they come."""
    sizes, update = [], optimizer.update

    def counted(param, *rest):
        sizes.append(param.size)
        return update(param, *rest)

    optimizer.update = counted
    return sizes


MAX_MEAN_SIZE = foreach.MAX_MEAN_SIZE


@pytest.fixture(autouse=True)
def large_groups_too(monkeypatch):
    """Let the (257, 257) parameter's group take the fast path too (it is above foreach.MAX_MEAN_SIZE)."""
    monkeypatch.setattr(foreach, "MAX_MEAN_SIZE", 10**6)


def run_both(cls, options, dtype, steps=7, **events):
    results = []
    for step in (fast_step, general_step):
        params, optimizer = make(cls, options, dtype)
        schedule = gradients(params, steps, missing=events.get("missing", ()), other_dtype=events.get("other", ()))
        train(step, params, optimizer, schedule, events.get("lr_changes"))
        results += [params, optimizer]
    return results


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cls, first, second", CASES, ids=[f"{c.__name__}-{a}-{b}" for c, a, b in CASES])
def test_foreach_equals_the_general_path(cls, first, second, dtype):
    """Step 1: a gradient of the other dtype in group 0 (that group goes by the general path, then is
    taken over again); step 2: group 0's lr halved; step 4: the middle parameter of group 1 has no
    gradient (its step count falls behind: that group goes on by the general path, or for SGD, which
    counts no steps, is taken over again)."""
    events = dict(other={(1, 0)}, lr_changes={2: 0.005}, missing={(4, 4)})
    assert_same(*run_both(cls, [first, second], dtype, **events))


@pytest.mark.parametrize("cls", list(OPTIONS))
def test_a_group_with_large_parameters_or_only_one_takes_the_general_path(cls, monkeypatch):
    monkeypatch.setattr(foreach, "MAX_MEAN_SIZE", MAX_MEAN_SIZE)
    shapes = [[(3,), (257, 257)], [(5,)], [(2,), (3, 1)]]
    options = [OPTIONS[cls][0]] * 3
    calls, results = {}, []
    for step in (fast_step, general_step):
        params, optimizer = make(cls, options, np.float64, shapes)
        calls[step] = count_updates(optimizer)
        train(step, params, optimizer, gradients(params, 3))
        del optimizer.update
        results += [params, optimizer]
    assert_same(*results)
    assert calls[fast_step] == [3, 257 * 257, 5, 5] * 3
    assert calls[general_step] == [3, 257 * 257, 5, 2, 3] * 3


@pytest.mark.parametrize("cls", list(OPTIONS))
def test_the_lab_network_takes_the_fast_path(cls):
    """One `update` per step on the 2-4-4-1 network's 37 numbers, its state views into one flat array
    per key: a refactor cannot silently fall back to the general path."""
    nn.manual_seed(0)
    params = list(nn.MLP([2, 4, 4, 1]).parameters())
    optimizer = cls(params, lr=0.01, **OPTIONS[cls][0])
    sizes = count_updates(optimizer)
    train(fast_step, params, optimizer, gradients(params, 5))
    assert sizes == [37] * 5
    for key, value in optimizer.state[params[0]].items():
        if isinstance(value, np.ndarray):
            assert value.base is not None and all(optimizer.state[p][key].base is value.base for p in params)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cls", list(OPTIONS))
def test_state_dict_round_trip_mid_training(cls, dtype):
    """Save from a fast-path optimizer, load into a fresh one on copies of the parameters, go on: the
    general path that ran all along agrees; and a state dict from either path loads into the other."""
    options = OPTIONS[cls][1:3]
    fast, fast_optimizer = make(cls, options, dtype)
    general, general_optimizer = make(cls, options, dtype)
    schedule = gradients(fast, 8)
    train(fast_step, fast, fast_optimizer, schedule[:4])
    train(general_step, general, general_optimizer, schedule[:4])
    saved = fast_optimizer.state_dict()
    assert_same(fast, fast_optimizer, general, general_optimizer)
    loaded, loaded_optimizer = make(cls, options, dtype, seed=5)
    for p, q in zip(loaded, fast):
        p.data = q.data.copy()
    loaded_optimizer.load_state_dict(saved)
    train(fast_step, loaded, loaded_optimizer, schedule[4:])
    train(general_step, general, general_optimizer, schedule[4:])
    assert_same(loaded, loaded_optimizer, general, general_optimizer)


@pytest.mark.parametrize("cls", list(OPTIONS))
def test_load_state_dict_rewinds_a_running_fast_optimizer(cls):
    """Saved at step 3, loaded back at step 6 into the same optimizer (new groups, new state arrays)."""
    results = []
    for step in (fast_step, general_step):
        params, optimizer = make(cls, OPTIONS[cls][1:3], np.float64)
        schedule = gradients(params, 9)
        train(step, params, optimizer, schedule[:3])
        saved = optimizer.state_dict()
        train(step, params, optimizer, schedule[3:6])
        optimizer.load_state_dict(saved)
        train(step, params, optimizer, schedule[6:])
        results += [params, optimizer]
    assert_same(*results)


EDITS = {
    "a state array replaced": lambda params, state: state[params[1]].update(
        {key: value * 0.5 for key, value in state[params[1]].items() if isinstance(value, np.ndarray)}
    ),
    "a state array changed in place": lambda params, state: [
        np.multiply(value, 0.5, out=value) for value in state[params[4]].values() if isinstance(value, np.ndarray)
    ],
    "a step count set by hand": lambda params, state: (
        [state[p].update(step=state[p]["step"] + 3) for p in params] if "step" in state[params[0]] else None
    ),
    "a state array of another dtype": lambda params, state: state[params[2]].update(
        {key: value.astype(np.float64) for key, value in state[params[2]].items() if isinstance(value, np.ndarray)}
    ),
    "the state forgotten": lambda params, state: state.clear(),
}


@pytest.mark.parametrize("edit", list(EDITS))
@pytest.mark.parametrize("cls", list(OPTIONS))
def test_state_edited_by_hand_between_steps(cls, edit):
    results = []
    for step in (fast_step, general_step):
        params, optimizer = make(cls, OPTIONS[cls][1:3], np.float32)
        schedule = gradients(params, 6)
        train(step, params, optimizer, schedule[:3])
        EDITS[edit](params, optimizer.state)
        train(step, params, optimizer, schedule[3:])
        results += [params, optimizer]
    assert_same(*results)


@pytest.mark.parametrize("cls", list(OPTIONS))
def test_a_deep_copy_of_a_fast_optimizer_goes_on_as_the_general_path(cls):
    """A copy's state arrays are no longer views of any flat array: it must not use the original's."""
    params, optimizer = make(cls, OPTIONS[cls][1:3], np.float64)
    general, general_optimizer = make(cls, OPTIONS[cls][1:3], np.float64)
    schedule = gradients(params, 6)
    train(fast_step, params, optimizer, schedule[:3])
    train(general_step, general, general_optimizer, schedule)
    copied = copy.deepcopy(optimizer)
    copied_params = [p for group in copied.param_groups for p in group["params"]]
    train(fast_step, copied_params, copied, schedule[3:])
    assert_same(copied_params, copied, general, general_optimizer)


@pytest.mark.parametrize("cls", list(OPTIONS))
def test_replaced_parameter_arrays(cls):
    """`p.data` replaced between steps: by other values (taken as they are), by another dtype (the
    general path mixes dtypes; so does the fast path, by handing the group over), by another shape
    (the same error as the general path's)."""
    results, errors = [], []
    for step in (fast_step, general_step):
        params, optimizer = make(cls, OPTIONS[cls][1:3], np.float64)
        schedule = gradients(params, 9)
        train(step, params, optimizer, schedule[:3])
        params[1].data = params[1].data[::-1] * 2.0
        train(step, params, optimizer, schedule[3:6])
        params[4].data = params[4].data.astype(np.float32)
        train(step, params, optimizer, [[g.astype(p.data.dtype) for g, p in zip(row, params)] for row in schedule[6:]])
        results += [params, optimizer]
        params[3].data = np.zeros(4)
        params[3].grad = ag.Tensor(np.ones(4))
        with pytest.raises(ValueError) as error:
            step(optimizer)
        errors.append(str(error.value))
    assert_same(*results)
    assert errors[0] == errors[1]


@pytest.mark.parametrize("cls", list(OPTIONS))
def test_options_changed_and_a_group_added_mid_training(cls):
    """Momentum switched on and weight decay changed in a running group (RMSprop and SGD then make a
    momentum buffer), and a group added with add_param_group; a scheduler changes lr every step."""
    results = []
    for step in (fast_step, general_step):
        params, optimizer = make(cls, [{}, {}], np.float64, [[(2,), (3, 2)], [(4,), (1,)]])
        extra = [ag.Tensor(np.linspace(-1, 1, 6).reshape(shape), requires_grad=True) for shape in [(6,), (2, 3)]]
        scheduler = optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
        schedule = gradients(params + extra, 8)
        for k, row in enumerate(schedule):
            if k == 3:
                for group in optimizer.param_groups:
                    group.update({key: 0.5 for key in ("momentum", "weight_decay") if key in group})
            if k == 4:
                optimizer.add_param_group({"params": extra, "lr": 0.07})
            train(step, params + (extra if k >= 4 else []), optimizer, [row[: len(params) + 2 * (k >= 4)]])
            scheduler.step()
        results += [params + extra, optimizer]
    assert_same(*results)


@pytest.mark.parametrize("cls", list(OPTIONS))
def test_bad_gradients_are_refused_as_the_general_path_refuses_them(cls):
    for step in (fast_step, general_step):
        params, optimizer = make(cls, [{}, {}], np.float64)
        train(step, params, optimizer, gradients(params, 2))
        params[4].grad = ag.Tensor(np.ones(5))
        with pytest.raises(ValueError, match=rf"{cls.__name__}.step: the gradient of parameter has shape \(5,\)"):
            step(optimizer)
        params[4].grad = np.ones((2, 3))
        with pytest.raises(TypeError, match=r"is a ndarray, not a Tensor"):
            step(optimizer)


@settings(max_examples=40, deadline=None)
@given(
    cls=st.sampled_from(list(OPTIONS)),
    option=st.integers(0, 5),
    dtype=st.sampled_from([np.float64, np.float32]),
    shapes=st.lists(
        st.lists(st.lists(st.integers(0, 4), max_size=3).map(tuple), min_size=1, max_size=4), min_size=1, max_size=3
    ),
    steps=st.integers(1, 6),
    missing=st.sets(st.tuples(st.integers(0, 5), st.integers(0, 11)), max_size=3),
)
def test_foreach_equals_the_general_path_for_drawn_shapes(cls, option, dtype, shapes, steps, missing):
    options = [OPTIONS[cls][(option + i) % len(OPTIONS[cls])] for i in range(len(shapes))]
    results = []
    for step in (fast_step, general_step):
        params, optimizer = make(cls, options, dtype, shapes)
        train(step, params, optimizer, gradients(params, steps, missing=missing))
        results += [params, optimizer]
    assert_same(*results)


@pytest.mark.parametrize("cls, options", [(cls, o) for cls, options in OPTIONS.items() for o in options])
def test_the_general_path_steps_a_0d_parameter_as_a_1_element_one(cls, options):
    """The reference itself: with weight decay, a 0-d parameter's decayed gradient is a NumPy scalar, and
    SGD's momentum buffer was once made from it as a scalar that never changed again."""
    results = []
    for shape in [(), (1,)]:
        params, optimizer = make(cls, [options], np.float64, [[shape, (2,)]])
        train(general_step, params, optimizer, gradients(params, 4))
        state = optimizer.state[params[0]]
        assert all(type(v) is np.ndarray and v.shape == shape for v in state.values() if not isinstance(v, int))
        results.append([params[0].data.reshape(1), *(v for v in state.values() if isinstance(v, np.ndarray))])
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a.reshape(1), b.reshape(1), strict=True)


@pytest.mark.parametrize("cls", list(OPTIONS))
@pytest.mark.parametrize("share", ["same array", "overlapping views", "set later"])
def test_parameters_sharing_memory_are_updated_one_after_the_other(cls, share):
    """Two parameters over one array (ag.Tensor does not copy): the general path updates the memory twice,
    one parameter after the other; so must the fast path, which would otherwise update each copy apart."""
    results = []
    for step in (fast_step, general_step):
        params, optimizer = make(cls, OPTIONS[cls][:2], np.float64, shapes=[[(3,), (3,), (2,)], [(4,), (2, 2)]])
        if share == "same array":
            params[1].data = params[0].data
        elif share == "overlapping views":
            base = np.arange(4.0)
            params[0].data, params[1].data = base[:3], base[1:]
        schedule = gradients(params, 6)
        train(step, params, optimizer, schedule[:2])
        if share == "set later":
            params[4].data = params[3].data.reshape(2, 2)
        train(step, params, optimizer, schedule[2:])
        results += [params, optimizer]
    assert_same(*results)
