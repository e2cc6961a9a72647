"""Every built-in op, gradchecked and gradgradchecked over drawn shapes that broadcast.

One table row per `Function` subclass defined in autograd/ops/*.py or nn/functional/*.py
(found by walking the modules, so a new op without a row fails `test_every_op_is_in_the_table`);
the nn rows live in ops_table_nn.py (and ops_table_nn_more.py when it exists). Each row draws
float64 inputs of random shapes, kept away from kinks (relu and abs at 0, ties of max and min,
clip bounds) and domain edges (log, sqrt, division at 0), and returns (fn, inputs, ref): `ref`
is the op's forward written in plain NumPy, so forwards are checked as well as gradients (the
row format: /work/wt/OPTABLE_FORMAT.md).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes
from ops_table_nn import NN_OPS

import autograd as ag
import autograd.ops
import nn.functional
from autograd.ops import arithmetic, constant, elementwise, indexing, linalg, reduction, shape, softmax
from nn.functional.normalization import ReadRunningStats, UpdateRunningStats

Case = tuple[Callable[..., Any], list[Any], Callable[..., Any]]  # (fn, inputs, NumPy reference)

try:  # more nn rows, in their own module so that adding them is a new file
    from ops_table_nn_more import NN_MORE_OPS
except ModuleNotFoundError as error:
    if error.name != "ops_table_nn_more":
        raise
    NN_MORE_OPS = {}

SHAPES = array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
NONEMPTY_SHAPES = array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)
PAIRS = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1, max_side=3)


def leaf(array: Any) -> ag.Tensor:
    return ag.Tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def rng_from(data: st.DataObject) -> np.random.Generator:
    return np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))


def uniform(rng: np.random.Generator, shape: tuple[int, ...], low: float = -2.0, high: float = 2.0) -> np.ndarray:
    return np.asarray(rng.uniform(low, high, shape))


def away_from_zero(rng: np.random.Generator, shape: tuple[int, ...], low: float = 0.3) -> np.ndarray:
    """Values with |x| in [low, 2]: away from the kink of relu and abs, and from a pole at 0."""
    return np.asarray(rng.choice([-1.0, 1.0], shape) * rng.uniform(low, 2.0, shape))


def distinct(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values at least 0.1 apart, so that no max or min is tied, even after a step of eps."""
    size = int(np.prod(shape))
    return (rng.permutation(size).reshape(shape) - size / 2) * 0.1 + 0.013


def grid(rng: np.random.Generator, shape: tuple[int, ...], offset: float) -> np.ndarray:
    """Multiples of 0.1 plus `offset`: grids with offsets 0.013 and 0.061 never come within 0.04."""
    return np.asarray(rng.integers(-15, 15, shape) * 0.1 + offset)


def axis_and_keepdims(data: st.DataObject, ndim: int) -> tuple[Any, bool]:
    """None, one axis (possibly negative) or a tuple of distinct axes, and keepdims."""
    keepdims = data.draw(st.booleans(), label="keepdims")
    if ndim == 0:
        return None, keepdims
    kind = data.draw(st.sampled_from(["none", "int", "tuple"]), label="axis kind")
    if kind == "none":
        return None, keepdims
    if kind == "int":
        return data.draw(st.integers(-ndim, ndim - 1), label="axis"), keepdims
    axes = data.draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True), label="axes")
    return tuple(axes), keepdims


# ---------------------------------------------------------------------------- cases, one per op


def unary(
    op: type[ag.Function],
    values: Callable[[np.random.Generator, tuple[int, ...]], np.ndarray],
    ref: Callable[[np.ndarray], np.ndarray],
) -> Any:
    def case(data: st.DataObject) -> Case:
        x = leaf(values(rng_from(data), data.draw(SHAPES, label="shape")))
        return op.apply, [x], ref

    return case


