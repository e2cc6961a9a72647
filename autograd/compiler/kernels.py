"""Fast kernels: the hot ops' forward and backward written straight into the generated plan.

A kernel is the op's own formula (see autograd/ops and nn/functional), spelled with the same NumPy
calls in the same order, so that its results are bit for bit the op's; what it saves is the node
object, the call of `forward`/`backward`, `needs_input_grad` and the engine's per-gradient checks:
what backward needs stays in local variables of the plan, and which inputs need a gradient is
known when the plan is made. An op, or a use of it, that a kernel does not cover (another number
of dimensions, a custom subclass) goes through the general replay. `tests/autograd/test_compile.py`
runs every table row with and without kernels against eager execution.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd.ops import arithmetic, elementwise, linalg, reduction
from autograd.ops.linalg import _column_major

# Names the generated code uses; plan.py puts them in its namespace.
NAMESPACE: dict[str, Any] = {
    "_matmul": np.matmul,
    "_tanh": np.tanh,
    "_multiply": np.multiply,
    "_add_reduce": np.add.reduce,
    "_asarray": np.asarray,
    "_column_major": _column_major,
    "_add": np.add,
    "_subtract": np.subtract,
    "_negative": np.negative,
    "_greater": np.greater,
    "_maximum": np.maximum,
    "_maximum_reduce": np.maximum.reduce,
    "_exp": np.exp,
    "_log": np.log,
    "_zeros": np.zeros,
}

Shape = tuple[int, ...]


@dataclass
class Op:
    """What a kernel knows of one use of an op: argument expressions (a plan local, a constant's name
    or a literal), their shapes (None for a non-array constant) and values (constants only), whether
    each needs a gradient, the output's local and shape, and whether backward will run."""

    args: list[str]
    shapes: list[Shape | None]
    values: list[Any]  # the constant itself, or None for a slot
    needs: list[bool]
    kinds: list[str | None]  # dtype kind of each array argument
    out: str
    out_shape: Shape
    backward: bool
    saved: list[str] = field(default_factory=list)  # locals that the backward kernel reads
    # Makes a buffer (of `dtype` and `shape`, default the output's) that the plan keeps between
    # calls, and returns its name; None where the output must be a new array each call.
    buffer: Callable[..., str] | None = None
    dtypes: list[Any] = field(default_factory=list)  # dtype of each array argument (None for others)
    out_dtype: Any = None
    constant: Callable[[Any], str] | None = None  # names a constant in the plan's namespace
    zeros: Callable[[Shape, Any], str] | None = None  # names a read-only array of zeros (shape, dtype)
    function: Any = None  # the op's Function class (for a helper of its own that the kernel calls)


def _literal(op: Op, value: float, operands: tuple[int, ...] = ()) -> str:
    """A Python float that the kernel's code combines with the output (and with the arguments
    `operands`): a 0-d array of the output's dtype when they all have that floating dtype, for which
    NumPy computes exactly what it computes for the number (the number takes the array's dtype)
    without converting the number on every call; else the number itself."""
    dtype = op.out_dtype
    if (
        op.constant is None
        or dtype is None
        or dtype.kind != "f"
        or any(op.dtypes[k] != dtype for k in operands)
    ):
        return repr(value)
    return op.constant(np.array(value, dtype))


@dataclass
class Gradients:
    """A backward kernel's code and, per forward argument, the expression of its gradient (None where
    none is needed) and that gradient's shape (to decide statically whether the engine would reduce it)."""

    lines: list[str]
    grads: list[str | None]
    shapes: list[Shape | None]
    temps: list[str] = field(default_factory=list)  # locals of `lines` to delete once the grads are used


Forward = Callable[[Op], list[str] | None]
Backward = Callable[[Op, str], Gradients]


def _broadcast(*shapes: Shape | None) -> Shape:
    return np.broadcast_shapes(*[s if s is not None else () for s in shapes])


# ------------------------------------------------------------------ elementwise arithmetic
def _ufunc(op: Op, ufunc: str, operator: str) -> list[str]:
    """`out = a (operator) b` as the op computes it, into the plan's buffer where there is one."""
    a, b = op.args
    if op.buffer is None:
        return [f"{op.out} = {a} {operator} {b}"]
    # a Python float with an argument of the output's dtype: a 0-d array of it (forward only: the
    # gradient it multiplies in backward may have another dtype)
    if type(op.values[0]) is float and op.dtypes[1] is not None:
        a = _literal(op, op.values[0], (1,))
    elif type(op.values[1]) is float and op.dtypes[0] is not None:
        b = _literal(op, op.values[1], (0,))
    return [f"{op.out} = {ufunc}({a}, {b}, {op.buffer()})"]


