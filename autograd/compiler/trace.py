"""Recording one eager call of a function: each op's class, where its arguments come from, its outputs.

While a trace runs, every `Function` subclass's `forward` is wrapped (and unwrapped afterwards, so the
per-op hot path never pays for it): a top-level forward reports its arrays, which are mapped by identity
to slots (an argument of the call, a leaf tensor read from the closure, the output of an earlier op) or
else kept as constants. Tensor methods that read values (`.item()`, `bool(t)`, `np.asarray(t)`, ...) and
what the replay cannot reproduce (hooks, backward inside the function, in-place ops) mark the trace as
unusable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd.function import Function, _as_array
from autograd.inplace import inplace_clock
from autograd.tensor import Tensor

_ndarray = np.ndarray


class Slot:
    """An argument template: the array in slot `index` of the plan."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index

    def __eq__(self, other: object) -> bool:
        return type(other) is Slot and other.index == self.index

    def __repr__(self) -> str:
        return f"v{self.index}"


class Sequence_:
    """An argument template: a tuple or list some of whose items are slots (an index of arrays)."""

    __slots__ = ("kind", "items")

    def __init__(self, kind: type, items: list[Any]) -> None:
        self.kind, self.items = kind, items

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is Sequence_
            and other.kind is self.kind
            and len(other.items) == len(self.items)
            and all(same_template(a, b) for a, b in zip(self.items, other.items))
        )


class NodeRecord:
    """One op of the traced call."""

    __slots__ = ("cls", "args", "outputs", "as_array", "tuple_output", "ctx", "edges", "recorded")

    def __init__(
        self, cls: type[Function], args: list[Any], outputs: list[int], as_array: bool, ctx: Any
    ) -> None:
        self.cls = cls
        self.tuple_output = False  # forward returned a tuple (maybe of one array)
        self.args = args  # one template per forward argument: Slot, Sequence_ or a constant
        self.outputs = outputs  # slot numbers
        self.as_array = as_array  # forward returned something that is not an ndarray
        self.ctx = ctx  # the eager node, until the trace is resolved
        self.edges: list[Any] = []  # per argument: None, ("node", index, k) or ("leaf", leaf number)
        self.recorded = False  # did the eager call record it (does backward visit it)?


