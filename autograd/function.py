"""`Function`: one differentiable op, its forward and backward side by side.

Every built-in op is a `Function`, exactly like a user's custom op. `Cube.apply(t)` runs
`forward` on the NumPy arrays and, when recording, makes the instance the graph node
(`ctx`) of the result: it keeps the op's inputs, what `forward` saved, and one edge per
input to the node that produced it (or to the leaf tensor itself; see `input_edge`). Built-in
ops declare in `__slots__` what else forward keeps for backward: their nodes never fill a `__dict__`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd import anomaly
from autograd.grad_mode import current_mode, open_blocks
from autograd.tensor import Tensor
from autograd.views import record_view

_new_node = object.__new__
# One counter orders node creation and in-place modifications. A node is always created
# after the nodes that produced its inputs, so running nodes from the highest number down
# is a topological order; and a tensor modified in place after a node was recorded has a
# version greater than the node's number.
next_sequence_number = itertools.count(1).__next__
_new_tensor = object.__new__
_ndarray = np.ndarray


class Function:
    """Base class of every op. Subclass it with static `forward(ctx, *args)` and
    `backward(ctx, *grad_outputs)`, then call `YourOp.apply(*args)`.

    `forward` receives NumPy arrays (Tensors are unwrapped, anything else is passed
    through) and returns an array or a tuple of arrays. `backward` receives one gradient
    per output and returns one gradient per argument of `forward` (`None` where there is
    none). Gradients of broadcast inputs are reduced to the input's shape by the engine.

    For `create_graph=True`, `backward` is called again with Tensors in place of arrays:
    written with NumPy operators and `np.` functions it is then itself recorded, which is
    how every op gets higher derivatives. Saved arrays that are an input or an output of
    the op become that Tensor; anything else saved is treated as a constant.

    The built-in ops assign `ctx.saved_tensors = (...)` rather than call `save_for_backward`:
    the same thing, one Python call less per recorded op (measured 1-3% of the per-op cost).
    """

    __slots__ = ("inputs", "_edges", "saved_tensors", "_outputs", "_seq", "__dict__", "__weakref__")

    # Rarely set, so kept out of the slots that every node fills in.
    _hooks: dict[int, list[Any]] | None = None  # output index -> hooks of non-leaf tensors
    _site: str | None = None  # user code that created the op (under detect_anomaly)
    # True for ops whose result can be a NumPy view of their first input (slicing, reshape,
    # transpose, broadcast_to): `apply` records such views (see autograd/views.py).
    _makes_views = False

    # `YourOp.apply(*args)`: run the op and record it; made for each class by `_make_apply`.
    apply: Callable[..., Any]

    @staticmethod
    def forward(ctx: Function, *args: Any) -> Any:
        raise NotImplementedError("a Function subclass must define a static forward(ctx, *args)")

    @staticmethod
    def backward(ctx: Function, *grad_outputs: Any) -> Any:
        raise NotImplementedError("a Function subclass must define a static backward(ctx, *grad_outputs)")

    def save_for_backward(self, *arrays: Any) -> None:
        """Keep arrays for `backward`; read them back as `ctx.saved_tensors`. The same as
        assigning the tuple to `ctx.saved_tensors`, which the built-in ops do (one call less)."""
        self.saved_tensors = arrays

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """One bool per argument of `forward`: does the engine want its gradient?"""
        edges = self._edges
        if len(edges) == 2:  # most ops: spare the generator
            return edges[0] is not None, edges[1] is not None
        return tuple([edge is not None for edge in edges])

    @property
    def next_functions(self) -> tuple[tuple[Any, int | None] | None, ...]:
        """One entry per argument of `forward`, as in PyTorch: None (no gradient), (node, k)
        for output k of the node that made it, or (tensor, None) for a leaf."""
        return tuple(decode_edge(edge) for edge in self._edges)

    @property
    def name(self) -> str:
        """The op's name (its class's), as graphs and error messages show it."""
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.name} node>"

    @classmethod
    def call(cls, *args: Any) -> Any:
        """`apply` when an argument is a Tensor, else only `forward` on the arrays. A backward
        that uses another op through `call` stays valid for arrays and for Tensors."""
        for arg in args:
            if isinstance(arg, Tensor):
                return cls.apply(*args)
        ctx = _new_node(cls)
        ctx._edges = (None,) * len(args)  # nothing needs a gradient
        return cls.forward(ctx, *args)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "apply" not in cls.__dict__:
            cls.apply = staticmethod(_make_apply(cls))
            _document_apply(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Nodes are made with object.__new__, never through here: only a user's `Swish(x)` is.
        name = type(self).__name__
        raise TypeError(
            f"{name}(...) does not run the op: call {name}.apply(...) (a Function subclass is used through "
            "its class's apply, as in PyTorch; the instance is the graph node that apply makes)"
        )


def _make_apply(cls: type[Function]) -> Callable[..., Any]:
    """`cls.apply`: a plain function per class (not a classmethod), so that Tensor operators
    can be bound to it directly, one Python call less on the hot path."""

    makes_views = cls._makes_views

    def apply(*args: Any) -> Any:
        """Run the op on `args` and, when any input requires grad, record it."""
        ctx = _new_node(cls)
        ctx.saved_tensors = ()
        if open_blocks:  # some thread is in no_grad, enable_grad, detect_anomaly or backward
            grad_enabled, detecting, _ = current_mode()
        else:
            grad_enabled = True
            detecting = False
        # Unary and binary ops are nearly all ops: their paths are optimisations of the general
        # one below (tests/autograd/test_function_edges.py requires the same edges from each),
        # with `input_edge`'s one line inlined: the call cost 2% of W4 (benchmarks.instructions).
        try:
            count = len(args)
            if count == 1:
                x = args[0]
                x_edge = None
                if isinstance(x, Tensor):
                    if x.requires_grad and grad_enabled:
                        x_edge = (x.grad_fn or (x,)) if not x._output_nr else (x.grad_fn, x._output_nr)
                    x = x.data
                ctx._edges = (x_edge,)  # before forward, which may read ctx.needs_input_grad
                recording = x_edge is not None
                outputs = cls.forward(ctx, x)
            elif count == 2:
                a, b = args
                a_edge = b_edge = None
                if isinstance(a, Tensor):
                    if a.requires_grad and grad_enabled:
                        a_edge = (a.grad_fn or (a,)) if not a._output_nr else (a.grad_fn, a._output_nr)
                    a = a.data
                if isinstance(b, Tensor):
                    if b.requires_grad and grad_enabled:
                        b_edge = (b.grad_fn or (b,)) if not b._output_nr else (b.grad_fn, b._output_nr)
                    b = b.data
                ctx._edges = (a_edge, b_edge)
                recording = a_edge is not None or b_edge is not None
                outputs = cls.forward(ctx, a, b)
            else:
                arrays = list(args)
                edges = [None] * count
                recording = False
                for position, arg in enumerate(args):
                    if isinstance(arg, Tensor):
                        arrays[position] = arg.data
                        if arg.requires_grad and grad_enabled:
                            edges[position] = input_edge(arg)
                            recording = True
                ctx._edges = tuple(edges)
                outputs = cls.forward(ctx, *arrays)
        except (ValueError, IndexError) as error:
            raise _named_error(
                cls, error, [arg.data if isinstance(arg, Tensor) else arg for arg in args]
            ) from error

        if detecting:
            ctx._site = anomaly.creation_site()
            anomaly.check_values(
                cls.__name__,
                "forward",
                outputs if type(outputs) is tuple else (outputs,),
                [np.shape(arg.data if isinstance(arg, Tensor) else arg) for arg in args],
                ctx._site,
            )
        if type(outputs) is not tuple:
            if type(outputs) is not _ndarray:  # e.g. a NumPy scalar from a 0-d op
                outputs = _as_array(ctx, outputs)
            out = _new_tensor(Tensor)
            out.data = outputs
            if makes_views:
                record_view(args[0], out, (cls, args[1:]))
            if not recording:
                out.requires_grad = False
                out.grad_fn = None
                return out
            out.requires_grad = True
            out.grad_fn = ctx
            ctx.inputs = args
            ctx._outputs = outputs
            ctx._seq = next_sequence_number()
            return out

        outputs = tuple(o if type(o) is _ndarray else _as_array(ctx, o) for o in outputs)
        results = []
        for index, array in enumerate(outputs):
            out = Tensor(array)
            if recording:
                out.requires_grad = True
                out.grad_fn = ctx
                if index:
                    out._output_nr = index
            results.append(out)
        if recording:
            ctx.inputs = args
            ctx._outputs = outputs
            ctx._seq = next_sequence_number()
        return tuple(results)

    apply.__qualname__ = f"{cls.__qualname__}.apply"
    return apply


def input_edge(tensor: Tensor) -> Any:
    """The edge to an input that requires grad, where its gradient goes; one of three spellings,
    the cheapest to make and to key a dict by: the node that produced it (its output 0),
    (node, k) for output k > 0 of a multi-output node, or (tensor,) for a leaf. An input that
    needs no gradient has the edge None. `decode_edge` reads all four."""
    return (tensor.grad_fn or (tensor,)) if not tensor._output_nr else (tensor.grad_fn, tensor._output_nr)


def decode_edge(edge: Any) -> tuple[Any, int | None] | None:
    """An edge (see `input_edge`) as PyTorch spells it: (node, output number), (leaf, None), or
    None for an input without a gradient. Every reader of edges uses it (through
    `next_functions`), except the backward loop, which inlines it: that is the hot path."""
    if edge is None:
        return None
    if type(edge) is not tuple:
        return (edge, 0)
    return edge if len(edge) == 2 else (edge[0], None)


def named_error(error: Exception) -> Exception:
    """Mark an error that a forward raises with a message already naming the op and the values
    found: `apply` re-raises it as it is, so eager calls and compiled replays (which call forward
    directly) raise the same message."""
    error._npgrad_named = True  # type: ignore[attr-defined]
    return error


def _named_error(cls: type[Function], error: Exception, arrays: Any) -> Exception:
    """A shape error from `forward`, re-raised naming the op and its input shapes."""
    if getattr(error, "_npgrad_named", False):
        return error
    shapes = ", ".join(
        str(np.shape(a)) if isinstance(a, (np.ndarray, np.generic)) else repr(a) for a in arrays
    )
    named = type(error)(f"{cls.__name__}: {error} (inputs: {shapes})")
    named._npgrad_named = True  # type: ignore[attr-defined]
    return named


def _as_array(ctx: Function, value: Any) -> np.ndarray:
    """Turn a non-array output into an array, and what forward saved of it too."""
    name = type(ctx).__name__
    if isinstance(value, Tensor):
        raise TypeError(
            f"{name}.forward returned a Tensor; forward works on NumPy arrays and must return arrays"
        )
    if value is None:
        raise TypeError(f"{name}.forward returned None; it must return an array or a tuple of arrays")
    array = np.asarray(value)
    if any(saved is value for saved in ctx.saved_tensors):
        ctx.saved_tensors = tuple(array if saved is value else saved for saved in ctx.saved_tensors)
    return array


def _document_apply(cls: type[Function]) -> None:
    """Show `cls.apply` in help() as the op it runs: forward's signature without `ctx`, and the
    class's docstring. Done once per class; the function itself is unchanged."""
    import inspect  # already loaded by NumPy; imported here to keep it off this module's interface

    apply = cls.__dict__["apply"].__func__
    try:
        signature = inspect.signature(cls.forward)
        apply.__signature__ = signature.replace(parameters=list(signature.parameters.values())[1:])
    except (TypeError, ValueError):  # a forward that inspect cannot read keeps apply(*args)
        pass
    if cls.__doc__:
        apply.__doc__ = cls.__doc__


Function.apply = staticmethod(_make_apply(Function))  # type: ignore[method-assign]