def binary(
    op: type[ag.Function],
    first: Callable[..., np.ndarray],
    second: Callable[..., np.ndarray],
    ref: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> Any:
    def case(data: st.DataObject) -> Case:
        rng = rng_from(data)
        (shape_a, shape_b), _ = data.draw(PAIRS, label="shapes")
        return op.apply, [leaf(first(rng, shape_a)), leaf(second(rng, shape_b))], ref

    return case


def pow_case(data: st.DataObject) -> Case:
    rng = rng_from(data)
    if data.draw(st.booleans(), label="constant exponent"):
        x = leaf(uniform(rng, data.draw(SHAPES, label="shape")))
        exponent = data.draw(st.sampled_from([2, 3, 0.5]), label="exponent")
        if exponent == 0.5:
            x = leaf(uniform(rng, x.shape, 0.5, 2.0))
        return lambda x: arithmetic.Pow.apply(x, exponent), [x], lambda x: np.power(x, float(exponent))
    (shape_x, shape_p), _ = data.draw(PAIRS, label="shapes")
    return arithmetic.Pow.apply, [leaf(uniform(rng, shape_x, 0.5, 2.0)), leaf(uniform(rng, shape_p))], np.power


def clip_case(data: st.DataObject) -> Case:
    rng = rng_from(data)
    lo, hi = data.draw(st.sampled_from([(-0.5, 0.5), (None, 0.5), (-0.5, None)]), label="bounds")
    x = uniform(rng, data.draw(SHAPES, label="shape"), -1.5, 1.5)
    x = np.where(np.minimum(np.abs(x - 0.5), np.abs(x + 0.5)) < 0.05, x + 0.1, x)  # away from both bounds
    low, high = -np.inf if lo is None else lo, np.inf if hi is None else hi
    return lambda x: elementwise.Clip.apply(x, lo, hi), [leaf(x)], lambda x: np.minimum(np.maximum(x, low), high)


def where_case(data: st.DataObject) -> Case:
    rng = rng_from(data)
    (shape_c, shape_a, shape_b), _ = data.draw(
        mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, min_side=1, max_side=3), label="shapes"
    )
    condition = np.asarray(rng.random(shape_c) > 0.5)
    a, b = leaf(uniform(rng, shape_a)), leaf(uniform(rng, shape_b))
    return lambda a, b: elementwise.Where.apply(condition, a, b), [a, b], lambda a, b: np.where(condition, a, b)


def index_for(data: st.DataObject, rng: np.random.Generator, shape: tuple[int, ...], unique: bool) -> Any:
    """A basic index, an integer array (with repeats unless `unique`) or a boolean mask."""
    kind = data.draw(st.sampled_from(["basic", "integers", "mask"]), label="index kind")
    if kind == "basic":
        return (slice(None, None, data.draw(st.sampled_from([1, 2, -1]), label="step")), 0)[: len(shape)]
    if kind == "integers":
        if unique:
            return rng.permutation(shape[0])[: max(1, shape[0] - 1)]
        return rng.integers(0, shape[0], 5)  # 5 picks from at most 3 rows: repeats accumulate
    return np.asarray(rng.random(shape) > 0.4)


def getitem_case(data: st.DataObject) -> Case:
    rng = rng_from(data)
    shape_x = data.draw(NONEMPTY_SHAPES, label="shape")
    index = index_for(data, rng, shape_x, unique=False)
    return lambda x: indexing.GetItem.apply(x, index), [leaf(uniform(rng, shape_x))], lambda x: x[index]


def scatter_add_case(data: st.DataObject) -> Case:
    """Repeats accumulate; or, with `distinct` (an index that selects no element twice), assignment."""
    rng = rng_from(data)
    shape_out = data.draw(NONEMPTY_SHAPES, label="shape")
    distinct = data.draw(st.booleans(), label="distinct")
    index = index_for(data, rng, shape_out, unique=distinct)
    values = leaf(uniform(rng, np.zeros(shape_out)[index].shape))

    def ref(values: np.ndarray) -> np.ndarray:
        out = np.zeros(shape_out)
        np.add.at(out, index, values)
        return out

    return lambda v: indexing.ScatterAdd.apply(v, shape_out, index, distinct), [values], ref


