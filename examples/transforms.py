"""Autograd style: derivatives are functions, made by `autograd.func` and composed at will.

    python -m examples.transforms [--out DIR]

1. tanh and its first six derivatives, each from nested `func.elementwise_grad`, on one plot
   (the figure HIPS autograd's README opens with), checked against closed forms.
2. Newton's method on the Rosenbrock function with `func.grad` and `func.hessian`.
3. A Hessian-vector product of the lab's loss (the 2-4-4-1 MLP on XOR, MSE) with respect to all
   its parameters, through `func.functional_call`, checked against finite differences of the gradient.
4. The Jacobian of a small layer (Linear(3, 2) then tanh), with respect to its input and to its
   weight, checked against `ag.numerical_grad` row by row.

Exits with 1 if any check fails.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

import autograd as ag
import nn
import nn.functional as F
from autograd import func

ORDERS = 6
TOLERANCE = 1e-6


def tanh_derivatives_closed_form(x: np.ndarray, orders: int) -> list[np.ndarray]:
    """d^k tanh / dx^k as a polynomial p_k(t) of t = tanh(x): p_{k+1} = p_k'(t) (1 - t^2)."""
    poly, t, results = np.polynomial.Polynomial([0, 1]), np.tanh(x), []
    for _ in range(orders):
        poly = poly.deriv() * np.polynomial.Polynomial([1, 0, -1])
        results.append(poly(t))
    return results


def tanh_derivatives(x: np.ndarray) -> list[np.ndarray]:
    """tanh and its first ORDERS derivatives, each by one more func.elementwise_grad."""
    fn, curves = ag.tanh, [np.tanh(x)]
    for _ in range(ORDERS):
        fn = func.elementwise_grad(fn)
        curves.append(fn(x).numpy())
    return curves


def save_figure(figure: Figure, path: Path) -> None:
    """Write atomically: a temporary file in the same folder, then os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(handle)
    try:
        figure.savefig(temporary)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def plot_tanh_derivatives(x: np.ndarray, curves: list[np.ndarray], path: Path) -> None:
    figure = Figure(figsize=(7, 4), dpi=150, layout="constrained")
    axes = figure.subplots()
    for order, curve in enumerate(curves):
        axes.plot(x, curve, label="tanh" if order == 0 else f"order {order}", linewidth=1.2)
    axes.set(xlim=(x[0], x[-1]), ylim=(-5, 5), xlabel="x", title="tanh and its derivatives, by nested func.grad")
    axes.legend(fontsize=8, ncol=2, loc="upper right")
    axes.grid(alpha=0.3)
    save_figure(figure, path)


def rosenbrock(v: ag.Tensor) -> ag.Tensor:
    return (1 - v[0]) ** 2 + 100 * (v[1] - v[0] ** 2) ** 2


def newton(start: Sequence[float], steps: int = 20) -> tuple[np.ndarray, int]:
    """Newton's method x <- x - H(x)^-1 grad(x), printing each iterate; returns the last and its count."""
    gradient, hessian = func.grad(rosenbrock), func.hessian(rosenbrock)
    x = np.array(start, dtype=np.float64)
    for step in range(steps + 1):
        g = gradient(x).numpy()
        print(
            f"   iteration {step}: x = {x}, f = {rosenbrock(ag.Tensor(x)).item():.3e}, |grad| = {np.abs(g).max():.1e}"
        )
        if np.abs(g).max() < 1e-10:
            return x, step
        x = x - np.linalg.solve(hessian(x).numpy(), g)
    return x, steps


