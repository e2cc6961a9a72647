"""`check_graph`: re-check every op of an already recorded graph, each one in isolation.

`gradcheck` says that a function's gradient is wrong; `check_graph` says which op is to
blame. It walks the graph behind `output` (iteratively, so any depth works), and for each
node re-runs that op alone on float64 copies of the very input values it saw, comparing
its backward with central finite differences (see `autograd.gradcheck`, whose rules, such as
accepting subgradients at kinks, apply here too). Nodes are numbered in creation order,
which runs from the inputs to the output: "node 57 of 104".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd.function import Function
from autograd.gradcheck import GradcheckError, InputCheck, compare_jacobians
from autograd.tensor import Tensor

__all__ = ["check_graph", "GraphCheckReport", "OpFailure"]


@dataclass(frozen=True)
class OpFailure:
    """One input of one op whose backward disagrees with finite differences."""

    op: str
    position: int  # 1-based, in creation order: inputs first, output last
    node_count: int
    input_index: int
    max_abs_err: float
    max_rel_err: float
    detail: str  # the element, the analytic and the numerical value, as gradcheck words it

    @property
    def where(self) -> str:
        return f"node {self.position} of {self.node_count}"

    def table_row(self) -> tuple[str, ...]:
        errors = f"{self.max_abs_err:.3g}", f"{self.max_rel_err:.3g}"
        return (f"{self.position} of {self.node_count}", self.op, str(self.input_index), *errors)


@dataclass
class GraphCheckReport:
    """What `check_graph` found: `ok`, the `failures`, and the nodes it could not check."""

    node_count: int
    failures: list[OpFailure] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    settings: str = ""

    @property
    def ok(self) -> bool:
        return not self.failures

    def __bool__(self) -> bool:
        """`assert ag.check_graph(loss)` fails on a wrong graph."""
        return self.ok

    def __str__(self) -> str:
        checked = self.node_count - len(self.skipped)
        skipped = f", {len(self.skipped)} skipped" if self.skipped else ""
        if self.ok:
            lines = [
                f"check_graph: all {checked} checked ops agree with finite differences{skipped} "
                f"({self.settings})"
            ]
        else:
            failed = len({f.position for f in self.failures})
            verdict = f"{failed} of {checked} checked ops disagree with finite differences{skipped}"
            lines = [f"check_graph: {verdict} ({self.settings})"]
            rows = [("node", "op", "input", "max abs err", "max rel err")]
            rows += [failure.table_row() for failure in self.failures]
            widths = [max(len(row[c]) for row in rows) for c in range(5)]
            lines += [
                "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows
            ]
            lines += [f"  {f.where} ({f.op}): {f.detail}" for f in self.failures]
        lines += [f"  skipped {reason}" for reason in self.skipped]
        return "\n".join(lines)


def check_graph(
    output: Tensor, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = False
) -> GraphCheckReport:
    """Check the backward of every op in the graph that produced `output`, each on the values it
    saw; call it before `backward()` (or after `backward(retain_graph=True)`). Returns the report
    (true when every op agrees), or with `raise_exception` raises `GradcheckError` with its table."""
    if not isinstance(output, Tensor):
        raise TypeError(f"check_graph: output must be a Tensor, got {type(output).__name__}")
    if output.grad_fn is None:
        raise ValueError(
            "check_graph: output has no recorded graph (it is a leaf or was computed without grad); "
            "compute it from tensors that require grad, outside no_grad"
        )
    nodes = _nodes_in_creation_order(output.grad_fn)
    for node in nodes:
        if node.inputs is None:
            raise RuntimeError(
                f"check_graph: the graph was freed by backward() (first freed op: {node.name}); call "
                "check_graph "
                "before backward, or call backward(retain_graph=True)"
            )
    report = GraphCheckReport(len(nodes), settings=f"eps={eps}, atol={atol}, rtol={rtol}")
    for position, node in enumerate(nodes, start=1):
        where = f"node {position} of {len(nodes)}"
        reason = _unavailable_input(node)
        if reason:
            report.skipped.append(f"{where} ({node.name}): {reason}")
            continue
        for check in _check_node(node, where, eps, atol, rtol):
            if not check.ok:
                failure = OpFailure(
                    node.name,
                    position,
                    len(nodes),
                    check.index,
                    check.max_abs_err,
                    check.max_rel_err,
                    check.describe(),
                )
                report.failures.append(failure)
    if raise_exception and not report.ok:
        raise GradcheckError(str(report))
    return report


def _nodes_in_creation_order(root: Function) -> list[Function]:
    """Every node reachable from `root`, found with an explicit stack, oldest first."""
    seen = {id(root)}
    stack = [root]
    nodes = []
    while stack:
        node = stack.pop()
        nodes.append(node)
        for edge in node.next_functions:
            if edge is None or edge[1] is None:  # no gradient, or a leaf tensor
                continue
            producer = edge[0]
            if id(producer) not in seen:
                seen.add(id(producer))
                stack.append(producer)
    nodes.sort(key=lambda node: node._seq)
    return nodes


def _unavailable_input(node: Function) -> str:
    """Why the values a node saw are gone (an input modified in place since), or ''."""
    for index, arg in enumerate(node.inputs):
        if isinstance(arg, Tensor) and arg._version > node._seq:
            return f"input {index} was modified in place after the op ran, so the values it saw are gone"
    return ""


def _check_node(node: Function, where: str, eps: float, atol: float, rtol: float) -> list[InputCheck]:
    """gradcheck of this node's op alone, on float64 copies of its inputs."""
    args: list[Any] = []
    for arg, edge in zip(node.inputs, node.next_functions):
        if isinstance(arg, Tensor):
            data = arg.data.astype(np.float64) if arg.dtype.kind == "f" else arg.data.copy()
            args.append(Tensor(data, requires_grad=edge is not None))
        elif isinstance(arg, np.dtype) and arg.kind == "f":
            args.append(np.dtype(np.float64))  # a cast (astype) is checked in float64 too
        else:
            args.append(arg)
    op = type(node)
    try:
        return compare_jacobians(
            lambda *xs: op.apply(*xs), args, eps, atol, rtol, caller=f"check_graph ({op.__name__})"
        )
    except Exception as error:
        raise RuntimeError(
            f"check_graph: re-running {op.__name__} ({where}) on its inputs failed: {error}"
        ) from error