def setitem_case(data: st.DataObject) -> Case:
    rng = rng_from(data)
    shape_x = data.draw(NONEMPTY_SHAPES, label="shape")
    index = index_for(data, rng, shape_x, unique=True)
    slot = np.zeros(shape_x)[index].shape
    value_shape = slot[1:] if slot and data.draw(st.booleans(), label="broadcast value") else slot
    x, value = leaf(uniform(rng, shape_x)), leaf(uniform(rng, value_shape))

    def ref(x: np.ndarray, value: np.ndarray) -> np.ndarray:
        out = x.copy()
        out[index] = value
        return out

    return lambda x, v: indexing.SetItem.apply(x, v, index), [x, value], ref


def matmul_case(data: st.DataObject) -> Case:
    rng = rng_from(data)
    n, k, m = (data.draw(st.integers(1, 3), label=name) for name in "nkm")
    (batch_a, batch_b), _ = data.draw(
        mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, min_side=1, max_side=2), label="batches"
    )
    shape_a = (k,) if data.draw(st.booleans(), label="a is 1-D") else batch_a + (n, k)
    shape_b = (k,) if data.draw(st.booleans(), label="b is 1-D") else batch_b + (k, m)
    return linalg.MatMul.apply, [leaf(uniform(rng, shape_a)), leaf(uniform(rng, shape_b))], matmul_reference


def matmul_reference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """np.matmul spelled as a broadcast multiply and a sum over the shared axis."""
    a_matrix = a[np.newaxis, :] if a.ndim == 1 else a
    b_matrix = b[:, np.newaxis] if b.ndim == 1 else b
    out = np.sum(a_matrix[..., :, :, np.newaxis] * b_matrix[..., np.newaxis, :, :], axis=-2)
    if a.ndim == 1:
        out = out[..., 0, :]
    if b.ndim == 1:
        out = out[..., 0]
    return out


def reduction_case(op: type[ag.Function], values: Callable[..., np.ndarray], ref: Callable[..., np.ndarray]) -> Any:
    """`ref(x, axis=, keepdims=)` is the NumPy reduction."""

    def case(data: st.DataObject) -> Case:
        rng = rng_from(data)
        x = leaf(values(rng, data.draw(SHAPES, label="shape")))
        axis, keepdims = axis_and_keepdims(data, x.ndim)
        return lambda x: op.apply(x, axis, keepdims), [x], lambda x: ref(x, axis=axis, keepdims=keepdims)

    return case


def reshape_case(data: st.DataObject) -> Case:
    rng = rng_from(data)
    shape_x = data.draw(SHAPES, label="shape")
    size = int(np.prod(shape_x))
    target = data.draw(st.sampled_from([(-1,), shape_x[::-1], (1, size), (size, 1, 1)]), label="target")
    return lambda x: shape.Reshape.apply(x, target), [leaf(uniform(rng, shape_x))], lambda x: np.reshape(x, target)


def transpose_case(data: st.DataObject) -> Case:
    rng = rng_from(data)
    shape_x = data.draw(SHAPES, label="shape")
    axes = data.draw(st.none() | st.permutations(range(len(shape_x))).map(tuple), label="axes")
    if axes is not None and data.draw(st.booleans(), label="negative axes"):
        axes = tuple(a - len(shape_x) for a in axes)
    return lambda x: shape.Transpose.apply(x, axes), [leaf(uniform(rng, shape_x))], lambda x: np.transpose(x, axes)


def broadcast_to_case(data: st.DataObject) -> Case:
    rng = rng_from(data)
    shape_x = data.draw(SHAPES, label="shape")
    target = (2,) + tuple(3 if side == 1 else side for side in shape_x)
    x = leaf(uniform(rng, shape_x))
    return lambda x: shape.BroadcastTo.apply(x, target), [x], lambda x: np.broadcast_to(x, target)


