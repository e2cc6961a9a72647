"""The backward half of a plan: the nodes that backward visits, written out newest first.

Which gradients exist is tracked while the code is written (see `BackwardWriter`), so that a node
that certainly gets a gradient runs without a test, one that never does is left out, and a test for
None is written only where a general op's backward may return None. Kernels' gradients are reduced
to their input's shape only where shapes say the engine would; the output op's gradients are
computed once when that op is a sum or mean.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd.backward import _fit_to_shape
from autograd.compiler import kernels
from autograd.compiler.trace import Slot, Trace
from autograd.function import Function
from autograd.tensor import Tensor

if TYPE_CHECKING:
    from autograd.compiler.plan import _Writer

_ndarray = np.ndarray


class BackwardWriter:
    """Writes the backward pass. Which gradients exist is tracked while writing: a gradient is
    "none" (no op has delivered one), "set" (certainly delivered) or "maybe" (a general op's backward
    may have returned None, or ran under a condition). Code is written only for nodes that may get a
    gradient, and a test for None only where the answer is not known in advance."""

    def __init__(
        self,
        trace: Trace,
        w: _Writer,
        contexts: dict[int, str],
        fast_ops: dict[int, kernels.Op],
        order: list[int],
        root: tuple[int, int],
    ) -> None:
        self.trace, self.w, self.contexts, self.fast_ops = trace, w, contexts, fast_ops
        self.order, self.root = order, root
        output = trace.output
        self.output_local = f"v{output.index}" if type(output) is Slot else None
        self.state: dict[str, str] = {}
        self.lines: list[str] = []
        self.maybe: set[str] = set()  # names tested against None: initialised to None first
        self.new: set[str] = set()  # gradients that are new arrays held by their local alone
        self.shapes = input_shapes(trace)
        self.last_reader: dict[str, int] = {}  # local saved by kernels -> the last node that reads it
        for i in order:
            if i in fast_ops:
                for name in fast_ops[i].saved:
                    self.last_reader[name] = i

    def emit(self) -> None:
        trace, w = self.trace, self.w
        shape, dtype = trace.output_shape, trace.output_dtype
        root_grad = f"g{self.root[0]}_{self.root[1]}"
        ones = filled(shape, dtype)
        order = self.order
        if self.foldable(order[0]):
            self.fast_node(order[0], root_grad, 1, False, constant=ones())
            order = order[1:]
        else:
            self.line(1, f"{root_grad} = {w.name('ones', ones)}()")
            self.state[root_grad] = "set"
        for i in order:
            self.node(i)
        for n, (kind, ref) in enumerate(trace.leaves):
            state = self.state.get(f"l{n}", "none")
            if state == "none":
                continue
            leaf = f"args[{ref}]" if kind == "arg" else w.name("t", ref)
            guard = f"if l{n} is not None: " if state == "maybe" else ""
            if state == "set" and f"l{n}" in self.new and kind == "tensor" and ref.data.shape != ():
                # finish_leaf's work where its answer is known: a new array that only l{n} holds,
                # given to a leaf without a gradient (as after zero_grad) when the dtypes agree;
                # leaf_grads.grad_tensor written out, since calling it costs 2,200 instructions a W2 step
                dtype = w.name("dtype", ref.data.dtype)
                self.line(1, f"if {leaf}.grad is None and l{n}.dtype is {dtype}:")
                self.line(
                    2, f"r = _new_tensor(_Tensor); r.data = l{n}; r.requires_grad = False; r.grad_fn = None"
                )
                self.line(2, f"{leaf}.grad = r")
                self.line(1, "else:")
                self.line(2, f"_finish({leaf}, l{n})")
            else:
                self.line(1, f"{guard}_finish({leaf}, l{n})")
        for name in sorted(self.maybe):
            w.emit(f"{name} = None")
        w.lines.extend(self.lines)

    def line(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    def node(self, i: int) -> None:
        node = self.trace.nodes[i]
        grads = [f"g{i}_{k}" for k in range(len(node.outputs))]
        states = [self.state.get(g, "none") for g in grads]
        if all(s == "none" for s in states):
            return  # no gradient can reach it
        conditional = any(s == "maybe" for s in states) and not any(s == "set" for s in states)
        indent = 1
        if conditional:
            self.maybe.update(g for g, s in zip(grads, states) if s != "none")
            tests = " or ".join(f"{g} is not None" for g, s in zip(grads, states) if s != "none")
            self.line(1, f"if {tests}:")
            indent = 2
        if i in self.fast_ops:
            self.fast_node(i, grads[0], indent, conditional)
        else:
            self.general_node(i, grads, states, indent, conditional)

    def foldable(self, i: int) -> bool:
        """Is the output's op a kernel whose gradients depend on its output gradient alone (a sum or
        mean), all going to kernels or leaves? Its gradients are then the same arrays every call,
        computed once here, and read-only to what receives them (kernels never write into a gradient,
        and a leaf's `.grad` gets a copy)."""
        if i not in self.fast_ops or self.fast_ops[i].saved:
            return False
        node = self.trace.nodes[i]
        result = kernels.kernel_for(node.cls)[1](self.fast_ops[i], "g")
        targets = [edge for edge in node.edges if edge is not None]
        return not result.lines and all(e[0] == "leaf" or e[1] in self.fast_ops for e in targets)

    def fast_node(self, i: int, grad: str, indent: int, conditional: bool, constant: Any = None) -> None:
        op = self.fast_ops[i]
        node = self.trace.nodes[i]
        result = kernels.kernel_for(node.cls)[1](op, grad)
        for text in result.lines:
            self.line(indent, text)
        if self.doubled(i, result, constant, conditional):  # x * x: 2 calls, not 3
            target = _target(node.edges[0])
            self.accumulate(indent, target, result.grads[0], conditional)
            self.line(indent, f"_add({target}, {target}, {target})")
            node_edges = []
        else:
            node_edges = node.edges
        for position, edge in enumerate(node_edges):
            expr = result.grads[position] if position < len(result.grads) else None
            if edge is None or expr is None:
                continue
            shape, dtype = self.shapes[i]["args"][position]
            fit = None
            if result.shapes[position] != shape or shape == ():
                fit = self.w.name("fit", _fitter(shape, dtype, node.cls))
                expr = f"{fit}({expr})"
            if constant is not None:  # the same code, run once now on the output's gradient of ones
                value = eval(expr, self.w.namespace, {grad: constant})
                value.flags.writeable = False
                expr = self.w.name("folded", value)
            self.accumulate(indent, _target(edge), expr, conditional)
        stale = [n for n in op.saved if self.last_reader.get(n) == i and n != self.output_local]
        stale = stale + result.temps if constant is not None else [grad, *stale, *result.temps]
        if stale:
            self.line(indent, "del " + ", ".join(dict.fromkeys(stale)))
        self.state[grad] = "none"

    def doubled(self, i: int, result: kernels.Gradients, constant: Any, conditional: bool) -> bool:
        """Do both arguments send the same new array (`g * x`, of the argument's shape) to a target that
        has no gradient yet? The engine then adds the array to itself, which can be done in place."""
        edges, shapes = self.trace.nodes[i].edges, self.shapes[i]["args"]
        if len(edges) != 2 or edges[0] is None or edges[0] != edges[1] or constant is not None or conditional:
            return False
        first, second = result.grads[0], result.grads[1]
        return (
            first is not None
            and first == second
            and not first.isidentifier()  # an expression, so a new array; not a gradient passed on
            and self.state.get(_target(edges[0]), "none") == "none"
            and shapes[0][0] == shapes[1][0] == result.shapes[0] == result.shapes[1] != ()
        )

    def general_node(
        self, i: int, grads: list[str], states: list[str], indent: int, conditional: bool
    ) -> None:
        node, w, x = self.trace.nodes[i], self.w, self.contexts[i]
        backward = w.name("b", node.cls.backward)
        if len(grads) == 1:
            self.line(indent, f"r = {backward}({x}, {grads[0]})")
        else:
            filled = []
            for k, (g, s) in enumerate(zip(grads, states)):
                zeros = w.name("zeros", filled(*self.shapes[i]["outputs"][k], value=0))
                if s == "none":
                    filled.append(f"{zeros}()")
                else:
                    self.maybe.add(g)
                    filled.append(f"{g} if {g} is not None else {zeros}()")
            self.line(indent, f"r = {backward}({x}, {', '.join(filled)})")
        live = [g for g, s in zip(grads, states) if s != "none"]
        self.line(indent, "del " + ", ".join(live))
        self.line(indent, "if type(r) is not tuple: r = (r,)")
        self.line(indent, f"if len(r) != {len(node.edges)}: r = _count({x}, r, {len(node.edges)})")
        self.line(indent, f"{x}.saved_tensors = None")
        for position, edge in enumerate(node.edges):
            if edge is None:
                continue
            shape, dtype = self.shapes[i]["args"][position]
            fit = w.name("fit", _fitter(shape, dtype, node.cls))
            self.line(indent, f"a = r[{position}]")
            self.line(indent, "if a is not None:")
            self.line(indent + 1, f"if type(a) is not _nd or a.shape != {shape!r}: a = {fit}(a)")
            self.accumulate(indent + 1, _target(edge), "a", True)
        self.line(indent, "r = a = None")
        for g in live:
            self.state[g] = "none"
        self.maybe.update(live)

    def accumulate(self, indent: int, target: str, expr: str, conditional: bool) -> None:
        """target += expr as the engine adds gradients: a new array, in arrival order."""
        state = self.state.get(target, "none")
        self.new.discard(target)
        if state == "none":
            self.line(indent, f"{target} = {expr}")
            if conditional:
                self.maybe.add(target)
            elif not expr.isidentifier() and not expr.startswith("fit"):  # a kernel's new array
                self.new.add(target)  # (a fitted gradient may be a broadcast view)
        elif state == "set":
            self.line(indent, f"{target} = {target} + {expr}")
            self.new.add(target)
        else:
            self.line(indent, f"{target} = {expr} if {target} is None else {target} + {expr}")
        if state == "none" or state == "maybe":
            self.state[target] = "maybe" if conditional else "set"
        # a "maybe" target that is written unconditionally is certainly set afterwards


def _target(edge: tuple[Any, ...]) -> str:
    return f"g{edge[1]}_{edge[2]}" if edge[0] == "node" else f"l{edge[1]}"


def input_shapes(trace: Trace) -> list[dict[str, list[tuple[tuple[int, ...], Any]]]]:
    """Per node, the (shape, dtype) of each argument that is a slot, and of each output."""
    slot_shapes = trace.slot_shapes
    result = []
    for node in trace.nodes:
        args = [slot_shapes[a.index] if type(a) is Slot else (np.shape(a), None) for a in node.args]
        result.append({"args": args, "outputs": [slot_shapes[s] for s in node.outputs]})
    return result


def filled(shape: tuple[int, ...], dtype: Any, value: float = 1) -> Callable[[], np.ndarray]:
    def make() -> np.ndarray:
        array = np.empty(shape, dtype)
        array.fill(value)
        return array

    return make


class _ShapeOnly:
    """Stands for an op's input in `_fit_to_shape`: an array of its shape and dtype, without memory."""

    __slots__ = ("data",)

    def __init__(self, shape: tuple[int, ...], dtype: Any) -> None:
        self.data = np.broadcast_to(np.empty((), dtype or np.float64), shape)


def _fitter(shape: tuple[int, ...], dtype: Any, cls: type[Function]) -> Callable[[Any], Any]:
    """The engine's `_conform` for one input: array-ify, then reduce or broadcast to `shape`."""
    arg = _ShapeOnly(shape, dtype)
    node = object.__new__(cls)
    node.inputs = (arg,)

    def fit(grad: Any) -> Any:
        if isinstance(grad, Tensor):
            grad = grad.data
        elif type(grad) is not _ndarray:
            grad = np.asarray(grad)
        return grad if grad.shape == shape else _fit_to_shape(grad, shape, node, arg)

    return fit
