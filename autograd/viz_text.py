"""How the graph drawing writes things in its labels: shapes, values, gradient norms and the
settings of ops (`axis=1`, `[0, 1:]`), each short enough for a node."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from autograd.tensor import Tensor

VANISHING_GRAD = 1e-7  # a gradient norm below this is marked as vanishing
EXPLODING_GRAD = 1e3  # a gradient norm above this (or not finite) is marked as exploding
_FULL_VALUES = 16  # arrays up to this many elements are printed in full; larger ones summarised


_ARGUMENT_NAMES: dict[type, list[str]] = {}


def argument_names(op: type) -> list[str]:
    """The names of `forward`'s arguments after ctx, to label settings like axis=1."""
    names = _ARGUMENT_NAMES.get(op)
    if names is None:
        try:
            parameters = list(inspect.signature(op.forward).parameters.values())[1:]
        except (TypeError, ValueError):
            parameters = []
        names = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        _ARGUMENT_NAMES[op] = names
    return names


def output_label(producer: Any, output_nr: int, arg: Any) -> str:
    """The shape flowing along an op -> op edge, when still known; `[k]` for output k > 0."""
    outputs = producer._outputs
    if isinstance(arg, Tensor):
        shape = shape_text(arg.shape)
    elif outputs is not None:
        shape = shape_text((outputs[output_nr] if type(outputs) is tuple else outputs).shape)
    else:
        shape = ""
    return f"[{output_nr}] {shape}".strip() if output_nr else shape


def shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def value_lines(array: Any) -> list[str]:
    """Small arrays in full; large ones as min / max / mean."""
    array = np.asarray(array)
    if array.size <= _FULL_VALUES:
        return np.array2string(array, precision=4, suppress_small=True, separator=" ").splitlines()
    if array.dtype.kind not in "biuf":
        return [f"{array.size} values"]
    values = array.astype(np.float64, copy=False)
    return [f"min {values.min():.4g}  max {values.max():.4g}", f"mean {values.mean():.4g}"]


def grad_line(grad: Any) -> tuple[str, str | None]:
    """'|grad| = ...' and 'vanishing' / 'exploding' / None."""
    if grad is None:
        return "grad: none", None
    norm = float(np.linalg.norm(np.asarray(getattr(grad, "data", grad), dtype=np.float64).ravel()))
    if not np.isfinite(norm) or norm > EXPLODING_GRAD:
        return f"|grad| = {norm:.3g} (exploding)", "exploding"
    if norm < VANISHING_GRAD:
        return f"|grad| = {norm:.3g} (vanishing)", "vanishing"
    return f"|grad| = {norm:.3g}", None


def short_repr(value: Any) -> str:
    """A setting of an op as a person would write it: 2, 0.5, (3, 2), [0, 1:]."""
    if isinstance(value, (np.ndarray, np.generic)) and value.size == 1:
        value = value.item()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, slice) or (
        isinstance(value, tuple) and any(isinstance(v, slice) or v is ... for v in value)
    ):
        parts = value if isinstance(value, tuple) else (value,)
        return clip("[" + ", ".join(_slice_text(part) for part in parts) + "]", 20)
    return clip(repr(value), 20)


def _slice_text(part: Any) -> str:
    if not isinstance(part, slice):
        return "..." if part is Ellipsis else "None" if part is None else clip(repr(part), 8)
    text = (
        ("" if part.start is None else str(part.start)) + ":" + ("" if part.stop is None else str(part.stop))
    )
    return text if part.step is None else f"{text}:{part.step}"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def stats_text(array: Any) -> str:
    """'min .. max .. mean .. norm ..' of a numeric array (what a tooltip shows of values and grads)."""
    array = np.asarray(getattr(array, "data", array))
    if array.dtype.kind not in "biuf" or array.size == 0:
        return f"{array.size} values"
    values = array.astype(np.float64, copy=False)
    norm = float(np.linalg.norm(values.ravel()))
    return f"min {values.min():.4g}  max {values.max():.4g}  mean {values.mean():.4g}  norm {norm:.4g}"


def tooltip_lines(kind: str, lines: list[str], item: Any) -> list[str]:
    """What hovering over a node shows: op name and creation site, or the tensor's name;
    shapes, dtype, and statistics of the values and the gradient when they are known."""
    if kind == "op":
        text = [f"op {lines[0]}",
                f"created at {item._site}" if item._site else "created at: unknown (record it "
                "with ag.detect_anomaly())"]  # fmt: skip
        outputs = item._outputs
        if outputs is None:
            return [*text, "values freed by backward (pass retain_graph=True to keep them)"]
        outputs = outputs if type(outputs) is tuple else (outputs,)
        for position, output in enumerate(outputs):
            which = f"output {position}" if len(outputs) > 1 else "output"
            text.append(f"{which}: {shape_text(output.shape)} {output.dtype}")
            text.append(f"  value: {stats_text(output)}")
        return text
    name = lines[0] if lines and not lines[0].startswith("(") else "tensor"
    text = [f"{kind} {name}", f"shape {shape_text(item.shape)}  dtype {item.dtype}"]
    if isinstance(item, Tensor):
        text.append(f"requires_grad={item.requires_grad}")
    text.append(f"value: {stats_text(item)}")
    grad = getattr(item, "grad", None)
    if grad is not None:
        text.append(f"grad: {stats_text(grad)}")
    return text