def astype_case(data: st.DataObject) -> Case:
    rng = rng_from(data)
    dtype = np.dtype(data.draw(st.sampled_from([np.float64, np.longdouble]), label="dtype"))
    x = leaf(uniform(rng, data.draw(SHAPES, label="shape")))
    return lambda x: shape.AsType.apply(x, dtype), [x], lambda x: x.astype(dtype)


def joined_case(op: type[ag.Function], new_axis: bool, ref: Callable[..., np.ndarray]) -> Any:
    """Concatenate (parts may differ along the axis) or Stack (parts of one shape)."""

    def case(data: st.DataObject) -> Case:
        rng = rng_from(data)
        base = data.draw(NONEMPTY_SHAPES, label="shape")
        ndim = len(base) + (1 if new_axis else 0)
        axis = data.draw(st.integers(-ndim, ndim - 1), label="axis")
        count = data.draw(st.integers(1, 3), label="parts")
        parts = []
        for _ in range(count):
            part_shape = list(base)
            if not new_axis:
                part_shape[axis] = data.draw(st.integers(1, 3), label="length")
            parts.append(leaf(uniform(rng, tuple(part_shape))))
        return lambda *parts: op.apply(axis, *parts), parts, lambda *parts: ref(parts, axis=axis)

    return case


def pad_case(data: st.DataObject) -> Case:
    rng = rng_from(data)
    shape_x = data.draw(NONEMPTY_SHAPES, label="shape")
    widths = data.draw(st.sampled_from([1, ((0, 2),), [(i % 2, 1) for i in range(len(shape_x))]]), label="widths")
    value = data.draw(st.sampled_from([0.0, -1.5]), label="value")
    x = leaf(uniform(rng, shape_x))
    return lambda x: shape.Pad.apply(x, widths, value), [x], lambda x: np.pad(x, widths, constant_values=value)


def softmax_case(op: type[ag.Function], ref: Callable[..., np.ndarray]) -> Any:
    def case(data: st.DataObject) -> Case:
        rng = rng_from(data)
        x = leaf(uniform(rng, data.draw(NONEMPTY_SHAPES, label="shape")))
        axis = data.draw(st.integers(-x.ndim, x.ndim - 1), label="axis")
        return lambda x: op.apply(x, axis), [x], lambda x: ref(x, axis)

    return case


# Plain-NumPy forwards, straight from the definitions (inputs are small: nothing overflows).
def sigmoid_reference(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def logsumexp_reference(x: np.ndarray, axis: Any, keepdims: bool) -> np.ndarray:
    return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))


def softmax_reference(x: np.ndarray, axis: int) -> np.ndarray:
    return np.exp(x) / np.sum(np.exp(x), axis=axis, keepdims=True)


def log_softmax_reference(x: np.ndarray, axis: int) -> np.ndarray:
    return x - np.log(np.sum(np.exp(x), axis=axis, keepdims=True))


