"""Issue 11 item 2: in-place writes through views (slices, reshape, transpose) are differentiated
exactly as PyTorch does. Expected values by hand, by central finite differences (float64) and,
when torch is installed, by PyTorch on the same program."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor

# ---------------------------------------------------------------- item 2
# Each program is written once, in the syntax npgrad and PyTorch share; `const` makes a constant
# tensor of the running library. x has shape (3,) and w is 0-d; both require grad.


def _slice_scaled(x, w, const):
    y = x * 1
    v = y[0:2]
    v *= 2
    return y.sum()


def _reshape_scaled(x, w, const):
    y = x * 1
    v = y.reshape(3)
    v *= 2
    return (y * const([1.0, 10.0, 100.0])).sum()


def _slice_item_set(x, w, const):
    y = x * 1
    v = y[0:2]
    v[0] = w * 1
    return (y * const([1.0, 2.0, 3.0])).sum()


def _transpose_scaled(x, w, const):
    y = (x * 1).reshape(1, 3)
    v = y.T
    v *= const([[1.0], [2.0], [3.0]])
    return (y * y).sum()


def _view_and_base_read(x, w, const):
    y = x * 1
    v = y[0:2]
    v *= 2
    return (v * v).sum() + y.sum()


def _base_write_seen_by_view(x, w, const):
    y = -x
    v = y.reshape(1, -1)
    y *= 2.0
    return (v * const([[1.0, 2.0, 3.0]])).sum()


def _view_divided_by_tensor(x, w, const):
    y = x + x
    v = y[1:]
    v /= w
    return (y * const([1.0, -1.0, 2.0])).sum()


def _view_of_a_view(x, w, const):
    y = (x * 1).reshape(3, 1)
    v = y[1:].T
    v += w * w
    return (y * y).sum()


def _sibling_view_sees_the_write(x, w, const):
    y = x * 1
    first, second = y[0:2], y[1:3]
    first *= w
    return (second * const([1.0, 5.0])).sum() + (first * first).sum()


_VIEW_PROGRAMS = [
    _slice_scaled,
    _reshape_scaled,
    _slice_item_set,
    _transpose_scaled,
    _view_and_base_read,
    _base_write_seen_by_view,
    _view_divided_by_tensor,
    _view_of_a_view,
    _sibling_view_sees_the_write,
]
_BY_HAND = {  # (x.grad, w.grad) at x = [1, 2, 3], w = 0.5, worked out on paper
    _slice_scaled: ([2.0, 2.0, 1.0], None),
    _reshape_scaled: ([2.0, 20.0, 200.0], None),
    _slice_item_set: ([0.0, 2.0, 3.0], 1.0),
    _transpose_scaled: ([2.0, 16.0, 54.0], None),
    _view_and_base_read: ([10.0, 18.0, 1.0], None),
    _base_write_seen_by_view: ([-2.0, -4.0, -6.0], None),
}


def _run_npgrad(program):
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = Tensor(0.5, requires_grad=True)
    program(x, w, Tensor).backward()
    return x.grad.data, None if w.grad is None else w.grad.item()


@pytest.mark.parametrize("program", list(_BY_HAND), ids=lambda p: p.__name__)
def test_item02_inplace_on_views_reaches_the_base_by_hand(program):
    x_grad, w_grad = _run_npgrad(program)
    expected_x, expected_w = _BY_HAND[program]
    np.testing.assert_allclose(x_grad, expected_x)
    assert w_grad == (None if expected_w is None else pytest.approx(expected_w))


@pytest.mark.parametrize("program", _VIEW_PROGRAMS, ids=lambda p: p.__name__)
def test_item02_inplace_on_views_matches_finite_differences(program, finite_difference_grad):
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = Tensor(0.5, requires_grad=True)
    program(x, w, Tensor).backward()
    expected = finite_difference_grad(lambda x, w: program(x, w, Tensor), [x, w])
    np.testing.assert_allclose(x.grad.data, expected[0], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(0.0 if w.grad is None else w.grad.data, expected[1], rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("program", _VIEW_PROGRAMS, ids=lambda p: p.__name__)
def test_item02_inplace_on_views_matches_torch(program):
    torch = pytest.importorskip("torch")
    x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    w = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    program(x, w, lambda values: torch.tensor(values, dtype=torch.float64)).backward()
    x_grad, w_grad = _run_npgrad(program)
    np.testing.assert_allclose(x_grad, x.grad.numpy(), rtol=1e-12)
    assert (w_grad is None) == (w.grad is None or not w.grad.any())
    if w_grad is not None:
        assert w_grad == pytest.approx(w.grad.item(), rel=1e-12)


@pytest.mark.parametrize("program", _VIEW_PROGRAMS, ids=lambda p: p.__name__)
def test_item02_second_derivatives_through_view_writes(program, finite_difference_grad):
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = Tensor(0.5, requires_grad=True)

    def gradient_norm(x, w):
        gx, gw = ag.grad(program(x, w, Tensor), [x, w], create_graph=True, allow_unused=True)
        return (gx * gx).sum() + (0.0 if gw is None else gw * gw)

    value = gradient_norm(x, w)
    if not value.requires_grad:  # a program linear in every leaf: nothing second-order to see
        return
    got = ag.grad(value, [x, w], allow_unused=True)
    for g, e in zip(got, finite_difference_grad(gradient_norm, [x, w])):
        np.testing.assert_allclose(0.0 if g is None else g.data, e, rtol=1e-5, atol=1e-7)


def test_item02_fuzz_finding5_programs():
    x0 = Tensor(np.array(-0.6), requires_grad=True)
    v4 = -x0
    v5 = v4.reshape((1, -1))
    v4 *= 2.0  # a write to the base; v5, a view, sees it
    (v5 * np.array([[1.0]])).sum().backward()
    assert x0.grad.item() == pytest.approx(-2.0)

    x0 = Tensor(np.array([-1.4]), requires_grad=True)
    v4 = x0 + x0
    v5 = v4.transpose((0,))
    v5 /= -0.5  # a write to the view; v4, its base, sees it
    (v4 * np.array([1.0])).sum().backward()
    np.testing.assert_allclose(x0.grad.data, [-4.0])


def test_item02_writes_that_would_lose_a_gradient_are_refused():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = x[0:2]
    with pytest.raises(RuntimeError, match="in-place Mul on a view of a leaf tensor that requires grad"):
        v *= 2
    y = x * 1
    with ag.no_grad():
        u = y[0:2]
    with pytest.raises(RuntimeError, match="on a view made under no_grad of a tensor that requires grad"):
        u *= 2
    with ag.no_grad():  # allowed, and untracked, as in PyTorch
        v *= 2
        u += 1
    np.testing.assert_array_equal(x.data, [2.0, 4.0, 3.0])
    np.testing.assert_array_equal(y.data, [2.0, 3.0, 3.0])


def test_item02_views_that_are_copies_are_not_views():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    picked = y[[0, 2]]  # advanced indexing copies: writing it leaves y alone
    picked *= 10
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(y.data, [1.0, 2.0, 3.0])


def test_item02_a_base_does_not_keep_dead_views_alive():
    y = Tensor(np.zeros((1000, 3)))
    for row in y:
        row += 1.0
    refs = y._views
    assert len(refs) < 128  # dead views are dropped as the list grows
    assert sum(ref() is not None for ref in refs) <= 1  # only `row`, the last one, is alive
    np.testing.assert_array_equal(y.data, 1.0)


@pytest.mark.parametrize(
    "make_view",
    [
        lambda y: y[1],
        lambda y: y[::2, 1:],
        lambda y: y[::-1, ::-2],
        lambda y: y[:, None, 2],
        lambda y: y.T[1:],
        lambda y: y.reshape(2, 2, 3)[1].T,
        lambda y: y.swapaxes(0, 1)[0],
        lambda y: y.flatten()[3:9],
        lambda y: y[...],
    ],
)
def test_item02_writes_through_views_of_every_kind(make_view, finite_difference_grad):
    rng = np.random.default_rng(2)
    x = Tensor(rng.normal(size=(4, 3)), requires_grad=True)
    w = Tensor(rng.normal(), requires_grad=True)
    weights = rng.normal(size=(4, 3))

    def f(x, w):
        y = x * 1.0
        v = make_view(y)
        before = ag.exp(v).sum()  # recorded before the write: sees the old values (Exp saves its output)
        v *= w
        v += x.sum()
        return (y * weights).sum() + before + (v * v).sum()

    f(x, w).backward()
    expected = finite_difference_grad(f, [x, w])
    np.testing.assert_allclose(x.grad.data, expected[0], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(w.grad.data, expected[1], rtol=1e-6, atol=1e-8)


def test_item02_float32_views():
    x = Tensor(np.array([1.0, 2.0, 3.0], dtype=np.float32), requires_grad=True)
    y = x * 1
    v = y[1:]
    v *= np.float32(3)
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.data, [2.0, 36.0, 54.0])
    assert x.grad.dtype == np.float32