def mlp_hvp_check(seed: int) -> float:
    """max |H v - (grad(p + eps v) - grad(p - eps v)) / 2 eps| / max |H v| for the lab's MLP loss, over all
    parameters: the relative gap."""
    ag.manual_seed(seed)
    model = nn.MLP([2, 4, 4, 1])
    X, y = nn.datasets.generate_xor_easy()
    params = {name: p.data.copy() for name, p in model.named_parameters()}

    def loss(p: dict) -> ag.Tensor:
        return F.mse_loss(func.functional_call(model, p, (X,)), y)

    rng = np.random.default_rng(seed)
    v = {name: rng.standard_normal(a.shape) for name, a in params.items()}
    value, (hv,) = func.hvp(loss, (params,), (v,))
    eps, gradient = 1e-5, func.grad(loss)
    plus = gradient({name: params[name] + eps * v[name] for name in params})
    minus = gradient({name: params[name] - eps * v[name] for name in params})
    print(f"   loss {value.item():.6f}; H v for {sum(a.size for a in params.values())} parameters")
    gaps, scale = [], max(np.abs(hv[name].numpy()).max() for name in params)
    for name in params:
        numerical = (plus[name].numpy() - minus[name].numpy()) / (2 * eps)
        gaps.append(np.abs(hv[name].numpy() - numerical).max())
        print(
            f"   {name:<16} |H v| = {np.abs(hv[name].numpy()).max():.3e}, max gap to finite differences {gaps[-1]:.1e}"
        )
    return max(gaps) / scale


def layer_jacobian_check(seed: int) -> float:
    """The Jacobian of Linear(3, 2) + tanh with respect to its input and its weight, against numerical_grad."""
    ag.manual_seed(seed)
    layer = nn.Sequential(nn.Linear(3, 2), nn.Tanh())
    x = np.random.default_rng(seed).standard_normal(3)
    weight = layer[0].weight.data.copy()
    by_input = func.jacobian(layer)(x)
    by_weight = func.jacobian(lambda w: func.functional_call(layer, {"0.weight": w}, (x,)))(weight)
    print(f"   d out / d x: shape {by_input.shape}; d out / d weight: shape {by_weight.shape}")
    gaps = []
    for row in range(2):
        unit = np.eye(2)[row]
        (numerical_x,) = ag.numerical_grad(layer, [ag.Tensor(x, requires_grad=True)], grad_outputs=[unit])
        w = ag.Tensor(weight, requires_grad=True)
        (numerical_w,) = ag.numerical_grad(
            lambda w: func.functional_call(layer, {"0.weight": w}, (x,)), [w], grad_outputs=[unit]
        )
        gaps += [np.abs(by_input.numpy()[row] - numerical_x).max(), np.abs(by_weight.numpy()[row] - numerical_w).max()]
    print(f"   max gap to numerical_grad {max(gaps):.1e}")
    return max(gaps)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("runs/transforms"), help="folder for the figure")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    np.set_printoptions(precision=6)
    failures = []

    print(f"1. tanh and its first {ORDERS} derivatives by nested func.elementwise_grad\n")
    x = np.linspace(-7, 7, 281)
    curves = tanh_derivatives(x)
    for order, (curve, exact) in enumerate(zip(curves[1:], tanh_derivatives_closed_form(x, ORDERS)), 1):
        gap = np.abs(curve - exact).max()
        print(f"   order {order}: max gap to the closed form {gap:.1e}")
        if gap > TOLERANCE * max(1.0, np.abs(exact).max()):
            failures.append(f"tanh derivative of order {order}")
    path = args.out / "tanh_derivatives.png"
    plot_tanh_derivatives(x, curves, path)
    print(f"   figure: {path}\n")

    print("2. Newton's method on the Rosenbrock function, with func.grad and func.hessian\n")
    minimum, steps = newton([-1.2, 1.0])
    print(f"   reached {minimum} in {steps} iterations\n")
    if not np.allclose(minimum, [1.0, 1.0], atol=1e-8):
        failures.append("Newton's method")

    print("3. Hessian-vector product of the lab's MLP loss, via func.functional_call\n")
    if mlp_hvp_check(args.seed) > 1e-6:  # relative; the finite differences' own error is ~1e-10
        failures.append("Hessian-vector product")
    print()

    print("4. Jacobian of a small layer, against ag.numerical_grad\n")
    if layer_jacobian_check(args.seed) > 1e-7:
        failures.append("layer Jacobian")

    print("\nall checks passed" if not failures else f"\nFAILED: {', '.join(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