class Trace:
    """What one call did: ops in order, slot sources, the leaves that get gradients, the output."""

    def __init__(self, args: Sequence[Any]) -> None:
        self.nodes: list[NodeRecord] = []
        self.sources: list[Any] = []  # per slot: ("arg", i), ("tensor", t) or ("node", node index, k)
        self.slot_shapes: list[tuple[tuple[int, ...], Any]] = []  # per slot: (shape, dtype)
        self.slot_c_order: list[bool] = []  # per slot: was the array C-contiguous?
        self.leaves: list[Any] = []  # leaves that get a gradient: ("arg", i) or ("tensor", t)
        self.output: Any = None  # template of the returned tensor's array
        self.output_shape: tuple[int, ...] = ()
        self.output_dtype: Any = None
        self.problem: str | None = None  # why this trace cannot be replayed
        self.modules: dict[int, Any] = {}  # modules called while tracing (see `called`), by id
        self._slot_of: dict[int, int] = {}
        self._keep: list[Any] = []  # arrays whose ids are in _slot_of stay alive while tracing
        self._leaf_of: dict[int, int] = {}
        self._args = args
        self.depth = 0
        for position, arg in enumerate(args):
            array = arg.data if isinstance(arg, Tensor) else arg
            if type(array) is _ndarray and id(array) not in self._slot_of:
                self._new_slot(array, ("arg", position))

    def _new_slot(self, array: np.ndarray, source: Any) -> int:
        self._slot_of[id(array)] = len(self.sources)
        self._keep.append(array)
        self.sources.append(source)
        self.slot_shapes.append((array.shape, array.dtype))
        self.slot_c_order.append(bool(array.flags.c_contiguous))
        return len(self.sources) - 1

    def state(self, tensor: Tensor) -> None:
        """Make `tensor.data` a slot that every replay reads afresh from `tensor.data`: state that ops
        update in place (a module's buffer), which a new array may replace between calls."""
        if id(tensor.data) not in self._slot_of:
            self._new_slot(tensor.data, ("tensor", tensor))

    def fail(self, reason: str) -> None:
        if self.problem is None:
            self.problem = reason

    def template(self, value: Any, edge: Any) -> Any:
        if type(value) is _ndarray or isinstance(value, np.ndarray):
            slot = self._slot_of.get(id(value))
            if slot is not None:
                return Slot(slot)
            if (
                type(edge) is tuple and len(edge) == 1 and edge[0].data is value
            ):  # a leaf read from the closure
                return Slot(self._new_slot(value, ("tensor", edge[0])))
            return value
        if type(value) in (tuple, list):
            items = [self.template(item, None) for item in value]
            if any(type(item) in (Slot, Sequence_) for item in items):
                return Sequence_(type(value), items)
        return value

    def record(self, ctx: Any, arrays: tuple[Any, ...], outputs: Any) -> None:
        edges = getattr(ctx, "_edges", None) or (None,) * len(arrays)
        args = [self.template(array, edge) for array, edge in zip(arrays, edges)]
        index = len(self.nodes)
        values = outputs if type(outputs) is tuple else (outputs,)
        slots = [self._new_slot(array, ("node", index, k)) for k, array in enumerate(values)]
        as_array = any(type(v) is not _ndarray for v in values)
        self.nodes.append(NodeRecord(type(ctx), args, slots, as_array, ctx))
        self.nodes[-1].tuple_output = type(outputs) is tuple

    def finish(self, result: Any) -> None:
        """Resolve the eager graph's edges into node and leaf numbers, and the returned tensor."""
        if self.problem is not None:
            return
        if not isinstance(result, Tensor):
            self.fail(f"the function returned {type(result).__name__}, not a Tensor")
            return
        index_of = {id(node.ctx): i for i, node in enumerate(self.nodes)}
        for node in self.nodes:
            ctx = node.ctx
            node.recorded = (
                getattr(ctx, "_seq", None) is not None and getattr(ctx, "inputs", None) is not None
            )
            if not node.recorded:
                node.edges = [None] * len(node.args)
                continue
            for edge in ctx._edges:
                node.edges.append(self._resolve(edge, index_of))
        self.output = self.template(result.data, None)
        self.output_shape, self.output_dtype = result.data.shape, result.data.dtype
        if result.grad_fn is not None and id(result.grad_fn) not in index_of:
            self.fail(f"the output was made by {result.grad_fn.name}, an op the trace did not see")
        for node in self.nodes:
            node.ctx = None
        self._keep = []
        self._slot_of = {}

    def _resolve(self, edge: Any, index_of: dict[int, int]) -> Any:
        if edge is None:
            return None
        if type(edge) is tuple and len(edge) == 1:  # a leaf
            leaf = edge[0]
            if leaf._hooks:
                self.fail("a leaf tensor has a gradient hook (hooks are not replayed)")
            number = self._leaf_of.get(id(leaf))
            if number is None:
                position = next((i for i, a in enumerate(self._args) if a is leaf), None)
                self.leaves.append(("arg", position) if position is not None else ("tensor", leaf))
                number = self._leaf_of[id(leaf)] = len(self.leaves) - 1
            return ("leaf", number)
        node, k = edge if type(edge) is tuple else (edge, 0)
        if node._hooks:
            self.fail("a tensor inside the function has a hook or retain_grad() (not replayed)")
        index = index_of.get(id(node))
        if index is None:
            self.fail(f"{node.name} was recorded but the trace did not see it run")
            return None
        return ("node", index, k)


def same_template(a: Any, b: Any) -> bool:
    """Do two argument templates (of two traces) mean the same thing? Constants must be equal."""
    if type(a) is not type(b):
        return False
    if type(a) in (Slot, Sequence_):
        return a == b
    if isinstance(a, np.ndarray):
        if a is b:
            return True
        return (
            a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
        )
    if type(a) in (tuple, list):
        return len(a) == len(b) and all(same_template(x, y) for x, y in zip(a, b))
    try:
        return bool(a == b)
    except Exception:  # something without a plain equality
        return a is b


def same_trace(first: Trace, second: Trace) -> str | None:
    """None when two traces made the same graph; else what differs."""
    if len(first.nodes) != len(second.nodes):
        return f"the two traces ran {len(first.nodes)} and {len(second.nodes)} ops"
    for i, (a, b) in enumerate(zip(first.nodes, second.nodes)):
        if a.cls is not b.cls:
            return f"op {i} was {a.cls.__name__} in one trace and {b.cls.__name__} in the other"
        if (a.outputs, a.edges, a.recorded, a.as_array, a.tuple_output) != (
            b.outputs,
            b.edges,
            b.recorded,
            b.as_array,
            b.tuple_output,
        ):
            return f"op {i} ({a.cls.__name__}) is wired differently in the two traces"
        if len(a.args) != len(b.args) or not all(same_template(x, y) for x, y in zip(a.args, b.args)):
            return f"op {i} ({a.cls.__name__}) got different constant arguments in the two traces"
    if not _same_sources(first.sources, second.sources):
        return "the two traces read different tensors"
    if not _same_sources(first.leaves, second.leaves):
        return "the two traces give gradients to different leaves"
    if not same_template(first.output, second.output):
        return "the two traces return different outputs"
    return None


