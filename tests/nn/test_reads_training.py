"""`reads_training = False`: nn's layers that say their forward never reads `self.training`, so that
`ag.compile` need not guard the flag. The claim is checked against their source, and a module that
does read it (a user's subclass of such a layer included) still re-traces on train()/eval()."""

from __future__ import annotations

import inspect
import warnings

import numpy as np

import autograd as ag
import nn
from autograd.compiler import CompiledFunction


def layers_of_nn() -> list[type[nn.Module]]:
    found, stack = [], [nn.Module]
    while stack:
        for cls in stack.pop().__subclasses__():
            stack.append(cls)
            if cls.__module__.startswith("nn."):
                found.append(cls)
    return found


def mentions_training(cls: type) -> bool:
    """Does the source of `cls`, or of a class it inherits from below Module, mention `training`?"""
    return any("training" in inspect.getsource(base) for base in cls.__mro__ if base not in (nn.Module, object))


def test_the_layers_that_say_so_never_mention_training() -> None:
    flagged = [cls for cls in layers_of_nn() if cls.__dict__.get("reads_training", True) is False]
    assert len(flagged) >= 20
    assert [cls.__name__ for cls in flagged if mentions_training(cls)] == []


def test_the_check_sees_the_layers_that_read_it() -> None:
    """The checker can fail: Dropout and BatchNorm read the flag, and are not flagged."""
    for cls in (nn.Dropout, nn.BatchNorm1d, nn.BatchNorm2d):
        assert mentions_training(cls)
        assert cls.__dict__.get("reads_training", True) is True


def test_no_training_guard_for_flagged_layers_only() -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 1))
    step = ag.compile(lambda X: model(X).sum())
    X = np.ones((2, 3))
    for _ in range(3):
        step(X)
    assert ".training" not in step._last.guard_source
    with_dropout = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.0))
    step = ag.compile(lambda X: with_dropout(X).sum())
    for _ in range(3):
        step(X)
    assert step._last.guard_source.count(".training") == 1


class Halving(nn.Linear):
    """A user's subclass that reads the flag: its own class does not say `reads_training = False`."""

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        out = super().forward(x)
        return out * 0.5 if self.training else out


def test_a_subclass_that_reads_training_re_traces_on_eval() -> None:
    model = nn.Sequential(Halving(3, 2), nn.Tanh())
    X = np.linspace(-1, 1, 6).reshape(2, 3)
    step = CompiledFunction(lambda X: model(X).sum())
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for mode in (True, True, True, False, False, False, True):
            model.train(mode)
            got = step(X, backward=False).data
            assert got.tobytes() == model(ag.Tensor(X)).sum().data.tobytes(), mode
    assert step.counts == {"traces": 5, "replays": 2, "eager": 0}  # each switch drops the plan and re-traces
