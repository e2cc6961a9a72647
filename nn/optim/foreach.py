"""The multi-tensor ("foreach") step: an optimizer's `update` run once on a group's parameters, gradients
and state laid end to end in flat arrays, instead of once per parameter.

`update` is elementwise, and +, -, *, /, sqrt are correctly rounded, so running it on the
concatenation gives the bits it gives on each parameter: the rule is still written once, in `update`.
This file is the bookkeeping. Each `state[p][key]` is a reshaped view into the group's flat state
array, so the state keeps the general path's layout; every step checks by identity that the views are
still the ones made here (`load_state_dict`, a hand edit or the general path may have replaced them)
and otherwise copies the current per-parameter state into new flat arrays first.
"""

from __future__ import annotations

import math
import weakref
from itertools import accumulate, pairwise
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.lib.array_utils import byte_bounds

from autograd import Tensor

if TYPE_CHECKING:
    from nn.optim.optimizer import Optimizer

# The fast path saves about ten NumPy calls per parameter and costs three copies of the group's data
# (gradients and parameters in, parameters out) and cache misses on large flat arrays: measured worth it
# (Adam, float64) for two or more parameters of at most 512 elements on average.
MAX_MEAN_SIZE = 512

# optimizer -> {id(group): FlatGroup}. Kept outside the optimizer, so that a copy or pickle of one carries
# no flat arrays: a copy's groups are other objects, so it makes its own layouts from its state anyway.
_flat_groups: weakref.WeakKeyDictionary[Any, dict[int, FlatGroup]] = weakref.WeakKeyDictionary()


class FlatGroup:
    """One group's parameters, gradients and state as slices of flat arrays of one dtype."""

    def __init__(self, group: dict[str, Any], dtype: np.dtype) -> None:
        self.group, self.params, self.dtype = group, list(group["params"]), dtype
        self.arrays = [p.data for p in self.params]  # each step's must be these very arrays
        self.shapes = [data.shape for data in self.arrays]
        sizes = [math.prod(shape) for shape in self.shapes]
        self.bounds = list(pairwise(accumulate(sizes, initial=0)))
        # Parameters over shared memory are updated one after the other by the general path (the second
        # update sees the first); updated apart here, the last copied back would win.
        self.worth_it = len(sizes) > 1 and sum(sizes) <= MAX_MEAN_SIZE * len(sizes) and apart(self.arrays)
        size = sum(sizes) if self.worth_it else 0  # no copy of large parameters: they take the general path
        self.grad, self.param = np.empty(size, dtype), np.empty(size, dtype)
        self.param_views = self.views_of(self.param) if self.worth_it else []
        self.grad_views = self.views_of(self.grad) if self.worth_it else []
        self.state: dict[str, Any] = {}  # what `update` keeps for the whole group: flat arrays and the step
        self.made: dict[str, np.ndarray] = {}  # key -> the flat array whose views are in every state[p][key]
        self.views: list[dict[str, np.ndarray]] = [{} for _ in self.params]  # per parameter: key -> its view

    def views_of(self, flat: np.ndarray) -> list[np.ndarray]:
        """Each parameter's slice of `flat`, in the parameter's shape."""
        return [flat[start:stop].reshape(shape) for (start, stop), shape in zip(self.bounds, self.shapes)]

    def gather(self, params: list[Tensor]) -> bool:
        """Copy the parameters and their gradients into the flat arrays; False if they are not the
        parameters, shapes and dtype of this layout, one is read-only, or a gradient is not a Tensor of
        its parameter's."""
        if not self.worth_it or len(params) != len(self.params):
            return False
        dtype = self.dtype
        rows = zip(params, self.params, self.arrays, self.shapes, self.param_views, self.grad_views)
        for p, q, array, shape, param, grad in rows:
            data, p_grad = p.data, p.grad
            if p is not q or data is not array or type(p_grad) is not Tensor or data.shape != shape:
                return False
            if data.dtype != dtype or not data.flags.writeable:  # the general path raises at a read-only one
                return False
            p_grad = p_grad.data
            if p_grad.shape != shape or p_grad.dtype != dtype:
                return False
            param[...] = data
            grad[...] = p_grad
        return True

    def holds(self, states: list[dict[str, Any] | None]) -> bool:
        """Whether every parameter's state is still exactly the views made here, with the group's step."""
        step = self.state.get("step")
        size = len(self.made) + (step is not None)
        for state, views in zip(states, self.views):
            if state is None or len(state) != size or state.get("step") is not step:
                return False
            for key, view in views.items():
                if state.get(key) is not view:
                    return False
        return True

    def adopt(self, optimizer_state: dict[Tensor, dict[str, Any]]) -> list[dict[str, Any]] | None:
        """Copy the parameters' current state into new flat arrays and put views of them in its place; the
        states, or None (nothing changed) if they are not one group's state: other keys, steps or layouts."""
        states = [optimizer_state.get(p) for p in self.params]
        keys = (states[0] or {}).keys()
        if any((state or {}).keys() != keys for state in states):
            return None
        flat: dict[str, Any] = {}
        for key in keys:
            values = [state[key] for state in states]
            if key == "step":
                if any(type(value) is not int or value != values[0] for value in values):
                    return None
                flat[key] = values[0]
            elif all(
                type(value) is np.ndarray and value.shape == shape and value.dtype == self.dtype
                for value, shape in zip(values, self.shapes)
            ):
                flat[key] = np.concatenate(values, axis=None)
            else:
                return None
        states = [optimizer_state.setdefault(p, {}) for p in self.params]  # as the general path makes them
        self.state, self.made, self.views = flat, {}, [{} for _ in self.params]
        self.share(states)
        return states

    def share(self, states: list[dict[str, Any]]) -> None:
        """Give every parameter's state the group's step and views of each flat array not yet shared."""
        for key, value in self.state.items():  # in `update`'s order, which is the general path's
            if type(value) is not np.ndarray:  # the step
                for state in states:
                    state[key] = value
            elif value is not self.made.get(key):
                self.made[key] = value
                for state, views, view in zip(states, self.views, self.views_of(value)):
                    state[key] = views[key] = view


