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

from autograd.compiler import kernels
from autograd.compiler.backward_pass import BackwardWriter
from autograd.compiler.trace import NodeRecord, Sequence_, Slot, Trace
from autograd.function import Function, _as_array
from autograd.leaf_grads import grad_tensor
from autograd.tensor import Tensor

_ndarray = np.ndarray
_new_tensor = object.__new__


class Plan:
    """`plan.run(args, backward)`: the traced function replayed on the arrays of `args`."""

    def __init__(self, trace: Trace, fast: bool = True) -> None:
        """`fast`: kernels for the hot ops (with buffers kept between calls); else every op replays
        through its own forward and backward."""
        self.leaves = [leaf for kind, leaf in trace.leaves if kind == "tensor"]  # read afresh, guarded
        self.leaf_shapes = [(leaf.data.shape, leaf.data.dtype) for leaf in self.leaves]
        leaf_ids = {id(leaf) for leaf in self.leaves}
        self.states = [  # other tensors read afresh (see `read_afresh`), with their shape and dtype
            (source[1], trace.slot_shapes[slot])
            for slot, source in enumerate(trace.sources)
            if source[0] == "tensor" and id(source[1]) not in leaf_ids
        ]
        self.op_count = len(trace.nodes)
        self.source, namespace = _generate(trace, fast)
        exec(compile(self.source, f"<ag.compile plan of {self.op_count} ops>", "exec"), namespace)
        self.run: Callable[[tuple[Any, ...], bool], np.ndarray] = namespace["run"]


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {
            "_nd": _ndarray,
            "_to_array": _to_array,
            "_outputs_as_arrays": _outputs_as_arrays,
            "_count": _count,
            "_finish": finish_leaf,
            "_new_tensor": _new_tensor,
            "_Tensor": Tensor,
            "_no_graph": _no_graph,
            "_copy": np.copy,
        }
        self._zeros: dict[tuple[Any, ...], str] = {}

    def name(self, prefix: str, value: Any) -> str:
        name = f"{prefix}{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def zeros(self, shape: tuple[int, ...], dtype: Any) -> str:
        """A read-only array of zeros, one per shape and dtype in the plan."""
        key = (shape, np.dtype(dtype))
        if key not in self._zeros:
            zeros = np.zeros(shape, dtype)
            zeros.flags.writeable = False
            self._zeros[key] = self.name("zeros", zeros)
        return self._zeros[key]

    def emit(self, line: str, indent: int = 1) -> None:
        self.lines.append("    " * indent + line)


def _generate(trace: Trace, fast: bool) -> tuple[str, dict[str, Any]]:
    w = _Writer()
    w.namespace.update(kernels.NAMESPACE)
    nodes = trace.nodes
    w.emit("def run(args, backward):", 0)
    output_slot = trace.output.index if type(trace.output) is Slot else None
    root = _root(trace)
    recorded = [i for i, node in enumerate(nodes) if node.recorded]
    order = _backward_order(nodes, recorded, root) if root is not None else []
    in_backward = set(order)
    last_use: dict[int, int] = {}  # where each slot is used last in the forward pass
    for i, node in enumerate(nodes):
        for slot in _slots_in(node.args):
            last_use[slot] = i

    for slot, source in enumerate(trace.sources):
        if source[0] == "arg":
            w.emit(f"v{slot} = args[{source[1]}]")
            w.emit(f"if type(v{slot}) is not _nd: v{slot} = v{slot}.data")
        elif source[0] == "tensor":
            w.emit(f"v{slot} = {w.name('t', source[1])}.data")
        if source[0] != "node" and slot != output_slot and slot not in last_use:
            w.emit(f"del v{slot}")

    # forward: a kernel's code where one applies, else the op's forward on its reused node
    contexts: dict[int, str] = {}
    fast_ops: dict[int, kernels.Op] = {}
    kept: set[str] = set()  # locals that backward kernels read: not deleted in the forward pass
    for i, node in enumerate(nodes):
        op = _kernel_op(trace, node, i in in_backward, w, output_slot) if fast else None
        if op is not None:
            fast_ops[i] = op
            for line in kernels.kernel_for(node.cls)[0](op) or ():
                w.emit(line)
            kept.update(op.saved)
        else:
            x = contexts[i] = w.name("x", _new_context(node))
            call = f"{w.name('f', node.cls.forward)}({x}, {', '.join(_expr(a, w) for a in node.args)})"
            outs = ", ".join(f"v{s}" for s in node.outputs)
            w.emit(f"{x}.saved_tensors = ()")
            if node.tuple_output:
                w.emit(f"{outs}, = _outputs_as_arrays({x}, {call})" if node.as_array else f"{outs}, = {call}")
            elif node.as_array:
                w.emit(f"{outs} = _to_array({x}, {call})")
            else:
                w.emit(f"{outs} = {call}")
        dead = [s for s in node.outputs if s != output_slot and s not in last_use]
        dead += [s for s in sorted(set(_slots_in(node.args))) if last_use[s] == i and s != output_slot]
        dead = [s for s in dead if f"v{s}" not in kept]
        if dead:
            w.emit("del " + ", ".join(f"v{s}" for s in dead))

    if output_slot is None:
        output = f"_copy({w.name('c', trace.output)})"
    elif trace.sources[output_slot][1] in fast_ops and trace.sources[output_slot][0] == "node":
        output = f"v{output_slot}"  # a kernel's new array (the returned array never gets a buffer)
    else:
        output = f"_copy(v{output_slot})"  # an argument, or a general op's result that may view a buffer
    w.emit("if not backward:")
    for i in recorded:
        if i in contexts:
            w.emit(f"{contexts[i]}.saved_tensors = None", 2)
    w.emit(f"return {output}", 2)
    if root is None:
        w.emit("_no_graph()")
        return "\n".join(w.lines) + "\n", w.namespace
    if trace.output_shape != () and int(np.prod(trace.output_shape)) != 1:
        w.emit(f"_no_graph({trace.output_shape!r})")
        return "\n".join(w.lines) + "\n", w.namespace
    BackwardWriter(trace, w, contexts, fast_ops, order, root).emit()
    w.emit(f"return {output}")
    return "\n".join(w.lines) + "\n", w.namespace


