"""Losses: values against NumPy formulas, gradients against finite differences, stability
for saturated inputs, and clear errors for mismatched targets."""

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from tests.nn.grad_checks import check_grads, check_second_order, leaf

REDUCE = {"mean": np.mean, "sum": np.sum, "none": lambda a: a}


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss(rng, reduction):
    prediction, target = leaf(rng.standard_normal((6, 1))), leaf(rng.standard_normal((6, 1)))
    loss = F.mse_loss(prediction, target, reduction)
    np.testing.assert_allclose(loss.data, REDUCE[reduction]((prediction.data - target.data) ** 2), rtol=1e-12)
    check_grads(lambda p, t: F.mse_loss(p, t, reduction), [prediction, target])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy(rng, reduction):
    prediction, target = leaf(rng.uniform(0.05, 0.95, (6, 1))), leaf(rng.uniform(0, 1, (6, 1)))
    p, t = prediction.data, target.data
    loss = F.binary_cross_entropy(prediction, target, reduction)
    np.testing.assert_allclose(loss.data, REDUCE[reduction](-(t * np.log(p) + (1 - t) * np.log(1 - p))), rtol=1e-12)
    check_grads(lambda p, t: F.binary_cross_entropy(p, t, reduction), [prediction, target])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_with_logits(rng, reduction):
    logits, target = leaf(rng.standard_normal((6, 1)) * 4), leaf(rng.uniform(0, 1, (6, 1)))
    p, t = _sigmoid(logits.data), target.data
    loss = F.binary_cross_entropy_with_logits(logits, target, reduction)
    np.testing.assert_allclose(loss.data, REDUCE[reduction](-(t * np.log(p) + (1 - t) * np.log(1 - p))), rtol=1e-10)
    check_grads(lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction), [logits, target])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy(rng, reduction):
    logits = leaf(rng.standard_normal((5, 3)) * 3)
    classes = rng.integers(0, 3, 5)
    shifted = logits.data - logits.data.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = F.cross_entropy(logits, classes, reduction)
    np.testing.assert_allclose(loss.data, REDUCE[reduction](-log_p[np.arange(5), classes]), rtol=1e-12)
    check_grads(lambda x: F.cross_entropy(x, classes, reduction), [logits])


def test_custom_loss_ops_have_second_derivatives(rng):
    probabilities, logits = leaf(rng.uniform(0.1, 0.9, (4, 1))), leaf(rng.standard_normal((4, 1)) * 2)
    target = leaf(rng.uniform(0, 1, (4, 1)))
    check_second_order(lambda p, t: F.binary_cross_entropy(p, t, "none"), [probabilities, target])
    check_second_order(lambda x, t: F.binary_cross_entropy_with_logits(x, t, "none"), [logits, target])
    classes = rng.integers(0, 3, 4)
    for reduction in ("none", "mean"):
        logits = leaf(rng.standard_normal((4, 3)) * 2)
        check_second_order(lambda x, r=reduction: F.cross_entropy(x, classes, r), [logits])


def test_bce_with_logits_is_finite_for_huge_logits():
    logits = leaf([[1000.0], [-1000.0], [1000.0], [-1000.0]])
    target = np.array([[1.0], [0.0], [0.0], [1.0]])
    loss = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
    np.testing.assert_allclose(loss.data, [[0.0], [0.0], [1000.0], [1000.0]], atol=1e-12)
    loss.sum().backward()
    np.testing.assert_allclose(logits.grad.data, [[0.0], [0.0], [1.0], [-1.0]], atol=1e-12)


def test_bce_clamps_log_at_minus_100_for_saturated_probabilities():
    prediction = leaf([[0.0], [1.0], [0.0], [1.0]])
    target = np.array([[1.0], [0.0], [0.0], [1.0]])
    loss = F.binary_cross_entropy(prediction, target, reduction="none")
    np.testing.assert_allclose(loss.data, [[100.0], [100.0], [0.0], [0.0]])
    loss.sum().backward()
    assert np.all(np.isfinite(prediction.grad.data))
    assert prediction.grad.data[0, 0] < 0 < prediction.grad.data[1, 0]  # pushes towards the target