def positive(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return uniform(rng, shape, 0.5, 2.0)


GRID_A, GRID_B = (lambda r, s: grid(r, s, 0.013)), (lambda r, s: grid(r, s, 0.061))

OPS: dict[type[ag.Function], Callable[[st.DataObject], Case]] = {
    arithmetic.Add: binary(arithmetic.Add, uniform, uniform, np.add),
    arithmetic.Sub: binary(arithmetic.Sub, uniform, uniform, np.subtract),
    arithmetic.Mul: binary(arithmetic.Mul, uniform, uniform, np.multiply),
    arithmetic.Div: binary(arithmetic.Div, uniform, away_from_zero, np.divide),
    arithmetic.Neg: unary(arithmetic.Neg, uniform, np.negative),
    arithmetic.Reciprocal: unary(arithmetic.Reciprocal, away_from_zero, np.reciprocal),
    arithmetic.Pow: pow_case,
    elementwise.Exp: unary(elementwise.Exp, uniform, np.exp),
    elementwise.Log: unary(elementwise.Log, positive, np.log),
    elementwise.Sqrt: unary(elementwise.Sqrt, positive, np.sqrt),
    elementwise.Sin: unary(elementwise.Sin, uniform, np.sin),
    elementwise.Cos: unary(elementwise.Cos, uniform, np.cos),
    elementwise.Tanh: unary(elementwise.Tanh, uniform, np.tanh),
    elementwise.Sigmoid: unary(elementwise.Sigmoid, uniform, sigmoid_reference),
    elementwise.ReLU: unary(elementwise.ReLU, away_from_zero, lambda x: np.where(x > 0, x, 0.0)),
    elementwise.Abs: unary(elementwise.Abs, away_from_zero, np.abs),
    elementwise.Clip: clip_case,
    elementwise.Maximum: binary(elementwise.Maximum, GRID_A, GRID_B, np.maximum),
    elementwise.Minimum: binary(elementwise.Minimum, GRID_A, GRID_B, np.minimum),
    elementwise.Where: where_case,
    indexing.GetItem: getitem_case,
    indexing.ScatterAdd: scatter_add_case,
    indexing.SetItem: setitem_case,
    linalg.MatMul: matmul_case,
    reduction.Sum: reduction_case(reduction.Sum, uniform, np.sum),
    reduction.Mean: reduction_case(reduction.Mean, uniform, np.mean),
    reduction.Max: reduction_case(reduction.Max, distinct, np.max),
    reduction.Min: reduction_case(reduction.Min, distinct, np.min),
    reduction.LogSumExp: reduction_case(reduction.LogSumExp, uniform, logsumexp_reference),
    shape.Reshape: reshape_case,
    shape.Transpose: transpose_case,
    shape.BroadcastTo: broadcast_to_case,
    shape.Copy: unary(shape.Copy, uniform, np.copy),
    shape.AsType: astype_case,
    shape.Concatenate: joined_case(shape.Concatenate, new_axis=False, ref=np.concatenate),
    shape.Stack: joined_case(shape.Stack, new_axis=True, ref=np.stack),
    shape.Pad: pad_case,
    softmax.Softmax: softmax_case(softmax.Softmax, softmax_reference),
    softmax.LogSoftmax: softmax_case(softmax.LogSoftmax, log_softmax_reference),
    **NN_OPS,  # Linear, LeakyReLU, the BCE losses, Im2Col, Col2Im, MaxPool2d
    **NN_MORE_OPS,  # the rows in ops_table_nn_more.py, if that module exists
}

# Ops without a gradient (no row: there is nothing to gradcheck), ops only so that ag.compile replays
# them: comparisons, argmax/argmin and NumPy's piecewise-constant ufuncs (NoGrad; checked eagerly and
# replayed by tests/autograd/test_compile_comparisons.py), and BatchNorm's running statistics, read and
# updated with arrays (tests/nn/test_compile_batch_norm.py).
NO_GRADIENT: set[type[ag.Function]] = {constant.NoGrad, ReadRunningStats, UpdateRunningStats}

# Functions built from several ops: checked the same way, as compositions.
COMPOSITES: dict[str, Callable[[st.DataObject], Case]] = {
    "var": lambda data: _var_case(data),
    "squeeze/expand_dims": lambda data: _squeeze_case(data),
    "swapaxes": lambda data: _swapaxes_case(data),
}


def _var_case(data: st.DataObject) -> Case:
    rng = rng_from(data)
    x = leaf(uniform(rng, data.draw(NONEMPTY_SHAPES.filter(lambda s: np.prod(s) > 1), label="shape")))
    axis, keepdims = axis_and_keepdims(data, x.ndim)
    return lambda x: reduction.var(x, axis, keepdims), [x], lambda x: np.var(x, axis=axis, keepdims=keepdims)


def _squeeze_case(data: st.DataObject) -> Case:
    rng = rng_from(data)
    x = leaf(uniform(rng, data.draw(SHAPES, label="shape")))
    axis = data.draw(st.integers(0, x.ndim), label="axis")
    fn = lambda x: ag.squeeze(ag.expand_dims(x, axis) * 2.0)  # noqa: E731
    return fn, [x], lambda x: np.squeeze(np.expand_dims(x, axis) * 2.0)


def _swapaxes_case(data: st.DataObject) -> Case:
    rng = rng_from(data)
    x = leaf(uniform(rng, data.draw(NONEMPTY_SHAPES, label="shape")))
    a, b = (data.draw(st.integers(-x.ndim, x.ndim - 1), label="axis") for _ in range(2))
    return lambda x: x.swapaxes(a, b) * x.swapaxes(a, b), [x], lambda x: np.swapaxes(x, a, b) ** 2


OP_PACKAGES = (autograd.ops, nn.functional)  # the packages whose modules define built-in ops


def discovered_ops() -> set[type[ag.Function]]:
    """Every Function subclass defined (not merely imported) in a module of the OP_PACKAGES."""
    found = set()
    for package in OP_PACKAGES:
        for module_info in pkgutil.iter_modules(package.__path__, prefix=f"{package.__name__}."):
            module = importlib.import_module(module_info.name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, ag.Function) and cls is not ag.Function and cls.__module__ == module.__name__:
                    found.add(cls)
    return found


def test_every_op_is_in_the_table() -> None:
    discovered = discovered_ops()
    missing = sorted(cls.__qualname__ for cls in discovered - set(OPS) - NO_GRADIENT)
    stale = sorted(cls.__qualname__ for cls in (set(OPS) | NO_GRADIENT) - discovered)
    assert not missing, f"ops without a row in OPS: {missing}"
    assert not stale, f"rows in OPS for ops that no longer exist: {stale}"
    assert len(discovered) >= 30
    packages = {cls.__module__.rpartition(".")[0] for cls in discovered}
    assert packages == {package.__name__ for package in OP_PACKAGES}, f"packages with ops: {sorted(packages)}"


CHECK_SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _run_case(case: Callable[[st.DataObject], Case], data: st.DataObject) -> None:
    fn, inputs, _ = case(data)
    before = [x.data.copy() for x in inputs]
    assert ag.gradcheck(fn, inputs)
    assert ag.gradgradcheck(fn, inputs)
    for x, original in zip(inputs, before):
        np.testing.assert_array_equal(x.data, original)
        assert x.grad is None


@pytest.mark.parametrize("op", sorted(OPS, key=lambda cls: cls.__qualname__), ids=lambda cls: cls.__qualname__)
@CHECK_SETTINGS
@given(data=st.data())
def test_op_gradients(op: type[ag.Function], data: st.DataObject) -> None:
    _run_case(OPS[op], data)


@pytest.mark.parametrize("name", sorted(COMPOSITES))
@CHECK_SETTINGS
@given(data=st.data())
def test_composite_gradients(name: str, data: st.DataObject) -> None:
    _run_case(COMPOSITES[name], data)


# Explicit examples that run every time, beside the drawn ones (hypothesis's `@example` cannot
# build the `st.data()` these rows draw from): shapes where a plausible bug shows for sure.
def _fixed(fn: Callable[..., Any], ref: Callable[..., Any], *shapes: tuple[int, ...]) -> Callable[[], Case]:
    def case() -> Case:
        rng = np.random.default_rng(sum(map(len, shapes)))
        return fn, [leaf(uniform(rng, s)) for s in shapes], ref

    return case


PINNED: dict[str, Callable[[], Case]] = {
    # A 3-cycle is not its own inverse: a backward that applies the forward permutation is wrong here.
    "transpose (1, 2, 0)": _fixed(
        lambda x: shape.Transpose.apply(x, (1, 2, 0)), lambda x: x.transpose(1, 2, 0), (2, 3, 4)
    ),
    "transpose (2, 0, 1)": _fixed(
        lambda x: shape.Transpose.apply(x, (2, 0, 1)), lambda x: x.transpose(2, 0, 1), (2, 3, 4)
    ),
    # On a cube the wrong permutation keeps the shape, so only the values can tell.
    "transpose (1, 2, 0) of a cube": _fixed(
        lambda x: shape.Transpose.apply(x, (1, 2, 0)), lambda x: x.transpose(1, 2, 0), (2, 2, 2)
    ),
    "transpose (2, 0, 1) of a cube": _fixed(
        lambda x: shape.Transpose.apply(x, (2, 0, 1)), lambda x: x.transpose(2, 0, 1), (2, 2, 2)
    ),
    "transpose (-2, -1, -4, -3)": _fixed(
        lambda x: shape.Transpose.apply(x, (-2, -1, -4, -3)), lambda x: x.transpose(2, 3, 0, 1), (2, 3, 1, 4)
    ),
    "pad ((1, 0), (0, 2))": _fixed(
        lambda x: shape.Pad.apply(x, ((1, 0), (0, 2)), -1.5),
        lambda x: np.pad(x, ((1, 0), (0, 2)), constant_values=-1.5),
        (2, 3),
    ),
    "matmul (2, 1, 2, 3) @ (3, 3, 4)": _fixed(linalg.MatMul.apply, matmul_reference, (2, 1, 2, 3), (3, 3, 4)),
    "matmul (3,) @ (2, 3, 4)": _fixed(linalg.MatMul.apply, matmul_reference, (3,), (2, 3, 4)),
    "getitem [0, 0, 2, 0]": _fixed(lambda x: x[np.array([0, 0, 2, 0])], lambda x: x[[0, 0, 2, 0]], (3, 2)),
    "concatenate axis -1": _fixed(
        lambda a, b: shape.Concatenate.apply(-1, a, b), lambda a, b: np.concatenate([a, b], axis=-1), (2, 1), (2, 3)
    ),
    "max over (0, 2), keepdims": _fixed(
        lambda x: reduction.Max.apply(x, (0, 2), True), lambda x: np.max(x, axis=(0, 2), keepdims=True), (2, 3, 4)
    ),
}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_pinned_examples(name: str) -> None:
    fn, inputs, ref = PINNED[name]()
    check_forward(fn, inputs, ref)
    assert ag.gradcheck(fn, inputs)
    assert ag.gradgradcheck(fn, inputs)


@pytest.mark.parametrize("name", ["transpose (1, 2, 0) of a cube", "transpose (2, 0, 1) of a cube"])
def test_a_transpose_backward_that_permutes_forwards_is_caught_every_time(name: str) -> None:
    """The planted bug: Transpose.backward applies `axes` instead of their inverse."""
    original = shape.Transpose.__dict__["backward"]

    def wrong(ctx: ag.Function, grad_output: Any) -> Any:
        return np.transpose(grad_output, ctx.axes), None

    shape.Transpose.backward = staticmethod(wrong)
    try:
        fn, inputs, _ = PINNED[name]()
        with pytest.raises(ag.GradcheckError, match="analytic"):
            ag.gradcheck(fn, inputs)
    finally:
        shape.Transpose.backward = original


def check_forward(fn: Callable[..., Any], inputs: list[Any], ref: Callable[..., Any]) -> None:
    """fn's output equals the NumPy reference on the same arrays (shape, dtype and values),
    and the inputs are left as they were."""
    before = [x.data.copy() for x in inputs]
    out = fn(*inputs)
    expected = np.asarray(ref(*[x.data.copy() for x in inputs]))
    assert isinstance(out, ag.Tensor), f"the op returned {type(out).__name__}, not a Tensor"
    assert out.shape == expected.shape, f"forward has shape {out.shape}, the NumPy reference {expected.shape}"
    assert out.dtype == expected.dtype, f"forward has dtype {out.dtype}, the NumPy reference {expected.dtype}"
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-13, err_msg="forward differs from NumPy")
    for x, original in zip(inputs, before):
        np.testing.assert_array_equal(x.data, original)


