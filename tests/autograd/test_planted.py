"""Behaviours that planted bugs in the engine got past the suite (issue 18), pinned exactly.

Each test names the bug it pins: values at kinks and bounds, the dtype of every returned
gradient, aliasing of `grad_outputs`, several roots, edges to output k of a multi-output
op, `no_grad` on every op path, and the version walk through view chains. Everything goes
through the public API, so the tests hold whatever the ops save internally.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag


def leaf(values, dtype=np.float64) -> ag.Tensor:
    return ag.Tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def grad_of(fn, *inputs: ag.Tensor, grad_output=None) -> list[np.ndarray]:
    out = fn(*inputs)
    seed = np.ones(out.shape) if grad_output is None else grad_output
    return [g.data for g in ag.grad(out, list(inputs), grad_outputs=np.asarray(seed, dtype=out.dtype))]


# ------------------------------------------------------------------ values at kinks and bounds


@pytest.mark.parametrize(
    "relu", [ag.relu, lambda x: x.relu(), lambda x: ag.maximum(x, 0.0) * 0 + ag.relu(x)], ids=["ag", "method", "sum"]
)
def test_relu_gradient_at_zero_is_zero(relu):
    """relu'(0) = 0, as PyTorch and the docstring (planted: mask x >= 0)."""
    x = leaf([-1.0, 0.0, 2.0, -0.0])
    (g,) = grad_of(relu, x)
    np.testing.assert_array_equal(g, [0.0, 0.0, 1.0, 0.0])
    np.testing.assert_array_equal(relu(x).data, [0.0, 0.0, 2.0, 0.0])


def test_clip_gradient_passes_at_both_bounds():
    """The gradient of clip is 1 where lo <= x <= hi, bounds included (planted: x > lo)."""
    x = leaf([-2.0, -1.0, 0.0, 1.0, 2.0])
    (g,) = grad_of(lambda x: ag.clip(x, -1.0, 1.0), x)
    np.testing.assert_array_equal(g, [0.0, 1.0, 1.0, 1.0, 0.0])
    (g,) = grad_of(lambda x: x.clip(-1.0, None), x)
    np.testing.assert_array_equal(g, [0.0, 1.0, 1.0, 1.0, 1.0])
    (g,) = grad_of(lambda x: x.clip(None, 1.0), x)
    np.testing.assert_array_equal(g, [1.0, 1.0, 1.0, 1.0, 0.0])


def test_pow_gradient_in_the_exponent_is_zero_where_the_base_is_zero_or_negative():
    """d(x**p)/dp = x**p log x, taken as 0 where x <= 0: finite, never NaN (planted: x >= 0)."""
    x = leaf([0.0, 2.0, 0.5, -1.0])
    p = leaf(3.0)
    gx, gp = grad_of(lambda x, p: x**p, x, p)
    expected_p = 2.0**3 * np.log(2.0) + 0.5**3 * np.log(0.5)
    assert gp.shape == () and np.isfinite(gp)
    np.testing.assert_allclose(gp, expected_p, rtol=1e-12)
    np.testing.assert_allclose(gx, [0.0, 12.0, 0.75, 3.0], rtol=1e-12)
    zero = leaf([0.0, 0.0])
    (gp,) = grad_of(lambda p: zero.detach() ** p, leaf([2.0, 0.5]))
    np.testing.assert_array_equal(gp, [0.0, 0.0])


def test_logsumexp_of_an_all_minus_inf_row_is_minus_inf():
    """The max shift is guarded when the row's max is -inf (planted: the guard dropped gives NaN)."""
    x = leaf([[-np.inf, -np.inf], [0.0, 1.0], [-np.inf, 2.0]])
    with np.errstate(divide="ignore", invalid="ignore"):  # log(0) and -inf - -inf, as in PyTorch
        out = ag.logsumexp(x, axis=1)
        np.testing.assert_array_equal(out.data[[0, 2]], [-np.inf, 2.0])
        np.testing.assert_allclose(out.data[1], np.log(1.0 + np.e), rtol=1e-14)
        kept = ag.logsumexp(x, axis=1, keepdims=True)
        assert kept.shape == (3, 1) and kept.data[0, 0] == -np.inf
        everything = ag.logsumexp(ag.Tensor(np.full((2, 3), -np.inf)))
        assert everything.data == -np.inf
        (g,) = ag.grad(out.sum(), [x])
    softmax_row = np.exp([0.0, 1.0]) / np.sum(np.exp([0.0, 1.0]))
    np.testing.assert_allclose(g.data[1], softmax_row, rtol=1e-14)
    np.testing.assert_array_equal(g.data[2], [0.0, 1.0])


