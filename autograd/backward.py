"""The backward engine: one iterative pass over the graph in topological order.

A node is created after the nodes that produced its inputs, so running nodes in
decreasing creation number (a heap) means each runs once every consumer of its outputs
has delivered its gradient. Only nodes that receive a gradient are visited; there is no
recursion and no re-sorting, so a 100,000-op chain and a 16,000-wide fan-in both cost
O(log n) bookkeeping per node. Pending gradients are popped as they are used, and
(without `retain_graph`) each node drops the arrays it saved as soon as it has run.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd import anomaly
from autograd.function import decode_edge, input_edge
from autograd.grad_mode import current_mode, enter_mode, exit_mode
from autograd.hooks import run_tensor_hooks
from autograd.inplace import inplace_clock
from autograd.leaf_grads import add_leaf_grad, finish_leaves
from autograd.saved_arrays import check_saved_versions, saved_as_tensors
from autograd.tensor import Tensor

_ndarray = np.ndarray
_add_reduce = np.add.reduce  # ndarray.sum without its Python layer
_FILL_BELOW = 4096  # a reduced gradient broadcast to at most this many elements is filled in, not viewed


def run_backward(
    roots: Sequence[Tensor],
    root_grads: Sequence[Any],
    retain_graph: bool = False,
    create_graph: bool = False,
    inputs: Sequence[Tensor] | None = None,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...] | None:
    """Backpropagate from `roots`. Without `inputs`, accumulate into the leaves' `.grad`;
    with `inputs`, return their gradients and leave every `.grad` alone (`ag.grad`)."""
    # Seed: each root's gradient waits on its edge (`pending`); a leaf's are summed in `leaf_grads`.
    pending, leaf_grads, root_nodes = _seed_roots(roots, root_grads, create_graph, inputs is not None)
    plan = _CapturePlan(inputs)  # what ag.grad takes on the way (nothing for backward())
    # Nodes wait in a heap keyed by minus their creation number: the next one popped is
    # the most recently created, so every consumer of its outputs has already run.
    ready = [(-node._seq, node) for node in root_nodes]
    heapq.heapify(ready)
    push, pop = heapq.heappush, heapq.heappop
    last_inplace = inplace_clock.last
    general = create_graph or current_mode()[1] or bool(plan.node_captures)  # no lean path this pass
    enter_mode(grad_enabled=create_graph)
    try:
        node = None  # set when the next node to run skipped the heap
        while True:
            if node is None:
                if not ready:
                    break
                node = pop(ready)[1]
            # Call the node's backward: the general path for its special cases (numbered as in
            # `_run_general_path`), else the lean path, an optimisation of it.
            grad_output = pending.pop(node, None)
            if (
                grad_output is None  # 1
                or type(node._outputs) is tuple  # 2
                or node.inputs is None  # 3
                or last_inplace >= node._seq  # 4
                or general  # 5
                or node._hooks  # 6
            ):
                results = _run_general_path(node, grad_output, pending, plan, create_graph)
                if results is None:  # already run: scheduled once per output
                    node = None
                    continue
            else:
                results = node.backward(node, grad_output)
                if type(results) is not tuple:
                    results = (results,)
            edges = node._edges
            if len(results) != len(edges):
                results = _check_count(node, results)

            # Deliver each input's gradient along its edge (see `input_edge`), shaped like the input.
            # The newest producer that became ready runs next without a trip through the
            # heap when nothing in the heap is newer: a chain never touches the heap.
            next_node = None
            for edge, grad, arg in zip(edges, results, node.inputs):
                if edge is None or grad is None:
                    continue
                if type(grad) is not _ndarray or grad.shape != arg.data.shape:
                    grad = _conform(grad, arg, node, create_graph)
                if type(edge) is tuple:  # `decode_edge`, inlined
                    if len(edge) == 1:  # a leaf
                        add_leaf_grad(leaf_grads, edge[0], grad)
                        continue
                    producer = edge[0]
                else:
                    producer = edge
                previous = pending.get(edge)
                if previous is not None:
                    pending[edge] = previous + grad
                    continue
                pending[edge] = grad
                if next_node is None:
                    next_node = producer
                elif producer._seq > next_node._seq:
                    push(ready, (-next_node._seq, next_node))
                    next_node = producer
                else:
                    push(ready, (-producer._seq, producer))

            # Free what the node saved, then pick the next node.
            if not retain_graph:
                node.inputs = node.saved_tensors = node._outputs = None
            if next_node is not None and ready and next_node._seq < -ready[0][0]:
                push(ready, (-next_node._seq, next_node))
                next_node = None
            node = next_node
        results = grad = grad_output = None  # no stray references: finish_leaves may keep these arrays
        return finish_leaves(
            leaf_grads, plan.leaf_captures, plan.captured, inputs, create_graph, allow_unused
        )
    finally:
        exit_mode()


def _seed_roots(
    roots: Sequence[Tensor], root_grads: Sequence[Any], create_graph: bool, for_grad: bool
) -> tuple[dict[Any, Any], dict[int, list[Any]], list[Any]]:
    """The pending gradients keyed by edge (a node for its output 0, (node, k) for output k > 0),
    the leaf gradients (roots that are leaves), and the roots' nodes, each once."""
    pending: dict[Any, Any] = {}
    leaf_grads: dict[int, list[Any]] = {}  # id(leaf) -> [leaf, summed gradient]
    root_nodes = []
    for position, (root, grad) in enumerate(zip(roots, root_grads)):
        what = f"grad: grad_outputs[{position}]" if for_grad else "backward: grad"
        grad = _root_grad(root, grad, create_graph, what)
        if root.grad_fn is None:
            add_leaf_grad(leaf_grads, root, grad)
            continue
        if root.grad_fn not in root_nodes:
            root_nodes.append(root.grad_fn)
        edge = input_edge(root)
        pending[edge] = grad if edge not in pending else pending[edge] + grad
    return pending, leaf_grads, root_nodes


