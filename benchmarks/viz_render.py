"""How long a big graph takes to draw: `python -m benchmarks.viz_render [--full]`.

Three 10,000-op graphs rendered to SVG by `save_graph` with the default node budget: a model
(3,333 layers tanh(h @ W + b)), a raw chain of 10,000 Tanh, and 10,000 alternating Add/Mul with a
constant each. Prints the seconds (building the drawing + Graphviz) and the nodes drawn.
`--full` also renders the model with `max_nodes=None` (every node; about a minute).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

import autograd as ag
from autograd import viz


def model_graph(layers: int = 5_000) -> tuple[ag.Tensor, dict[str, ag.Tensor]]:
    """`layers` layers h = tanh(h @ W + b): 3 ops each (MatMul, Add, Tanh), parameters named by module
    path as nn names them. (Building thousands of nn modules is slow in nn.Sequential itself, and
    the drawing sees only the names.)"""
    rng = np.random.default_rng(0)
    params, h = {}, ag.Tensor(rng.normal(size=(2, 4)))
    for i in range(layers):
        weight = params[f"layers.{i}.weight"] = ag.Tensor(rng.normal(size=(4, 4)) / 2, requires_grad=True)
        bias = params[f"layers.{i}.bias"] = ag.Tensor(np.zeros(4), requires_grad=True)
        h = (h @ weight + bias).tanh()
    return h.sum(), params


def tanh_chain(length: int = 10_000) -> ag.Tensor:
    h = ag.Tensor(np.ones(3), requires_grad=True, name="x")
    for _ in range(length):
        h = h.tanh()
    return h.sum()


def add_mul_chain(length: int = 10_000) -> ag.Tensor:
    x = ag.Tensor(np.ones(3), requires_grad=True, name="x")
    w = ag.Tensor(np.ones(3), requires_grad=True, name="w")
    h = x
    for i in range(length):
        h = h * w if i % 2 else h + ag.Tensor(np.full(3, 0.5))
    return h.sum()


def render(root: ag.Tensor, folder: Path, name: str, **kw: object) -> tuple[float, int]:
    start = time.perf_counter()
    path = viz.save_graph(root, folder / f"{name}.svg", **kw)
    elapsed = time.perf_counter() - start
    return elapsed, path.read_text().count('class="node"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="also draw every node of the model (slow)")
    args = parser.parse_args()
    loss, model = model_graph(3_333)
    cases = [
        ("model: 3,333 x (MatMul, Add, Tanh)", loss, {"params": model}),
        ("raw chain: 10,000 Tanh", tanh_chain(), {}),
        ("raw chain: 10,000 Add/Mul + constants", add_mul_chain(), {}),
    ]
    if args.full:
        cases.append(("model, max_nodes=None", loss, {"params": model, "max_nodes": None}))
    with tempfile.TemporaryDirectory() as folder:
        for index, (title, root, kw) in enumerate(cases):
            seconds, nodes = render(root, Path(folder), f"case{index}", **kw)
            print(f"{title:<40} {seconds:6.2f} s  {nodes:5d} SVG nodes (incl. legend)")


if __name__ == "__main__":
    main()