def _same_sources(first: list[Any], second: list[Any]) -> bool:
    """Sources and leaves hold tensors, compared by identity (Tensor's == is elementwise)."""
    return len(first) == len(second) and all(
        len(a) == len(b) and all(x is y or (type(x) is not Tensor and x == y) for x, y in zip(a, b))
        for a, b in zip(first, second)
    )


# ---------------------------------------------------------------------------------- while tracing
_VALUE_READS = ("item", "__bool__", "__float__", "__int__", "numpy", "tolist", "__array__")
_SPELLINGS = {  # how the warning names a read; the others are methods: `.item()`, ...
    "__bool__": "bool(t)",
    "__float__": "float(t)",
    "__int__": "int(t)",
    "__array__": "np.asarray(t)",
}
_UNSUPPORTED = {
    "register_hook": "register_hook() inside the function (hooks are not replayed)",
    "retain_grad": "retain_grad() inside the function (not replayed)",
    "backward": "backward() inside the function (the compiled function runs backward itself)",
}


def _subclasses(cls: type) -> list[type]:
    found, stack = [], [cls]
    while stack:
        for sub in stack.pop().__subclasses__():
            found.append(sub)
            stack.append(sub)
    return found


class Tracing:
    """Context manager: patches forwards and value-reading Tensor methods so that `trace` sees them.
    `Tracing.active` counts the traces running (a compiled function called inside one runs eagerly)."""

    active = 0
    current: Trace | None = None  # the trace recording now (`read_afresh` reports to it)

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self.restore: list[tuple[type, str, Any]] = []
        self.outer: Trace | None = None

    def _patch(self, owner: type, name: str, replacement: Any) -> None:
        self.restore.append((owner, name, owner.__dict__[name]))
        setattr(owner, name, replacement)

    def __enter__(self) -> Tracing:
        Tracing.active += 1
        self.outer, Tracing.current = Tracing.current, self.trace
        trace = self.trace
        self.last_inplace = inplace_clock.last
        for cls in _subclasses(Function):
            raw = cls.__dict__.get("forward")
            if isinstance(raw, staticmethod):
                self._patch(cls, "forward", staticmethod(_recording_forward(trace, raw.__func__)))
        for name in _VALUE_READS:
            self._patch(Tensor, name, _value_read(trace, name, Tensor.__dict__[name]))
        for name, reason in _UNSUPPORTED.items():
            self._patch(Tensor, name, _refusing(trace, reason, Tensor.__dict__[name]))
        return self

    def __exit__(self, *exc: object) -> None:
        for owner, name, original in reversed(self.restore):
            setattr(owner, name, original)
        self.restore = []
        Tracing.active -= 1
        Tracing.current = self.outer
        if inplace_clock.last != self.last_inplace:
            self.trace.fail("an in-place op (+=, t[i] = v) inside the function")


def read_afresh(tensor: Tensor) -> np.ndarray:
    """`tensor.data`, for an op to update in place or read (BatchNorm's running statistics). While
    `ag.compile` traces, the array becomes a slot that each replay reads from `tensor.data` again,
    where it would otherwise be a constant: the array object seen while tracing, stale once replaced."""
    if Tracing.current is not None:
        Tracing.current.state(tensor)
    return tensor.data


def called(module: Any) -> None:
    """A module reports its call: while `ag.compile` traces, its training flag and the tensors it
    holds are guarded, also when `fn` reaches it through an object that is not a module."""
    if Tracing.current is not None:
        Tracing.current.modules[id(module)] = module


def _recording_forward(trace: Trace, original: Callable[..., Any]) -> Callable[..., Any]:
    def forward(ctx: Any, *arrays: Any) -> Any:
        if trace.depth:  # an op that another op's forward calls: part of that op
            return original(ctx, *arrays)
        trace.depth += 1
        try:
            outputs = original(ctx, *arrays)
        finally:
            trace.depth -= 1
        # what `apply` would do to a non-array output, done here so that the recorded output is the array
        if type(outputs) is tuple:
            outputs = tuple(
                o if type(o) is _ndarray or _not_convertible(o) else _as_array(ctx, o) for o in outputs
            )
        elif type(outputs) is not _ndarray and not _not_convertible(outputs):
            outputs = _as_array(ctx, outputs)
        trace.record(ctx, arrays, outputs)
        return outputs

    return forward


def _not_convertible(value: Any) -> bool:
    return value is None or isinstance(value, Tensor)  # `apply` raises its own error for these


def _value_read(trace: Trace, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    spelling = _SPELLINGS.get(name, f".{name}()")

    def read(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        trace.fail(f"the function reads a tensor's value with {spelling}, so its graph may depend on values")
        return original(self, *args, **kwargs)

    return read


def _refusing(trace: Trace, reason: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        trace.fail(reason)
        return original(self, *args, **kwargs)

    return method
