"""What the multi-tensor fast path (nn/optim/foreach.py) promises beyond equal numbers, each test written
against a mutant that tests/nn/test_optim_foreach.py let through (tests/MUTATION.md): which groups take
it (two or more parameters of at most MAX_MEAN_SIZE elements on average, both dtypes, parameters that
are adjacent views of one buffer, again after load_state_dict), that the state arrays are updated in
place from step to step as on the general path, that a large group keeps no flat copies, and that an
empty group, a parameter array reinterpreted in place or a read-only one (a bug this file found) is
handled as the general path handles it."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import autograd as ag
import nn
from nn import optim
from nn.optim import foreach
from nn.optim.optimizer import Optimizer

OPTIONS = {  # options under which every class takes the fast path (SGD needs momentum or weight decay)
    optim.Adam: {"weight_decay": 0.1},
    optim.AdamW: {"weight_decay": 0.3},
    optim.RMSprop: {"momentum": 0.9},
    optim.Adagrad: {"lr_decay": 0.1},
    optim.SGD: {"momentum": 0.9, "weight_decay": 0.1},
}
CLASSES = list(OPTIONS)


def parameters(shapes, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return [ag.Tensor(rng.normal(size=shape).astype(dtype), requires_grad=True) for shape in shapes]


def set_gradients(params, seed):
    rng = np.random.default_rng(seed)
    for p in params:
        p.grad = ag.Tensor(rng.normal(size=p.shape).astype(p.data.dtype))


def record_updates(optimizer: Optimizer) -> list[np.ndarray]:
    """The parameter arrays each later `optimizer.update` call is given, as they come."""
    arrays, update = [], optimizer.update

    def recorded(param, *rest):
        arrays.append(param)
        return update(param, *rest)

    optimizer.update = recorded
    return arrays


def step(optimizer: Optimizer, path: str) -> None:
    """`optimizer.step()` (the fast path where it applies), or the general path: `update` per parameter."""
    if path == "fast":
        optimizer.step()
    else:
        for group in optimizer.param_groups:
            Optimizer.step_group(optimizer, group)


def lab_network(dtype=np.float64):
    """The lab's 2-4-4-1 network's parameters (37 numbers)."""
    nn.manual_seed(0)
    params = list(nn.MLP([2, 4, 4, 1]).parameters())
    for p in params:
        p.data = p.data.astype(dtype)
    return params


@pytest.mark.parametrize("cls", CLASSES)
def test_a_lone_parameter_is_updated_in_place_by_the_general_path(cls):
    """A group of one parameter gains nothing from flat copies: `update` gets the parameter's own array."""
    lone, pair = parameters([(5,)]), parameters([(2,), (3,)], seed=1)
    optimizer = cls([{"params": lone}, {"params": pair}], lr=0.01, **OPTIONS[cls])
    arrays = record_updates(optimizer)
    for k in range(3):
        set_gradients(lone + pair, seed=k)
        optimizer.step()
    assert [a.size for a in arrays] == [5, 5] * 3
    assert all(a is lone[0].data for a in arrays[::2])


@pytest.mark.parametrize("cls", CLASSES)
def test_groups_at_and_just_past_max_mean_size(cls):
    """At most MAX_MEAN_SIZE elements per parameter on average take the fast path, the boundary included."""
    limit = foreach.MAX_MEAN_SIZE
    at, past = parameters([(limit - 7,), (limit + 7,)]), parameters([(limit,), (limit + 1,)], seed=1)
    optimizer = cls([{"params": at}, {"params": past}], lr=0.01, **OPTIONS[cls])
    arrays = record_updates(optimizer)
    for k in range(2):
        set_gradients(at + past, seed=k)
        optimizer.step()
    assert [a.size for a in arrays] == [2 * limit, limit, limit + 1] * 2


