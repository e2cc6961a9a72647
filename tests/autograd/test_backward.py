"""backward(): order, accumulation, retain_grad, hooks, freeing, higher derivatives,
deep and wide graphs, tie rules and matmul shapes."""

from __future__ import annotations

import gc
import heapq
import sys
import weakref
from types import SimpleNamespace

import numpy as np
import pytest

import autograd as ag
import autograd.backward as backward_module
from autograd import Tensor


class CountedIdentity(ag.Function):
    """The identity, counting its backward calls and remembering the gradients it got."""

    calls: list[np.ndarray] = []

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad_output):
        CountedIdentity.calls.append(np.array(grad_output))
        return grad_output


# ---------------------------------------------------------------- order and accumulation


def test_diamond_runs_each_node_once_with_its_full_gradient():
    CountedIdentity.calls = []
    x = Tensor(2.0, requires_grad=True)
    h = CountedIdentity.apply(x)
    a, b = h * 3, h * h  # two paths from h ...
    d = (a + b) * a  # ... that meet again, and a is used twice
    d.backward()
    # d = (3h + h^2) 3h = 9h^2 + 3h^3, so dd/dh = 18h + 9h^2 = 72 at h = 2.
    assert len(CountedIdentity.calls) == 1
    assert CountedIdentity.calls[0] == pytest.approx(72.0)
    assert x.grad.item() == pytest.approx(72.0)


def test_nested_diamonds(finite_difference_grad):
    x = Tensor([0.3, -0.7], requires_grad=True)

    def f(t):
        for _ in range(5):
            t = t.sin() * t + t.tanh()
        return t.sum()

    f(x).backward()
    (expected,) = finite_difference_grad(f, [x])
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-6)


def test_leaf_grads_accumulate_across_backward_calls():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    first = x.grad
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3 + 2, 3 + 4])
    np.testing.assert_array_equal(first.data, [3, 3])  # the earlier grad Tensor is not mutated
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3, 3])


def test_grad_keeps_the_parameter_dtype():
    w = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    (w * np.float64(2.0) * np.ones(3)).sum().backward()
    assert w.grad.dtype == np.float32


def test_leaf_used_as_the_output_gets_the_given_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    x.backward(np.array([3.0, 4.0]))
    np.testing.assert_array_equal(x.grad.data, [3.0, 4.0])


def test_non_leaf_grad_only_with_retain_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    kept, dropped = x * 2, x * 5
    kept.retain_grad()
    (kept * 3 + dropped).sum().backward()
    np.testing.assert_array_equal(kept.grad.data, [3.0, 3.0])
    assert dropped.grad is None
    np.testing.assert_array_equal(x.grad.data, [11.0, 11.0])


def test_retain_grad_accumulates_with_retain_graph():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    h.retain_grad()
    out = (h * 3).sum()
    out.backward(retain_graph=True)
    out.backward()
    np.testing.assert_array_equal(h.grad.data, [6.0, 6.0])


# ---------------------------------------------------------------- hooks


def test_hooks_see_and_replace_gradients():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    seen = []
    h.register_hook(lambda g: seen.append(g.data.copy()))
    h.register_hook(lambda g: g * 10)
    h.retain_grad()
    x.register_hook(lambda g: seen.append(g.data.copy()))
    (h * np.array([1.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(seen[0], [1.0, 3.0])  # h's grad before replacement
    np.testing.assert_array_equal(h.grad.data, [10.0, 30.0])  # retain_grad sees the replacement
    np.testing.assert_array_equal(seen[1], [20.0, 60.0])  # the leaf hook sees the propagated one
    np.testing.assert_array_equal(x.grad.data, [20.0, 60.0])


def test_leaf_hook_replaces_the_accumulated_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g * 0 + 7)
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [7.0, 7.0])


def test_hook_on_the_root_and_removal():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).sum()
    remove = y.register_hook(lambda g: g * 5)
    y.backward(retain_graph=True)
    np.testing.assert_array_equal(x.grad.data, [10.0, 10.0])
    remove()
    x.grad = None
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


