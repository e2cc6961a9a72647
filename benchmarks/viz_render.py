"""How long a big graph takes to draw: `python -m benchmarks.viz_render [--full]`.

Three 10,000-op graphs rendered to SVG by `save_graph` with the default node budget: a model
(5,000 Linear + Tanh layers), a raw chain of 10,000 Tanh, and 10,000 alternating Add/Mul with a
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
import nn
from autograd import viz


def model_graph(layers: int = 5_000) -> tuple[ag.Tensor, nn.Module]:
    """A loss through `layers` Linear(4, 4) + Tanh pairs: 2 ops each."""
    ag.manual_seed(0)
    model = nn.Sequential(*[m for _ in range(layers) for m in (nn.Linear(4, 4), nn.Tanh())])
    return model(ag.randn(2, 4)).sum(), model


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
    loss, model = model_graph()
    cases = [
        ("model: 5,000 x (Linear, Tanh)", loss, {"params": model}),
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