@pytest.mark.parametrize("op", sorted(OPS, key=lambda cls: cls.__qualname__), ids=lambda cls: cls.__qualname__)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_op_forward_matches_numpy(op: type[ag.Function], data: st.DataObject) -> None:
    check_forward(*OPS[op](data))


@pytest.mark.parametrize("name", sorted(COMPOSITES))
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_composite_forward_matches_numpy(name: str, data: st.DataObject) -> None:
    check_forward(*COMPOSITES[name](data))


class shifted_forward:
    """Within the block, `op`'s forward returns its output plus 0.5: a wrong forward."""

    def __init__(self, op: type[ag.Function]) -> None:
        self.op = op

    def __enter__(self) -> None:
        self.original = self.op.__dict__["forward"]
        correct = self.original.__func__

        def wrong(ctx: ag.Function, *args: Any) -> Any:
            return np.asarray(correct(ctx, *args)) + 0.5

        self.op.forward = staticmethod(wrong)

    def __exit__(self, *exc: object) -> None:
        self.op.forward = self.original


@pytest.mark.parametrize("op", sorted(OPS, key=lambda cls: cls.__qualname__), ids=lambda cls: cls.__qualname__)
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_table_catches_a_wrong_forward(op: type[ag.Function], data: st.DataObject) -> None:
    fn, inputs, ref = OPS[op](data)
    assume(np.asarray(ref(*[x.data for x in inputs])).size > 0)  # shifting an empty output changes nothing
    with shifted_forward(op), pytest.raises(AssertionError, match="forward differs from NumPy"):
        check_forward(fn, inputs, ref)


