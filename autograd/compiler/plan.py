"""A replay plan: one generated Python function that runs a trace's ops on arrays, forward then backward.

Each op keeps one node object (`ctx`), made once and reused by every call: the replay calls the op's
own `forward(ctx, *arrays)` and `backward(ctx, grad)`, so it computes what eager execution computes, in
the same order. What the engine decides per call is decided here once: which nodes backward visits
(newest first, as the engine's heap does), where each returned gradient goes, which inputs were
broadcast (their gradients are reduced by the engine's own `_fit_to_shape`), when a node's saved arrays
are released, and the leaves whose `.grad` the gradients accumulate into. Slots are local variables of
the generated function, deleted after their last use.
"""

from __future__ import annotations

from collections.abc import Callable
from sys import getrefcount
from typing import Any

import numpy as np

from autograd.backward import _fit_to_shape
from autograd.compiler import kernels
from autograd.compiler.trace import NodeRecord, Sequence_, Slot, Trace
from autograd.function import Function, _as_array
from autograd.tensor import Tensor

_ndarray = np.ndarray
_new_tensor = object.__new__


class Plan:
    """`plan.run(args, backward)`: the traced function replayed on the arrays of `args`."""

    def __init__(self, trace: Trace, fast: bool = True) -> None:
        self.leaves = [leaf for kind, leaf in trace.leaves if kind == "tensor"]  # read afresh, guarded
        self.leaf_shapes = [(leaf.data.shape, leaf.data.dtype) for leaf in self.leaves]
        self.op_count = len(trace.nodes)
        self.source, namespace = _generate(trace, fast)
        exec(compile(self.source, f"<ag.compile plan of {self.op_count} ops>", "exec"), namespace)
        self.run: Callable[[tuple[Any, ...], bool], np.ndarray] = namespace["run"]

    def leaves_unchanged(self) -> bool:
        """Guard: every closure leaf still requires grad, has no hook, and keeps its shape and dtype."""
        for leaf, (shape, dtype) in zip(self.leaves, self.leaf_shapes):
            data = leaf.data
            if not leaf.requires_grad or leaf._hooks or data.shape != shape or data.dtype != dtype:
                return False
        return True


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {
            "_nd": _ndarray,
            "_to_array": _to_array,
            "_outputs_as_arrays": _outputs_as_arrays,
            "_count": _count,
            "_finish": finish_leaf,
            "_no_graph": _no_graph,
        }

    def name(self, prefix: str, value: Any) -> str:
        name = f"{prefix}{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def emit(self, line: str, indent: int = 1) -> None:
        self.lines.append("    " * indent + line)


