"""In-place ops (`+=`, `-=`, `*=`, `/=`, `t[i] = v`) recorded like any other op.

The op runs out of place on a snapshot of the tensor's old value, the result is written
into the tensor's own buffer, and the tensor takes the op's node as its `grad_fn`; a write
into a view also rebases its base and the base's other views (see autograd/views.py). The
version of the buffer is bumped, so a node that saved that buffer, or any view of it (as
`reshape`, `transpose` and slicing give), refuses to backward: PyTorch's version counter,
which views share.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from autograd.function import next_sequence_number
from autograd.grad_mode import current_mode, no_grad
from autograd.tensor import Tensor
from autograd.views import memory_owner, rebase_after_write, tensor_history, view_base

# id(the ndarray that owns a buffer) -> the sequence number of the last in-place write into
# it; an entry goes when its buffer is freed.
_buffer_versions: dict[int, int] = {}


class _InplaceClock:
    """Process-wide (buffers are shared between threads): the sequence number (see Function) of
    the latest in-place modification. A node created after it cannot have seen a modified
    input, so backward checks nothing."""

    __slots__ = ("last",)

    def __init__(self) -> None:
        self.last = 0


inplace_clock = _InplaceClock()


def buffer_version(array: np.ndarray) -> int:
    """When `array`'s memory was last written by an in-place op (0: never)."""
    return _buffer_versions.get(id(memory_owner(array)), 0) if _buffer_versions else 0


def apply_inplace(tensor: Tensor, op: Any, *args: Any) -> Tensor:
    """Run `op(tensor, *args)` and store the result in `tensor` itself (and so in its base and
    every view of that memory: see autograd/views.py)."""
    base, chain = view_base(tensor)
    other_requires_grad = any(isinstance(a, Tensor) and a.requires_grad for a in args)
    record = current_mode()[0] and (tensor.requires_grad or other_requires_grad or base.requires_grad)
    if record:
        _check_recordable(tensor, op, base, chain)
    if not tensor.data.flags.writeable:
        raise RuntimeError(
            f"in-place {op.__name__}: the tensor's array (shape {tensor.shape}) is read-only, e.g. a "
            "broadcast view; use .copy() first"
        )
    if record:
        result = op.apply(tensor_history(tensor), *args)  # out of place, on the old value
    else:
        with no_grad():
            result = op.apply(tensor, *args)
    if result.shape != tensor.shape:
        raise RuntimeError(
            f"in-place {op.__name__}: the result has shape {result.shape} but the tensor has shape "
            f"{tensor.shape}; an in-place op cannot change the shape"
        )
    if not np.can_cast(result.data.dtype, tensor.data.dtype, casting="same_kind"):
        raise TypeError(
            f"in-place {op.__name__}: result dtype {result.dtype} cannot be stored in {tensor.dtype}"
        )

    old_base = tensor_history(base) if record and chain else None
    tensor.data[...] = result.data
    owner = memory_owner(tensor.data)
    if id(owner) not in _buffer_versions:
        weakref.finalize(owner, _buffer_versions.pop, id(owner), None)
    _buffer_versions[id(owner)] = inplace_clock.last = next_sequence_number()
    if record:
        if not chain:
            node = result.grad_fn
            node._outputs = tensor.data
            tensor.grad_fn = node
            tensor.requires_grad = True
            if "_output_nr" in tensor.__dict__:
                del tensor.__dict__["_output_nr"]
        rebase_after_write(base, chain, old_base, result)
    return tensor


def _check_recordable(tensor: Tensor, op: Any, base: Tensor, chain: tuple[Any, ...]) -> None:
    """The in-place writes PyTorch refuses too: they would lose a leaf's gradient."""
    if tensor.requires_grad and tensor.grad_fn is None:
        raise RuntimeError(
            f"in-place {op.__name__} on a leaf tensor that requires grad would lose its gradient; "
            "wrap the update in `with ag.no_grad():` or modify `.data`"
        )
    if chain and base.requires_grad and base.grad_fn is None:
        raise RuntimeError(
            f"in-place {op.__name__} on a view of a leaf tensor that requires grad (shape {base.shape}) "
            "would "
            "lose its gradient; write into a copy (`y = x * 1`, then a view of y), or wrap it in "
            "`ag.no_grad()`"
        )
    if chain and base.requires_grad and not tensor.requires_grad:
        raise RuntimeError(
            f"in-place {op.__name__} on a view made under no_grad of a tensor that requires grad: its base's "
            "gradient would miss the write; make the view with grad enabled, or write under no_grad"
        )