# ------------------------------------------------------------------ shapes: the inverse permutation


@pytest.mark.parametrize("axes", [(1, 2, 0), (2, 0, 1), (0, 2, 3, 1), (-1, 0, 1), (3, 2, 1, 0)])
def test_transpose_backward_applies_the_inverse_permutation(axes):
    """A 3-cycle is not its own inverse (planted: backward transposes by `axes` again)."""
    shape = (2, 3, 4) if len(axes) == 3 else (2, 3, 4, 5)
    rng = np.random.default_rng(0)
    x = leaf(rng.standard_normal(shape))
    weights = rng.standard_normal(np.transpose(x.data, axes).shape)
    (g,) = grad_of(lambda x: x.transpose(axes), x, grad_output=weights)
    expected = np.zeros(shape)
    np.transpose(expected, axes)[...] = weights  # the gradient puts each weight where its element came from
    np.testing.assert_array_equal(g, expected)
    (g,) = grad_of(lambda x: ag.transpose(x, axes), x, grad_output=weights)
    np.testing.assert_array_equal(g, expected)


# ------------------------------------------------------------------ dtypes of returned gradients


FLOAT32_PROGRAMS = {
    "astype64": lambda x: x.astype(np.float64) * 2.0,
    "astype16": lambda x: x.astype(np.float16).astype(np.float32),
    "astype-chain": lambda x: (x.astype(np.float64).exp() * x.astype(np.float64)).astype(np.float32),
    "mul": lambda x: x * x,
    "scalar-ops": lambda x: (x * 2.0 + 1.0) / 3.0 - 0.5,
    "pow": lambda x: x**2.0,
    "exp-log": lambda x: (x.exp() + 1.0).log(),
    "reductions": lambda x: x.sum(axis=0) + x.mean() + x.max(axis=1).sum() + ag.logsumexp(x),
    "softmax": lambda x: ag.softmax(x, axis=-1) + ag.log_softmax(x, axis=0),
    "matmul": lambda x: x @ x.T,
    "shape": lambda x: x.reshape(-1)[1:4].sum() + x.T.flatten()[0],
}


@pytest.mark.parametrize("program", FLOAT32_PROGRAMS.values(), ids=FLOAT32_PROGRAMS.keys())
def test_gradients_of_float32_inputs_are_float32(program):
    """Every returned gradient has its input's dtype (planted: AsType's backward not casting back)."""
    x = leaf(np.arange(1.0, 7.0).reshape(2, 3) / 4, dtype=np.float32)
    out = program(x)
    (g,) = ag.grad(out.sum(), [x], retain_graph=True)
    assert g.dtype == np.float32 and g.data.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32


def test_astype_gradient_value_and_dtype_through_every_float_width():
    x = leaf([1.0, 2.0], dtype=np.float32)
    for dtype in (np.float16, np.float64, np.float32):
        (g,) = ag.grad((x.astype(dtype) * 3.0).sum(), [x])
        assert g.dtype == np.float32
        np.testing.assert_array_equal(g.data, [3.0, 3.0])
    y = leaf([1.0, 2.0], dtype=np.float64)
    (g,) = ag.grad(y.astype(np.float32).sum(), [y])
    assert g.dtype == np.float64


# ------------------------------------------------------------------ aliasing of grad_outputs


IDENTITY_LIKE = {
    "add-zero": lambda x: x + 0.0,
    "add": lambda x: x + ag.zeros(3),
    "reshape": lambda x: x.reshape(3),
    "view": lambda x: x[...],
    "pos": lambda x: +x,
    "nothing": lambda x: x,
}


