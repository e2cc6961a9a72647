"""nn.utils.clip_grad_norm_ / clip_grad_value_: by hand, and against torch.nn.utils when installed."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag
from nn.utils import clip_grad_norm_, clip_grad_value_


def params_with_grads(grads):
    params = []
    for g in grads:
        p = ag.Tensor(np.zeros(np.shape(g)), requires_grad=True)
        if g is not None:
            p.grad = ag.Tensor(np.array(g, dtype=np.float64))
        params.append(p)
    return params


def test_clips_the_joint_norm_by_hand():
    params = params_with_grads([[3.0, 0.0], [[4.0]]])  # joint 2-norm 5
    total = clip_grad_norm_(params, max_norm=1.0)
    assert isinstance(total, ag.Tensor) and total.shape == () and total.item() == 5.0
    scale = 1.0 / (5.0 + 1e-6)
    np.testing.assert_allclose(params[0].grad.data, [3 * scale, 0.0], rtol=1e-15)
    np.testing.assert_allclose(params[1].grad.data, [[4 * scale]], rtol=1e-15)


def test_leaves_small_gradients_alone_and_skips_missing_ones():
    params = params_with_grads([[0.3, 0.4], None])
    assert clip_grad_norm_(params, max_norm=1.0).item() == pytest.approx(0.5, rel=1e-15)
    np.testing.assert_array_equal(params[0].grad.data, [0.3, 0.4])
    assert params[1].grad is None
    assert clip_grad_norm_(params_with_grads([None]), 1.0).item() == 0.0


@pytest.mark.parametrize(
    "norm_type, expected", [(1, 9.0), (math.inf, 4.0), ("inf", 4.0), (3, (27 + 8 + 64) ** (1 / 3))]
)
def test_other_norms(norm_type, expected):
    params = params_with_grads([[3.0, -2.0], [-4.0]])
    assert clip_grad_norm_(params, max_norm=100.0, norm_type=norm_type).item() == pytest.approx(expected, rel=1e-14)


def test_a_single_tensor_and_nonfinite_norms():
    (p,) = params_with_grads([[np.inf, 1.0]])
    assert math.isinf(clip_grad_norm_(p, 1.0).item())
    assert np.isnan(p.grad.data[0])  # inf * (1 / inf) as PyTorch
    (p,) = params_with_grads([[np.inf, 1.0]])
    with pytest.raises(RuntimeError, match="clip_grad_norm_: the total norm of order 2.0 .* is inf"):
        clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    assert p.grad.data[0] == np.inf  # refused before changing anything


def test_clip_grad_value():
    params = params_with_grads([[3.0, -0.2, -7.0]])
    clip_grad_value_(params, 1.0)
    np.testing.assert_array_equal(params[0].grad.data, [1.0, -0.2, -1.0])


def test_bad_input_is_named():
    with pytest.raises(TypeError, match="clip_grad_norm_: expected Tensors"):
        clip_grad_norm_([np.zeros(2)], 1.0)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf, 3.5])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_equals_torch(norm_type, max_norm):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=(3, 4)), rng.normal(size=5), rng.normal(size=())]
    ours = params_with_grads(grads)
    theirs = [torch.zeros(np.shape(g), dtype=torch.float64, requires_grad=True) for g in grads]
    for t, g in zip(theirs, grads):
        t.grad = torch.tensor(g)
    total = clip_grad_norm_(ours, max_norm, norm_type)
    torch_total = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    np.testing.assert_allclose(total.data, torch_total.numpy(), rtol=1e-13)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.data, t.grad.numpy(), rtol=1e-13, atol=1e-16)