def add_forward(op: Op) -> list[str]:
    return _ufunc(op, "_add", "+")


def add_backward(op: Op, g: str) -> Gradients:
    return Gradients(
        [], [g if op.needs[0] else None, g if op.needs[1] else None], [op.out_shape, op.out_shape]
    )


def sub_forward(op: Op) -> list[str]:
    return _ufunc(op, "_subtract", "-")


def sub_backward(op: Op, g: str) -> Gradients:
    grads = [g if op.needs[0] else None, f"-{g}" if op.needs[1] else None]
    return Gradients([], grads, [op.out_shape, op.out_shape])


def mul_forward(op: Op) -> list[str]:
    if op.backward:
        op.saved = [a for a in op.args if a.startswith("v")]
    return _ufunc(op, "_multiply", "*")


def mul_backward(op: Op, g: str) -> Gradients:
    a, b = op.args
    grads = [f"{g} * {b}" if op.needs[0] else None, f"{g} * {a}" if op.needs[1] else None]
    shapes = [_broadcast(op.out_shape, op.shapes[1]), _broadcast(op.out_shape, op.shapes[0])]
    return Gradients([], grads, shapes)


def neg_forward(op: Op) -> list[str]:
    if op.buffer is None:
        return [f"{op.out} = -{op.args[0]}"]
    return [f"{op.out} = _negative({op.args[0]}, {op.buffer()})"]


def neg_backward(op: Op, g: str) -> Gradients:
    return Gradients([], [f"-{g}"], [op.out_shape])


# ------------------------------------------------------------------ activations
def tanh_forward(op: Op) -> list[str]:
    if op.backward:
        op.saved = [op.out]
    if op.buffer is None:
        return [f"{op.out} = _tanh({op.args[0]})"]
    return [f"{op.out} = _tanh({op.args[0]}, {op.buffer()})"]


def tanh_backward(op: Op, g: str) -> Gradients:
    out = op.out
    if op.buffer is None:
        return Gradients([], [f"{g} * (1.0 - {out} * {out})"], [op.out_shape])
    # 1 - out² in the output's dtype (the 1.0 takes it), into a buffer; only g * (...) is new
    slope = f"s{out}"
    lines = [
        f"{slope} = _multiply({out}, {out}, {op.buffer()})",
        f"_subtract({_literal(op, 1.0)}, {slope}, {slope})",
    ]
    return Gradients(lines, [f"{g} * {slope}"], [op.out_shape], temps=[slope])


def sigmoid_forward(op: Op) -> list[str]:
    if op.backward:
        op.saved = [op.out]
    out = op.out
    if op.buffer is None:
        return [f"{out} = _tanh({op.args[0]} * 0.5)", f"{out} += 1.0", f"{out} *= 0.5"]
    # x * 0.5 and its tanh into two buffers: NumPy may take another (not bitwise equal) loop for a
    # transcendental function computed in place, so tanh never writes over its own input
    half, one = op.buffer(), _literal(op, 1.0)
    return [
        f"{out} = _tanh(_multiply({op.args[0]}, {_literal(op, 0.5, (0,))}, {half}), {op.buffer()})",
        f"_add({out}, {one}, {out})",
        f"_multiply({out}, {_literal(op, 0.5)}, {out})",
    ]


def sigmoid_backward(op: Op, g: str) -> Gradients:
    out = op.out
    if op.buffer is None:
        return Gradients([], [f"{g} * {out} * (1.0 - {out})"], [op.out_shape])
    # (g * out) * (1 - out): 1 - out in the output's dtype into a buffer, and the product into the
    # new array g * out (whose dtype is already the product's), so one array is made, not three
    slope, grad = f"s{out}", f"gs{out}"
    lines = [
        f"{slope} = _subtract({_literal(op, 1.0)}, {out}, {op.buffer()})",
        f"{grad} = {g} * {out}",
        f"_multiply({grad}, {slope}, {grad})",
    ]
    return Gradients(lines, [grad], [op.out_shape], temps=[slope, grad])


