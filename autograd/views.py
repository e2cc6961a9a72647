"""Views, and in-place writes through them, differentiated as PyTorch does.

`y[0:2]`, `y.reshape(3)`, `y.T` and `y.broadcast_to(...)` return Tensors whose arrays are NumPy
views of `y`'s memory. Each such view remembers its base (the tensor whose memory it views, never
itself a view) and the chain of view ops that leads from the base to it; the base keeps weak
references to its views (recorded by `Function.apply` for ops that declare `_makes_views`).
An in-place write then keeps every one of them right:

* the base's history sees a write through a view: the base becomes its old value with the
  viewed region replaced by the view's new value (a Reshape of a SetItem on the flattened base,
  so the write is differentiable to any order, like PyTorch's CopySlices);
* every view of the base, the written one included, is re-derived from the base's new history
  (the view chain replayed), so reading any of them afterwards differentiates through the write.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from autograd.tensor import Tensor

_ref = weakref.ref


def memory_owner(array: np.ndarray) -> np.ndarray:
    """The array that owns the memory `array` looks at (itself, unless it is a view)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def record_view(x: Any, view: Tensor, step: tuple[type, tuple[Any, ...]]) -> None:
    """Called by the `apply` of ops that declare `_makes_views` (GetItem, Reshape, Transpose,
    BroadcastTo): if `view`'s array is a NumPy view of input `x`'s memory, remember how it was
    made from the base, and let the base know of it (a weak reference)."""
    if not isinstance(x, Tensor):
        return
    viewed = view.data.base
    data = x.data
    if viewed is None or (viewed is not data and viewed is not data.base):
        return  # a copy (advanced indexing, a reshape that had to copy)
    recorded = x._view_base
    if recorded is None or memory_owner(recorded[0].data) is not memory_owner(data):
        base, chain = x, ()
    else:
        base, chain = recorded
    view._view_base = (base, chain + (step,))
    views = base._views
    if views is None:
        base._views = [_ref(view)]
        return
    views.append(_ref(view))
    count = len(views)
    if count >= 64 and not count & (count - 1):  # at powers of two: dead views go, in amortized O(1)
        views[:] = [ref for ref in views if ref() is not None]


def view_base(tensor: Tensor) -> tuple[Tensor, tuple[Any, ...]]:
    """(base, chain of view ops) of a view whose memory is still its base's; (tensor, ()) otherwise."""
    recorded = tensor._view_base
    if recorded is not None and memory_owner(recorded[0].data) is memory_owner(tensor.data):
        return recorded
    return tensor, ()


def live_views(base: Tensor) -> list[Tensor]:
    """The views of `base` still alive and still looking at its memory."""
    refs = base._views
    if not refs:
        return []
    owner = memory_owner(base.data)
    views = [ref() for ref in refs]
    return [view for view in views if view is not None and memory_owner(view.data) is owner]


def replay(array: np.ndarray, chain: tuple[Any, ...]) -> np.ndarray:
    """The chain of view ops applied to a plain array."""
    for cls, args in chain:
        array = cls.call(array, *args)
    return array


def rebase_after_write(base: Tensor, chain: tuple[Any, ...], old_base: Tensor | None, value: Tensor) -> None:
    """After a view of `base` (through `chain`; `base` itself when `chain` is empty) was
    overwritten in place by `value` (recorded): give `base` and all its views their new history.
    `old_base` is the base's value and history from before the write (None when `chain` is empty)."""
    from autograd.ops.indexing import SetItem  # here, not at the top: the ops import this module
    from autograd.ops.shape import Reshape

    if chain:
        # Where each element of the view sits in the flattened base: the chain replayed on positions.
        positions = replay(np.arange(base.data.size).reshape(base.data.shape), chain)
        flat = Reshape.apply(old_base, (-1,))
        written = Reshape.apply(SetItem.apply(flat, value, positions), base.data.shape)
        _adopt(base, written)
    for view in live_views(base):
        derived = base
        for cls, args in view._view_base[1]:
            derived = cls.apply(derived, *args)
        _adopt(view, derived)


def tensor_history(tensor: Tensor) -> Tensor:
    """A Tensor with `tensor`'s current value (a private copy) and history."""
    snapshot = Tensor(tensor.data.copy())
    snapshot.requires_grad = tensor.requires_grad
    snapshot.grad_fn = tensor.grad_fn
    if tensor._output_nr:
        snapshot._output_nr = tensor._output_nr
    return snapshot


def _adopt(tensor: Tensor, source: Tensor) -> None:
    """Make `tensor` (whose memory already holds `source`'s value) take `source`'s history."""
    tensor.grad_fn = source.grad_fn
    tensor.requires_grad = source.requires_grad
    if source.grad_fn is not None:
        source.grad_fn._outputs = tensor.data
    if "_output_nr" in tensor.__dict__:
        del tensor.__dict__["_output_nr"]