@pytest.mark.parametrize("fn", IDENTITY_LIKE.values(), ids=IDENTITY_LIKE.keys())
def test_returned_gradients_never_alias_grad_outputs(fn):
    """The engine copies the root gradient (planted: the copy removed): the caller's array and
    the result are independent both ways."""
    x = leaf([1.0, 2.0, 3.0])
    u = np.array([10.0, 20.0, 30.0])
    y = fn(x)
    (g,) = ag.grad(y, [x], grad_outputs=u)
    assert not np.shares_memory(g.data, u)
    u[...] = -1.0
    np.testing.assert_array_equal(g.data, [10.0, 20.0, 30.0])
    g.data[...] = 5.0
    np.testing.assert_array_equal(u, [-1.0, -1.0, -1.0])


def test_backward_does_not_alias_its_gradient_argument():
    x = leaf([1.0, 2.0, 3.0])
    u = np.array([1.0, 2.0, 3.0])
    (x + 0.0).backward(u)
    assert not np.shares_memory(x.grad.data, u)
    u[...] = 0.0
    np.testing.assert_array_equal(x.grad.data, [1.0, 2.0, 3.0])
    x.grad = None
    t = ag.Tensor([4.0, 5.0, 6.0])
    (x * 1).reshape(3).backward(t)
    assert not np.shares_memory(x.grad.data, t.data)


# ------------------------------------------------------------------ several roots


def test_grad_with_a_root_that_depends_on_another_root():
    """Roots run newest first (planted: the heap key not negated for roots)."""
    x = leaf([0.5, -1.0, 2.0])
    y1 = x * 2.0
    y2 = y1.exp()
    u1, u2 = np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.25, -1.0])
    expected = 2.0 * u1 + 2.0 * np.exp(2.0 * x.data) * u2
    (g,) = ag.grad([y1, y2], [x], grad_outputs=[u1, u2], retain_graph=True)
    np.testing.assert_allclose(g.data, expected, rtol=1e-14)
    (g,) = ag.grad([y2, y1], [x], grad_outputs=[u2, u1], retain_graph=True)
    np.testing.assert_allclose(g.data, expected, rtol=1e-14)
    s1 = (x * x).sum()
    s2 = s1 * 3.0
    s3 = s2.exp() * 0 + s1  # depends on both
    (g,) = ag.grad([s1, s2, s3], [x])
    np.testing.assert_allclose(g.data, 2 * x.data * (1 + 3 + 1), rtol=1e-14)


def test_grad_with_the_same_root_twice_and_an_intermediate_input():
    x = leaf([1.0, 2.0])
    h = x * 3.0
    y = h.sin()
    (gh, gx) = ag.grad([y, y], [h, x], grad_outputs=[np.ones(2), np.full(2, 2.0)])
    np.testing.assert_allclose(gh.data, 3.0 * np.cos(h.data), rtol=1e-14)
    np.testing.assert_allclose(gx.data, 9.0 * np.cos(h.data), rtol=1e-14)


# ------------------------------------------------------------------ multi-output ops


class TwoOutputs(ag.Function):
    """(2x, 3x): a custom op with two outputs, so that output 1 has its own edges."""

    @staticmethod
    def forward(ctx, x):
        return x * 2.0, x * 3.0

    @staticmethod
    def backward(ctx, grad_first, grad_second):
        total = np.zeros_like(grad_first if grad_first is not None else grad_second)
        if grad_first is not None:
            total = total + 2.0 * grad_first
        if grad_second is not None:
            total = total + 3.0 * grad_second
        return total


ON_OUTPUT_ONE = {
    "unary-exp": (lambda y0, y1: y1.exp(), lambda x: 3.0 * np.exp(3.0 * x)),
    "unary-neg": (lambda y0, y1: -y1, lambda x: np.full_like(x, -3.0)),
    "unary-relu": (lambda y0, y1: ag.relu(y1), lambda x: 3.0 * (x > 0)),
    "binary-left": (lambda y0, y1: y1 * 5.0, lambda x: np.full_like(x, 15.0)),
    "binary-right": (lambda y0, y1: 5.0 * y1, lambda x: np.full_like(x, 15.0)),
    "binary-both": (lambda y0, y1: y1 * y0, lambda x: 12.0 * x),
    "nary-stack": (lambda y0, y1: ag.stack([y1, y1]), lambda x: np.full_like(x, 6.0)),
    "nary-clip": (lambda y0, y1: ag.clip(y1, -100.0, 100.0), lambda x: np.full_like(x, 3.0)),
    "reduction": (lambda y0, y1: y1.sum(axis=0), lambda x: np.full_like(x, 3.0)),
}


