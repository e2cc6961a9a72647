"""The hand-derived backprop of examples/backprop_by_hand.py agrees with autograd (nn.MLP) and
with central finite differences, on both lab data sets, for MSE and BCE, at random weights."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from examples import backprop_by_hand as by_hand
from examples import gradcheck_demo

DATASETS = {
    "linear": lambda: nn.datasets.generate_linear(30, rng=np.random.default_rng(7)),
    "xor": nn.datasets.generate_xor_easy,
}
AUTOGRAD_LOSSES = {"mse": F.mse_loss, "bce": F.binary_cross_entropy}


def autograd_loss_and_grads(params: dict, X: np.ndarray, y: np.ndarray, loss: str) -> tuple[float, dict]:
    model = nn.MLP([2, 4, 4, 1])
    for name, parameter in model.named_parameters():
        parameter.data[...] = params[name]
    value = AUTOGRAD_LOSSES[loss](model(ag.Tensor(X)), ag.Tensor(y))
    value.backward()
    return value.item(), {name: p.grad.data for name, p in model.named_parameters()}


def finite_difference_grads(params: dict, X: np.ndarray, y: np.ndarray, loss: str) -> dict:
    """Central differences of the hand-written forward and loss, through ag.numerical_grad."""
    names = list(params)

    def hand_loss(*tensors: ag.Tensor) -> ag.Tensor:
        values = dict(zip(names, (t.data for t in tensors)))
        return ag.Tensor(by_hand.loss_value(by_hand.forward(values, X)[2], y, loss))

    leaves = [ag.Tensor(params[name].copy(), requires_grad=True) for name in names]
    return dict(zip(names, ag.numerical_grad(hand_loss, leaves)))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("loss", ["mse", "bce"])
@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_hand_derived_equals_autograd_equals_finite_differences(dataset: str, loss: str, seed: int) -> None:
    X, y = DATASETS[dataset]()
    params = by_hand.init_params((2, 4, 4, 1), rng=np.random.default_rng(seed))
    hand_value, hand = by_hand.loss_and_grads(params, X, y, loss)
    auto_value, auto = autograd_loss_and_grads(params, X, y, loss)
    numerical = finite_difference_grads(params, X, y, loss)

    assert hand_value == pytest.approx(auto_value, rel=1e-12)
    assert list(hand) == list(auto)  # nn.MLP's names, in its order
    for name in hand:
        assert hand[name].shape == params[name].shape
        np.testing.assert_allclose(hand[name], auto[name], rtol=1e-10, atol=1e-14, err_msg=name)
        np.testing.assert_allclose(hand[name], numerical[name], rtol=1e-5, atol=1e-8, err_msg=name)
        assert np.max(np.abs(numerical[name])) > 1e-6  # a real gradient, not zeros on both sides


@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_the_autograd_side_passes_gradcheck(loss: str) -> None:
    X, y = nn.datasets.generate_xor_easy()
    params = by_hand.init_params(rng=np.random.default_rng(3))
    names = list(params)
    model = nn.MLP([2, 4, 4, 1])

    def model_loss(*weights: ag.Tensor) -> ag.Tensor:
        h = ag.Tensor(X)
        for k in range(3):
            h = F.linear(h, weights[2 * k], weights[2 * k + 1]).sigmoid()
        return AUTOGRAD_LOSSES[loss](h, ag.Tensor(y))

    assert names == [name for name, _ in model.named_parameters()]
    assert ag.gradcheck(model_loss, [ag.Tensor(params[n], requires_grad=True) for n in names])


def test_the_finite_differences_would_catch_a_hand_derivation_error() -> None:
    """Drop the sigmoid factor of the last layer, as a student might: finite differences disagree."""
    X, y = nn.datasets.generate_xor_easy()
    params = by_hand.init_params(rng=np.random.default_rng(0))
    _, A2, A3 = by_hand.forward(params, X)
    careless_dW3 = (2.0 * (A3 - y) / len(X)).T @ A2  # forgets A3 * (1 - A3)
    numerical = finite_difference_grads(params, X, y, "mse")["layers.4.weight"]
    assert not np.allclose(careless_dW3, numerical, rtol=1e-3)


def test_bad_arguments() -> None:
    X, y = nn.datasets.generate_xor_easy()
    params = by_hand.init_params()
    with pytest.raises(ValueError, match="loss must be one of"):
        by_hand.loss_and_grads(params, X, y, "hinge")
    with pytest.raises(ValueError, match=r"y must have shape \(21, 1\) for X of shape \(21, 2\), got \(21,\)"):
        by_hand.loss_and_grads(params, X, y.ravel())


def test_the_demo_runs_and_locates_the_wrong_op(capsys: pytest.CaptureFixture[str]) -> None:
    assert gradcheck_demo.main([]) == 0
    out = capsys.readouterr().out
    assert "layers.4.bias" in out and "xor data set, BCE loss" in out
    assert "gradcheck: the analytic gradient disagrees" in out
    assert "62 of 101  SloppySigmoid" in out