def test_hook_on_a_tensor_without_grad_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).register_hook(lambda g: g)


# ---------------------------------------------------------------- freeing the graph


def test_second_backward_through_a_freed_graph_is_an_error():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"second time.*retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [4.0, 8.0])


class SavesScratch(ag.Function):
    """x * 2, saving a scratch array that nothing else references."""

    scratch: weakref.ref | None = None

    @staticmethod
    def forward(ctx, x):
        scratch = np.full(x.shape, 2.0)
        SavesScratch.scratch = weakref.ref(scratch)
        ctx.save_for_backward(scratch)
        return x * scratch

    @staticmethod
    def backward(ctx, grad_output):
        (scratch,) = ctx.saved_tensors
        return grad_output * scratch


def test_saved_arrays_are_released_after_backward_while_the_output_lives():
    x = Tensor(np.ones(1000), requires_grad=True)
    hidden = x.exp()
    hidden_data = weakref.ref(hidden.data)
    out = (SavesScratch.apply(hidden) * hidden).sum()
    del hidden
    assert SavesScratch.scratch() is not None and hidden_data() is not None
    out.backward()
    assert SavesScratch.scratch() is None  # what an op saved
    assert hidden_data() is None  # an intermediate only the graph held
    nodes, stack = set(), [out.grad_fn]
    while stack:  # the structure may stay (for drawing), but holds no arrays
        node = stack.pop()
        nodes.add(node)
        assert not node.saved_tensors and node.inputs is None
        stack.extend(e[0] for e in node.next_functions if e is not None and e[1] is not None)
    assert sorted(node.name for node in nodes) == ["Exp", "Mul", "SavesScratch", "Sum"]


def test_retain_graph_keeps_saved_arrays():
    x = Tensor(np.ones(3), requires_grad=True)
    out = SavesScratch.apply(x).sum()
    out.backward(retain_graph=True)
    assert SavesScratch.scratch() is not None
    del out
    gc.collect()
    assert SavesScratch.scratch() is None


# ---------------------------------------------------------------- errors at the root


def test_non_scalar_backward_needs_a_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"single-element.*\(2,\)"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match=r"\(3,\).*\(2,\)"):
        (x * 2).backward(np.ones(3))


def test_backward_on_a_tensor_without_graph_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor(1.0).backward()


# ---------------------------------------------------------------- higher derivatives


def test_second_and_third_derivatives_match_finite_differences(finite_difference_grad):
    x = Tensor([0.7, -0.4, 1.3], requires_grad=True)

    def f(t):
        return (t.sin() * t**3 + (t * 0.5).exp() / (1.0 + t * t)).sum()

    def first(t):
        return ag.grad(f(t), t, create_graph=True)[0]

    def second(t):
        return ag.grad(first(t).sum(), t, create_graph=True)[0]

    def third(t):
        return ag.grad(second(t).sum(), t)[0]

    # f is a sum of elementwise terms, so each derivative is the elementwise one.
    for lower, higher in ((f, first), (first, second), (second, third)):
        expected = finite_difference_grad(lambda t, lower=lower: lower(t).sum(), [x])[0]
        np.testing.assert_allclose(higher(x).data, expected, rtol=1e-5, atol=1e-6)


def test_hessian_vector_product_with_cross_terms(finite_difference_grad):
    rng = np.random.default_rng(3)
    x = Tensor(rng.standard_normal(3), requires_grad=True)
    w = Tensor(rng.standard_normal((3, 3)), requires_grad=True)
    direction = rng.standard_normal(3)

    def directional(x, w):
        loss = ((x @ w).tanh() * (x @ w).sigmoid()).sum() + (x * x).max()
        (gx,) = ag.grad(loss, x, create_graph=True)
        return (gx * direction).sum()

    directional(x, w).backward()
    expected_x, expected_w = finite_difference_grad(directional, [x, w])
    np.testing.assert_allclose(x.grad.data, expected_x, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(w.grad.data, expected_w, rtol=1e-5, atol=1e-6)


def test_backward_with_create_graph_makes_differentiable_grads():
    x = Tensor(0.7, requires_grad=True)
    (x**3).backward(create_graph=True)
    first = x.grad
    assert first.requires_grad and first.item() == pytest.approx(3 * 0.7**2)
    x.grad = None
    first.backward()
    assert x.grad.item() == pytest.approx(6 * 0.7)


# ---------------------------------------------------------------- deep and wide graphs


def test_a_100k_op_chain_backpropagates():
    x = Tensor(1.5, requires_grad=True)
    y = x
    for _ in range(50_000):
        y = y * 1.0001
        y = y - 0.0001
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001**50_000, rel=1e-9)


