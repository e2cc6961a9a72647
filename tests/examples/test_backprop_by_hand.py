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


def train_run(backprop: str, dataset: str, epochs: int, **setting: object) -> np.ndarray:
    """The loss curve of one lab run (seed 0) whose gradients come from `backprop`."""
    from examples.lab.datasets import load_dataset
    from examples.lab.model import make_model
    from examples.lab.training import make_gradients, make_optimizer, to_probability, train

    activation = setting.get("activation", "sigmoid")
    output_activation = setting.get("output_activation", "sigmoid")
    loss = setting.get("loss", "mse")
    X, y = load_dataset(dataset, seed=0)
    model = make_model((4, 4), activation, 0, output_activation, setting.get("bias", True))
    gradients = make_gradients(backprop, model, loss, activation, output_activation)
    optimizer = make_optimizer(setting.get("optimizer", "sgd"), list(model.parameters()), setting.get("lr", 1.0))
    history = train(
        gradients, optimizer, X, y, epochs, batch_size=setting.get("batch_size"),
        to_probability=lambda output: to_probability(output, loss, output_activation),
    )  # fmt: skip
    assert not history.diverged
    return history.losses


RUNS = {
    "sigmoid/mse": ("xor", {}),
    "sigmoid/bce": ("xor", {"loss": "bce"}),
    "tanh/mse": ("xor", {"activation": "tanh"}),
    "relu, linear output, bce on logits, no bias, adam": (
        "linear",
        {
            "activation": "relu",
            "output_activation": "none",
            "loss": "bce",
            "bias": False,
            "optimizer": "adam",
            "lr": 0.01,
        },
    ),  # fmt: skip
    "leaky_relu, batches of 7, momentum": (
        "linear",
        {"activation": "leaky_relu", "batch_size": 7, "optimizer": "momentum", "lr": 0.1},
    ),
}


@pytest.mark.parametrize("name", RUNS)
def test_hand_backprop_trains_exactly_as_autograd_over_a_whole_run(name: str) -> None:
    dataset, setting = RUNS[name]
    epochs = 60 if setting.get("batch_size") else 500
    hand = train_run("hand", dataset, epochs, **setting)
    auto = train_run("autograd", dataset, epochs, **setting)
    assert hand[-1] < 0.9 * hand[0]  # it trained
    np.testing.assert_allclose(hand, auto, rtol=1e-12, atol=0)


def test_the_whole_run_comparison_catches_a_gradient_off_by_one_part_in_a_billion(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A planted bug: tanh's derivative 1 - A^2 scaled by (1 + 1e-9). The curves part by more than 1e-12."""
    honest = by_hand.activation_backward

    def sloppy(dA: np.ndarray, saved: np.ndarray | None, activation: str) -> np.ndarray:
        return honest(dA, saved, activation) * (1 + 1e-9 if activation == "tanh" else 1.0)

    monkeypatch.setattr(by_hand, "activation_backward", sloppy)
    hand = train_run("hand", "xor", 200, activation="tanh")
    auto = train_run("autograd", "xor", 200, activation="tanh")
    assert np.max(np.abs(hand - auto) / auto) > 1e-12


@pytest.mark.parametrize("activation", ["tanh", "relu", "leaky_relu", "none"])
@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_every_activation_and_loss_matches_finite_differences(activation: str, loss: str) -> None:
    X, y = DATASETS["linear"]()
    output_activation = "none" if activation == "none" else "sigmoid"
    params = by_hand.init_params((2, 3, 3, 1), rng=np.random.default_rng(11))
    if activation == "none":  # nn.MLP without activation layers numbers its Linears 0, 1, 2
        params = {name.replace("layers.2", "layers.1").replace("layers.4", "layers.2"): v for name, v in params.items()}
    _, hand = by_hand.loss_and_grads(params, X, y, loss, activation, output_activation)
    names = list(params)
    logits = output_activation == "none"

    def hand_loss(*tensors: ag.Tensor) -> ag.Tensor:
        values = dict(zip(names, (t.data for t in tensors)))
        output = by_hand.forward(values, X, activation, output_activation)[-1]
        return ag.Tensor(by_hand.loss_value(output, y, loss, logits))

    numerical = ag.numerical_grad(hand_loss, [ag.Tensor(params[n].copy(), requires_grad=True) for n in names])
    for name, expected in zip(names, numerical):
        np.testing.assert_allclose(hand[name], expected.data if hasattr(expected, "data") else expected,
                                   rtol=1e-5, atol=1e-8, err_msg=name)  # fmt: skip