def relu_forward(op: Op) -> list[str]:
    mask, x = f"m{op.out}", op.args[0]
    if op.backward:
        op.saved = [mask]
    # The mask (only if backward runs) as eager's bool array, into a buffer where there is one.
    if op.buffer is None:
        lines = [f"{op.out} = _maximum({x}, 0)"]
        masks = ""
    else:
        # np.maximum against an array of zeros of x's shape and dtype: the same numbers as against
        # the number 0 (signs of zero and NaNs included), through NumPy's SIMD loop for two arrays,
        # which takes a third of the instructions of its loop for an array and a scalar.
        dtype = op.dtypes[0]
        floats = dtype is not None and dtype.kind == "f" and dtype == op.out_dtype
        zero = op.zeros(op.out_shape, dtype) if floats and op.shapes[0] == op.out_shape and op.zeros else "0"
        lines = [f"{op.out} = _maximum({x}, {zero}, out={op.buffer()})"]  # np.maximum: out by keyword
        masks = f", {op.buffer(np.dtype(bool))}"
    if op.backward:
        lines.insert(0, f"{mask} = _greater({x}, 0{masks})")
    return lines


def relu_backward(op: Op, g: str) -> Gradients:
    return Gradients([], [f"{g} * m{op.out}"], [op.out_shape])


# ------------------------------------------------------------------ reductions over everything
def _whole(op: Op) -> bool:
    """sum/mean over all axes without keepdims, of a float array: the loss's last op."""
    return op.values[1] is None and op.values[2] is False and op.shapes[0] is not None


def sum_forward(op: Op) -> list[str] | None:
    if not _whole(op):
        return None
    return [f"{op.out} = _asarray(_add_reduce({op.args[0]}, axis=None, keepdims=False))"]


def sum_backward(op: Op, g: str) -> Gradients:
    return Gradients([], [g, None, None], [op.out_shape, None, None])


def mean_forward(op: Op) -> list[str] | None:
    count = int(np.prod(op.shapes[0] or ()))
    if not _whole(op) or op.kinds[0] != "f" or count == 0:  # integers are averaged in float64: general path
        return None
    return [
        f"{op.out} = _asarray(_add_reduce({op.args[0]}, None, None, None, False))",
        f"{op.out} /= {count}",
    ]


def mean_backward(op: Op, g: str) -> Gradients:
    count = int(np.prod(op.shapes[0]))
    return Gradients([], [f"{g} / {count}", None, None], [op.out_shape, None, None])


# ------------------------------------------------------------------ matrix products
def linear_forward(op: Op) -> list[str] | None:
    x, weight, bias = op.args
    if (
        len(op.shapes[0] or ()) != 2
        or len(op.shapes[1] or ()) != 2
        or (bias != "None" and op.shapes[2] is None)
    ):
        return None
    if op.backward:
        op.saved = [x, weight]
    out = "" if op.buffer is None else f", {op.buffer()}"
    lines = [f"{op.out} = _matmul({x}, {weight}.T{out})"]
    if bias != "None":
        lines.append(f"{op.out} += {bias}")
    return lines


def linear_backward(op: Op, g: str) -> Gradients:
    x, weight, _ = op.args
    grads: list[str | None] = [None, None, None]
    if op.needs[0]:
        grads[0] = f"_matmul({g}, {weight})"
    if op.needs[1]:
        grads[1] = f"_matmul({g}.T, {x})"
    if op.needs[2]:
        grads[2] = f"_add_reduce({g}, 0)"
    out_rows, out_features = op.out_shape
    shapes = [(out_rows, op.shapes[1][1]), op.shapes[1], (out_features,)]
    return Gradients([], grads, shapes)


def matmul_forward(op: Op) -> list[str] | None:
    if len(op.shapes[0] or ()) != 2 or len(op.shapes[1] or ()) != 2:
        return None
    if op.backward:
        op.saved = [a for a in op.args if a.startswith("v")]
    out = "" if op.buffer is None else f", {op.buffer()}"
    return [f"{op.out} = _matmul({op.args[0]}, {op.args[1]}{out})"]


def matmul_backward(op: Op, g: str) -> Gradients:
    a, b = op.args
    grads: list[str | None] = [None, None]
    lines = []
    if op.needs[0]:
        grads[0] = f"{g} @ {b}.T"
    if op.needs[1]:
        name = f"gb{op.out}"
        lines = [f"{name} = ({g}.T @ {a}).T if _column_major({b}) else {a}.T @ {g}"]
        grads[1] = name
    return Gradients(lines, grads, [op.shapes[0], op.shapes[1]])


