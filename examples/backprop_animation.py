"""Seeing backprop happen: `python -m examples.backprop_animation [--out DIR]`.

Writes to --out (default examples/figures/viz):
- backprop.gif: the lab network (MLP [2, 4, 4, 1], sigmoid, MSE) on the easy XOR set, its backward
  pass drawn one node at a time in the engine's order (`viz.animate_backward`);
- gradient_flow.png: `nn.utils.GradientMonitor` over two short training runs of that network:
  sigmoid at a small learning rate (the gradients shrink layer by layer toward the input:
  vanishing), and no activation at a large one (the gradients grow step by step: exploding).
"""

from __future__ import annotations

import argparse
import io
import warnings
from pathlib import Path
from typing import Any

import numpy as np

import autograd as ag
import nn
from autograd import viz

SIZES = [2, 4, 4, 1]
SETTINGS = (  # (what it shows, hidden activation, output activation, learning rate, steps)
    ("vanishing", "sigmoid", "sigmoid", 0.1, 60),
    ("exploding", None, None, 0.7, 8),
)


def write_backprop_gif(
    model: nn.Module, X: np.ndarray, y: np.ndarray, path: str | Path, loss_fn: nn.Module | None = None, **kw: Any
) -> Path:
    """The backward pass of the loss (`loss_fn`, default MSE) of `model` on (X, y), animated into `path` (.gif)."""
    loss = (loss_fn or nn.MSELoss())(model(ag.Tensor(X, name="x")), ag.Tensor(y, name="y"))
    return viz.animate_backward(loss, path, params=model, **kw)


def monitored_run(activation: str | None, output: str | None, lr: float, steps: int, seed: int = 0) -> Any:
    """Train the lab network for `steps` full-batch SGD steps under a GradientMonitor; return the monitor."""
    X, y = nn.datasets.generate_xor_easy()
    ag.manual_seed(seed)
    model = nn.MLP(SIZES, activation=activation, output_activation=output)
    optimizer = nn.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    with nn.utils.GradientMonitor(model) as monitor, warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        for _ in range(steps):
            optimizer.zero_grad()
            loss_fn(model(ag.Tensor(X)), ag.Tensor(y)).backward()
            optimizer.step()
    return monitor


def write_gradient_flow(path: str | Path) -> Path:
    """Both settings' gradient flow, one above the other, in one PNG."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 7.6), dpi=110, layout="constrained")
    for subfigure, (shows, activation, output, lr, steps) in zip(figure.subfigures(2, 1), SETTINGS):
        monitor = monitored_run(activation, output, lr, steps)
        monitor.plot_gradient_flow(title=_title(monitor, shows, activation, lr), figure=subfigure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    path = Path(path)
    viz._write_atomically(path, buffer.getvalue())
    return path


def _title(monitor: Any, shows: str, activation: str | None, lr: float) -> str:
    """The setting, and the numbers that show what it shows (read from the monitor)."""
    setting = f"{activation or 'no activation'}, SGD lr {lr:g}"
    means = [float(np.mean(monitor.stats[name]["grad_mean"])) for name in monitor.names if "weight" in name]
    if shows == "vanishing":
        ratio = means[-1] / means[0]
        return f"{setting}: vanishing gradients, the first layer's mean |grad| is {ratio:.0f}x below the last's"
    first = monitor.stats[monitor.names[0]]["grad_mean"]
    growth = f"from {first[0]:.2g} to {first[-1]:.2g} in {len(first)} steps"
    return f"{setting}: exploding gradients, mean |grad| of layer 0 {growth}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("examples/figures/viz"), help="default: %(default)s")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    X, y = nn.datasets.generate_xor_easy()
    ag.manual_seed(0)
    gif = write_backprop_gif(nn.MLP(SIZES), X, y, args.out / "backprop.gif")
    flow = write_gradient_flow(args.out / "gradient_flow.png")
    print(f"wrote {gif} and {flow}")


if __name__ == "__main__":
    main()
