"""nn.optim: every optimizer and option against its update rule written out here, and
against torch.optim when torch is installed; save/restore, validation, dtypes."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag
from nn import optim

SHAPES = [(3,), (2, 2)]
STEPS = 8


def make_problem(seed: int = 0):
    """A per-parameter quadratic 0.5 pᵀAp + cᵀp: starting points and a gradient function."""
    rng = np.random.default_rng(seed)
    starts, matrices, offsets = [], [], []
    for shape in SHAPES:
        size = int(np.prod(shape))
        root = rng.normal(size=(size, size))
        matrices.append(root @ root.T + np.eye(size))
        offsets.append(rng.normal(size=size))
        starts.append(rng.normal(size=shape))

    def gradient(index: int, p: np.ndarray) -> np.ndarray:
        return (matrices[index] @ p.ravel() + offsets[index]).reshape(p.shape)

    return starts, gradient


# --------------------------------------------------------------------- reference rules
def reference_sgd(p, grad_fn, steps, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
    buffer = None
    for _ in range(steps):
        g = grad_fn(p) + weight_decay * p
        if momentum != 0:
            buffer = g if buffer is None else momentum * buffer + (1 - dampening) * g
            g = g + momentum * buffer if nesterov else buffer
        p = p - lr * g
    return p


def reference_adagrad(p, grad_fn, steps, lr=0.01, lr_decay=0.0, weight_decay=0.0, eps=1e-10):
    total = np.zeros_like(p)
    for t in range(1, steps + 1):
        g = grad_fn(p) + weight_decay * p
        decayed_lr = lr / (1 + (t - 1) * lr_decay)
        total = total + g**2
        p = p - decayed_lr * g / (np.sqrt(total) + eps)
    return p


def reference_rmsprop(p, grad_fn, steps, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0):
    square_avg = np.zeros_like(p)
    buffer = np.zeros_like(p)
    for _ in range(steps):
        g = grad_fn(p) + weight_decay * p
        square_avg = alpha * square_avg + (1 - alpha) * g**2
        if momentum > 0:
            buffer = momentum * buffer + g / (np.sqrt(square_avg) + eps)
            p = p - lr * buffer
        else:
            p = p - lr * g / (np.sqrt(square_avg) + eps)
    return p


def reference_adam(p, grad_fn, steps, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled=False):
    beta1, beta2 = betas
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    for t in range(1, steps + 1):
        g = grad_fn(p)
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return p


def reference_adamw(p, grad_fn, steps, weight_decay=1e-2, **options):
    return reference_adam(p, grad_fn, steps, weight_decay=weight_decay, decoupled=True, **options)


REFERENCES = {
    "SGD": reference_sgd,
    "Adagrad": reference_adagrad,
    "RMSprop": reference_rmsprop,
    "Adam": reference_adam,
    "AdamW": reference_adamw,
}

CASES = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.2)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.3)),
    ("Adagrad", dict(lr=0.3, lr_decay=0.1)),
    ("Adagrad", dict(lr=0.3, weight_decay=0.1, eps=1e-3)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.02, alpha=0.9)),
    ("RMSprop", dict(lr=0.02, momentum=0.9)),
    ("RMSprop", dict(lr=0.02, momentum=0.5, weight_decay=0.1, eps=1e-4)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.1)),
    ("Adam", dict(lr=0.1, betas=(0.8, 0.95), eps=1e-6)),
    ("Adam", dict(lr=0.1, weight_decay=0.1)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.1)),
    ("AdamW", dict(lr=0.1, weight_decay=0.5, betas=(0.5, 0.9))),
]
CASE_IDS = [f"{name}-{options}" for name, options in CASES]


def run_ours(name, options, steps=STEPS, dtype=np.float64):
    starts, gradient = make_problem()
    params = [ag.Tensor(start.astype(dtype), requires_grad=True) for start in starts]
    optimizer = getattr(optim, name)(params, **options)
    for _ in range(steps):
        optimizer.zero_grad()
        for index, p in enumerate(params):
            p.grad = ag.Tensor(gradient(index, p.data.astype(np.float64)).astype(dtype))
        optimizer.step()
    return params, optimizer


@pytest.mark.parametrize("name, options", CASES, ids=CASE_IDS)
def test_matches_the_written_out_update_rule(name, options):
    params, _ = run_ours(name, options)
    starts, gradient = make_problem()
    for index, (p, start) in enumerate(zip(params, starts)):
        expected = REFERENCES[name](start, lambda q, i=index: gradient(i, q), STEPS, **options)
        assert not np.allclose(expected, start), "the test problem must move the parameters"
        np.testing.assert_allclose(p.data, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name, options", CASES, ids=CASE_IDS)
def test_matches_torch_optim(name, options):
    torch = pytest.importorskip("torch")
    params, _ = run_ours(name, options)
    starts, gradient = make_problem()
    torch_params = [torch.tensor(start, requires_grad=True) for start in starts]
    torch_optimizer = getattr(torch.optim, name)(torch_params, **options)
    for _ in range(STEPS):
        for index, p in enumerate(torch_params):
            p.grad = torch.tensor(gradient(index, p.detach().numpy()))
        torch_optimizer.step()
    for ours, theirs in zip(params, torch_params):
        np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_steps_from_gradients_computed_by_backward():
    rng = np.random.default_rng(1)
    root = rng.normal(size=(3, 3))
    matrix = root @ root.T + np.eye(3)
    start = rng.normal(size=3)
    p = ag.Tensor(start.copy(), requires_grad=True)
    optimizer = optim.SGD([p], lr=0.05, momentum=0.9)
    for _ in range(STEPS):
        optimizer.zero_grad()
        (0.5 * (p @ ag.Tensor(matrix) @ p)).backward()
        optimizer.step()
    expected = reference_sgd(start, lambda q: matrix @ q, STEPS, lr=0.05, momentum=0.9)
    np.testing.assert_allclose(p.data, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name, options", CASES, ids=CASE_IDS)
def test_state_dict_round_trip_resumes_identically(name, options):
    straight, _ = run_ours(name, options, steps=2 * STEPS)

    _, gradient = make_problem()
    params, first = run_ours(name, options, steps=STEPS)
    saved = first.state_dict()
    resumed_params = [ag.Tensor(p.data.copy(), requires_grad=True) for p in params]
    for _ in range(3):  # moving on after saving must not change what was saved
        for index, p in enumerate(params):
            p.grad = ag.Tensor(gradient(index, p.data))
        first.step()

    second = getattr(optim, name)(resumed_params, lr=123.0)  # lr comes back from the state dict
    second.load_state_dict(saved)
    for _ in range(STEPS):
        second.zero_grad()
        for index, p in enumerate(resumed_params):
            p.grad = ag.Tensor(gradient(index, p.data))
        second.step()
    for ours, reference in zip(resumed_params, straight):
        np.testing.assert_array_equal(ours.data, reference.data)


def test_state_dict_keys_state_by_parameter_index():
    params, optimizer = run_ours("Adam", {}, steps=2)
    saved = optimizer.state_dict()
    assert sorted(saved["state"]) == [0, 1]
    assert saved["param_groups"][0]["params"] == [0, 1]
    assert saved["state"][1]["exp_avg"].shape == params[1].shape
    assert isinstance(saved["state"][0]["exp_avg_sq"], np.ndarray)


def test_load_state_dict_rejects_a_different_model():
    _, optimizer = run_ours("Adam", {}, steps=1)
    saved = optimizer.state_dict()
    with pytest.raises(ValueError, match="parameters"):
        optim.Adam([ag.Tensor(np.zeros(3), requires_grad=True)]).load_state_dict(saved)
    wrong_shapes = [ag.Tensor(np.zeros(4), requires_grad=True), ag.Tensor(np.zeros((2, 2)), requires_grad=True)]
    with pytest.raises(ValueError, match=r"shape \(3,\).*shape \(4,\)"):
        optim.Adam(wrong_shapes).load_state_dict(saved)


OPTIMIZERS = ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW"]


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("lr", [0.0, -0.1, math.nan, math.inf])
def test_rejects_a_bad_learning_rate(name, lr):
    p = ag.Tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(ValueError, match=rf"{name}: invalid learning rate lr=.*> 0"):
        getattr(optim, name)([p], lr=lr)
    with pytest.raises(ValueError, match="invalid learning rate"):
        getattr(optim, name)([{"params": [p], "lr": lr}], lr=0.1)


@pytest.mark.parametrize(
    "name, options, message",
    [
        ("SGD", dict(lr=0.1, momentum=-0.5), "momentum"),
        ("SGD", dict(lr=0.1, nesterov=True), "nesterov"),
        ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "dampening"),
        ("SGD", dict(lr=0.1, weight_decay=-1.0), "weight_decay"),
        ("Adagrad", dict(lr_decay=-1.0), "lr_decay"),
        ("RMSprop", dict(alpha=-0.1), "alpha"),
        ("RMSprop", dict(eps=-1.0), "eps"),
        ("Adam", dict(betas=(1.0, 0.999)), "beta1"),
        ("AdamW", dict(betas=(0.9, -0.1)), "beta2"),
        ("Adam", dict(weight_decay=-0.1), "weight_decay"),
    ],
)
def test_rejects_bad_hyperparameters(name, options, message):
    with pytest.raises(ValueError, match=rf"{name}: .*{message}"):
        getattr(optim, name)([ag.Tensor(np.zeros(2), requires_grad=True)], **options)


def test_rejects_bad_parameter_lists():
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="single Tensor"):
        optim.SGD(ag.Tensor(np.zeros(2), requires_grad=True), lr=0.1)
    with pytest.raises(TypeError, match="only optimize Tensors"):
        optim.SGD([np.zeros(2)], lr=0.1)
    leaf = ag.Tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([leaf * 2], lr=0.1)
    with pytest.raises(ValueError, match="appears twice"):
        optim.SGD([leaf, leaf], lr=0.1)
    with pytest.raises(TypeError, match="unknown hyperparameters.*momentom"):
        optim.SGD([{"params": [leaf], "momentom": 0.9}], lr=0.1)


@pytest.mark.parametrize("name, options", CASES, ids=CASE_IDS)
def test_float32_parameters_stay_float32(name, options):
    params, optimizer = run_ours(name, options, steps=3, dtype=np.float32)
    reference, _ = run_ours(name, options, steps=3)
    for p, p64 in zip(params, reference):
        assert p.dtype == np.float32
        np.testing.assert_allclose(p.data, p64.data, rtol=1e-4, atol=1e-5)
        for value in optimizer.state.get(p, {}).values():
            if isinstance(value, np.ndarray):
                assert value.dtype == np.float32


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_parameters_without_grad_are_left_alone(name):
    moved = ag.Tensor(np.ones(2), requires_grad=True)
    still = ag.Tensor(np.ones(2), requires_grad=True)
    optimizer = getattr(optim, name)([moved, still], lr=0.1)
    moved.grad = ag.Tensor(np.ones(2))
    optimizer.step()
    assert not np.array_equal(moved.data, np.ones(2))
    np.testing.assert_array_equal(still.data, np.ones(2))
    assert still not in optimizer.state


def test_zero_grad_and_param_groups():
    fast = ag.Tensor(np.ones(2), requires_grad=True)
    slow = ag.Tensor(np.ones(2), requires_grad=True)
    optimizer = optim.SGD([{"params": [fast], "lr": 1.0}, {"params": [slow]}], lr=0.1)
    fast.grad, slow.grad = ag.Tensor(np.ones(2)), ag.Tensor(np.ones(2))
    optimizer.step()
    np.testing.assert_allclose(fast.data, [0.0, 0.0])
    np.testing.assert_allclose(slow.data, [0.9, 0.9])
    optimizer.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(fast.grad.data, [0.0, 0.0])
    optimizer.zero_grad()
    assert fast.grad is None and slow.grad is None


def test_step_with_closure_returns_the_loss():
    p = ag.Tensor(np.array([3.0]), requires_grad=True)
    optimizer = optim.SGD([p], lr=0.25)

    def closure():
        optimizer.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with ag.no_grad():  # the closure still records: step enables grad for it
        loss = optimizer.step(closure)
    assert loss.item() == 9.0
    np.testing.assert_allclose(p.data, [3.0 - 0.25 * 6.0])


# --------------------------------------------------------------------- gradients assigned by hand
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_a_wrongly_shaped_grad_is_refused_naming_both_shapes(name):
    p = ag.Tensor(np.zeros(3), requires_grad=True, name="w")
    optimizer = getattr(optim, name)([p], lr=0.1)
    p.grad = ag.Tensor([1.0])  # would broadcast over all three elements
    with pytest.raises(ValueError, match=rf"{name}.step: the gradient of parameter w has shape \(1,\), .*\(3,\)"):
        optimizer.step()
    np.testing.assert_array_equal(p.data, np.zeros(3))


def test_an_ndarray_grad_is_refused_clearly():
    p = ag.Tensor(np.zeros(3), requires_grad=True)
    optimizer = optim.SGD([p], lr=0.1)
    p.grad = np.ones(3)
    with pytest.raises(
        TypeError, match=r"SGD.step: the gradient of parameter \(shape \(3,\)\) is a ndarray.*ag.Tensor"
    ):
        optimizer.step()


# --------------------------------------------------------------------- param_groups and their save/restore
def test_param_groups_hold_each_groups_hyperparameters_and_are_saved():
    a, b = (ag.Tensor(np.ones(2), requires_grad=True) for _ in range(2))
    optimizer = optim.SGD([{"params": [a], "lr": 1.0, "momentum": 0.5}, {"params": b}], lr=0.1)
    assert [g["lr"] for g in optimizer.param_groups] == [1.0, 0.1]
    assert [g["momentum"] for g in optimizer.param_groups] == [0.5, 0.0]
    assert optimizer.param_groups[1]["params"] == [b]
    optimizer.param_groups[1]["lr"] = 0.25  # what a scheduler does
    saved = optimizer.state_dict()
    assert [g["lr"] for g in saved["param_groups"]] == [1.0, 0.25]
    assert [g["params"] for g in saved["param_groups"]] == [[0], [1]]
    other = optim.SGD([{"params": [a]}, {"params": [b]}], lr=9.0)
    other.load_state_dict(saved)
    assert [(g["lr"], g["momentum"]) for g in other.param_groups] == [(1.0, 0.5), (0.25, 0.0)]


def test_state_dict_survives_a_json_round_trip():
    import json

    params, first = run_ours("Adam", {}, steps=2)
    saved = first.state_dict()
    as_json = json.loads(json.dumps(saved, default=lambda a: a.tolist()))  # state keys become strings
    as_json["state"] = {k: {n: np.array(v) for n, v in s.items()} for k, s in as_json["state"].items()}
    second = optim.Adam([ag.Tensor(p.data.copy(), requires_grad=True) for p in params])
    second.load_state_dict(as_json)
    assert second.state[second.param_groups[0]["params"][1]]["step"] == 2
    np.testing.assert_array_equal(second.state[second.param_groups[0]["params"][0]]["exp_avg"],
                                  first.state[params[0]]["exp_avg"])  # fmt: skip


def test_another_optimizers_state_is_refused_saying_what_is_missing():
    _, adam = run_ours("Adam", {}, steps=2)
    sgd = optim.SGD([ag.Tensor(np.zeros(s), requires_grad=True) for s in SHAPES], lr=0.1)
    with pytest.raises(
        ValueError, match=r"SGD.load_state_dict: .*group 0 lacks \['dampening', 'momentum', 'nesterov'\]"
    ):
        sgd.load_state_dict(adam.state_dict())
    _, sgd_run = run_ours("SGD", dict(lr=0.05, momentum=0.9), steps=2)
    saved = sgd_run.state_dict()
    saved["param_groups"][0].update(betas=(0.9, 0.999), eps=1e-8)  # every key Adam needs, SGD's extra
    adam2 = optim.Adam([ag.Tensor(np.zeros(s), requires_grad=True) for s in SHAPES])
    with pytest.raises(ValueError, match=r"has \['dampening', 'momentum', 'nesterov'\], which Adam does not use"):
        adam2.load_state_dict(saved)
    for key in ("dampening", "momentum", "nesterov"):
        del saved["param_groups"][0][key]
    with pytest.raises(ValueError, match=r"state of parameter 0 has \['momentum_buffer'\].*another optimizer"):
        adam2.load_state_dict(saved)


def test_an_incomplete_group_is_refused_naming_the_missing_keys():
    _, sgd = run_ours("SGD", dict(lr=0.05, momentum=0.9), steps=1)
    saved = sgd.state_dict()
    del saved["param_groups"][0]["momentum"]
    fresh = optim.SGD([ag.Tensor(np.zeros(s), requires_grad=True) for s in SHAPES], lr=0.1)
    before = [dict(g) for g in fresh.param_groups]
    with pytest.raises(ValueError, match=r"lacks \['momentum'\]"):
        fresh.load_state_dict(saved)
    assert fresh.param_groups == before  # nothing was changed
    with pytest.raises(ValueError, match=r"lacks \['param_groups'\]"):
        fresh.load_state_dict({"state": {}})


def test_a_group_annealed_to_lr_zero_can_be_restored():
    _, sgd = run_ours("SGD", dict(lr=0.05), steps=1)
    sgd.param_groups[0]["lr"] = 0.0  # e.g. CosineAnnealingLR at T_max
    fresh = optim.SGD([ag.Tensor(np.zeros(s), requires_grad=True) for s in SHAPES], lr=0.1)
    fresh.load_state_dict(sgd.state_dict())
    assert fresh.param_groups[0]["lr"] == 0.0
