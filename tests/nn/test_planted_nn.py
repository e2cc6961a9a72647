"""Behaviours of `nn` that planted bugs got past the suite (issue 18), pinned exactly."""

from __future__ import annotations

import json

import numpy as np
import pytest

import autograd as ag
import nn

OPTIMIZERS = {
    "sgd-momentum": lambda params: nn.optim.SGD(params, lr=0.1, momentum=0.9),
    "sgd-nesterov": lambda params: nn.optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "adam": lambda params: nn.optim.Adam(params, lr=0.05),
    "adamw": lambda params: nn.optim.AdamW(params, lr=0.05),
    "rmsprop": lambda params: nn.optim.RMSprop(params, lr=0.01),
    "adagrad": lambda params: nn.optim.Adagrad(params, lr=0.1),
}


def _to_json(state: dict) -> str:
    def encode(value):
        if isinstance(value, np.ndarray):
            return {"__ndarray__": value.tolist(), "dtype": str(value.dtype)}
        if isinstance(value, np.generic):
            return value.item()
        raise TypeError(type(value).__name__)

    return json.dumps(state, default=encode)


def _from_json(text: str) -> dict:
    def decode(obj):
        if "__ndarray__" in obj:
            return np.array(obj["__ndarray__"], dtype=obj["dtype"])
        return obj

    return json.loads(text, object_hook=decode)


def _step(params: list[ag.Tensor], optimizer, seed: int) -> None:
    rng = np.random.default_rng(seed)
    for p in params:
        p.grad = ag.Tensor(rng.standard_normal(p.shape))
    optimizer.step()


@pytest.mark.parametrize("make", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())
def test_optimizer_state_survives_a_json_round_trip(make):
    """JSON turns the state's integer keys into strings; the state must still be restored, not
    silently dropped (planted: the string-key fallback in load_state_dict removed)."""
    rng = np.random.default_rng(0)
    shapes = [(3, 2), (2,)]
    original = [nn.Parameter(rng.standard_normal(s)) for s in shapes]
    optimizer = make(original)
    for seed in range(3):
        _step(original, optimizer, seed)
    saved = _to_json(optimizer.state_dict())
    assert '"0"' in saved and '"1"' in saved  # the keys really are strings after the round trip
    restored_params = [nn.Parameter(p.data.copy()) for p in original]
    restored = make(restored_params)
    restored.load_state_dict(_from_json(saved))
    assert len(restored.state) == len(restored_params)
    for p, q in zip(original, restored_params):
        for key, value in optimizer.state[p].items():
            np.testing.assert_array_equal(restored.state[q][key], value, err_msg=key)
    for seed in range(3, 5):
        _step(original, optimizer, seed)
        _step(restored_params, restored, seed)
    for p, q in zip(original, restored_params):
        np.testing.assert_array_equal(q.data, p.data)


def test_optimizer_state_with_integer_keys_still_loads():
    p = nn.Parameter(np.ones(2))
    optimizer = nn.optim.SGD([p], lr=0.1, momentum=0.5)
    _step([p], optimizer, 0)
    q = nn.Parameter(np.ones(2))
    other = nn.optim.SGD([q], lr=0.1, momentum=0.5)
    other.load_state_dict(optimizer.state_dict())
    np.testing.assert_array_equal(other.state[q]["momentum_buffer"], optimizer.state[p]["momentum_buffer"])


@pytest.mark.parametrize(
    ("saved_shape", "model_shape"), [((3,), (1, 3)), ((1, 3), (3,)), ((3, 1), (1, 3)), ((6,), (2, 3))]
)
def test_a_same_size_array_of_another_shape_is_refused(saved_shape, model_shape):
    """Module.load_state_dict compares shapes, not sizes (planted: `shape !=` -> `size !=`)."""
    model = nn.Module()
    model.weight = nn.Parameter(np.zeros(model_shape))
    saved = np.arange(1.0, 1.0 + np.prod(saved_shape)).reshape(saved_shape)
    with pytest.raises(RuntimeError, match=rf"weight: saved \({saved_shape[0]},"):
        model.load_state_dict({"weight": saved})
    with pytest.raises(RuntimeError, match="wrong shapes"):
        model.load_state_dict({"weight": saved}, strict=False)
    np.testing.assert_array_equal(model.weight.data, np.zeros(model_shape))


def test_a_saved_file_of_another_shape_is_refused(tmp_path):
    path = tmp_path / "row.npz"
    np.savez(path, weight=np.ones(3))
    model = nn.Module()
    model.weight = nn.Parameter(np.zeros((1, 3)))
    with pytest.raises(RuntimeError, match=r"weight: saved \(3,\), model \(1, 3\)"):
        model.load(path)
    np.testing.assert_array_equal(model.weight.data, np.zeros((1, 3)))