def _generate(trace: Trace, fast: bool) -> tuple[str, dict[str, Any]]:
    w = _Writer()
    nodes = trace.nodes
    w.emit("def run(args, backward):", 0)

    # where each slot is used last in the forward pass
    last_use: dict[int, int] = {}
    for i, node in enumerate(nodes):
        for slot in _slots_in(node.args):
            last_use[slot] = i
    output_slot = trace.output.index if type(trace.output) is Slot else None

    for slot, source in enumerate(trace.sources):
        if source[0] == "arg":
            w.emit(f"v{slot} = args[{source[1]}]")
            w.emit(f"if type(v{slot}) is not _nd: v{slot} = v{slot}.data")
        elif source[0] == "tensor":
            w.emit(f"v{slot} = {w.name('t', source[1])}.data")
        if source[0] != "node" and slot != output_slot and slot not in last_use:
            w.emit(f"del v{slot}")

    contexts: list[str] = []
    for i, node in enumerate(nodes):
        ctx = _new_context(node)
        x = w.name("x", ctx)
        contexts.append(x)
        kernel = kernels.forward_kernel(node, w, x) if fast else None
        if kernel is None:
            call = f"{w.name('f', node.cls.forward)}({x}, {', '.join(_expr(a, w) for a in node.args)})"
            outs = ", ".join(f"v{s}" for s in node.outputs)
            w.emit(f"{x}.saved_tensors = ()")
            if len(node.outputs) > 1 or _returns_tuple(node):
                wrap = "_outputs_as_arrays" if node.as_array else ""
                w.emit(f"{outs}, = {wrap}({x}, {call})" if wrap else f"{outs}, = {call}")
            elif node.as_array:
                w.emit(f"{outs} = _to_array({x}, {call})")
            else:
                w.emit(f"{outs} = {call}")
        else:
            for line in kernel:
                w.emit(line)
        dead = [s for s in node.outputs if s != output_slot and s not in last_use]
        dead += [s for s in sorted(set(_slots_in(node.args))) if last_use[s] == i and s != output_slot]
        if dead:
            w.emit("del " + ", ".join(f"v{s}" for s in dead))

    output = f"v{output_slot}" if output_slot is not None else w.name("c", trace.output)
    recorded = [i for i, node in enumerate(nodes) if node.recorded]
    root = _root(trace)
    w.emit("if not backward:")
    for i in recorded:
        w.emit(f"{contexts[i]}.saved_tensors = None", 2)
    w.emit(f"return {output}", 2)
    if root is None:
        w.emit("_no_graph()")
        return "\n".join(w.lines) + "\n", w.namespace
    if trace.output_shape != () and int(np.prod(trace.output_shape)) != 1:
        w.emit(f"_no_graph({trace.output_shape!r})")
        return "\n".join(w.lines) + "\n", w.namespace

    # backward: nodes reachable from the output, newest first (the engine's order)
    reachable = {root[0]}
    for i in reversed(recorded):
        if i in reachable:
            reachable.update(edge[1] for edge in nodes[i].edges if edge is not None and edge[0] == "node")
    order = [i for i in reversed(recorded) if i in reachable]
    grad_names = {(i, k) for i in order for k in range(len(nodes[i].outputs))}
    used_leaves = sorted({e[1] for i in order for e in nodes[i].edges if e is not None and e[0] == "leaf"})
    for i, k in sorted(grad_names):
        w.emit(f"g{i}_{k} = None")
    for n in used_leaves:
        w.emit(f"l{n} = None")
    shape, dtype = trace.output_shape, trace.output_dtype
    w.emit(f"g{root[0]}_{root[1]} = {w.name('ones', _filled(shape, dtype))}()")

    input_shapes = _input_shapes(trace)
    for i in order:
        node = nodes[i]
        x = contexts[i]
        kernel = kernels.backward_kernel(node, i, w, x, input_shapes[i]) if fast else None
        if kernel is not None:
            for line in kernel:
                w.emit(line)
            continue
        grads = [f"g{i}_{k}" for k in range(len(node.outputs))]
        w.emit(f"if {' is not None or '.join(grads)} is not None:")
        if len(grads) == 1:
            w.emit(f"r = {w.name('b', node.cls.backward)}({x}, {grads[0]})", 2)
        else:
            filled = []
            for k, g in enumerate(grads):
                zeros = w.name("zeros", _filled(*input_shapes[i]["outputs"][k], value=0))
                filled.append(f"{g} if {g} is not None else {zeros}()")
            w.emit(f"r = {w.name('b', node.cls.backward)}({x}, {', '.join(filled)})", 2)
        w.emit(f"{', '.join(grads)} = {', '.join('None' for _ in grads)}", 2)
        w.emit("if type(r) is not tuple: r = (r,)", 2)
        w.emit(f"if len(r) != {len(node.edges)}: r = _count({x}, r, {len(node.edges)})", 2)
        w.emit(f"{x}.saved_tensors = None", 2)
        for position, edge in enumerate(node.edges):
            if edge is None:
                continue
            shape, dtype = input_shapes[i]["args"][position]
            target = f"g{edge[1]}_{edge[2]}" if edge[0] == "node" else f"l{edge[1]}"
            fit = w.name("fit", _fitter(shape, dtype, node.cls))
            w.emit(f"a = r[{position}]", 2)
            w.emit("if a is not None:", 2)
            w.emit(f"if type(a) is not _nd or a.shape != {shape!r}: a = {fit}(a)", 3)
            w.emit(f"{target} = a if {target} is None else {target} + a", 3)
        w.emit("r = a = None", 2)
    for n in used_leaves:
        kind, ref = trace.leaves[n]
        leaf = f"args[{ref}]" if kind == "arg" else w.name("t", ref)
        w.emit(f"if l{n} is not None: _finish({leaf}, l{n})")
    w.emit(f"return {output}")
    return "\n".join(w.lines) + "\n", w.namespace


