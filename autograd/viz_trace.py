"""`trace_backward`: the backward pass as the engine runs it, one step per node.

The order is the engine's own: the real backward runs (as `ag.grad` with `retain_graph=True`,
so no `.grad` changes and the graph stays usable) while each node's `backward` is wrapped, for
this pass only, by a recorder on the node instance. Nothing is added to the engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd.backward import grad as engine_grad
from autograd.hooks import _RetainGrad
from autograd.tensor import Tensor
from autograd.viz_text import shape_text


@dataclass(frozen=True)
class BackwardStep:
    """One node's backward as the engine ran it: the gradients it received (one per output)
    and those it sent (one per input, shaped like that input; None where none is sent)."""

    node: Any
    grads_in: tuple[np.ndarray | None, ...]
    grads_out: tuple[np.ndarray | None, ...]

    @property
    def name(self) -> str:
        return type(self.node).__name__


class BackwardTrace:
    """The steps of a backward pass in the engine's order, and the gradient each leaf got.
    `str()` (and the REPL) show one line per node."""

    def __init__(
        self, steps: list[BackwardStep], leaves: list[Tensor], leaf_grads: list[Any], names: dict[int, str]
    ):
        self.steps = steps
        self.leaves = leaves
        self.leaf_grads = [None if g is None else np.asarray(g.data) for g in leaf_grads]
        self.names = names

    def __len__(self) -> int:
        return len(self.steps)

    def nodes(self) -> list[Any]:
        """The graph nodes in the order the engine ran them."""
        return [step.node for step in self.steps]

    def target_name(self, node: Any, position: int) -> str:
        """Where input `position` of `node` sends its gradient: an op name or a leaf's name."""
        edge = node.next_functions[position]
        if edge is None:
            return "-"
        producer, output_nr = edge
        if output_nr is None:
            return self.names.get(id(producer)) or producer.name or f"leaf{shape_text(producer.shape)}"
        return producer.name + (f"[{output_nr}]" if output_nr else "")

    def lines(self) -> list[str]:
        """One line per node in the engine's order, then one per leaf gradient."""
        width = max([len(s.name) for s in self.steps] + [2])
        text = []
        for index, step in enumerate(self.steps):
            received = ", ".join(_grad_text(g) for g in step.grads_in)
            sent = "; ".join(
                f"{self.target_name(step.node, k)} {_grad_text(g)}"
                for k, g in enumerate(step.grads_out)
                if g is not None
            )
            text.append(f"{index:3d} {step.name:<{width}}  in {received}  ->  {sent or 'nothing'}")
        for leaf, leaf_grad in zip(self.leaves, self.leaf_grads):
            name = self.names.get(id(leaf)) or leaf.name or f"leaf{shape_text(leaf.shape)}"
            text.append(f"    leaf {name}: grad {_grad_text(leaf_grad) if leaf_grad is not None else 'none'}")
        return text

    def __str__(self) -> str:
        return "\n".join(self.lines())

    __repr__ = __str__


def trace_backward(
    root: Tensor | Sequence[Tensor],
    grad: Any = None,
    *,
    params: Mapping[str, Tensor] | Any = None,
) -> BackwardTrace:
    """Run backward from `root` as the engine does and record every node in the order it ran:
    its op, the gradient it received (shape, norm) and those it sent to its inputs.

    `.grad` attributes are left alone and the graph is kept (it must not have been freed by an
    earlier backward). Hooks registered on tensors run as in a real backward; `retain_grad`
    results are restored afterwards. `params` names leaves as in `draw_graph`.
    """
    roots = [root] if isinstance(root, Tensor) else list(root)
    if not roots or not all(isinstance(r, Tensor) and r.requires_grad for r in roots):
        raise TypeError("trace_backward: root must be a Tensor that requires grad (or a sequence of them)")
    nodes, leaves = _graph_of(roots)
    if any(node.inputs is None for node in nodes):
        raise RuntimeError(
            "trace_backward: the graph was freed by an earlier backward; run the forward again, "
            "or pass retain_graph=True to that backward"
        )
    steps: list[BackwardStep] = []
    retained = [(t, t.grad) for t in _retain_grad_tensors(nodes)]
    for node in nodes:
        node.__dict__["backward"] = _recorder(type(node).backward, steps)
    try:
        grads = engine_grad(roots, leaves, grad, retain_graph=True, allow_unused=True) if leaves else ()
    finally:
        for node in nodes:
            node.__dict__.pop("backward", None)
        for tensor, previous in retained:
            tensor.grad = previous
    names = {} if params is None else _names(params)
    return BackwardTrace(steps, leaves, list(grads), names)


def _recorder(backward: Any, steps: list[BackwardStep]) -> Any:
    def recording(ctx: Any, *grads: Any) -> Any:
        results = backward(ctx, *grads)
        sent = results if type(results) is tuple else (results,)
        shaped = tuple(_shaped_like(g, a) for g, a in zip(sent, ctx.inputs))
        steps.append(BackwardStep(ctx, tuple(_array(g) for g in grads), shaped))
        return results

    return recording


def _graph_of(roots: list[Tensor]) -> tuple[list[Any], list[Tensor]]:
    """Every node reachable from the roots, and the leaves that require grad (first seen first)."""
    nodes, leaves, seen = [], [], set()
    stack = [r.grad_fn for r in roots if r.grad_fn is not None]
    for root in roots:
        if root.grad_fn is None and id(root) not in seen:
            seen.add(id(root))
            leaves.append(root)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        nodes.append(node)
        for edge in node.next_functions:
            if edge is None or id(edge[0]) in seen:
                continue
            if edge[1] is None:
                seen.add(id(edge[0]))
                leaves.append(edge[0])
            else:
                stack.append(edge[0])
    return nodes, leaves


def _retain_grad_tensors(nodes: list[Any]) -> list[Tensor]:
    found = []
    for node in nodes:
        for hooks in (node._hooks or {}).values():
            found += [t for h in hooks if isinstance(h, _RetainGrad) and (t := h.tensor()) is not None]
    return found


def _array(value: Any) -> np.ndarray | None:
    return None if value is None else np.asarray(getattr(value, "data", value))


def _shaped_like(grad: Any, arg: Any) -> np.ndarray | None:
    """The gradient as the engine passes it on: summed over broadcast axes to the input's shape."""
    if grad is None or not isinstance(arg, Tensor):
        return None
    grad = _array(grad)
    shape = arg.data.shape
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(
        i for i, n in enumerate(shape) if n == 1 and grad.ndim == len(shape) and grad.shape[i] != 1
    )
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return np.broadcast_to(grad, shape) if grad.shape != shape else grad


def _grad_text(grad: np.ndarray | None) -> str:
    if grad is None:
        return "none"
    norm = float(np.linalg.norm(np.asarray(grad, dtype=np.float64).ravel()))
    return f"{shape_text(grad.shape)} |g|={norm:.4g}"


def _names(params: Any) -> dict[int, str]:
    items = params.named_parameters() if hasattr(params, "named_parameters") else params.items()
    return {id(tensor): str(name) for name, tensor in items}