@pytest.mark.parametrize("use", [v[0] for v in ON_OUTPUT_ONE.values()], ids=ON_OUTPUT_ONE.keys())
def test_an_op_on_output_one_of_a_multi_output_op_sends_its_gradient_to_output_one(use):
    """Planted: the unary edge ignoring the output index sends the gradient to output 0 (2x)."""
    expected = dict(zip(ON_OUTPUT_ONE, (v[1] for v in ON_OUTPUT_ONE.values())))
    name = next(k for k, v in ON_OUTPUT_ONE.items() if v[0] is use)
    x = leaf([0.5, -1.0, 2.0])
    y0, y1 = TwoOutputs.apply(x)
    out = use(y0, y1)
    (g,) = ag.grad(out.sum(), [x], retain_graph=True)
    np.testing.assert_allclose(g.data, expected[name](x.data), rtol=1e-14)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.data, expected[name](x.data), rtol=1e-14)


def test_next_functions_and_grad_capture_name_output_one():
    x = leaf([1.0, 2.0])
    y0, y1 = TwoOutputs.apply(x)
    z = y1.exp()
    assert z.grad_fn.next_functions == ((y1.grad_fn, 1),)
    w = y1 * y0
    assert w.grad_fn.next_functions == ((y1.grad_fn, 1), (y0.grad_fn, 0))
    g1, g0 = ag.grad((z + w).sum(), [y1, y0])
    np.testing.assert_allclose(g1.data, np.exp(y1.data) + y0.data, rtol=1e-14)
    np.testing.assert_allclose(g0.data, y1.data, rtol=1e-14)


def test_in_place_on_output_one_keeps_its_edge():
    x = leaf([1.0, 2.0])
    y0, y1 = TwoOutputs.apply(x)
    y1 *= 4.0
    (g,) = ag.grad(y1.sum(), [x])
    np.testing.assert_allclose(g.data, [12.0, 12.0])


# ------------------------------------------------------------------ no_grad on every op path


UNARY = {
    "neg": lambda x, c: -x,
    "exp": lambda x, c: x.exp(),
    "log": lambda x, c: (x * x + 1).log(),
    "sqrt": lambda x, c: ag.sqrt(x * x + 1),
    "sin": lambda x, c: ag.sin(x),
    "cos": lambda x, c: ag.cos(x),
    "tanh": lambda x, c: x.tanh(),
    "sigmoid": lambda x, c: x.sigmoid(),
    "relu": lambda x, c: x.relu(),
    "abs": lambda x, c: ag.abs(x),
    "copy": lambda x, c: x.copy(),
}
BINARY = {
    "add": lambda x, c: x + c,
    "radd": lambda x, c: c + x,
    "add-scalar": lambda x, c: x + 1.0,
    "sub": lambda x, c: x - c,
    "rsub": lambda x, c: 1.0 - x,
    "mul": lambda x, c: x * c,
    "rmul": lambda x, c: c * x,
    "div": lambda x, c: x / (c + 3.0),
    "rdiv": lambda x, c: c / (x * x + 1.0),
    "pow": lambda x, c: x**2.0,
    "rpow": lambda x, c: 2.0**x,
    "pow-tensor": lambda x, c: (x * x + 1.0) ** c,
    "matmul": lambda x, c: x @ c.T,
    "maximum": lambda x, c: ag.maximum(x, c),
    "minimum": lambda x, c: ag.minimum(c, x),
    "reshape": lambda x, c: x.reshape(6),
    "transpose": lambda x, c: x.T,
    "getitem": lambda x, c: x[0],
    "broadcast": lambda x, c: x.broadcast_to((4, 2, 3)),
    "astype": lambda x, c: x.astype(np.float32),
    "softmax": lambda x, c: ag.softmax(x, axis=1),
    "log-softmax": lambda x, c: ag.log_softmax(x, axis=0),
}
NARY = {
    "sum": lambda x, c: x.sum(axis=0),
    "mean": lambda x, c: x.mean(),
    "max": lambda x, c: x.max(axis=1),
    "min": lambda x, c: x.min(),
    "logsumexp": lambda x, c: ag.logsumexp(x, axis=1),
    "var": lambda x, c: x.var(),
    "clip": lambda x, c: x.clip(-0.5, 0.5),
    "where": lambda x, c: ag.where(x.data > 0, x, c),
    "stack": lambda x, c: ag.stack([x, c]),
    "concatenate": lambda x, c: ag.concatenate([c, x], axis=1),
    "pad": lambda x, c: ag.pad(x, 1),
    "expand-squeeze": lambda x, c: x.expand_dims(0).squeeze(0),
}
ALL_OPS = {**UNARY, **BINARY, **NARY}


