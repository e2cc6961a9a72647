"""Tests that kill the survivors of the targeted mutmut run in ag.compile's module guards and its
check for an argument that is also a tensor `fn` reaches otherwise (the bug that run found): each
names the mutants it pins (see tests/MUTATION.md)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F


# ------------------------------------------------------------------ the module guards
def test_a_module_read_but_never_called_guards_its_parameters() -> None:
    """`fn` reads a parameter of a module it never calls: the module is found in fn's closure, so
    replacing the parameter re-traces. compiler.xǁ_Entryǁ__init__ 5 (no fn: only the modules called)
    replays the old weight."""
    model = nn.Linear(2, 1)
    assert_replacing_the_weight_re_traces(lambda X: (ag.Tensor(X) @ model.weight.T).sum(), model)


def assert_replacing_the_weight_re_traces(fn: Callable[[np.ndarray], ag.Tensor], model: nn.Linear) -> None:
    """`fn` reads `model.weight` without calling `model`: a new weight (7, 7) gives 3 * 14 = 42."""
    step = ag.compile(fn)
    X = np.ones((3, 2))
    for _ in range(3):
        step(X)
    assert step.counts["replays"] == 1
    model.weight = nn.Parameter(np.full((1, 2), 7.0))
    assert step(X).data == 42.0
    assert step.counts["traces"] == 3


# ------------------------------------------------------------------ an argument that is also a reached tensor
def test_a_module_buffer_passed_as_an_argument_runs_eagerly() -> None:
    """Found through trace.xǁTraceǁstate 1: BatchNorm's running mean passed as an argument while traced
    was one slot, the argument's, so replays with another argument updated that one and left the
    module's buffer as it was. The function now runs eagerly, as the warning says."""
    model = nn.Sequential(nn.BatchNorm1d(3), nn.Linear(3, 1))
    step = ag.compile(lambda x, stats, y: F.mse_loss(model(x), y) + (stats * 0.0).sum())
    X, Y = np.random.default_rng(7).normal(size=(4, 3)), np.ones((4, 1))
    step(X, model[0].running_mean, Y)
    with pytest.warns(RuntimeWarning, match=r"argument 1 .*\(BatchNorm1d.running_mean\)"):
        step(X, model[0].running_mean, Y)  # the second trace, which would have made the plan
    before = model[0].running_mean.data.copy()
    step(X, ag.Tensor(np.zeros(3)), Y)
    np.testing.assert_allclose(model[0].running_mean.data, 0.9 * before + 0.1 * X.mean(axis=0))


WEIGHT = ag.Tensor(np.ones(3), requires_grad=True)


def test_a_global_leaf_passed_as_an_argument_runs_eagerly() -> None:
    """The same for a leaf the function reads from its globals: traced with WEIGHT as the argument
    too, the plan read the argument for both, and a replay with another argument used it for WEIGHT."""
    step = ag.compile(lambda x, v: (WEIGHT * x).sum() + v.sum())
    x = np.arange(3.0)
    step(x, WEIGHT)
    with pytest.warns(RuntimeWarning) as warned:
        step(x, WEIGHT)
    assert str(warned[0].message).endswith(
        "will run eagerly: argument 1 holds the array of a tensor it also reaches otherwise; pass it only one way"
    )
    out = step(x, ag.Tensor(np.full(3, 5.0), requires_grad=True))
    assert out.data == 3.0 + 15.0


def test_a_leaf_s_array_passed_as_an_argument_runs_eagerly() -> None:
    """As above with the leaf's array, an ndarray, as the argument (compiler._aliased 4: every argument
    taken for a Tensor, `arg.data` a new memoryview, matches nothing)."""
    step = ag.compile(lambda x, v: (WEIGHT * x).sum() + (ag.Tensor(v) * x).sum())
    x = np.arange(3.0)
    step(x, WEIGHT.data)
    with pytest.warns(RuntimeWarning, match="argument 1 holds the array"):
        step(x, WEIGHT.data)
    assert step(x, np.full(3, 5.0)).data == 3.0 + 15.0


def test_a_parameter_passed_as_an_argument_runs_eagerly() -> None:
    """A module's parameter (not a buffer) passed as an argument too; the module also holds a None
    parameter: compiler._aliased 22, 27, 28 (no parameters looked at) and 40 (None's `.data` taken)."""
    model = nn.Linear(2, 1, bias=False)
    step = ag.compile(lambda X, w: (model(X) + (w * 0.0).sum()).sum())
    X = np.ones((3, 2))
    step(X, model.weight)
    with pytest.warns(RuntimeWarning, match=r"argument 1 .*\(Linear.weight\); pass it only one way$"):
        step(X, model.weight)
    plain = ag.compile(lambda X: model(X).sum())  # nothing aliased: the walk reaches the None bias
    for _ in range(3):
        plain(X)
    assert plain.counts["replays"] == 1


