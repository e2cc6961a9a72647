"""nn.utils.GradientMonitor: its statistics equal ones computed by hand from .grad and the
weights, it changes nothing in training, and its figures are written."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn
from nn.utils import GradientMonitor


def train(steps: int, monitor: bool, lr: float = 0.5, record_by_hand: bool = False):
    X, y = nn.datasets.generate_xor_easy()
    ag.manual_seed(3)
    model = nn.MLP([2, 4, 4, 1])
    watcher = GradientMonitor(model) if monitor else None
    optimizer = nn.optim.SGD(model.parameters(), lr=lr)
    by_hand: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {name: [] for name, _ in model.named_parameters()}
    for _ in range(steps):
        optimizer.zero_grad()
        nn.MSELoss()(model(ag.Tensor(X)), ag.Tensor(y)).backward()
        if record_by_hand:
            for name, p in model.named_parameters():
                by_hand[name].append((p.grad.data.copy(), p.data.copy()))
        optimizer.step()
    return model, watcher, by_hand


def hand_stats(grad: np.ndarray, weight: np.ndarray) -> dict[str, float]:
    return {
        "grad_mean": np.mean(np.abs(grad)), "grad_max": np.max(np.abs(grad)), "grad_norm": np.linalg.norm(grad),
        "weight_mean": np.mean(np.abs(weight)), "weight_max": np.max(np.abs(weight)),
        "weight_norm": np.linalg.norm(weight),
    }  # fmt: skip


def test_statistics_equal_hand_computed_ones():
    _, monitor, by_hand = train(4, monitor=True, record_by_hand=True)
    assert monitor.steps == 4 and monitor.names == list(by_hand)
    for name, records in by_hand.items():
        for step, (grad, weight) in enumerate(records):
            for stat, expected in hand_stats(grad, weight).items():
                assert monitor.stats[name][stat][step] == pytest.approx(expected, rel=1e-12), (name, stat, step)
    name = monitor.names[0]
    np.testing.assert_array_equal(monitor.last[name][1], by_hand[name][-1][0])
    np.testing.assert_array_equal(monitor.first[name][0], by_hand[name][0][1])


def test_planted_signed_mean_is_caught():
    """Had the monitor averaged the signed gradient, the hand check would see it."""
    _, monitor, by_hand = train(2, monitor=True, record_by_hand=True)
    grad, _ = by_hand["layers.2.weight"][1]
    assert monitor.stats["layers.2.weight"]["grad_mean"][1] != pytest.approx(float(np.mean(grad)), rel=1e-6)


def test_training_is_identical_with_and_without_the_monitor():
    plain, _, _ = train(25, monitor=False)
    watched, monitor, _ = train(25, monitor=True)
    for (name, a), (_, b) in zip(plain.named_parameters(), watched.named_parameters()):
        np.testing.assert_array_equal(a.data, b.data, err_msg=name)
    assert monitor.steps == 25


def test_remove_stops_recording_and_the_context_manager_removes():
    model, monitor, _ = train(2, monitor=True)
    monitor.remove()
    nn.MSELoss()(model(ag.Tensor(np.ones((1, 2)))), ag.Tensor(np.ones((1, 1)))).backward()
    assert monitor.steps == 2
    with GradientMonitor(model) as second:
        model(ag.Tensor(np.ones((1, 2)))).sum().backward()
    model(ag.Tensor(np.ones((1, 2)))).sum().backward()
    assert second.steps == 1


def test_figures_and_summary(tmp_path):
    _, monitor, _ = train(3, monitor=True)
    monitor.plot_gradient_flow(tmp_path / "flow.png")
    monitor.plot_histograms(tmp_path / "hist.png")
    for name in ("flow.png", "hist.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["flow.png", "hist.png"]  # no temporary left
    lines = monitor.summary().splitlines()
    assert len(lines) == 1 + len(monitor.names) and lines[1].startswith("layers.0.weight")


def test_bad_use_is_a_clear_error():
    with pytest.raises(ValueError, match="no parameters"):
        GradientMonitor(nn.Sequential())
    model = nn.MLP([2, 1])
    with pytest.raises(RuntimeError, match="nothing recorded yet"):
        GradientMonitor(model).plot_histograms()


def compiled_run(steps: int, record_after_step: bool = False) -> GradientMonitor:
    """The `train` run above through an `ag.compile` step, watched by `record()` instead of hooks."""
    X, y = nn.datasets.generate_xor_easy()
    ag.manual_seed(3)
    model = nn.MLP([2, 4, 4, 1])
    monitor = GradientMonitor(model, hooks=False)
    optimizer = nn.optim.SGD(model.parameters(), lr=0.5)
    step = ag.compile(lambda X, y: nn.MSELoss()(model(X), y))
    for _ in range(steps):
        optimizer.zero_grad()
        step(X, y)
        if not record_after_step:
            monitor.record()
        optimizer.step()
        if record_after_step:
            monitor.record()
    assert step.counts["replays"] == steps - 2 and step.fallback_reason is None  # hooks=False: no eager fallback
    return monitor


def test_record_without_hooks_equals_the_hooks_under_ag_compile():
    _, hooked, _ = train(6, monitor=True)
    recorded = compiled_run(6)
    assert recorded.steps == 6 and recorded.names == hooked.names
    assert recorded.stats == hooked.stats  # every statistic of every step, exactly
    for name in hooked.names:
        for snapshots in ("first", "last"):
            for a, b in zip(getattr(recorded, snapshots)[name], getattr(hooked, snapshots)[name], strict=True):
                np.testing.assert_array_equal(a, b)
    # planted: recording after the optimizer step sees the updated weights, and the check sees that
    late = compiled_run(6, record_after_step=True)
    assert late.stats[hooked.names[0]]["weight_norm"] != hooked.stats[hooked.names[0]]["weight_norm"]


def test_without_hooks_nothing_is_recorded_until_record():
    model = nn.MLP([2, 1])
    monitor = GradientMonitor(model, hooks=False)
    model(ag.Tensor(np.ones((1, 2)))).sum().backward()
    assert monitor.steps == 0
    monitor.record()
    assert monitor.steps == 1
    model.zero_grad()
    monitor.record()  # no .grad: nothing to record
    assert monitor.steps == 1
