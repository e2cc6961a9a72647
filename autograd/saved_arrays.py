"""What a node saved for backward, read back: as Tensors under create_graph, and checked
against in-place writes made after the node was recorded (the version counter)."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.inplace import buffer_version
from autograd.tensor import Tensor

_ndarray = np.ndarray


def saved_as_tensors(node: Any) -> tuple[Any, ...]:
    """For create_graph: each saved array that is an input or output becomes that Tensor."""
    outputs = node._outputs
    outputs = outputs if type(outputs) is tuple else (outputs,)
    converted = []
    for saved in node.saved_tensors:
        if isinstance(saved, _ndarray):
            match = next((a for a in node.inputs if isinstance(a, Tensor) and a.data is saved), None)
            if match is None:
                for output_nr, output in enumerate(outputs):
                    if output is saved:
                        match = Tensor(saved)
                        match.requires_grad = True
                        match.grad_fn = node
                        if output_nr:
                            match._output_nr = output_nr
                        break
            saved = saved if match is None else match
        converted.append(saved)
    return tuple(converted)


def check_saved_versions(node: Any) -> None:
    """Raise if an array this node saved (or memory it views) was modified in place after
    the node was recorded."""
    for saved in node.saved_tensors:
        if isinstance(saved, _ndarray) and buffer_version(saved) > node._seq:
            position = next(
                (i for i, a in enumerate(node.inputs) if isinstance(a, Tensor) and a.data is saved), None
            )
            outputs = node._outputs if type(node._outputs) is tuple else (node._outputs,)
            if position is not None:
                what = f"input {position} (shape {saved.shape})"
            elif any(saved is output for output in outputs):
                what = "its output"
            else:
                what = f"an array of shape {saved.shape} that it saved"
            _raise_modified(node, what)


def _raise_modified(node: Any, what: str) -> None:
    raise RuntimeError(
        f"one of the arrays needed by {node.name} for backward, {what}, was modified by an in-place "
        f"operation after {node.name} was recorded; use .copy() before the in-place op"
    )
