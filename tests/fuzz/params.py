"""Drawing the constants of a program step for given argument shapes: axes, target shapes,
indices (as source text), pad widths, where-conditions. Each returns a tuple of parameters, or
None when the op does not apply to those shapes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Shape = tuple[int, ...]
Params = tuple[Any, ...]


def axis_keepdims(rng: np.random.Generator, ndim: int) -> Params:
    keepdims = bool(rng.integers(2))
    kind = rng.integers(3) if ndim else 0
    if kind == 0:
        return None, keepdims
    if kind == 1:
        return int(rng.integers(-ndim, ndim)), keepdims
    count = int(rng.integers(1, ndim + 1))
    return tuple(int(a) for a in rng.permutation(ndim)[:count]), keepdims


def an_axis(rng: np.random.Generator, shapes: list[Shape]) -> Params | None:
    ndim = len(shapes[0])
    return (int(rng.integers(-ndim, ndim)),) if ndim else None


def reshape_target(rng: np.random.Generator, shapes: list[Shape]) -> Params:
    size = int(np.prod(shapes[0]))
    factors = [f for f in (2, 3, 5, 7) for _ in range(20) if size % f ** (_ + 1) == 0]
    dims = [1] * int(rng.integers(1 if size > 1 else 0, 5))
    for f in factors:
        if dims:
            dims[int(rng.integers(len(dims)))] *= f
    if dims and rng.random() < 0.3:
        dims[int(rng.integers(len(dims)))] = -1
    return (tuple(dims),)


def permutation(rng: np.random.Generator, shapes: list[Shape]) -> Params:
    ndim = len(shapes[0])
    if rng.random() < 0.2:
        return (None,)
    axes = [int(a) for a in rng.permutation(ndim)]
    if rng.random() < 0.3:
        axes = [a - ndim for a in axes]
    return (tuple(axes),)


def swap(rng: np.random.Generator, shapes: list[Shape]) -> Params | None:
    ndim = len(shapes[0])
    return (int(rng.integers(-ndim, ndim)), int(rng.integers(-ndim, ndim))) if ndim else None


def squeeze_axis(rng: np.random.Generator, shapes: list[Shape]) -> Params:
    ones = [a for a, side in enumerate(shapes[0]) if side == 1]
    return (int(rng.choice(ones)) if ones and rng.random() < 0.7 else None,)


def broadcast_target(rng: np.random.Generator, shapes: list[Shape]) -> Params | None:
    shape = tuple(int(rng.integers(2, 4)) if side == 1 and rng.random() < 0.7 else side for side in shapes[0])
    if len(shape) < 4 and rng.random() < 0.5:
        shape = (int(rng.integers(1, 3)),) + shape
    return (shape,)


def pad_widths(rng: np.random.Generator, shapes: list[Shape]) -> Params | None:
    ndim = len(shapes[0])
    if not ndim:
        return None
    kind = rng.integers(3)
    widths: Any = (
        1
        if kind == 0
        else ((0, 1),)
        if kind == 1
        else tuple((int(rng.integers(2)), int(rng.integers(2))) for _ in range(ndim))
    )
    return widths, float(rng.choice([0.0, -0.5]))


def array_text(array: np.ndarray) -> str:
    return f"np.array({np.asarray(array).tolist()!r})"


def basic_index(rng: np.random.Generator, shapes: list[Shape]) -> Params | None:
    shape = shapes[0]
    if not shape:
        return ("None",) if rng.random() < 0.5 else ("...",)
    parts = []
    for side in shape[: int(rng.integers(1, len(shape) + 1))]:
        kind = rng.integers(5)
        parts.append([":", "1:", "::-1", ":1", str(int(rng.integers(-side, side)))][kind])
    if rng.random() < 0.2:
        parts.insert(int(rng.integers(len(parts) + 1)), "None")
    if rng.random() < 0.2:
        parts.insert(0, "...")
        parts = parts[:1] + parts[1:][::-1]
    return (", ".join(parts),)


def advanced_index(rng: np.random.Generator, shapes: list[Shape], unique: bool = False) -> Params | None:
    shape = shapes[0]
    if not shape:
        return None
    kind = rng.integers(3)
    if kind == 0 or (kind == 2 and len(shape) < 2):
        picks = (
            rng.permutation(shape[0])[: int(rng.integers(1, shape[0] + 1))]
            if unique
            else rng.integers(0, shape[0], int(rng.integers(1, 5)))
        )
        return (array_text(picks),)
    if kind == 1:
        return (array_text(rng.random(shape) < 0.6),)
    rows = rng.integers(0, shape[0], 2)
    columns = rng.permutation(shape[1])[:1] if unique else rng.integers(0, shape[1], 2)
    return (f":, {array_text(columns)}" if unique else f"{array_text(rows)}, {array_text(columns)}",)


def where_condition(rng: np.random.Generator, shapes: list[Shape]) -> Params | None:
    try:
        shape = np.broadcast_shapes(*shapes)
    except ValueError:
        return None
    shape = tuple(1 if rng.random() < 0.3 else side for side in shape)
    return (array_text(rng.random(shape) < 0.5),)


def choice(*options: Any) -> Callable[[np.random.Generator, list[Shape]], Params]:
    return lambda rng, shapes: options[int(rng.integers(len(options)))]
