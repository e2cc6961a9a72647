"""The generated guards of a plan: a parameter deleted from its module makes them fail (the function
is traced again, and gives eager's result), not raise a KeyError of their own."""

from __future__ import annotations

import numpy as np

import autograd as ag
import nn


def test_a_deleted_parameter_re_traces() -> None:
    model = nn.Linear(2, 1)
    step = ag.compile(lambda X: model(X).sum())
    X = np.ones((3, 2))
    for _ in range(3):
        step(X)
    assert step.counts["replays"] == 1
    del model._parameters["bias"]
    eager = model(ag.Tensor(X)).sum()
    assert step(X).data.tobytes() == eager.data.tobytes()
    assert step.counts["traces"] == 3