class _CapturePlan:
    """Where `ag.grad(outputs, inputs)` takes its results on the way: the gradient of an input
    made by a node is captured when that node runs, a leaf input's at the end."""

    __slots__ = ("captured", "node_captures", "leaf_captures")

    def __init__(self, inputs: Sequence[Tensor] | None) -> None:
        self.captured: list[Any] = [] if inputs is None else [None] * len(inputs)
        self.node_captures: dict[Any, list[tuple[int, int]]] = {}  # node -> [(output number, position)]
        self.leaf_captures: dict[int, int] = {}  # id(leaf) -> position
        for position, tensor in enumerate(inputs or ()):
            if tensor.grad_fn is None:
                self.leaf_captures[id(tensor)] = position
            else:
                self.node_captures.setdefault(tensor.grad_fn, []).append((tensor._output_nr, position))


def _run_general_path(
    node: Any, grad_output: Any, pending: dict[Any, Any], plan: _CapturePlan, create_graph: bool
) -> tuple[Any, ...] | None:
    """One node's backward by the general path, the reference that the lean path in
    `run_backward` is an optimisation of. It is needed when (numbered as the test there):
    1. no gradient waits on output 0: a multi-output node met again, or reached by another output;
    2. the node has several outputs (their gradients are gathered, missing ones are zeros);
    3. its saved arrays were freed by an earlier backward (an error);
    4. something was modified in place since it was recorded (its saved arrays are checked);
    5. for the whole pass: create_graph, anomaly mode, or gradients that `ag.grad` captures;
    6. tensor hooks on its outputs.
    None when the node has already run in this pass."""
    outputs = node._outputs
    grads = None
    if type(outputs) is tuple:
        others = [pending.pop((node, k), None) for k in range(1, len(outputs))]
        if grad_output is None and all(grad is None for grad in others):
            return None  # scheduled once per output: already run
        grads = [grad_output, *others]
    elif grad_output is None:  # a second entry of a multi-output node that has run
        _check_not_freed_before(node, pending)
        return None
    if node in plan.node_captures:
        for output_nr, position in plan.node_captures[node]:
            plan.captured[position] = grad_output if grads is None else grads[output_nr]
    if node.inputs is None:
        _raise_freed(node)
    if inplace_clock.last > node._seq:
        check_saved_versions(node)
    return _call_backward(node, [grad_output] if grads is None else grads, create_graph)


def _raise_freed(node: Any) -> None:
    raise RuntimeError(
        f"trying to backward through the graph a second time (through {node.name}): its saved arrays "
        "were freed after the first backward; pass retain_graph=True to the first backward"
    )


def _check_not_freed_before(node: Any, pending: dict[Any, Any]) -> None:
    """A multi-output node met again after this pass ran and freed it is fine, but one freed by
    an earlier backward that still has gradients waiting is a second backward through it."""
    if node.inputs is None and any(decode_edge(key)[0] is node for key in pending):
        _raise_freed(node)


def _check_count(node: Any, results: tuple[Any, ...]) -> tuple[Any, ...]:
    """Accept fewer gradients than arguments only when the missing ones need none."""
    edges = node.next_functions
    if len(results) > len(edges) or any(e is not None for e in edges[len(results) :]):
        raise RuntimeError(
            f"{node.name}.backward returned {len(results)} gradients but forward took {len(edges)} "
            "arguments; "
            "return one per argument (None for arguments without a gradient)"
        )
    return results + (None,) * (len(edges) - len(results))


def _conform(grad: Any, arg: Tensor, node: Any, create_graph: bool) -> Any:
    """Make a returned gradient an array (a Tensor under create_graph) of `arg`'s shape."""
    if isinstance(grad, Tensor):
        grad = grad if create_graph else grad.data
    elif type(grad) is not _ndarray:
        grad = np.asarray(grad)
        grad = Tensor(grad) if create_graph else grad
    shape = arg.data.shape
    grad = grad if grad.shape == shape else _fit_to_shape(grad, shape, node, arg)
    return np.asarray(grad) if isinstance(grad, np.generic) else grad  # a full reduction gives a NumPy scalar