def test_cross_entropy_is_finite_for_huge_logits():
    logits = leaf([[1000.0, -1000.0], [-1000.0, 1000.0]])
    loss = F.cross_entropy(logits, np.array([1, 1]))
    loss.backward()
    np.testing.assert_allclose(loss.data, 1000.0)
    assert np.all(np.isfinite(logits.grad.data))


@pytest.mark.parametrize(
    "loss_fn",
    [F.mse_loss, F.binary_cross_entropy, F.binary_cross_entropy_with_logits],
    ids=["mse", "bce", "bce_logits"],
)
def test_target_shape_mismatch_names_loss_and_shapes(loss_fn):
    prediction = leaf(np.full((4, 1), 0.5))
    with pytest.raises(ValueError, match=rf"{loss_fn.__name__}.*\(4,\).*\(4, 1\)"):
        loss_fn(prediction, np.zeros(4))


def test_bad_reduction_is_rejected():
    with pytest.raises(ValueError, match="reduction"):
        F.mse_loss(leaf([1.0]), np.array([1.0]), reduction="avg")
    with pytest.raises(ValueError, match="reduction"):
        nn.CrossEntropyLoss(reduction="max")


def test_bce_rejects_values_outside_0_1():
    with pytest.raises(ValueError, match=r"binary_cross_entropy.*\[0, 1\]"):
        F.binary_cross_entropy(leaf([[1.5]]), np.array([[1.0]]))


@pytest.mark.parametrize(
    "target, error, pattern",
    [
        (np.array([0.0, 1.0, 1.0]), TypeError, "integer"),
        (np.array([[0], [1], [1]]), ValueError, r"\(3,\)"),
        (np.array([0, 1]), ValueError, r"\(3,\)"),
        (np.array([0, 1, 3]), ValueError, r"\[0, 2\]"),
    ],
    ids=["float", "column", "short", "out_of_range"],
)
def test_cross_entropy_rejects_bad_targets(target, error, pattern):
    with pytest.raises(error, match=f"cross_entropy.*{pattern}"):
        F.cross_entropy(leaf(np.zeros((3, 3))), target)


def test_cross_entropy_needs_2d_logits():
    with pytest.raises(ValueError, match=r"cross_entropy.*\(N, C\)"):
        F.cross_entropy(leaf(np.zeros(3)), np.array([0, 1, 2]))


@pytest.mark.parametrize(
    "layer, fn, target",
    [
        (nn.MSELoss, F.mse_loss, np.array([[0.2], [0.9], [0.0]])),
        (nn.BCELoss, F.binary_cross_entropy, np.array([[0.0], [1.0], [1.0]])),
        (nn.BCEWithLogitsLoss, F.binary_cross_entropy_with_logits, np.array([[0.0], [1.0], [1.0]])),
    ],
    ids=["mse", "bce", "bce_logits"],
)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_loss_layers_match_functional(layer, fn, target, reduction):
    prediction = leaf([[0.3], [0.6], [0.8]])
    np.testing.assert_array_equal(layer(reduction)(prediction, target).data, fn(prediction, target, reduction).data)


def test_cross_entropy_layer_matches_functional(rng):
    logits, classes = leaf(rng.standard_normal((4, 3))), np.array([0, 2, 1, 2])
    assert nn.CrossEntropyLoss()(logits, classes).item() == F.cross_entropy(logits, classes).item()
    assert "reduction='sum'" in repr(nn.CrossEntropyLoss("sum"))


@pytest.mark.parametrize(
    "loss_fn",
    [F.mse_loss, F.binary_cross_entropy, F.binary_cross_entropy_with_logits],
    ids=["mse", "bce", "bce_logits"],
)
def test_float32_parameters_get_float32_grads_through_linear_and_loss(rng, loss_fn):
    layer = nn.Linear(3, 1, dtype=np.float32)
    x = rng.standard_normal((5, 3)).astype(np.float32)
    target = rng.integers(0, 2, (5, 1)).astype(np.float32)
    output = layer(x)
    prediction = output.sigmoid() if loss_fn is F.binary_cross_entropy else output
    loss = loss_fn(prediction, target)
    loss.backward()
    assert loss.dtype == np.float32
    assert layer.weight.grad.dtype == layer.bias.grad.dtype == np.float32


def test_float32_cross_entropy_grads(rng):
    logits = ag.Tensor(rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    F.cross_entropy(logits, np.array([0, 1, 2, 0])).backward()
    assert logits.grad.dtype == np.float32
