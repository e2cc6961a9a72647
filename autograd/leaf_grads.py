"""The end of a backward pass: the gradients that reached leaves, accumulated into `.grad`
(backward) or handed back (`ag.grad`), without copying an array nobody else can see."""

from __future__ import annotations

from collections.abc import Sequence
from sys import getrefcount
from typing import Any

import numpy as np

from autograd.hooks import call_hooks
from autograd.tensor import Tensor

_ndarray = np.ndarray
_new_tensor = object.__new__


def add_leaf_grad(leaf_grads: dict[int, list[Any]], leaf: Tensor, grad: Any) -> None:
    """Sum `grad` into `leaf`'s entry of `leaf_grads` (id(leaf) -> [leaf, summed gradient])."""
    entry = leaf_grads.get(id(leaf))
    if entry is None:
        leaf_grads[id(leaf)] = [leaf, grad]
    else:
        entry[1] = entry[1] + grad


def finish_leaves(
    leaf_grads: dict[int, list[Any]],
    leaf_captures: dict[int, int],
    captured: list[Any],
    inputs: Sequence[Tensor] | None,
    create_graph: bool,
    allow_unused: bool,
) -> tuple[Tensor | None, ...] | None:
    """Run leaf hooks, then accumulate into `.grad` (backward) or return the grads (ag.grad)."""
    for key, (leaf, grad) in leaf_grads.items():
        if leaf._hooks:
            grad = call_hooks(leaf._hooks, grad, create_graph, leaf)
        if isinstance(grad, np.generic):  # the sum of two 0-d arrays is a NumPy scalar
            grad = np.asarray(grad)
        if grad.dtype.kind == "c" and leaf.data.dtype.kind != "c":
            raise TypeError(
                f"backward: the gradient of a real leaf of shape {leaf.shape} came out complex "
                f"({grad.dtype}): "
                "complex numbers entered the graph; complex autograd is not supported"
            )
        if inputs is not None:
            if key in leaf_captures:
                captured[leaf_captures[key]] = grad
            continue
        if create_graph:
            if not isinstance(grad, Tensor):  # a custom backward may return arrays: `.grad` is a Tensor
                grad = Tensor(grad)
            grad = grad if grad.dtype == leaf.data.dtype else grad.astype(leaf.data.dtype)
            leaf.grad = grad if leaf.grad is None else leaf.grad + grad
            continue
        if grad.dtype != leaf.data.dtype:
            grad = grad.astype(leaf.data.dtype)
        elif not _unshared(grad):
            grad = grad.copy()  # never hand out memory that anything else can see or change
        leaf.grad = grad_tensor(grad if leaf.grad is None else np.asarray(leaf.grad.data + grad))
    if inputs is None:
        return None
    results = []
    for position, grad in enumerate(captured):
        if grad is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: input {position} (shape {inputs[position].shape}) was not used to compute the "
                    "outputs; "
                    "pass allow_unused=True to get None for it"
                )
            results.append(None)
        elif isinstance(grad, Tensor):
            results.append(grad)
        else:  # writable and not a view of anything the caller can see, as `.grad` is
            results.append(grad_tensor(np.array(grad) if not _unshared(grad) else np.asarray(grad)))
    return tuple(results)


def grad_tensor(grad: np.ndarray) -> Tensor:
    """`Tensor(grad)` without the checks of the constructor, for an array the engine (or a compiled
    plan) made: a gradient, or a compiled loss."""
    tensor = _new_tensor(Tensor)
    tensor.data = grad
    tensor.requires_grad = False
    tensor.grad_fn = None
    return tensor


def _unshared(grad: np.ndarray) -> bool:
    """Is `grad` (the array in a `leaf_grads` entry, bound to the caller's `grad`) referenced
    by nothing else, nor its memory by any other array? Then `.grad` can take it as it is,
    as PyTorch's AccumulateGrad steals a gradient whose use count is one."""
    if not grad.flags.writeable:
        return False
    own, of_base = _reference_counts(grad)
    if own > _REFS_OF_OWN_GRAD:
        return False
    base = grad.base
    # A view (a transposed matmul result, say) is fine when its base is owned by nothing else.
    return base is None or (type(base) is _ndarray and base.base is None and of_base <= _REFS_OF_BASE)


def _reference_counts(grad: np.ndarray) -> tuple[int, int]:
    base = grad.base
    return getrefcount(grad), 0 if base is None else getrefcount(base)


def _calibrated_reference_counts() -> tuple[int, int]:
    """The counts `_unshared` sees for a gradient nobody else holds, measured once through the
    same loop and calls as `_finish_leaves`: what the interpreter counts (frames, borrowed
    references) differs between Python versions."""

    def like_unshared(grad: np.ndarray) -> tuple[int, int]:
        return _reference_counts(grad)

    leaf_grads = {0: [None, np.empty((1, 2)).T]}  # a fresh view: its base is held by it alone
    for _key, (_leaf, grad) in leaf_grads.items():
        return like_unshared(grad)
    raise AssertionError("unreachable")


_REFS_OF_OWN_GRAD, _REFS_OF_BASE = _calibrated_reference_counts()