@pytest.mark.parametrize("cls", CLASSES)
def test_a_large_group_keeps_no_more_memory_than_the_general_path(cls):
    """A group above MAX_MEAN_SIZE takes the general path and keeps no flat copies of its parameters and
    gradients: after its first step the optimizer holds what the general path's holds (the state)."""
    shape = (2 * foreach.MAX_MEAN_SIZE, 40)  # 40 times the limit, 320 KiB in float64
    kept = {}
    for path in ("fast", "general"):
        params = parameters([shape, shape])
        set_gradients(params, seed=1)
        optimizer = cls(params, lr=0.01, **OPTIONS[cls])
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            step(optimizer, path)
            kept[path] = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
    size = 8 * np.prod(shape)
    assert kept["general"] >= size, kept  # every optimizer here keeps at least one state array per parameter
    assert abs(kept["fast"] - kept["general"]) < size / 4, kept


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cls", CLASSES)
def test_the_lab_network_takes_the_fast_path_in_both_dtypes(cls, dtype):
    params = lab_network(dtype)
    optimizer = cls(params, lr=0.01, **OPTIONS[cls])
    arrays = record_updates(optimizer)
    for k in range(3):
        set_gradients(params, seed=k)
        optimizer.step()
    assert [(a.size, a.dtype) for a in arrays] == [(37, np.dtype(dtype))] * 3


@pytest.mark.parametrize("cls", CLASSES)
def test_the_lab_network_takes_the_fast_path_again_after_load_state_dict(cls):
    """A resumed run: the loaded per-parameter state is copied into flat arrays once, then the fast path
    goes on (and agrees with the run that was never interrupted)."""
    results = []
    for resumed in (True, False):
        params = lab_network()
        optimizer = cls(params, lr=0.01, **OPTIONS[cls])
        for k in range(3):
            set_gradients(params, seed=k)
            optimizer.step()
        if resumed:
            saved = optimizer.state_dict()
            optimizer = cls(params, lr=0.01, **OPTIONS[cls])
            optimizer.load_state_dict(saved)
        arrays = record_updates(optimizer)
        for k in range(3, 6):
            set_gradients(params, seed=k)
            optimizer.step()
        assert [a.size for a in arrays] == [37] * 3
        results.append([p.data for p in params])
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b, strict=True)


@pytest.mark.parametrize("path", ["fast", "general"])
@pytest.mark.parametrize("cls", CLASSES)
def test_state_arrays_are_updated_in_place_from_step_to_step(cls, path):
    """As on the general path, `optimizer.state[p][key]` stays the same array object across steps (a
    reference taken to it follows the training), in two groups: the layouts are made once, not each step."""
    params = parameters([(3,), (2, 3), (4,), (1,)])
    groups = [{"params": params[:2]}, {"params": params[2:], "lr": 0.02}]
    optimizer = cls(groups, lr=0.01, **OPTIONS[cls])
    set_gradients(params, seed=0)
    step(optimizer, path)
    held = {(i, key): value for i, p in enumerate(params) for key, value in optimizer.state[p].items()}
    held = {where: value for where, value in held.items() if isinstance(value, np.ndarray)}
    assert held
    copies = {where: value.copy() for where, value in held.items()}
    for k in range(1, 4):
        set_gradients(params, seed=k)
        step(optimizer, path)
    for (i, key), value in held.items():
        assert optimizer.state[params[i]][key] is value, (i, key)
        assert not np.array_equal(value, copies[i, key]), (i, key)


def test_apart_is_about_overlapping_bytes():
    base = np.arange(12.0)
    assert foreach.apart([base[:4], base[4:9], base[9:]])  # adjacent: the end of one is the start of the next
    assert foreach.apart([base[4:9], base[:4]])
    assert not foreach.apart([base[:5], base[4:]])
    assert not foreach.apart([base[:12], base[3:5]])
    assert foreach.apart([base[3:3], base[2:4], base[:0]])  # empty arrays overlap nothing
    assert foreach.apart([np.zeros(3), np.zeros(3)])