def _call_backward(node: Any, grads: list[Any], create_graph: bool) -> tuple[Any, ...]:
    """Call `node.backward` on the general path: tensor hooks first, zeros for missing output
    gradients, Tensors (and saved Tensors) under create_graph, anomaly checks after."""
    if node._hooks:
        run_tensor_hooks(node, grads, create_graph)
    if len(grads) > 1 and any(g is None for g in grads):
        outputs = node._outputs
        grads = [np.zeros_like(outputs[i]) if g is None else g for i, g in enumerate(grads)]
    if create_graph:
        grads = [g if isinstance(g, Tensor) else Tensor(g) for g in grads]
        saved = node.saved_tensors
        node.saved_tensors = saved_as_tensors(node)
        try:
            results = node.backward(node, *grads)
        finally:
            node.saved_tensors = saved
    else:
        results = node.backward(node, *grads)
    if type(results) is not tuple:
        results = (results,)
    if current_mode()[1]:
        shapes = [getattr(a, "shape", ()) for a in node.inputs]
        anomaly.check_values(node.name, "backward", results, shapes, node._site)
    return results


def _fit_to_shape(grad: Any, shape: tuple[int, ...], node: Any, arg: Tensor) -> Any:
    """Sum a broadcast gradient down to `shape`, or broadcast a reduced one up to it."""
    extra = grad.ndim - len(shape)
    returned = grad.shape
    if extra > 0 and grad.shape[extra:] == shape:  # only leading axes were broadcast, as for a bias
        axes = 0 if extra == 1 else tuple(range(extra))
        return _add_reduce(grad, axes) if type(grad) is _ndarray else grad.sum(axis=axes)
    try:
        if extra >= 0:
            leading = tuple(range(extra))
            stretched = tuple(
                extra + i for i, size in enumerate(shape) if size == 1 and grad.shape[extra + i] != 1
            )
            if stretched:
                grad = grad.sum(axis=leading + stretched, keepdims=True)
                if extra:
                    grad = grad.reshape(grad.shape[extra:])
            elif extra:
                grad = grad.sum(axis=leading)
        if grad.shape != shape:
            if type(grad) is _ndarray and arg.data.size <= _FILL_BELOW:
                # Filling a small array costs a tenth of np.broadcast_to's view.
                filled = np.empty(shape, grad.dtype)
                filled[...] = grad
                grad = filled
            else:
                grad = np.broadcast_to(grad, shape)
    except ValueError:
        position = next(i for i, a in enumerate(node.inputs) if a is arg)
        raise RuntimeError(
            f"{node.name}.backward returned a gradient of shape {tuple(returned)} for input {position}, "
            f"which has shape {shape}; the two must broadcast"
        ) from None
    return grad


def _root_grad(root: Tensor, grad: Any, create_graph: bool, what: str = "backward: grad") -> Any:
    """The gradient that starts the pass at `root`. Under create_graph a Tensor that requires
    grad is used as it is, so that the results depend on it in the graph (as in PyTorch)."""
    if not root.requires_grad:
        raise RuntimeError(
            "backward: the tensor does not require grad and has no grad_fn, so it has no graph"
        )
    dtype = root.data.dtype
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(
                "backward: a gradient can be created implicitly only for a single-element output, but this "
                "one "
                f"has shape {root.shape}; pass grad= of that shape"
            )
        if dtype.kind == "c":
            raise RuntimeError(
                "backward: a gradient can be created implicitly only for a real output, not a complex one"
            )
        grad = np.empty(root.data.shape, dtype)
        grad.fill(1)  # np.ones without its Python layer
        return Tensor(grad) if create_graph else grad
    value = grad.data if isinstance(grad, Tensor) else grad
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as error:
        raise TypeError(f"{what} must be a Tensor or array of shape {root.shape}: {error}") from None
    if array.dtype.kind not in "biufc":
        raise TypeError(
            f"{what} must be a numeric Tensor or array of shape {root.shape}, got {type(value).__name__} "
            f"{value!r:.60}"
        )
    if array.dtype.kind == "c" and dtype.kind != "c":
        raise TypeError(
            f"{what} is complex ({array.dtype}) but the output is real ({dtype}); pass a real gradient"
        )
    if array.shape != root.data.shape:
        raise RuntimeError(f"{what} has shape {array.shape} but the output has shape {root.shape}")
    if create_graph and isinstance(grad, Tensor) and grad.requires_grad:
        return grad if array.dtype == dtype else grad.astype(dtype)
    grad = array.astype(dtype)  # always a copy: the engine may hand it out as a .grad
    return Tensor(grad) if create_graph else grad


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """d(outputs)/d(inputs) as a tuple, without touching any `.grad`."""
    outputs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    if grad_outputs is None or isinstance(grad_outputs, (Tensor, np.ndarray)):
        grad_outputs = (grad_outputs,) * len(outputs) if grad_outputs is None else (grad_outputs,)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: {len(outputs)} outputs but {len(grad_outputs)} grad_outputs")
    for position, tensor in enumerate(inputs):
        if not isinstance(tensor, Tensor) or not tensor.requires_grad:
            raise RuntimeError(f"grad: input {position} is not a Tensor that requires grad")
    if retain_graph is None:
        retain_graph = create_graph
    return run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs, allow_unused)  # type: ignore[return-value]
