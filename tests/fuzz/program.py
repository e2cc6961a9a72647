"""A random program: leaves, steps, outputs; run as npgrad code or as plain NumPy, and printed.

A program is data (so it can be shrunk) whose every step is one line of source (see ops.py), so
the code that is run is exactly the code that is printed. The loss is the sum of each output
times a fixed cotangent; first-order checks differentiate it, second-order checks differentiate
the sum of its gradients times fixed second cotangents.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .ops import OPS


@dataclass(frozen=True)
class Step:
    """`out = op(*args)`, or, for an in-place op, `args[0] op= ...` (out is None)."""

    op: str
    args: tuple[str, ...]
    params: tuple[Any, ...] = ()
    out: str | None = None

    def source(self, world: str) -> str:
        spec = OPS[self.op]
        text = (spec.tensor if world == "tensor" else spec.numpy)(self.args, self.params)
        if spec.inplace:
            return text
        return f"{self.out} = {text}" if world == "tensor" else f"{self.out} = np.asarray({text})"


@dataclass(frozen=True)
class Leaf:
    name: str
    shape: tuple[int, ...]
    values: tuple[float, ...]  # flat, row-major

    def array(self) -> np.ndarray:
        return np.array(self.values, dtype=np.float64).reshape(self.shape)


@dataclass(frozen=True)
class Program:
    leaves: tuple[Leaf, ...]
    steps: tuple[Step, ...]
    outputs: tuple[str, ...]  # the values the loss sums over (their final state)
    cotangent_seed: int | None = 0  # None: every cotangent is ones
    note: str = field(default="", compare=False)

    @property
    def leaf_names(self) -> list[str]:
        return [leaf.name for leaf in self.leaves]

    def function_source(self, world: str) -> str:
        """`def program(x0, ...)` returning the outputs' final values, in npgrad or in NumPy."""
        lines = [f"def program({', '.join(self.leaf_names)}):"]
        lines += [f"    {step.source(world)}" for step in self.steps]
        lines.append(f"    return [{', '.join(self.outputs)}]")
        return "\n".join(lines)

    def compiled(self, world: str) -> Any:
        return _compile(self.function_source(world))

    def cotangents(self, shapes: list[tuple[int, ...]], salt: int = 0) -> list[np.ndarray]:
        """Random cotangents (rounded to 2 decimals, so that printing is exact), or ones."""
        if self.cotangent_seed is None:
            return [np.ones(shape) for shape in shapes]
        rng = np.random.default_rng([self.cotangent_seed, salt])
        return [np.round(rng.uniform(-1.0, 1.0, shape), 2) for shape in shapes]

    def code(self, second_order: bool = False) -> str:
        """The program as a runnable script that prints what the checks compare."""
        import autograd as ag  # only to learn the output shapes

        names = self.leaf_names
        outputs = self.compiled("numpy")(*[leaf.array() for leaf in self.leaves])
        cotangents = self.cotangents([np.shape(o) for o in outputs])
        lines = ["import numpy as np", "", "import autograd as ag", ""]
        for leaf in self.leaves:
            lines.append(f"{leaf.name} = ag.Tensor({_literal(leaf.array())}, requires_grad=True)")
        lines += [step.source("tensor") for step in self.steps]
        terms = [f"({name} * {_literal(u)}).sum()" for name, u in zip(self.outputs, cotangents)]
        lines.append(f"loss = {' + '.join(terms)}")
        if not second_order:
            lines.append("loss.backward()")
            lines += [f"print({name!r}, {name}.grad)" for name in names]
        else:
            leaves = ", ".join(names)
            lines.append(f"grads = ag.grad(loss, [{leaves}], create_graph=True, allow_unused=True)")
            shapes = [leaf.shape for leaf in self.leaves]
            second = self.cotangents(shapes, salt=1)
            terms = [f"(grads[{i}] * {_literal(w)}).sum()" for i, w in enumerate(second)]
            lines.append(f"h = {' + '.join(terms)}")
            lines.append(f"print(ag.grad(h, [{leaves}], allow_unused=True))")
        del ag
        return "\n".join(lines) + "\n"


def _literal(array: np.ndarray) -> str:
    return f"np.array({np.asarray(array).tolist()!r})"


@functools.lru_cache(maxsize=256)
def _compile(source: str) -> Any:
    import autograd as ag

    namespace: dict[str, Any] = {"np": np, "ag": ag}
    exec(compile(source, "<fuzz program>", "exec"), namespace)  # noqa: S102 - our own generated source
    return namespace["program"]


def run_tensor(program: Program) -> tuple[list[Any], list[Any]]:
    """The leaves (Tensors that require grad) and the outputs, run as npgrad code."""
    import autograd as ag

    leaves = [ag.Tensor(leaf.array(), requires_grad=True) for leaf in program.leaves]
    return leaves, program.compiled("tensor")(*leaves)


def run_numpy(program: Program, arrays: list[np.ndarray] | None = None) -> list[np.ndarray]:
    arrays = [leaf.array() for leaf in program.leaves] if arrays is None else arrays
    with np.errstate(all="ignore"):
        return program.compiled("numpy")(*arrays)