GLOBAL_MODEL = nn.Linear(2, 1)


def test_a_global_module_read_but_never_called_guards_its_parameters() -> None:
    """As above for a module in fn's globals: compiler._reachable (x__module_guards 19 before the split:
    no code, no globals) replays the old weight."""
    assert_replacing_the_weight_re_traces(lambda X: (ag.Tensor(X) @ GLOBAL_MODEL.weight.T).sum(), GLOBAL_MODEL)


class _Scaled(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(np.ones(2))

    def loss(self, X: np.ndarray) -> ag.Tensor:
        """Reads its parameter without a call of the module (no `called`)."""
        return (ag.Tensor(X) * self.scale).sum()


def test_a_bound_method_s_module_guards_its_parameters() -> None:
    """ag.compile(module.method): the module is fn's `__self__`, so replacing its parameter re-traces:
    compiler._reachable (x__module_guards 2, 7, 8 before the split: no `__self__`) replays the old one."""
    module = _Scaled()
    step = ag.compile(module.loss)
    X = np.ones((3, 2))
    for _ in range(3):
        step(X)
    assert step.counts["replays"] == 1
    module.scale = nn.Parameter(np.full(2, 7.0))
    assert step(X).data == 42.0
    assert step.counts["traces"] == 3


def test_guards_are_named_in_tracebacks() -> None:
    """compiler.xǁ_Entryǁ__init__ 55, 56: the generated guards' code is named as such (tracebacks)."""
    step = ag.compile(lambda X: (ag.Tensor(X) * GLOBAL_MODEL.bias).sum())
    for _ in range(2):
        step(np.ones(1))
    (entry,) = [entry for entry in step._cache.values()]
    assert entry.guards_hold.__code__.co_filename == "<ag.compile guards>"


class _Loss:
    """A callable object: no __code__, no __globals__, no __closure__."""

    def __init__(self) -> None:
        self.weight = ag.Tensor(np.ones(2), requires_grad=True)

    def __call__(self, X: np.ndarray) -> ag.Tensor:
        return (ag.Tensor(X) * self.weight).sum()


def test_a_callable_object_is_compiled() -> None:
    """compiler._reachable on a callable without __code__ or __globals__ (x__module_guards 23, 31, 34
    before the split: getattr without a default, or the test turned, raise AttributeError)."""
    step = ag.compile(_Loss())
    for _ in range(3):
        out = step(np.ones((3, 2)))
    assert out.data == 6.0 and step.counts["replays"] == 1


def test_a_module_seen_before_does_not_end_the_walk() -> None:
    """`fn` calls `a` and reads `b.weight` without calling `b`; `a` and `b` are reached through their
    container in the closure: the walk skips `a` (seen as called) and goes on to `b`, so replacing
    b's weight re-traces. compiler._module_guards (x__module_guards 52: break) stops at `a`."""
    a, b = nn.Linear(2, 2), nn.Linear(2, 1)
    container = nn.Sequential(a, b)
    step = ag.compile(lambda X: (a(X) @ container[1].weight.T).sum())
    X = np.ones((3, 2))
    for _ in range(3):
        step(X)
    assert step.counts["replays"] == 1
    b.weight = nn.Parameter(np.zeros((1, 2)))
    assert step(X).data == 0.0
    assert step.counts["traces"] == 3


class _Part:
    """Module-like without parameter or buffer stores: a training flag only."""

    training = True


class _Holder:
    """Duck-typed: named_modules() and nothing else."""

    def named_modules(self) -> list[tuple[str, object]]:
        return [("part", PART)]


PART, HOLDER = _Part(), _Holder()


def test_a_module_like_without_stores_is_guarded_by_its_flag() -> None:
    """compiler._module_guards reads `_parameters` and `_buffers` only where they are (x__module_guards
    69, 76: getattr without a default raises), and guards the flag of what it finds."""
    step = ag.compile(lambda X: X.sum() * (2.0 if HOLDER and PART.training else 1.0))
    X = ag.Tensor(np.ones(2), requires_grad=True)
    for _ in range(3):
        step(X)
    assert step.counts["replays"] == 1
    PART.training = False
    try:
        assert step(X).data == 2.0
    finally:
        PART.training = True
    assert step.counts["traces"] == 3


def test_a_result_that_is_not_a_tensor_is_named_in_the_error() -> None:
    """compiler.xǁCompiledFunctionǁ_trace 12: the traced call's error names fn, not None."""

    def not_a_loss(x: np.ndarray) -> float:
        return 3.0

    with pytest.raises(TypeError) as error:
        ag.compile(not_a_loss)(np.ones(2))
    assert str(error.value) == (
        "ag.compile: test_a_result_that_is_not_a_tensor_is_named_in_the_error.<locals>.not_a_loss returned "
        "float; it must return the loss as a Tensor"
    )
