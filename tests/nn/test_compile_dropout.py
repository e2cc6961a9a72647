"""Dropout inside `ag.compile`: its mask is drawn by an op without a gradient, so a replay draws a new
mask each call from the default generator as it is then, the same stream as eager execution."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

import autograd as ag
import nn
import nn.functional as F


def train(compiled: bool, reseed_at: int | None = None, steps: int = 12) -> tuple[list[bytes], dict | None]:
    """Losses (and the final weights) of `steps` SGD steps of a net with Dropout, from fixed weights."""
    nn.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 1))
    for k, p in enumerate(model.parameters()):
        p.data = np.linspace(-0.5, 0.5, p.data.size).reshape(p.shape) * (k + 1)
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1)
    X, y = np.linspace(-1, 1, 20).reshape(5, 4), np.ones((5, 1))
    loss_of: Callable[..., ag.Tensor] = lambda X, y: F.mse_loss(model(X), y)  # noqa: E731
    step = ag.compile(loss_of) if compiled else None
    seen = []
    for k in range(steps):
        if k == reseed_at:
            nn.manual_seed(7)  # replaces the default generator: a replay must draw from the new one
        optimizer.zero_grad()
        if step is None:
            loss = loss_of(ag.Tensor(X), y)
            loss.backward()
        else:
            loss = step(X, y)
        optimizer.step()
        seen.append(loss.data.tobytes())
    seen += [p.data.tobytes() for p in model.parameters()]
    return seen, None if step is None else step.counts


def test_compiled_dropout_replays_the_eager_stream() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no fallback to eager
        compiled, counts = train(True)
    assert compiled == train(False)[0]
    assert counts == {"traces": 2, "replays": 10, "eager": 0}


def test_reseeding_between_replays_is_seen() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        compiled, counts = train(True, reseed_at=6)
    assert compiled == train(False, reseed_at=6)[0]
    assert compiled != train(True)[0]  # the reseed changed the masks
    assert counts["replays"] == 10


def test_a_replayed_mask_is_new_each_call() -> None:
    x = ag.Tensor(np.ones((4, 50)), requires_grad=True)
    step = ag.compile(lambda x: F.dropout(x, 0.5).sum())
    values = {float(step(x).data) for _ in range(6)}
    assert step.counts["replays"] == 4 and len(values) > 3
