"""nn.optim.lr_scheduler: learning rates epoch by epoch, by hand and against torch.optim.lr_scheduler."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import autograd as ag
from nn import optim
from nn.optim import lr_scheduler

EPOCHS = 25


def make_optimizer(lrs=(1.0,), name="SGD", **options):
    groups = [{"params": [ag.Tensor(np.ones(2), requires_grad=True)], "lr": lr} for lr in lrs]
    return getattr(optim, name)(groups, lr=lrs[0], **options)


def lrs_by_epoch(scheduler, epochs=EPOCHS, metrics=None):
    """get_last_lr() after construction, then after each of `epochs` steps (each after an optimizer step)."""
    seen = [scheduler.get_last_lr()[:]]
    for epoch in range(epochs):
        scheduler.optimizer.step()
        if metrics is None:
            scheduler.step()
        else:
            scheduler.step(metrics[epoch])
        seen.append(scheduler.get_last_lr()[:])
        assert seen[-1] == [group["lr"] for group in scheduler.optimizer.param_groups]
    return seen


# ------------------------------------------------------------------ hand-computed rates
def test_step_lr_by_hand():
    seen = lrs_by_epoch(lr_scheduler.StepLR(make_optimizer(), step_size=3, gamma=0.5), epochs=7)
    assert [lrs[0] for lrs in seen] == [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25]


def test_multistep_lr_by_hand_with_a_repeated_milestone():
    seen = lrs_by_epoch(lr_scheduler.MultiStepLR(make_optimizer(), milestones=[2, 5, 5], gamma=0.5), epochs=6)
    assert [lrs[0] for lrs in seen] == [1, 1, 0.5, 0.5, 0.5, 0.125, 0.125]


def test_exponential_lr_by_hand_for_each_group():
    seen = lrs_by_epoch(lr_scheduler.ExponentialLR(make_optimizer((1.0, 4.0)), gamma=0.5), epochs=3)
    assert seen == [[1, 4], [0.5, 2], [0.25, 1], [0.125, 0.5]]


def test_cosine_annealing_by_hand_goes_down_and_back_up():
    seen = lrs_by_epoch(lr_scheduler.CosineAnnealingLR(make_optimizer((1.0,)), T_max=2), epochs=4)
    np.testing.assert_allclose([lrs[0] for lrs in seen], [1.0, 0.5, 0.0, 0.5, 1.0], atol=1e-15)


@pytest.mark.parametrize("eta_min", [0.0, 0.05])
def test_cosine_annealing_follows_the_closed_form(eta_min):
    scheduler = lr_scheduler.CosineAnnealingLR(make_optimizer((1.0, 0.3)), T_max=7, eta_min=eta_min)
    for epoch in range(1, EPOCHS):
        scheduler.optimizer.step()
        scheduler.step()
        base = np.array([1.0, 0.3])
        expected = eta_min + (base - eta_min) * (1 + math.cos(math.pi * epoch / 7)) / 2
        np.testing.assert_allclose(scheduler.get_last_lr(), expected, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(scheduler.closed_form_lr(), expected, rtol=1e-12, atol=1e-15)


def test_reduce_on_plateau_by_hand():
    metrics = [1.0, 0.99995, 0.99995, 0.99995, 0.5, 0.5, 0.5, 0.5]
    scheduler = lr_scheduler.ReduceLROnPlateau(make_optimizer(), factor=0.5, patience=2)
    seen = [lrs[0] for lrs in lrs_by_epoch(scheduler, epochs=len(metrics), metrics=metrics)]
    # 0.99995 is within the relative threshold 1e-4 of 1.0, so it is no improvement: after three
    # epochs without one (more than patience=2) the rate halves; likewise after 0.5 three times.
    assert seen == [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25]


def test_reduce_on_plateau_max_mode_cooldown_and_min_lr():
    metrics = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    scheduler = lr_scheduler.ReduceLROnPlateau(
        make_optimizer(), mode="max", factor=0.1, patience=0, cooldown=2, min_lr=0.005
    )
    seen = [lrs[0] for lrs in lrs_by_epoch(scheduler, epochs=len(metrics), metrics=metrics)]
    assert seen == pytest.approx([1, 1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.005, 0.005, 0.005], rel=1e-12)


def test_the_optimizer_steps_with_the_scheduled_rate():
    p = ag.Tensor(np.zeros(1), requires_grad=True)
    optimizer = optim.SGD([p], lr=1.0)
    scheduler = lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    for _ in range(3):
        p.grad = ag.Tensor(np.ones(1))
        optimizer.step()
        scheduler.step()
    np.testing.assert_array_equal(p.data, [-(1 + 0.5 + 0.25)])


def test_state_dicts_resume_the_schedule_through_json():
    optimizer = make_optimizer((1.0,))
    scheduler = lr_scheduler.CosineAnnealingLR(optimizer, T_max=10)
    straight = lrs_by_epoch(scheduler, epochs=8)

    first = lr_scheduler.CosineAnnealingLR(make_optimizer((1.0,)), T_max=10)
    lrs_by_epoch(first, epochs=3)
    saved = json.loads(json.dumps({"opt": first.optimizer.state_dict(), "sched": first.state_dict()}))
    optimizer = make_optimizer((99.0,))
    resumed = lr_scheduler.CosineAnnealingLR(optimizer, T_max=10)
    optimizer.load_state_dict(saved["opt"])
    resumed.load_state_dict(saved["sched"])
    assert optimizer.param_groups[0]["initial_lr"] == 1.0
    assert lrs_by_epoch(resumed, epochs=5)[1:] == straight[4:]


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="StepLR: step_size must be a positive integer, got 0"):
        lr_scheduler.StepLR(make_optimizer(), step_size=0)
    with pytest.raises(ValueError, match="T_max"):
        lr_scheduler.CosineAnnealingLR(make_optimizer(), T_max=0)
    with pytest.raises(TypeError, match="not an nn.optim Optimizer"):
        lr_scheduler.ExponentialLR(object(), gamma=0.5)
    with pytest.raises(ValueError, match="factor must be < 1.0"):
        lr_scheduler.ReduceLROnPlateau(make_optimizer(), factor=1.5)
    with pytest.raises(ValueError, match="mode must be 'min' or 'max'"):
        lr_scheduler.ReduceLROnPlateau(make_optimizer(), mode="minimum")
    with pytest.raises(ValueError, match="expected 2 min_lrs"):
        lr_scheduler.ReduceLROnPlateau(make_optimizer((1.0, 2.0)), min_lr=[0.1])
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(make_optimizer(), step_size=2, last_epoch=4)


# ------------------------------------------------------------------ against PyTorch
SCHEDULES = [
    ("StepLR", dict(step_size=4, gamma=0.3)),
    ("MultiStepLR", dict(milestones=[3, 7, 7, 15], gamma=0.5)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=6)),
    ("CosineAnnealingLR", dict(T_max=10, eta_min=0.01)),
]


def torch_optimizer(torch, lrs, name="SGD", **options):
    groups = [{"params": [torch.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs]
    return getattr(torch.optim, name)(groups, lr=lrs[0], **options)


@pytest.mark.parametrize("name, options", SCHEDULES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULES)])
def test_rates_equal_torch_epoch_by_epoch(name, options):
    torch = pytest.importorskip("torch")
    lrs = (0.1, 0.7)
    ours = lrs_by_epoch(getattr(lr_scheduler, name)(make_optimizer(lrs), **options))
    theirs_scheduler = getattr(torch.optim.lr_scheduler, name)(torch_optimizer(torch, lrs), **options)
    theirs = lrs_by_epoch(theirs_scheduler)
    assert ours == theirs  # the same float operations in the same order: equal, not close
    assert theirs_scheduler.optimizer.param_groups[0]["initial_lr"] == make_optimizer(lrs).param_groups[0]["lr"]


@pytest.mark.parametrize(
    "options",
    [
        dict(patience=2, factor=0.5),
        dict(mode="max", patience=1, cooldown=2, threshold=0.1, threshold_mode="abs"),
        dict(patience=0, min_lr=[0.01, 0.2], factor=0.3, eps=1e-3),
    ],
)
def test_reduce_on_plateau_equals_torch(options):
    torch = pytest.importorskip("torch")
    metrics = list(np.random.default_rng(0).integers(0, 4, size=EPOCHS) * 0.25 + np.linspace(1, 0, EPOCHS))
    lrs = (0.1, 0.7)
    ours = lrs_by_epoch(lr_scheduler.ReduceLROnPlateau(make_optimizer(lrs), **options), metrics=metrics)
    theirs_scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(torch_optimizer(torch, lrs), **options)
    theirs = lrs_by_epoch(theirs_scheduler, metrics=metrics)
    assert ours == theirs
    assert len({tuple(lrs) for lrs in ours}) > 2  # the metrics did make it reduce, more than once