def _operands(kind: str) -> tuple[ag.Tensor, ag.Tensor]:
    """x and c of shape (2, 3): a leaf, a non-leaf, or (for "constant-x") only c requiring grad."""
    rng = np.random.default_rng(0)
    x = leaf(rng.standard_normal((2, 3)))
    c = leaf(rng.standard_normal((2, 3)))
    if kind == "non-leaf":
        return x * 1.0, c * 1.0
    if kind == "constant-x":
        return x.detach(), c
    return x, c


@pytest.mark.parametrize("kind", ["leaf", "non-leaf", "constant-x"])
@pytest.mark.parametrize("op", ALL_OPS.values(), ids=ALL_OPS.keys())
def test_no_op_is_recorded_under_no_grad(op, kind):
    """Planted: unary ops ignoring grad mode are recorded under no_grad."""
    x, c = _operands(kind)
    with ag.no_grad():
        out = op(x, c)
        assert not ag.is_grad_enabled()
    assert isinstance(out, ag.Tensor)
    assert out.requires_grad is False and out.grad_fn is None and out.is_leaf
    with ag.no_grad():
        with ag.enable_grad():
            recorded = op(x, c)
    expected_recorded = kind != "constant-x" or op(x, c).requires_grad
    assert recorded.requires_grad is expected_recorded


@pytest.mark.parametrize("inplace", ["iadd", "imul", "setitem"])
def test_in_place_ops_are_not_recorded_under_no_grad(inplace):
    x = leaf([1.0, 2.0, 3.0])
    y = x * 1.0
    node = y.grad_fn
    with ag.no_grad():
        if inplace == "iadd":
            y += x
        elif inplace == "imul":
            y *= x
        else:
            y[0] = x[1]
    assert y.grad_fn is node  # still the Mul that made it: the write is not in the graph


@ag.no_grad()
def _decorated(x: ag.Tensor) -> ag.Tensor:
    return x.exp() * x


def test_the_no_grad_decorator_records_nothing():
    assert _decorated(leaf([1.0])).requires_grad is False
    assert ag.is_grad_enabled()


# ------------------------------------------------------------------ in-place writes through view chains


def test_in_place_write_seen_through_a_chain_of_views(tmp_path):
    """A memmap slice handed to NumPy gives a chain of views (ndarray -> memmap slice -> memmap)
    that NumPy does not collapse: the version walk must follow it to the owner (planted: `while`
    -> `if` in the view-owner walk lets the write go unseen and the gradient silently wrong)."""
    mapped = np.memmap(tmp_path / "values.bin", dtype=np.float64, mode="w+", shape=(4,))
    mapped[:] = [1.0, 2.0, 3.0, 4.0]
    a = ag.Tensor(mapped[0:3])
    assert isinstance(a.data.base, np.memmap) and isinstance(a.data.base.base, np.memmap)  # the chain is real
    x = leaf([1.0, 1.0, 1.0])
    y = x * a  # Mul saves a's array for x's gradient
    b = ag.Tensor(mapped)  # the same memory, reached through another chain
    b *= 2.0
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()


def test_in_place_write_through_an_ordinary_view_is_seen():
    x = leaf([1.0, 2.0, 3.0])
    base = ag.Tensor(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    y = x * base[1]
    view = base.reshape(6)
    view *= 2.0
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()