@pytest.mark.parametrize("cls", CLASSES)
def test_parameters_over_adjacent_slices_of_one_buffer_take_the_fast_path(cls):
    """Slices of one buffer that do not overlap are updated apart on either path: the fast path takes them."""
    results = []
    for path in ("fast", "general"):
        base = np.random.default_rng(0).normal(size=10)
        params = [ag.Tensor(base[:4], requires_grad=True), ag.Tensor(base[4:].reshape(2, 3), requires_grad=True)]
        optimizer = cls(params, lr=0.01, **OPTIONS[cls])
        arrays = record_updates(optimizer)
        for k in range(3):
            set_gradients(params, seed=k)
            step(optimizer, path)
        assert [a.size for a in arrays] == ([10] * 3 if path == "fast" else [4, 6] * 3)
        results.append(base)
    np.testing.assert_array_equal(*results, strict=True)


@pytest.mark.parametrize("cls", CLASSES)
def test_an_empty_group_is_stepped_as_nothing(cls):
    """add_param_group takes an empty list (only the constructor refuses one); stepping it does nothing."""
    params = parameters([(2,), (3,)])
    optimizer = cls(params, lr=0.01, **OPTIONS[cls])
    optimizer.add_param_group({"params": []})
    for k in range(2):
        set_gradients(params, seed=k)
        optimizer.step()
    assert optimizer.param_groups[1]["params"] == []
    assert set(optimizer.state) == set(params)


@pytest.mark.parametrize("cls", CLASSES)
def test_a_parameter_array_reinterpreted_in_place_is_refused_as_the_general_path_refuses_it(cls):
    """`p.data.dtype = int64` keeps the array object (so its identity alone cannot tell) but not a float
    parameter: the general path's update raises, and the fast path must not step it with stale gradients."""
    errors, results = [], []
    for path in ("fast", "general"):
        params = parameters([(3,), (2,), (4,)])
        optimizer = cls(params, lr=0.01, **OPTIONS[cls])
        for k in range(2):
            set_gradients(params, seed=k)
            step(optimizer, path)
        params[1].data.dtype = np.int64
        set_gradients(params, seed=2)
        params[1].grad = ag.Tensor(np.ones(2))
        with pytest.raises(TypeError) as error:
            step(optimizer, path)
        errors.append(str(error.value))
        results.append([p.data.copy() for p in params])
    assert errors[0] == errors[1]
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b, strict=True)


@pytest.mark.parametrize("cls", CLASSES)
def test_a_read_only_parameter_is_refused_as_the_general_path_refuses_it(cls):
    """The general path's in-place update raises at a read-only parameter, leaving the ones after it and
    their state as they were; the fast path once advanced every state and wrote back the parameters up to
    it (another error message, and numbers apart from the general path's once the flag was set back)."""
    errors, results = [], []
    for path in ("fast", "general"):
        params = parameters([(3,), (2,), (4,)])
        optimizer = cls(params, lr=0.01, **OPTIONS[cls])
        for k in range(2):
            set_gradients(params, seed=k)
            step(optimizer, path)
        params[1].data.flags.writeable = False
        set_gradients(params, seed=2)
        with pytest.raises(ValueError) as error:
            step(optimizer, path)
        errors.append(str(error.value))
        params[1].data.flags.writeable = True
        for k in range(3, 5):
            set_gradients(params, seed=k)
            step(optimizer, path)
        results.append((params, optimizer))
    assert errors[0] == errors[1] == "output array is read-only"
    (fast, fast_optimizer), (general, general_optimizer) = results
    for p, q in zip(fast, general, strict=True):
        np.testing.assert_array_equal(p.data, q.data, strict=True)
        a, b = fast_optimizer.state[p], general_optimizer.state[q]
        assert list(a) == list(b)
        for key in a:
            np.testing.assert_array_equal(a[key], b[key], strict=True)
