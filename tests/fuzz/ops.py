"""The fuzzer's op catalogue: every built-in op, as one line of npgrad code and the same line in NumPy.

A spec writes a program step twice: as the npgrad code a user would write (`v3 = v1.exp()`) and
as plain NumPy (`v3 = np.asarray(np.exp(v1))`). Both are source text: the program that runs is
the program that is printed. `params` draws the op's constants for given argument shapes (None:
the op does not apply to them); `margin` is how far the arguments are from a kink or a domain
edge (negative: outside the domain), so that finite differences are only taken where valid.

`torch_saves_inputs` / `torch_saves_output` say what PyTorch keeps for backward: a later in-place
write to a kept tensor is an error there, anywhere else PyTorch accepts it, and so must npgrad.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .params import (
    Params,
    Shape,
    advanced_index,
    an_axis,
    axis_keepdims,
    basic_index,
    broadcast_target,
    choice,
    pad_widths,
    permutation,
    reshape_target,
    squeeze_axis,
    swap,
    where_condition,
)

DOMAIN = 0.05  # log, sqrt, division, fractional powers: arguments at least this far from 0
INF = float("inf")


@dataclass(frozen=True)
class OpSpec:
    """One kind of program step."""

    name: str
    arity: int  # program values it reads; for an in-place op the first is the target
    tensor: Callable[[Sequence[str], Params], str]  # npgrad source: an expression, or a statement if in place
    numpy: Callable[[Sequence[str], Params], str]  # the same in NumPy
    params: Callable[[np.random.Generator, list[Shape]], Params | None] = lambda rng, shapes: ()
    margin: Callable[[list[np.ndarray], Params], float] | None = None
    inplace: bool = False
    view: bool = False  # the result shares memory with the first argument
    torch_saves_inputs: bool = False
    torch_saves_output: bool = False
    weight: float = 1.0


def _min(values: Any) -> float:
    values = np.asarray(values)
    return float(values.min()) if values.size else INF


def _abs_margin(arrays: list[np.ndarray], params: Params, position: int = 0) -> float:
    """Distance from a kink at 0 (relu, abs) or a pole at 0 (1/x), in |x|."""
    return _min(np.abs(arrays[position])) - (DOMAIN if position else 0.0)


def _positive(arrays: list[np.ndarray], params: Params, position: int = 0) -> float:
    return _min(arrays[position]) - DOMAIN


def _pole(arrays: list[np.ndarray], params: Params, position: int = 0) -> float:
    return _min(np.abs(arrays[position])) - DOMAIN


def _ties(a: np.ndarray, b: np.ndarray) -> float:
    return _min(np.abs(np.asarray(a) - np.asarray(b)))


def _reduction_gap(x: np.ndarray, axis: Any) -> float:
    """The smallest gap between the largest two (and smallest two) of each reduced slice."""
    x = np.asarray(x)
    axes = tuple(range(x.ndim)) if axis is None else tuple(a % x.ndim for a in np.atleast_1d(axis))
    kept = [a for a in range(x.ndim) if a not in axes]
    slices = np.transpose(x, kept + list(axes)).reshape(int(np.prod([x.shape[a] for a in kept])), -1)
    if slices.shape[1] < 2 or slices.size == 0:
        return INF
    ordered = np.sort(slices, axis=1)
    return min(_min(ordered[:, -1] - ordered[:, -2]), _min(ordered[:, 1] - ordered[:, 0]))


# ---------------------------------------------------------------------------- the catalogue


def _unary(name: str, tensor: str, numpy: str, **kw: Any) -> OpSpec:
    return OpSpec(name, 1, lambda a, p: tensor.format(*a), lambda a, p: numpy.format(*a), **kw)


def _binary(name: str, symbol: str, numpy: str, **kw: Any) -> OpSpec:
    return OpSpec(name, 2, lambda a, p: f"{a[0]} {symbol} {a[1]}", lambda a, p: f"{numpy}({a[0]}, {a[1]})", **kw)


def _scalar(name: str, text: str, numpy: str, constants: tuple[float, ...], **kw: Any) -> OpSpec:
    """`text` with {0} the value and {c} the constant."""
    params = choice(*((c,) for c in constants))
    return OpSpec(
        name, 1, lambda a, p: text.format(a[0], c=p[0]), lambda a, p: numpy.format(a[0], c=p[0]), params, **kw
    )


def _reduce(name: str, method: str, numpy: str, **kw: Any) -> OpSpec:
    return OpSpec(
        name,
        1,
        lambda a, p: f"{a[0]}.{method}(axis={p[0]!r}, keepdims={p[1]})",
        lambda a, p: f"{numpy}({a[0]}, axis={p[0]!r}, keepdims={p[1]})",
        lambda rng, shapes: axis_keepdims(rng, len(shapes[0])),
        **kw,
    )


def _var_params(rng: np.random.Generator, shapes: list[Shape]) -> Params | None:
    axis, keepdims = axis_keepdims(rng, len(shapes[0]))
    axes = range(len(shapes[0])) if axis is None else np.atleast_1d(axis)
    count = int(np.prod([shapes[0][a] for a in axes]))
    return axis, keepdims, int(rng.integers(2)) if count >= 2 else 0


def _pow_margin(arrays: list[np.ndarray], params: Params) -> float:
    p = params[0]
    if float(p).is_integer() and p >= 0:
        return INF
    return _positive(arrays, params) if not float(p).is_integer() else _pole(arrays, params)


SPECS: list[OpSpec] = [
    # elementwise, one value
    _unary("neg", "-{0}", "np.negative({0})"),
    _unary("exp", "{0}.exp()", "np.exp({0})", torch_saves_output=True),
    _unary("log", "ag.log({0})", "np.log({0})", margin=_positive, torch_saves_inputs=True),
    _unary("sqrt", "{0}.sqrt()", "np.sqrt({0})", margin=_positive, torch_saves_output=True),
    _unary("sin", "{0}.sin()", "np.sin({0})", torch_saves_inputs=True),
    _unary("cos", "ag.cos({0})", "np.cos({0})", torch_saves_inputs=True),
    _unary("tanh", "{0}.tanh()", "np.tanh({0})", torch_saves_output=True),
    _unary("sigmoid", "ag.sigmoid({0})", "1.0 / (1.0 + np.exp(-{0}))", torch_saves_output=True),
    _unary("relu", "{0}.relu()", "np.maximum({0}, 0.0)", margin=_abs_margin, torch_saves_output=True),
    _unary("abs", "abs({0})", "np.abs({0})", margin=_abs_margin, torch_saves_inputs=True),
    OpSpec(
        "clip",
        1,
        lambda a, p: f"{a[0]}.clip({p[0]!r}, {p[1]!r})",
        lambda a, p: f"np.clip({a[0]}, {p[0]!r}, {p[1]!r})",
        choice((-0.5, 0.5), (None, 0.3), (-0.3, None)),
        margin=lambda x, p: min(_ties(x[0], b) for b in p if b is not None),
        torch_saves_inputs=True,
    ),
    # arithmetic with a Python number, either side
    _scalar("add c", "{0} + {c!r}", "{0} + {c!r}", (1.5, -0.25)),
    _scalar("radd c", "{c!r} + {0}", "{c!r} + {0}", (0.5,)),
    _scalar("sub c", "{0} - {c!r}", "{0} - {c!r}", (0.75,)),
    _scalar("rsub c", "{c!r} - {0}", "{c!r} - {0}", (1.0, -2.0)),
    _scalar("mul c", "{0} * {c!r}", "{0} * {c!r}", (2.0, -0.5)),
    _scalar("rmul c", "{c!r} * {0}", "{c!r} * {0}", (3.0,)),
    _scalar("div c", "{0} / {c!r}", "{0} / {c!r}", (3.0, -0.5)),
    _scalar("rdiv c", "{c!r} / {0}", "{c!r} / {0}", (1.0, -2.0), margin=_pole),
    _scalar(
        "pow c",
        "{0} ** {c!r}",
        "np.power({0}, {c!r})",
        (2, 3, 2.0, 0.5, -1.0, 1.5),
        margin=_pow_margin,
        torch_saves_inputs=True,
    ),  # fmt: skip
    _scalar(
        "rpow c", "{c!r} ** {0}", "np.power({c!r}, {0})", (2.0, 0.5), torch_saves_inputs=True, torch_saves_output=True
    ),
    # two values, broadcasting
    _binary("add", "+", "np.add"),
    _binary("sub", "-", "np.subtract"),
    _binary("mul", "*", "np.multiply", torch_saves_inputs=True),
    _binary("div", "/", "np.divide", margin=lambda x, p: _pole(x, p, 1), torch_saves_inputs=True),
    _binary("pow", "**", "np.power", margin=_positive, torch_saves_inputs=True, torch_saves_output=True),
    OpSpec(
        "maximum",
        2,
        lambda a, p: f"ag.maximum({a[0]}, {a[1]})",
        lambda a, p: f"np.maximum({a[0]}, {a[1]})",
        margin=lambda x, p: _ties(*x),
        torch_saves_inputs=True,
    ),  # fmt: skip
    OpSpec(
        "minimum",
        2,
        lambda a, p: f"ag.minimum({a[0]}, {a[1]})",
        lambda a, p: f"np.minimum({a[0]}, {a[1]})",
        margin=lambda x, p: _ties(*x),
        torch_saves_inputs=True,
    ),  # fmt: skip
    OpSpec(
        "where",
        2,
        lambda a, p: f"ag.where({p[0]}, {a[0]}, {a[1]})",
        lambda a, p: f"np.where({p[0]}, {a[0]}, {a[1]})",
        where_condition,
    ),  # fmt: skip
    OpSpec(
        "matmul",
        2,
        lambda a, p: f"{a[0]} @ {a[1]}",
        lambda a, p: f"np.matmul({a[0]}, {a[1]})",
        torch_saves_inputs=True,
        weight=2.0,
    ),
    # reductions
    _reduce("sum", "sum", "np.sum"),
    _reduce("mean", "mean", "np.mean"),
    OpSpec(
        "var",
        1,
        lambda a, p: f"{a[0]}.var(axis={p[0]!r}, keepdims={p[1]}, ddof={p[2]})",
        lambda a, p: f"np.var({a[0]}, axis={p[0]!r}, keepdims={p[1]}, ddof={p[2]})",
        _var_params,
        torch_saves_inputs=True,
    ),  # fmt: skip
    _reduce(
        "max",
        "max",
        "np.max",
        margin=lambda x, p: _reduction_gap(x[0], p[0]),
        torch_saves_inputs=True,
        torch_saves_output=True,
    ),
    _reduce(
        "min",
        "min",
        "np.min",
        margin=lambda x, p: _reduction_gap(x[0], p[0]),
        torch_saves_inputs=True,
        torch_saves_output=True,
    ),
    OpSpec(
        "logsumexp",
        1,
        lambda a, p: f"ag.logsumexp({a[0]}, axis={p[0]!r}, keepdims={p[1]})",
        lambda a, p: f"np.log(np.sum(np.exp({a[0]}), axis={p[0]!r}, keepdims={p[1]}))",
        lambda rng, shapes: axis_keepdims(rng, len(shapes[0])),
        torch_saves_inputs=True,
        torch_saves_output=True,
    ),  # fmt: skip
    OpSpec(
        "softmax",
        1,
        lambda a, p: f"ag.softmax({a[0]}, axis={p[0]})",
        lambda a, p: f"np.exp({a[0]}) / np.sum(np.exp({a[0]}), axis={p[0]}, keepdims=True)",
        an_axis,
        torch_saves_output=True,
    ),  # fmt: skip
    OpSpec(
        "log_softmax",
        1,
        lambda a, p: f"ag.log_softmax({a[0]}, axis={p[0]})",
        lambda a, p: f"{a[0]} - np.log(np.sum(np.exp({a[0]}), axis={p[0]}, keepdims=True))",
        an_axis,
        torch_saves_output=True,
    ),  # fmt: skip
    # shape and indexing (views where NumPy gives views)
    OpSpec(
        "reshape",
        1,
        lambda a, p: f"{a[0]}.reshape({p[0]!r})",
        lambda a, p: f"np.reshape({a[0]}, {p[0]!r})",
        reshape_target,
        view=True,
    ),
    OpSpec(
        "flatten", 1, lambda a, p: f"{a[0]}.flatten()", lambda a, p: f"np.reshape({a[0]}, (-1,))", view=True, weight=0.3
    ),
    OpSpec(
        "transpose",
        1,
        lambda a, p: f"{a[0]}.T" if p[0] is None else f"{a[0]}.transpose({p[0]!r})",
        lambda a, p: f"np.transpose({a[0]}, {p[0]!r})",
        permutation,
        view=True,
    ),  # fmt: skip
    OpSpec(
        "swapaxes",
        1,
        lambda a, p: f"{a[0]}.swapaxes({p[0]}, {p[1]})",
        lambda a, p: f"np.swapaxes({a[0]}, {p[0]}, {p[1]})",
        swap,
        view=True,
        weight=0.3,
    ),
    OpSpec(
        "squeeze",
        1,
        lambda a, p: f"{a[0]}.squeeze({p[0]!r})",
        lambda a, p: f"np.squeeze({a[0]}, {p[0]!r})",
        squeeze_axis,
        view=True,
        weight=0.5,
    ),
    OpSpec(
        "expand_dims",
        1,
        lambda a, p: f"ag.expand_dims({a[0]}, {p[0]})",
        lambda a, p: f"np.expand_dims({a[0]}, {p[0]})",
        lambda rng, shapes: (int(rng.integers(-len(shapes[0]) - 1, len(shapes[0]) + 1)),),
        view=True,
        weight=0.5,
    ),  # fmt: skip
    OpSpec(
        "broadcast_to",
        1,
        lambda a, p: f"ag.broadcast_to({a[0]}, {p[0]!r})",
        lambda a, p: f"np.broadcast_to({a[0]}, {p[0]!r})",
        broadcast_target,
        view=True,
        weight=0.5,
    ),  # fmt: skip
    OpSpec(
        "concatenate",
        2,
        lambda a, p: f"ag.concatenate([{a[0]}, {a[1]}], axis={p[0]})",
        lambda a, p: f"np.concatenate([{a[0]}, {a[1]}], axis={p[0]})",
        an_axis,
    ),  # fmt: skip
    OpSpec(
        "stack",
        2,
        lambda a, p: f"ag.stack([{a[0]}, {a[1]}], axis={p[0]})",
        lambda a, p: f"np.stack([{a[0]}, {a[1]}], axis={p[0]})",
        lambda rng, shapes: (int(rng.integers(-len(shapes[0]) - 1, len(shapes[0]) + 1)),),
        weight=0.5,
    ),  # fmt: skip
    OpSpec(
        "pad",
        1,
        lambda a, p: f"ag.pad({a[0]}, {p[0]!r}, {p[1]!r})",
        lambda a, p: f"np.pad({a[0]}, {p[0]!r}, constant_values={p[1]!r})",
        pad_widths,
        weight=0.5,
    ),  # fmt: skip
    _unary("copy", "{0}.copy()", "np.array({0}, copy=True)", weight=0.3),
    OpSpec("getitem", 1, lambda a, p: f"{a[0]}[{p[0]}]", lambda a, p: f"{a[0]}[{p[0]}]", basic_index, view=True),
    OpSpec("getitem advanced", 1, lambda a, p: f"{a[0]}[{p[0]}]", lambda a, p: f"{a[0]}[{p[0]}]", advanced_index),
    # in place on an intermediate (the target is the first value)
    OpSpec("+= value", 2, lambda a, p: f"{a[0]} += {a[1]}", lambda a, p: f"{a[0]} += {a[1]}", inplace=True),
    OpSpec("-= value", 2, lambda a, p: f"{a[0]} -= {a[1]}", lambda a, p: f"{a[0]} -= {a[1]}", inplace=True),
    OpSpec(
        "*= value",
        2,
        lambda a, p: f"{a[0]} *= {a[1]}",
        lambda a, p: f"{a[0]} *= {a[1]}",
        inplace=True,
        torch_saves_inputs=True,
    ),
    OpSpec(
        "/= value",
        2,
        lambda a, p: f"{a[0]} /= {a[1]}",
        lambda a, p: f"{a[0]} /= {a[1]}",
        margin=lambda x, p: _pole(x, p, 1),
        inplace=True,
        torch_saves_inputs=True,
    ),  # fmt: skip
    _scalar("+= c", "{0} += {c!r}", "{0} += {c!r}", (1.0, -0.5), inplace=True),
    _scalar("-= c", "{0} -= {c!r}", "{0} -= {c!r}", (0.25,), inplace=True),
    _scalar("*= c", "{0} *= {c!r}", "{0} *= {c!r}", (2.0, -1.5), inplace=True),
    _scalar("/= c", "{0} /= {c!r}", "{0} /= {c!r}", (4.0, -0.5), inplace=True),
    OpSpec(
        "setitem value",
        2,
        lambda a, p: f"{a[0]}[{p[0]}] = {a[1]}",
        lambda a, p: f"{a[0]}[{p[0]}] = {a[1]}",
        lambda rng, shapes: (
            basic_index(rng, shapes) if rng.random() < 0.5 else advanced_index(rng, shapes, unique=True)
        ),
        inplace=True,
    ),  # fmt: skip
    OpSpec(
        "setitem c",
        1,
        lambda a, p: f"{a[0]}[{p[0]}] = {p[1]!r}",
        lambda a, p: f"{a[0]}[{p[0]}] = {p[1]!r}",
        lambda rng, shapes: None if (index := basic_index(rng, shapes)) is None else index + (0.25,),
        inplace=True,
    ),  # fmt: skip
]
OPS: dict[str, OpSpec] = {spec.name: spec for spec in SPECS}