class scaled_backward:
    """Within the block, `op`'s backward returns every gradient times 1.5: a wrong backward."""

    def __init__(self, op: type[ag.Function]) -> None:
        self.op = op

    def __enter__(self) -> None:
        self.original = self.op.__dict__["backward"]
        correct = self.original.__func__

        def wrong(ctx: ag.Function, *grad_outputs: Any) -> Any:
            grads = correct(ctx, *grad_outputs)
            if not isinstance(grads, tuple):
                return grads * 1.5
            return tuple(None if g is None else g * 1.5 for g in grads)

        self.op.backward = staticmethod(wrong)

    def __exit__(self, *exc: object) -> None:
        self.op.backward = self.original


@pytest.mark.parametrize("op", sorted(OPS, key=lambda cls: cls.__qualname__), ids=lambda cls: cls.__qualname__)
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_table_catches_a_wrong_backward(op: type[ag.Function], data: st.DataObject) -> None:
    fn, inputs, _ = OPS[op](data)
    with ag.no_grad():
        outputs = fn(*inputs)
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    rng = np.random.default_rng(0)
    probes = ag.numerical_grad(fn, inputs, grad_outputs=[rng.standard_normal(o.shape) for o in outputs])
    assume(max((float(np.max(np.abs(g), initial=0.0)) for g in probes if g is not None), default=0.0) > 1e-3)
    with scaled_backward(op), pytest.raises(ag.GradcheckError, match="analytic"):
        ag.gradcheck(fn, inputs)


def test_setitem_with_a_repeated_index_gives_the_gradient_to_the_last_write_only() -> None:
    x = leaf([0.0, 1.0, 2.0])
    value = leaf([5.0, 7.0])
    index = np.array([1, 1])
    assert ag.gradcheck(lambda x, v: indexing.SetItem.apply(x, v, index), [x, value])
    assert ag.gradgradcheck(lambda x, v: indexing.SetItem.apply(x, v, index) ** 2, [x, value])
    out = indexing.SetItem.apply(x, value, index)
    out.sum().backward()
    np.testing.assert_array_equal(value.grad.data, [0.0, 1.0])