class FlatStep:
    """Mixin for an optimizer whose `update` is elementwise: `step_group` runs it once on the group's
    flat arrays when `step_flat` can, else the general path, `Optimizer.step_group` (`update` per
    parameter). An optimisation of that path, pinned equal to it by
    tests/nn/test_optim_foreach.py::test_foreach_equals_the_general_path."""

    def step_group(self, group: dict[str, Any]) -> None:
        if not step_flat(self, group):  # type: ignore[arg-type]
            super().step_group(group)  # type: ignore[misc]


def step_flat(optimizer: Optimizer, group: dict[str, Any]) -> bool:
    """`optimizer.update` once on the group's concatenated parameters, gradients and state, when every
    parameter has a gradient Tensor of its shape and dtype and all share one dtype; else False (nothing
    done) for the general path."""
    params = group["params"]
    flat_groups = _flat_groups.setdefault(optimizer, {})
    flat = flat_groups.get(id(group))
    if flat is not None and flat.group is group and not flat.worth_it:
        return False  # decided once for the group (a change of its parameters goes on by the general path)
    if flat is None or flat.group is not group or not flat.gather(params):
        if not _qualifies(params):
            return False
        live = {id(g) for g in optimizer.param_groups}  # forget the layouts of groups no longer here
        for key in [key for key in flat_groups if key not in live]:
            del flat_groups[key]
        # a new group, or its parameters changed
        flat = flat_groups[id(group)] = FlatGroup(group, params[0].data.dtype)
        if not flat.gather(params):
            return False
    state = optimizer.state
    states = [state.get(p) for p in params]
    if not flat.holds(states):
        states = flat.adopt(state)
        if states is None:
            return False
    optimizer.update(flat.param, flat.grad, flat.state, group)
    flat.share(states)
    for p, updated in zip(params, flat.param_views):
        p.data[...] = updated
    return True


def _qualifies(params: list[Tensor]) -> bool:
    """Whether the parameters share one dtype and each has a gradient Tensor of its shape and dtype."""
    if not params:
        return False
    dtype = params[0].data.dtype
    return all(
        type(p.grad) is Tensor and p.grad.shape == p.data.shape and p.grad.data.dtype == p.data.dtype == dtype
        for p in params
    )


def apart(arrays: list[np.ndarray]) -> bool:
    """Whether no two arrays can share memory: their byte ranges do not overlap (empty ones never do)."""
    ranges = sorted(byte_bounds(array) for array in arrays if array.size)
    return all(high <= low for (_, high), (low, _) in pairwise(ranges))