def _root(trace: Trace) -> tuple[int, int] | None:
    """(node, output) that made the returned array, when backward can start there."""
    if type(trace.output) is not Slot:
        return None
    source = trace.sources[trace.output.index]
    if source[0] != "node" or not trace.nodes[source[1]].recorded:
        return None
    return source[1], source[2]


def _input_shapes(trace: Trace) -> list[dict[str, list[tuple[tuple[int, ...], Any]]]]:
    """Per node, the (shape, dtype) of each argument that is a slot, and of each output."""
    slot_shapes = trace.slot_shapes
    result = []
    for node in trace.nodes:
        args = [slot_shapes[a.index] if type(a) is Slot else (np.shape(a), None) for a in node.args]
        result.append({"args": args, "outputs": [slot_shapes[s] for s in node.outputs]})
    return result


def _slots_in(args: list[Any]) -> list[int]:
    found = []
    for a in args:
        if type(a) is Slot:
            found.append(a.index)
        elif type(a) is Sequence_:
            found.extend(_slots_in(a.items))
    return found


def _expr(template: Any, w: _Writer) -> str:
    if type(template) is Slot:
        return f"v{template.index}"
    if type(template) is Sequence_:
        items = ", ".join(_expr(item, w) for item in template.items)
        return f"({items},)" if template.kind is tuple else f"[{items}]"
    if template is None or type(template) in (bool, int) or template is Ellipsis:
        return repr(template)
    return w.name("c", template)


def _returns_tuple(node: NodeRecord) -> bool:
    return node.tuple_output


def _new_context(node: NodeRecord) -> Function:
    ctx = object.__new__(node.cls)
    ctx._edges = tuple(None if edge is None else True for edge in node.edges)
    ctx.saved_tensors = ()
    return ctx


def _filled(shape: tuple[int, ...], dtype: Any, value: float = 1) -> Callable[[], np.ndarray]:
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


def _to_array(ctx: Any, value: Any) -> np.ndarray:
    return value if type(value) is _ndarray else _as_array(ctx, value)


def _outputs_as_arrays(ctx: Any, values: Any) -> tuple[np.ndarray, ...]:
    return tuple(_to_array(ctx, v) for v in values)


def _count(ctx: Any, results: tuple[Any, ...], expected: int) -> tuple[Any, ...]:
    """The engine's rule: fewer gradients than arguments only when the missing ones need none."""
    needs = ctx._edges
    if len(results) > expected or any(e is not None for e in needs[len(results) :]):
        raise RuntimeError(
            f"{type(ctx).__name__}.backward returned {len(results)} gradients but forward took {expected} "
            "arguments; return one per argument (None for arguments without a gradient)"
        )
    return results + (None,) * (expected - len(results))


def _no_graph(shape: tuple[int, ...] | None = None) -> None:
    if shape is None:
        raise RuntimeError("backward: the tensor does not require grad and has no grad_fn, so it has no graph")
    raise RuntimeError(
        f"backward: a gradient can be created implicitly only for a single-element output, but this one has "
        f"shape {shape}; compile a function that returns a scalar loss, or call it with backward=False"
    )


def finish_leaf(leaf: Tensor, grad: np.ndarray) -> None:
    """Accumulate into `leaf.grad` as the engine's `_finish_leaves` does: the gradient in the leaf's
    dtype, in memory nothing else sees, added to the existing `.grad` (a new array) if there is one."""
    data = leaf.data
    if grad.dtype != data.dtype:
        grad = grad.astype(data.dtype)
    elif getrefcount(grad) > _OWN_REFS or grad.base is not None or not grad.flags.writeable:
        grad = grad.copy()
    old = leaf.grad
    tensor = _new_tensor(Tensor)
    tensor.data = grad if old is None else old.data + grad
    tensor.requires_grad = False
    tensor.grad_fn = None
    leaf.grad = tensor


def _calibrate() -> int:
    """getrefcount's answer inside `finish_leaf` for a gradient held by the caller's local alone."""
    seen = []

    def probe(leaf: Any, grad: np.ndarray) -> None:
        seen.append(getrefcount(grad))

    def caller() -> None:
        grad = np.empty(2)
        probe(None, grad)

    caller()
    return seen[0]


_OWN_REFS = _calibrate()
