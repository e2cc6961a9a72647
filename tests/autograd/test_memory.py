"""Memory: flat over a long training run, graphs freed by reference counting alone (no cycles),
and a large graph's memory given back when it is dropped."""

from __future__ import annotations

import gc
import tracemalloc
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor


@contextmanager
def gc_disabled() -> Iterator[None]:
    """Only reference counting frees objects inside: whatever survives is in a cycle or leaked."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@contextmanager
def traced() -> Iterator[Callable[[], int]]:
    """tracemalloc running; yields a function giving the bytes currently allocated."""
    tracemalloc.start()
    try:
        yield lambda: tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()


def _training_step(x, y, w1, b1, w2, b2, lr=0.1):
    hidden = (x @ w1 + b1).sigmoid()
    out = (hidden @ w2 + b2).sigmoid()
    loss = ((out - y) ** 2).mean()
    loss.backward()
    with ag.no_grad():
        for p in (w1, b1, w2, b2):
            p -= lr * p.grad
            p.grad = None
    return loss


def test_memory_stays_flat_over_10k_training_iterations():
    rng = np.random.default_rng(0)
    x = Tensor(rng.random((16, 2)))
    y = Tensor((x.data[:, :1] > x.data[:, 1:]).astype(np.float64))
    params = [Tensor(rng.standard_normal(shape), requires_grad=True) for shape in ((2, 4), (4,), (4, 1), (1,))]
    with gc_disabled():
        for _ in range(500):
            _training_step(x, y, *params)
        objects_before = len(gc.get_objects())
        for _ in range(7_500):  # untraced, for speed: a leaked Python object still shows below
            _training_step(x, y, *params)
        with traced() as allocated:  # every byte, over the last 2,000 steps
            _training_step(x, y, *params)
            bytes_before = allocated()
            for _ in range(2_000):
                loss = _training_step(x, y, *params)
            grown = allocated() - bytes_before
        objects_grown = len(gc.get_objects()) - objects_before
    assert np.isfinite(loss.item())
    assert objects_grown < 50, f"{objects_grown} more gc-tracked objects after 10,000 steps"
    assert grown < 16_000, f"memory grew by {grown} bytes over 2,000 steps"


def _graphs() -> dict[str, Callable[[Tensor], Tensor]]:
    class TwoOutputs(ag.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2, x * x

        @staticmethod
        def backward(ctx, grad_double, grad_square):
            (x,) = ctx.saved_tensors
            return 2 * grad_double + 2 * x * grad_square

    def hooks(x):
        h = x.exp()
        h.retain_grad()
        h.register_hook(lambda g: g * 2)
        return (h * x).sum()

    def inplace(x):
        h = x * 1.0
        h += x
        h[0] = x[1]
        return h.sum()

    def two_outputs(x):
        double, square = TwoOutputs.apply(x)
        return (double * square).sum()

    def higher_order(x):
        (g,) = ag.grad((x.sin() * x).sum(), x, create_graph=True)
        return (g * g).sum()

    return {
        "mlp": lambda x: ((x @ np.ones((3, 3))).tanh() @ np.ones(3)).sum(),
        "hooks": hooks,
        "inplace": inplace,
        "two_outputs": two_outputs,
        "higher_order": higher_order,
        "indexing": lambda x: (x[np.array([0, 0, 2])] * x[x > 0]).sum(),
    }


@pytest.mark.parametrize("name", sorted(_graphs()))
@pytest.mark.parametrize("run_backward", [False, True], ids=["dropped", "after_backward"])
def test_no_reference_cycles(name, run_backward):
    build = _graphs()[name]
    with gc_disabled():
        x = Tensor(np.array([0.5, 1.0, 1.5]), requires_grad=True)
        out = build(x)
        refs = [weakref.ref(out), weakref.ref(out.grad_fn)]
        stack = [out.grad_fn]
        while stack:
            node = stack.pop()
            refs.append(weakref.ref(node))
            refs.extend(weakref.ref(a) for a in node.inputs if isinstance(a, Tensor) and a is not x)
            stack.extend(e[0] for e in node.next_functions if e is not None and e[1] is not None)
        if run_backward:
            out.backward()
        del out, node, stack
        alive = [ref() for ref in refs if ref() is not None]
    assert not alive, f"kept alive by a reference cycle: {alive[:3]}"


def test_a_50k_op_graph_gives_its_memory_back():
    x = Tensor(np.ones(16), requires_grad=True)
    with gc_disabled(), traced() as allocated:
        before = allocated()
        y = x
        for _ in range(50_000):
            y = y * 1.0001
        built = allocated() - before
        del y
        left = allocated() - before
    # CPython keeps a few thousand freed tuples for reuse (~100 kB); one leaked object per op
    # would be 50,000 x 56 bytes and more.
    assert built > 50_000 * 400  # the graph really was large ...
    assert left < built / 100, f"{left} bytes of {built} still allocated after dropping the graph"


def test_a_100k_op_chain_is_freed_without_recursion():
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    last = weakref.ref(y.grad_fn)
    del y  # freeing a deep chain must not overflow the C stack
    assert last() is None