def _fan_in_work(width: int, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """x feeds `width` ops whose results are stacked; backward's work, counted, not timed: the
    Python bytecodes it executes and its calls to the heap (pushes and pops)."""
    x = Tensor(1.0, requires_grad=True)
    out = ag.stack([x * float(i) for i in range(width)]).sum()
    heap_calls = [0]

    def counted(fn):
        def wrapper(*args):
            heap_calls[0] += 1
            return fn(*args)

        return wrapper

    monkeypatch.setattr(backward_module, "heapq", SimpleNamespace(**{
        name: counted(getattr(heapq, name)) for name in ("heappush", "heappop", "heapify")
    }))  # fmt: skip
    opcodes = [0]

    def tracer(frame, event, arg):
        frame.f_trace_opcodes = True
        if event == "opcode":
            opcodes[0] += 1
        return tracer

    sys.settrace(tracer)
    try:
        out.backward()
    finally:
        sys.settrace(None)
        monkeypatch.undo()
    assert x.grad.item() == sum(range(width))
    return opcodes[0], heap_calls[0]


def test_a_16k_wide_fan_in_backpropagates_in_linear_work(monkeypatch):
    x = Tensor(1.0, requires_grad=True)
    ag.stack([x * float(i) for i in range(16_000)]).sum().backward()
    assert x.grad.item() == sum(range(16_000))
    narrow_opcodes, narrow_heap = _fan_in_work(1_000, monkeypatch)
    wide_opcodes, wide_heap = _fan_in_work(8_000, monkeypatch)
    # 8x wider: linear work is 8x (quadratic would be 64x); a little slack for the fixed part.
    assert wide_opcodes < 8.5 * narrow_opcodes, f"8x wider ran {wide_opcodes / narrow_opcodes:.1f}x the bytecodes"
    assert wide_heap <= 8 * narrow_heap + 8, f"8x wider made {wide_heap / narrow_heap:.1f}x the heap calls"


# ---------------------------------------------------------------- tie rules


def test_max_and_min_ties_split_the_gradient_evenly():
    x = Tensor([[1.0, 3.0, 3.0, 2.0], [5.0, 5.0, 5.0, 0.0]], requires_grad=True)
    x.max().backward()  # the three 5s tie over the whole tensor
    np.testing.assert_allclose(x.grad.data, [[0, 0, 0, 0], [1 / 3, 1 / 3, 1 / 3, 0]])
    x.grad = None
    x.max(axis=1).backward(np.array([2.0, 3.0]))
    np.testing.assert_allclose(x.grad.data, [[0, 1, 1, 0], [1, 1, 1, 0]])
    x.grad = None
    x.min(axis=0, keepdims=True).backward(np.ones((1, 4)))
    np.testing.assert_allclose(x.grad.data, [[1, 1, 1, 0], [0, 0, 0, 1]])


@pytest.mark.parametrize("op, wins", [(ag.maximum, np.greater), (ag.minimum, np.less)])
def test_elementwise_maximum_minimum_halve_on_ties(op, wins):
    a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = Tensor([1.0, 3.0, 2.0], requires_grad=True)
    op(a, b).backward(np.array([4.0, 4.0, 4.0]))
    share_a = np.where(wins(a.data, b.data), 1.0, np.where(a.data == b.data, 0.5, 0.0))
    np.testing.assert_array_equal(a.grad.data, 4 * share_a)
    np.testing.assert_array_equal(b.grad.data, 4 * (1 - share_a))
    assert a.grad.data[0] == b.grad.data[0] == 2.0


# ---------------------------------------------------------------- matmul shapes


@pytest.mark.parametrize(
    "shape_a, shape_b",
    [
        ((3,), (3,)),
        ((3,), (3, 4)),
        ((2, 3), (3,)),
        ((2, 3), (3, 4)),
        ((5, 2, 3), (5, 3, 4)),
        ((5, 2, 3), (3, 4)),
        ((2, 3), (5, 3, 4)),
        ((3,), (5, 3, 4)),
        ((5, 2, 3), (3,)),
        ((5, 1, 2, 3), (4, 3, 2)),
    ],
    ids=str,
)
def test_matmul_grads_for_1d_batched_and_broadcast_batched(shape_a, shape_b, finite_difference_grad):
    rng = np.random.default_rng(7)
    a = Tensor(rng.standard_normal(shape_a), requires_grad=True)
    b = Tensor(rng.standard_normal(shape_b), requires_grad=True)
    out = a @ b
    np.testing.assert_allclose(out.data, np.matmul(a.data, b.data))
    grad_output = rng.standard_normal(out.shape)
    out.backward(grad_output)
    expected_a, expected_b = finite_difference_grad(np.matmul, [a, b], grad_output)
    assert a.grad.shape == shape_a and b.grad.shape == shape_b
    np.testing.assert_allclose(a.grad.data, expected_a, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(b.grad.data, expected_b, rtol=1e-6, atol=1e-8)


def test_leaf_grads_never_share_memory():
    """The engine hands a leaf its gradient array without a copy only when nothing else can
    see that memory: two leaves fed the same gradient, a retained non-leaf and a leaf, or a
    view of a gradient another leaf holds each get their own buffer."""
    a = Tensor(np.ones((3, 4)), requires_grad=True)
    b = Tensor(np.ones((3, 4)), requires_grad=True)
    (a + b).sum().backward()  # Add gives one array to both inputs
    assert not np.shares_memory(a.grad.data, b.grad.data)

    c = Tensor(np.ones(3), requires_grad=True)
    z = c + 0.0
    z.retain_grad()
    z.sum().backward()
    assert not np.shares_memory(z.grad.data, c.grad.data)

    r = Tensor(np.ones(12), requires_grad=True)
    a.grad = None
    (a.reshape(12) + r).sum().backward()  # a's grad is a view of the array r gets
    assert not np.shares_memory(a.grad.data, r.grad.data)
    a.grad.data[...] = 0
    np.testing.assert_array_equal(r.grad.data, np.ones(12))


def test_an_unshared_gradient_is_taken_without_a_copy():
    """A gradient nothing else holds becomes `.grad` as it is, a fresh transposed view too."""
    weight = Tensor(np.ones((4, 5)), requires_grad=True)
    x = Tensor(np.ones((2, 5)))
    (x @ weight.T).sum().backward()
    assert weight.grad.data.base is not None  # Transpose's backward returned a view: kept
    np.testing.assert_array_equal(weight.grad.data, np.full((4, 5), 2.0))


@pytest.mark.parametrize("shape_x", [(4, 5), (3, 4, 5), (5,)])
def test_matmul_with_a_transposed_weight_gives_a_row_major_weight_grad(shape_x):
    """x @ W.T (the layout of every linear layer): W's gradient is right for 1-D, 2-D and
    batched x, and row-major, so the optimizer's update runs over contiguous memory."""
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal(shape_x), requires_grad=True)
    weight = Tensor(rng.standard_normal((6, 5)), requires_grad=True)
    assert ag.gradcheck(lambda x, w: x @ w.T, [x, weight])
    assert ag.gradgradcheck(lambda x, w: x @ w.T, [x, weight])
    (x @ weight.T).sum().backward()
    assert weight.grad.data.flags.c_contiguous