# ------------------------------------------------------------------ cross entropy
def cross_entropy_forward(op: Op) -> list[str] | None:
    """nn.functional's CrossEntropy: its class check, log_softmax along axis 1 (the ufuncs'
    reductions, as `log_softmax_array`), then each row's pick from the flattened log-probabilities."""
    logits, target = op.args
    if len(op.shapes[0] or ()) != 2 or op.dtypes[0] != op.out_dtype or op.kinds[1] not in ("i", "u"):
        return None
    n, c = op.shapes[0]
    shifted, log_p, picks = f"s{op.out}", f"lp{op.out}", f"pk{op.out}"
    if op.backward:
        op.saved = [log_p, picks]
    rows = [""] * 3 if op.buffer is None else [f", {op.buffer(shape=(n, c))}" for _ in range(3)]
    out = "" if op.buffer is None else f", {op.buffer()}"
    return [
        f"{op.constant(op.function.check_classes)}({target}, {c})",
        f"{shifted} = _subtract({logits}, _maximum_reduce({logits}, 1, None, None, True){rows[0]})",
        f"{log_p} = _subtract({shifted}, _log(_add_reduce(_exp({shifted}{rows[1]}), 1, None, None, True))"
        f"{rows[2]})",
        f"del {shifted}",
        f"{picks} = _add({op.constant(np.arange(n) * c)}, {target})",
        f"{op.out} = _negative({log_p}.reshape(-1)[{picks}]{out})",  # log_p is C-ordered: reshape views it
    ]


def cross_entropy_backward(op: Op, g: str) -> Gradients:
    """The op's backward: -g assigned at each row's class in zeros, minus exp(log_p) * -g. When -g has
    log_p's dtype (as it has from the loss's mean or sum), the product and the difference are written
    in place: the same numbers as eager's new arrays (an optimisation of the `else` branch beside it)."""
    n, c = op.shapes[0]
    log_p, picks = f"lp{op.out}", f"pk{op.out}"
    picked, grad, scaled = f"w{op.out}", f"gx{op.out}", f"e{op.out}"
    exps = "" if op.buffer is None else f", {op.buffer(shape=(n, c))}"
    lines = [
        f"{picked} = -{g}",
        f"{grad} = _zeros({(n, c)}, {picked}.dtype)",
        f"{grad}.reshape(-1)[{picks}] = {picked}",
        f"{scaled} = _exp({log_p}{exps})",
        f"if {picked}.dtype is {op.constant(op.out_dtype)}:",
        f"    _subtract({grad}, _multiply({scaled}, {picked}.reshape({n}, 1), {scaled}), {grad})",
        "else:",
        f"    {grad} = {grad} - {scaled} * {picked}.reshape({n}, 1)",
    ]
    return Gradients(lines, [grad, None], [(n, c), None], temps=[picked, grad, scaled])


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


# Keyed by the op's full name, so that nn's Linear has a kernel without autograd importing nn; a
# subclass (another name) never takes its parent's kernel.
KERNELS: dict[str, tuple[Forward, Backward]] = {
    _name(arithmetic.Add): (add_forward, add_backward),
    _name(arithmetic.Sub): (sub_forward, sub_backward),
    _name(arithmetic.Mul): (mul_forward, mul_backward),
    _name(arithmetic.Neg): (neg_forward, neg_backward),
    _name(elementwise.Tanh): (tanh_forward, tanh_backward),
    _name(elementwise.Sigmoid): (sigmoid_forward, sigmoid_backward),
    _name(elementwise.ReLU): (relu_forward, relu_backward),
    _name(reduction.Sum): (sum_forward, sum_backward),
    _name(reduction.Mean): (mean_forward, mean_backward),
    _name(linalg.MatMul): (matmul_forward, matmul_backward),
    "nn.functional.linear.Linear": (linear_forward, linear_backward),
    "nn.functional.loss.CrossEntropy": (cross_entropy_forward, cross_entropy_backward),
}
REDUCTIONS = {_name(reduction.Sum), _name(reduction.Mean)}  # the kernels whose output may be 0-d


def kernel_for(cls: type) -> tuple[Forward, Backward] | None:
    return KERNELS.get(_name(cls))
