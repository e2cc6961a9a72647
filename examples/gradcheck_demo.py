"""Three ways to the same gradient, and how a wrong backward is caught and located.

    python -m examples.gradcheck_demo

1. The lab's 2-4-4-1 sigmoid network on both data sets, MSE and BCE: the hand-derived
   backprop (examples/backprop_by_hand.py), autograd (nn.MLP + loss.backward()) and central
   finite differences of the hand-written forward, compared parameter by parameter.
2. A custom op whose backward forgets a factor: `ag.gradcheck` rejects it.
3. The same op hidden in a model of about a hundred ops: `ag.check_graph` names it and its
   position in the graph.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

import autograd as ag
import nn
import nn.functional as F
from examples import backprop_by_hand as by_hand

DEPTH = 49  # Linear + activation per layer, and a 3-op loss: 101 ops


def three_gradients(model: nn.MLP, X: np.ndarray, y: np.ndarray, loss: str) -> list[tuple[str, float, float, float]]:
    """For each parameter: max |hand - autograd|, max |hand - numerical|, max |autograd - numerical|."""
    params = {name: p.data.copy() for name, p in model.named_parameters()}
    _, hand = by_hand.loss_and_grads(params, X, y, loss)

    model.zero_grad()
    prediction = model(ag.Tensor(X))
    loss_fn = F.mse_loss if loss == "mse" else F.binary_cross_entropy
    loss_fn(prediction, ag.Tensor(y)).backward()
    auto = {name: p.grad.data for name, p in model.named_parameters()}

    names = list(params)
    leaves = [ag.Tensor(params[name], requires_grad=True) for name in names]

    def hand_loss(*tensors: ag.Tensor) -> ag.Tensor:
        values = {name: t.data for name, t in zip(names, tensors)}
        return ag.Tensor(by_hand.loss_value(by_hand.forward(values, X)[2], y, loss))

    numerical = dict(zip(names, ag.numerical_grad(hand_loss, leaves)))

    def gap(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.max(np.abs(a - b)))

    return [(n, gap(hand[n], auto[n]), gap(hand[n], numerical[n]), gap(auto[n], numerical[n])) for n in names]


class SloppySigmoid(ag.Function):
    """sigmoid with a classic slip in its backward: sigmoid' = s, forgetting the (1 - s)."""

    @staticmethod
    def forward(ctx: ag.Function, x: np.ndarray) -> np.ndarray:
        out = 1.0 / (1.0 + np.exp(-x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: ag.Function, grad_output: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_tensors
        return grad_output * out  # should be grad_output * out * (1 - out)


class SloppySigmoidLayer(nn.Module):
    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return SloppySigmoid.apply(x)


def deep_model(bad_layer: int, depth: int = DEPTH, width: int = 4) -> nn.Sequential:
    """`depth` blocks of Linear + Tanh, with SloppySigmoid as the activation of block `bad_layer`."""
    layers: list[nn.Module] = []
    for k in range(depth):
        layers += [nn.Linear(width, width), SloppySigmoidLayer() if k == bad_layer else nn.Tanh()]
    return nn.Sequential(*layers)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    nn.manual_seed(args.seed)
    np.set_printoptions(precision=4)

    print("1. Hand-derived backprop vs autograd vs finite differences (max absolute differences)\n")
    data = {"linear": nn.datasets.generate_linear(100), "xor": nn.datasets.generate_xor_easy()}
    for dataset, (X, y) in data.items():
        model = nn.MLP([2, 4, 4, 1])
        for loss in by_hand.LOSSES:
            print(f"   {dataset} data set, {loss.upper()} loss")
            print(f"   {'parameter':<16} {'hand-autograd':>14} {'hand-numerical':>15} {'autograd-numerical':>19}")
            for name, hand_auto, hand_num, auto_num in three_gradients(model, X, y, loss):
                print(f"   {name:<16} {hand_auto:>14.2e} {hand_num:>15.2e} {auto_num:>19.2e}")
            print()

    print("2. A custom op with a wrong backward, caught by ag.gradcheck\n")
    x = ag.Tensor(np.random.default_rng(args.seed).standard_normal((2, 3)), requires_grad=True)
    try:
        ag.gradcheck(SloppySigmoid.apply, [x])
        print("   gradcheck passed: this should not happen")
        return 1
    except ag.GradcheckError as error:
        print("   " + str(error).replace("\n", "\n   ") + "\n")

    bad_layer = 30
    print(f"3. The same op as the activation of block {bad_layer} of {DEPTH}, located by ag.check_graph\n")
    model = deep_model(bad_layer)
    X = ag.Tensor(np.random.default_rng(args.seed).standard_normal((8, 4)))
    loss = F.mse_loss(model(X), ag.Tensor(np.zeros((8, 4))))
    report = ag.check_graph(loss)
    print("   " + str(report).replace("\n", "\n   "))
    print(f"\n   (each block is 2 ops, so block {bad_layer}'s activation is node {2 * bad_layer + 2})")
    return 0 if not report.ok and len(report.failures) == 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