def _backward_order(nodes: list[NodeRecord], recorded: list[int], root: tuple[int, int]) -> list[int]:
    """The nodes that the engine's backward visits from the output, newest first."""
    reachable = {root[0]}
    for i in reversed(recorded):
        if i in reachable:
            reachable.update(edge[1] for edge in nodes[i].edges if edge is not None and edge[0] == "node")
    return [i for i in reversed(recorded) if i in reachable]


def _kernel_op(
    trace: Trace, node: NodeRecord, backward: bool, w: _Writer, output: int | None
) -> kernels.Op | None:
    """The description a kernel gets of this use of an op, when a kernel covers it."""
    found = kernels.kernel_for(node.cls)
    if found is None or len(node.outputs) != 1 or node.tuple_output:
        return None
    out_shape = trace.slot_shapes[node.outputs[0]][0]
    if out_shape == () and kernels.REDUCTIONS.isdisjoint({kernels._name(node.cls)}):
        return None  # a 0-d ufunc result is a NumPy scalar: the general path converts it as apply does
    shapes, values, kinds, dtypes = [], [], [], []
    for arg in node.args:
        dtypes.append(None)
        if type(arg) is Slot:
            shape, dtype = trace.slot_shapes[arg.index]
            shapes.append(shape)
            values.append(None)
            kinds.append(dtype.kind)
            dtypes[-1] = dtype
        elif type(arg) is Sequence_:
            return None
        else:
            is_number = isinstance(arg, (np.ndarray, np.generic, float, int)) and not isinstance(arg, bool)
            shapes.append(np.shape(arg) if is_number else None)
            values.append(arg)
            kinds.append(np.asarray(arg).dtype.kind if is_number else None)
    op = kernels.Op(
        args=[_expr(a, w) for a in node.args],
        shapes=shapes,
        values=values,
        needs=[edge is not None for edge in node.edges],
        kinds=kinds,
        out=f"v{node.outputs[0]}",
        out_shape=out_shape,
        backward=backward,
        dtypes=dtypes,
        out_dtype=trace.slot_shapes[node.outputs[0]][1],
        constant=lambda value: w.name("k", value),
        zeros=w.zeros,
        function=node.cls,
    )
    probe = kernels.Op(**{**op.__dict__, "saved": []})
    if found[0](probe) is None:
        return None
    out_dtype = trace.slot_shapes[node.outputs[0]][1]
    # A buffer is C-ordered: only where the op's own result was, from C-ordered inputs (a ufunc lays
    # its result out like its inputs, and a later sum adds in memory order).
    c_order = trace.slot_c_order[node.outputs[0]] and all(
        trace.slot_c_order[a.index]
        if type(a) is Slot
        else not isinstance(a, np.ndarray) or a.flags.c_contiguous
        for a in node.args
    )
    if node.outputs[0] != output and out_shape != () and c_order:  # the returned array is new every call

        def buffer(dtype: Any = out_dtype, shape: tuple[int, ...] = out_shape) -> str:
            return w.name("buffer", np.empty(shape, dtype))

        op.buffer = buffer
    return op


def _root(trace: Trace) -> tuple[int, int] | None:
    """(node, output) that made the returned array, when backward can start there."""
    if type(trace.output) is not Slot:
        return None
    source = trace.sources[trace.output.index]
    if source[0] != "node" or not trace.nodes[source[1]].recorded:
        return None
    return source[1], source[2]


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


def _new_context(node: NodeRecord) -> Function:
    ctx = object.__new__(node.cls)
    ctx._edges = tuple(None if edge is None else True for edge in node.edges)
    ctx.saved_tensors = ()
    return ctx


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
        raise RuntimeError(
            "backward: the tensor does not require grad and has no grad_fn, so it has no graph"
        )
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
    leaf.grad = grad_tensor(grad if old is None else old.data + grad)


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
