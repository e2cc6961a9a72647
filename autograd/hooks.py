"""Gradient hooks on tensors: `register_hook`, and `retain_grad`, which is a hook that stores
the gradient. A leaf keeps its hooks; a non-leaf's live on the node that made it, keyed by
output, so the backward engine finds them where it has the gradient in hand."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd.tensor import Tensor


def call_hooks(hooks: list[Any], grad: Any, create_graph: bool, tensor: Any) -> Any:
    """Run `hooks` in order on a gradient; a returned Tensor or array replaces it, and must
    keep its shape. `tensor` (a leaf, or a description of a non-leaf) names it in errors."""
    for hook in hooks:
        as_tensor = grad if isinstance(grad, Tensor) else Tensor(grad)
        replaced = hook(as_tensor)
        if replaced is None:
            continue
        if not isinstance(replaced, (Tensor, np.ndarray)):
            name = getattr(hook, "__qualname__", type(hook).__name__)
            raise TypeError(
                f"hook {name} returned a {type(replaced).__name__}; a gradient hook must return a Tensor or "
                "None"
            )
        if replaced.shape != as_tensor.shape:
            what = tensor if isinstance(tensor, str) else _describe(tensor)
            raise RuntimeError(
                f"hook has changed the size of value: the gradient of {what} has shape {as_tensor.shape}, "
                f"the hook returned shape {replaced.shape}"
            )
        grad = replaced if create_graph else np.asarray(getattr(replaced, "data", replaced))
    return grad


def _describe(tensor: Tensor) -> str:
    named = f" {tensor.name!r}" if tensor.name is not None else ""
    return f"the leaf tensor{named} of shape {tensor.shape}"


class _RetainGrad:
    """The hook behind `retain_grad()`: stores the gradient on the tensor (weakly held)."""

    __slots__ = ("tensor",)

    def __init__(self, tensor: Tensor) -> None:
        self.tensor = weakref.ref(tensor)

    def __call__(self, grad: Tensor) -> None:
        tensor = self.tensor()
        if tensor is not None:
            value = grad.data if not grad.requires_grad else grad
            tensor.grad = Tensor(value) if tensor.grad is None else tensor.grad + value
        return None


def run_tensor_hooks(node: Any, grads: list[Any], create_graph: bool) -> None:
    for output_nr, hooks in node._hooks.items():
        if grads[output_nr] is None:
            continue
        ordered = [h for h in hooks if not isinstance(h, _RetainGrad)] + [
            h for h in hooks if isinstance(h, _RetainGrad)
        ]
        what = f"output {output_nr} of {node.name}" if len(grads) > 1 else f"the output of {node.name}"
        grads[output_nr] = call_hooks(ordered, grads[output_nr], create_graph, what)


def register_tensor_hook(tensor: Tensor, hook: Callable[[Tensor], Any] | None) -> Callable[[], None]:
    """Attach `hook` (None: the retain_grad hook) to a tensor; returns its remover."""
    hook = _RetainGrad(tensor) if hook is None else hook
    if tensor.grad_fn is None:
        if tensor._hooks is None:
            tensor._hooks = []
        hooks = tensor._hooks
    else:
        node = tensor.grad_fn
        if node._hooks is None:
            node._hooks = {}
        hooks = node._hooks.setdefault(tensor._output_nr, [])
    hooks.append(hook)
    return lambda: hooks.remove(hook) if hook in hooks else None
