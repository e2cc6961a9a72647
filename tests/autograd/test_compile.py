"""`ag.compile`: a replayed call equals the eager call bit for bit (values and grads), across the op
table, random programs and training runs; guards re-trace; value-dependent functions fall back."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import test_ops_table as table
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd as ag
import autograd.function
import nn
import nn.functional as F
import nn.optim
from autograd.compiler import CompiledFunction, kernels
from autograd.ops.elementwise import Sigmoid

DTYPES = (np.float64, np.float32)


def assert_same(compiled: Any, eager: Any, what: str) -> None:
    """Equal to the last bit, same dtype and shape (None only where eager has None)."""
    if eager is None or compiled is None:
        assert compiled is None and eager is None, f"{what}: compiled {compiled!r} vs eager {eager!r}"
        return
    compiled, eager = np.asarray(compiled), np.asarray(eager)
    assert compiled.dtype == eager.dtype, f"{what}: dtype {compiled.dtype} vs eager {eager.dtype}"
    np.testing.assert_array_equal(compiled, eager, err_msg=what, strict=True)


def grad_of(tensor: ag.Tensor) -> Any:
    return None if tensor.grad is None else tensor.grad.data


def compare_calls(
    loss_fn: Callable[..., ag.Tensor], calls: list[list[ag.Tensor]], step: Any = None, fast: bool = True
) -> Any:
    """Run `loss_fn` eagerly and compiled on fresh copies of each call's leaf arguments; every call
    (two traces, then replays) must agree exactly. Returns the compiled function. `fast=False`
    replays every op through its forward and backward, without the kernels."""
    step = CompiledFunction(loss_fn, fast=fast) if step is None else step
    for number, inputs in enumerate(calls):
        eager_inputs = [ag.Tensor(x.data.copy(), requires_grad=x.requires_grad) for x in inputs]
        compiled_inputs = [ag.Tensor(x.data.copy(), requires_grad=x.requires_grad) for x in inputs]
        eager = loss_fn(*eager_inputs)
        eager.backward()
        compiled = step(*compiled_inputs)
        assert_same(compiled.data, eager.data, f"call {number}: loss")
        for position, (c, e) in enumerate(zip(compiled_inputs, eager_inputs)):
            assert_same(grad_of(c), grad_of(e), f"call {number}: grad of input {position}")
    assert step.fallback_reason is None, step.fallback_reason
    return step


def cotangent_loss(fn: Callable[..., ag.Tensor], example: list[ag.Tensor], seed: int) -> Callable[..., ag.Tensor]:
    """sum(fn(*xs) * w) for a fixed random w of fn's output shape and dtype: a scalar whose gradient
    runs through every output element with a different weight."""
    out = np.asarray(fn(*example).data)
    weights = np.random.default_rng(seed).uniform(0.5, 1.5, out.shape).astype(out.dtype)
    return lambda *xs: (fn(*xs) * weights).sum()


def scaled_calls(inputs: list[ag.Tensor], dtype: Any, count: int = 4) -> list[list[ag.Tensor]]:
    """The same leaves in `dtype`, then with values scaled by 1.1, 1.2, ...: same shapes, new values."""
    calls = []
    for k in range(count):
        calls.append(
            [
                ag.Tensor((x.data * (1 + 0.1 * k)).astype(dtype), requires_grad=x.requires_grad)
                if x.data.dtype.kind == "f"
                else x
                for x in inputs
            ]
        )
    return calls


# ------------------------------------------------------------------ every row of the op table
SETTINGS = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_case(case: Callable[[st.DataObject], Any], data: st.DataObject) -> None:
    fn, inputs, _reference = case(data)
    for dtype in DTYPES:
        calls = scaled_calls(inputs, dtype)
        for fast in (True, False):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # overflow or a log of 0 the same in both
                loss_fn = cotangent_loss(fn, calls[0], seed=1)
                step = compare_calls(loss_fn, calls, fast=fast)
            assert step.counts == {"traces": 2, "replays": 2, "eager": 0}


@pytest.mark.parametrize("op", sorted(table.OPS, key=lambda cls: cls.__qualname__), ids=lambda cls: cls.__qualname__)
@SETTINGS
@given(data=st.data())
def test_every_op_replays_exactly_as_eager(op: type[ag.Function], data: st.DataObject) -> None:
    _check_case(table.OPS[op], data)


@pytest.mark.parametrize("name", sorted(table.COMPOSITES))
@SETTINGS
@given(data=st.data())
def test_every_composite_replays_exactly_as_eager(name: str, data: st.DataObject) -> None:
    _check_case(table.COMPOSITES[name], data)


# ------------------------------------------------------------------ random programs
UNARY = [
    lambda a: a.tanh(),
    lambda a: a.sigmoid(),
    lambda a: a.relu(),
    lambda a: (a * a + 1.0).log(),
    lambda a: a.exp() * 0.1,
    lambda a: -a,
    lambda a: a.sum(axis=-1, keepdims=True),
    lambda a: a.mean(axis=0),
    lambda a: a.max(axis=-1, keepdims=True),
    lambda a: ag.softmax(a, axis=-1),
    lambda a: a.T,
    lambda a: a[..., :1] * 2.0,
]
BINARY = [
    lambda a, b: a + b,
    lambda a, b: a - b,
    lambda a, b: a * b,
    lambda a, b: a / (b * b + 1.0),
    lambda a, b: ag.maximum(a, b),
    lambda a, b: ag.where(a > b, a, b * 2.0),  # masks from values: a replay must recompute them
    lambda a, b: a * (b <= 0.1) + np.sign(b) * 0.5,
]


def random_program(seed: int) -> tuple[Callable[..., ag.Tensor], list[ag.Tensor], list[ag.Tensor]]:
    """A program of 5-15 random ops over two arguments and two closure parameters (all (3, 3) or
    broadcastable), ending in a sum. Returns it, its parameters and example arguments."""
    rng = np.random.default_rng(seed)
    params = [ag.Tensor(rng.uniform(-1, 1, (3, 3)), requires_grad=True), ag.Tensor(rng.uniform(-1, 1, (3,)), True)]
    ops = []
    for _ in range(rng.integers(5, 16)):
        if rng.random() < 0.5:
            ops.append(("unary", int(rng.integers(len(UNARY))), int(rng.integers(100))))
        else:
            ops.append(("binary", int(rng.integers(len(BINARY))), int(rng.integers(100)), int(rng.integers(100))))

    def program(x: ag.Tensor, y: ag.Tensor) -> ag.Tensor:
        pool = [x, y, *params, x @ params[0]]
        for op in ops:
            if op[0] == "unary":
                pool.append(UNARY[op[1]](pool[op[2] % len(pool)]))
            else:
                pool.append(BINARY[op[1]](pool[op[2] % len(pool)], pool[op[3] % len(pool)]))
        return sum((p.sum() for p in pool[-3:]), params[1].sum() * 0.0)  # a graph even if the last are masks

    args = [
        ag.Tensor(rng.uniform(-1, 1, (3, 3)), requires_grad=bool(rng.random() < 0.5)),
        ag.Tensor(rng.uniform(-1, 1, (3, 3))),
    ]
    return program, params, args


@pytest.mark.parametrize("seed", range(40))
def test_random_programs_replay_exactly_as_eager(seed: int) -> None:
    program, params, args = random_program(seed)
    eager_params = [ag.Tensor(p.data.copy(), requires_grad=True) for p in params]
    step = None
    signs = np.random.default_rng(seed + 1000)
    for k in range(4):
        # new values, and new signs for the replays (k >= 2), so that the masks of comparisons change
        flips = signs.choice([-1.0, 1.0], (3, 3)) if k >= 2 else 1.0
        call = [ag.Tensor(a.data * (1 + 0.1 * k) * flips, requires_grad=a.requires_grad) for a in args]
        for p in params + eager_params:
            p.grad = None
        # the eager run uses the same program over a copy of the parameters
        saved = [p.data for p in params]
        for p, e in zip(params, eager_params):
            p.data = e.data
        eager_call = [ag.Tensor(a.data.copy(), requires_grad=a.requires_grad) for a in call]
        eager = program(*eager_call)
        eager.backward()
        eager_grads = [grad_of(p) for p in params] + [grad_of(a) for a in eager_call]
        for p, s in zip(params, saved):
            p.data, p.grad = s, None
        step = step or ag.compile(program)
        compiled = step(*call)
        assert_same(compiled.data, eager.data, f"seed {seed} call {k}: value")
        for n, (c, e) in enumerate(zip([grad_of(p) for p in params] + [grad_of(a) for a in call], eager_grads)):
            assert_same(c, e, f"seed {seed} call {k}: grad {n}")
    assert step.counts["replays"] == 2 and step.fallback_reason is None


# ------------------------------------------------------------------ training runs
def mlp(dtype: Any, seed: int = 0, sizes: tuple[int, ...] = (2, 4, 4, 1)) -> nn.Module:
    model = nn.MLP(list(sizes), rng=np.random.default_rng(seed))
    for p in model.parameters():
        p.data = p.data.astype(dtype)
    return model


def train_both(
    make_model: Callable[[], nn.Module],
    make_optimizer: Callable[[Any], Any],
    loss_of: Callable[[nn.Module, Any, Any], ag.Tensor],
    batches: list[tuple[Any, Any]],
) -> Any:
    """Train two identical models, one eagerly and one through ag.compile; after every step the
    losses, gradients and updated parameters must be identical."""
    eager_model, compiled_model = make_model(), make_model()
    compiled_model.load_state_dict(eager_model.state_dict())
    eager_opt, compiled_opt = make_optimizer(eager_model.parameters()), make_optimizer(compiled_model.parameters())
    step = ag.compile(lambda X, y: loss_of(compiled_model, X, y))
    for number, (X, y) in enumerate(batches):
        eager_opt.zero_grad()
        eager_loss = loss_of(eager_model, X, y)
        eager_loss.backward()
        eager_opt.step()
        compiled_opt.zero_grad()
        compiled_loss = step(X, y)
        compiled_opt.step()
        assert_same(compiled_loss.data, eager_loss.data, f"step {number}: loss")
        for (name, e), c in zip(eager_model.named_parameters(), compiled_model.parameters()):
            assert_same(grad_of(c), grad_of(e), f"step {number}: grad of {name}")
            assert_same(c.data, e.data, f"step {number}: {name}")
    assert step.fallback_reason is None
    return step


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
def test_200_steps_of_the_lab_mlp_equal_eager(dtype: Any, optimizer: str) -> None:
    rng = np.random.default_rng(3)
    X = ag.Tensor(rng.uniform(0, 1, (100, 2)).astype(dtype))
    y = ag.Tensor((X.data[:, :1] <= X.data[:, 1:]).astype(dtype))
    make = (lambda ps: nn.optim.SGD(ps, lr=0.1)) if optimizer == "SGD" else (lambda ps: nn.optim.Adam(ps, lr=0.01))
    step = train_both(lambda: mlp(dtype), make, lambda m, X, y: F.mse_loss(m(X), y), [(X, y)] * 200)
    assert step.counts == {"traces": 2, "replays": 198, "eager": 0}


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
def test_cross_entropy_minibatches_equal_eager(dtype: Any) -> None:
    rng = np.random.default_rng(4)
    batches = []
    for _ in range(30):
        X = rng.normal(size=(16, 5)).astype(dtype)  # ndarray arguments, new values each step
        batches.append((X, rng.integers(0, 3, 16)))

    def model() -> nn.Module:
        m = nn.MLP([5, 8, 3], activation="relu", output_activation=None, rng=np.random.default_rng(1))
        for p in m.parameters():
            p.data = p.data.astype(dtype)
        return m

    step = train_both(
        model, lambda ps: nn.optim.SGD(ps, lr=0.1, momentum=0.9), lambda m, X, y: F.cross_entropy(m(X), y), batches
    )
    assert step.counts["replays"] == 28


def test_a_conv_net_equals_eager() -> None:
    rng = np.random.default_rng(5)
    batches = [(rng.normal(size=(4, 1, 6, 6)), rng.integers(0, 3, 4)) for _ in range(12)]

    class ConvNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(1, 2, 3, padding=1, rng=np.random.default_rng(2))
            self.fc = nn.Linear(2 * 3 * 3, 3, rng=np.random.default_rng(3))

        def forward(self, x: Any) -> ag.Tensor:
            h = F.max_pool2d(F.relu(self.conv(x)), 2)
            return self.fc(h.reshape(h.shape[0], -1))

    step = train_both(ConvNet, lambda ps: nn.optim.Adam(ps, lr=0.01), lambda m, X, y: F.cross_entropy(m(X), y), batches)
    assert step.counts["replays"] == 10


# ------------------------------------------------------------------ guards and fallbacks
def test_new_shapes_dtypes_and_requires_grad_re_trace() -> None:
    w = ag.Tensor(np.linspace(-1, 1, 3), requires_grad=True)
    loss = lambda x: ((x * w).tanh() ** 2).sum()  # noqa: E731
    rng = np.random.default_rng(0)
    step = ag.compile(loss)
    calls = [
        ag.Tensor(rng.normal(size=(5, 3))),
        ag.Tensor(rng.normal(size=(5, 3))),
        ag.Tensor(rng.normal(size=(5, 3))),
        ag.Tensor(rng.normal(size=(7, 3))),  # a new shape
        ag.Tensor(rng.normal(size=(7, 3))),
        ag.Tensor(rng.normal(size=(7, 3))),
        ag.Tensor(rng.normal(size=(5, 3)), requires_grad=True),  # a new requires_grad pattern
    ]
    compare_calls(loss, [[x] for x in calls], step)
    assert step.counts == {"traces": 5, "replays": 2, "eager": 0}
    step(ag.Tensor(rng.normal(size=(5, 3))))  # the first key's plan is still cached
    assert step.counts["replays"] == 3


def test_parameters_read_afresh_and_replaced_parameters_re_trace() -> None:
    model = mlp(np.float64)
    X, y = ag.Tensor(np.ones((3, 2))), ag.Tensor(np.zeros((3, 1)))
    step = ag.compile(lambda X, y: F.mse_loss(model(X), y))
    for _ in range(3):
        step(X, y)
    assert step.counts == {"traces": 2, "replays": 1, "eager": 0}
    layer = model.layers[0]
    layer.weight.data = layer.weight.data * 2.0  # a new array in the same Parameter: read afresh
    model.zero_grad()
    value = step(X, y)
    assert step.counts["replays"] == 2
    model.zero_grad()
    expected = F.mse_loss(model(X), y)
    assert_same(value.data, expected.data, "after .data was replaced")
    layer.weight = nn.Parameter(layer.weight.data.copy())  # a new Parameter object: re-trace
    step(X, y)
    assert step.counts["traces"] == 3
    assert layer.weight.grad is not None


def test_switching_train_and_eval_re_traces() -> None:
    """For a module that reads its training flag (Dropout); nn's other layers say they never do."""
    model = nn.Sequential(mlp(np.float64), nn.Dropout(0.0))
    X, y = ag.Tensor(np.ones((3, 2))), ag.Tensor(np.zeros((3, 1)))
    step = ag.compile(lambda X, y: F.mse_loss(model(X), y))
    for _ in range(3):
        step(X, y)
    model.eval()
    step(X, y)
    assert step.counts == {"traces": 3, "replays": 1, "eager": 0}
    model[0].train()  # the MLP alone: its layers do not read the flag, so its plan still holds
    step = ag.compile(lambda X, y: F.mse_loss(model[0](X), y))
    for _ in range(3):
        step(X, y)
    model[0].eval()
    step(X, y)
    assert step.counts == {"traces": 2, "replays": 2, "eager": 0}


@pytest.mark.parametrize(
    "read, spelling",
    [
        (lambda t: t.item(), ".item()"),
        (lambda t: bool(t > 0), "bool(t)"),
        (lambda t: float(t), "float(t)"),
        (lambda t: t.numpy(), ".numpy()"),
    ],
)
def test_reading_values_while_tracing_falls_back_with_one_warning(read: Callable[[Any], Any], spelling: str) -> None:
    w = ag.Tensor([1.5], requires_grad=True)

    def loss(x: ag.Tensor) -> ag.Tensor:
        total = (x * w).sum()
        read(total)
        return total

    step = ag.compile(loss)
    with pytest.warns(RuntimeWarning, match=f"will run eagerly.*{spelling.replace('(', '.').replace(')', '.')}"):
        step(ag.Tensor([2.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no second warning
        for k in range(3):
            w.grad = None
            out = step(ag.Tensor([float(k)]))
            assert_same(grad_of(w), np.array([float(k)]), "eager fallback grad")
            assert_same(out.data, np.array(1.5 * k), "eager fallback value")
    assert step.counts == {"traces": 1, "replays": 0, "eager": 3}


def test_a_graph_that_depends_on_values_falls_back_when_the_traces_differ() -> None:
    def loss(x: ag.Tensor) -> ag.Tensor:
        return (x * 2.0).sum() if x.data.sum() > 0 else (x * 3.0).sum()  # a branch on .data, unseen

    step = ag.compile(loss)
    step(ag.Tensor([1.0], requires_grad=True))
    with pytest.warns(RuntimeWarning, match="depends on values"):
        step(ag.Tensor([-1.0], requires_grad=True))
    x = ag.Tensor([-1.0], requires_grad=True)
    step(x)
    assert_same(grad_of(x), np.array([3.0]), "eager after the fallback")


def test_random_constants_inside_the_function_fall_back() -> None:
    rng = np.random.default_rng(0)
    step = ag.compile(lambda x: (x * ag.Tensor(rng.random(3) < 0.5)).sum())  # a dropout-like mask
    step(ag.Tensor(np.ones(3), requires_grad=True))
    with pytest.warns(RuntimeWarning, match="different constant arguments"):
        step(ag.Tensor(np.ones(3), requires_grad=True))


@pytest.mark.parametrize(
    "body, reason",
    [
        (lambda h: h.register_hook(lambda g: g), "register_hook"),
        (lambda h: h.retain_grad(), "retain_grad"),
    ],
)
def test_hooks_inside_the_function_fall_back(body: Callable[[Any], Any], reason: str) -> None:
    w = ag.Tensor([1.0, 2.0], requires_grad=True)

    def loss(x: ag.Tensor) -> ag.Tensor:
        h = x * w
        body(h)
        return h.sum()

    with pytest.warns(RuntimeWarning, match=reason):
        ag.compile(loss)(ag.Tensor([1.0, 1.0]))


def test_a_hook_on_a_parameter_falls_back() -> None:
    w = ag.Tensor([1.0, 2.0], requires_grad=True)
    step = ag.compile(lambda x: (x * w).sum())
    x = ag.Tensor([3.0, 4.0])
    for _ in range(3):
        step(x)
    w.register_hook(lambda g: g * 10)  # added after the plan was made: the guard re-traces
    w.grad = None
    with pytest.warns(RuntimeWarning, match="hook"):
        step(x)
    assert_same(grad_of(w), np.array([30.0, 40.0]), "grad through the hook")


def test_backward_false_only_evaluates() -> None:
    model = mlp(np.float64)
    X, y = ag.Tensor(np.ones((3, 2))), ag.Tensor(np.zeros((3, 1)))
    step = ag.compile(lambda X, y: F.mse_loss(model(X), y))
    for _ in range(3):
        value = step(X, y, backward=False)
    assert all(p.grad is None for p in model.parameters())
    assert step.counts["replays"] == 1
    assert_same(value.data, F.mse_loss(model(X), y).data, "evaluation")
    assert value.grad_fn is None and not value.requires_grad


def test_custom_functions_replay_through_their_own_forward_and_backward() -> None:
    calls = {"forward": 0, "backward": 0}

    class Cube(ag.Function):
        @staticmethod
        def forward(ctx, x):
            calls["forward"] += 1
            ctx.save_for_backward(x)
            ctx.scale = 3.0
            return x**3

        @staticmethod
        def backward(ctx, g):
            calls["backward"] += 1
            (x,) = ctx.saved_tensors
            return ctx.scale * x**2 * g

    w = ag.Tensor([0.5, -1.0], requires_grad=True)
    loss = lambda x: Cube.apply(x * w).sum()  # noqa: E731
    compare_calls(loss, [[ag.Tensor([1.0 + k, 2.0])] for k in range(4)])
    assert calls == {"forward": 8, "backward": 8}  # eager 4 + compiled 4 (two traces, two replays)


def test_a_warm_call_creates_no_node_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    model = mlp(np.float64)
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1)
    X, y = ag.Tensor(np.ones((5, 2))), ag.Tensor(np.zeros((5, 1)))
    step = ag.compile(lambda X, y: F.mse_loss(model(X), y))
    for _ in range(3):
        optimizer.zero_grad()
        step(X, y)
        optimizer.step()
    created = []
    original = autograd.function._new_node
    monkeypatch.setattr(autograd.function, "_new_node", lambda cls: created.append(cls) or original(cls))
    optimizer.zero_grad()
    step(X, y)
    assert created == []
    F.mse_loss(model(X), y)  # the counter works: an eager call makes one node per op
    assert len(created) == 9


# ------------------------------------------------------------------ the checker catches a planted bug
def test_a_plan_with_one_wrong_op_is_caught() -> None:
    """The general replay with Sigmoid's backward off by a few hundred ulp: the equality check fails."""
    w = ag.Tensor(np.linspace(-1, 1, 4), requires_grad=True)
    loss = lambda x: (x * w).sigmoid().sum()  # noqa: E731
    calls = [[ag.Tensor(np.arange(4.0) + k, requires_grad=True)] for k in range(4)]
    step = compare_calls(loss, calls, fast=False)
    namespace = step.plans()[0].run.__globals__
    name = next(n for n, v in namespace.items() if v is Sigmoid.backward)
    namespace[name] = lambda ctx, g: Sigmoid.backward(ctx, g) * (1 + 1e-13)
    with pytest.raises(AssertionError, match="grad of"):
        compare_calls(loss, calls[2:], step)
    namespace[name] = Sigmoid.backward
    compare_calls(loss, calls[2:], step)


def test_a_kernel_that_only_reorders_a_product_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """g * out * (1 - out) computed as g * (out * (1 - out)): the same math, other roundings."""
    rng = np.random.default_rng(0)
    w, weights = ag.Tensor(rng.normal(size=64), requires_grad=True), rng.uniform(0.5, 1.5, 64)
    loss = lambda x: ((x * w).sigmoid() * weights).sum()  # noqa: E731  (a gradient that is not all ones)
    calls = [[ag.Tensor(rng.normal(size=64), requires_grad=True)] for _ in range(3)]
    forward, _ = kernels.kernel_for(Sigmoid)

    def reordered(op: kernels.Op, g: str) -> kernels.Gradients:
        return kernels.Gradients([], [f"{g} * ({op.out} * (1.0 - {op.out}))"], [op.out_shape])

    monkeypatch.setitem(kernels.KERNELS, kernels._name(Sigmoid), (forward, reordered))
    with pytest.raises(AssertionError, match="call 2: grad of"):
        compare_calls(loss, calls)
    monkeypatch.setitem(kernels.KERNELS, kernels._name(Sigmoid), (forward, kernels.sigmoid_backward))
    compare_calls(loss, calls)


def test_a_deep_copied_model_keeps_its_own_plan() -> None:
    model = mlp(np.float64)
    other = copy.deepcopy(model)
    X, y = ag.Tensor(np.ones((3, 2))), ag.Tensor(np.zeros((3, 1)))
    step = ag.compile(lambda X, y: F.mse_loss(model(X), y))
    for _ in range(3):
        step(X, y)
    assert all(p.grad is not None for p in model.parameters())
    assert all(p.grad is None for p in other.parameters())


def test_a_function_that_returns_no_tensor_is_a_clear_error() -> None:
    step = ag.compile(lambda x: 3.0)
    with pytest.raises(TypeError, match="must return the loss as a Tensor"):
        step(ag.Tensor([1.0]))


def test_a_compiled_function_called_while_another_traces_is_part_of_its_trace() -> None:
    w = ag.Tensor([1.0, -2.0], requires_grad=True)
    inner = ag.compile(lambda x: (x * w).tanh())
    outer = ag.compile(lambda x: (inner(x, backward=False) * 3.0).sum())
    compare_calls(
        lambda x: ((x * w).tanh() * 3.0).sum(),
        [[ag.Tensor([0.5 * k, 1.0], requires_grad=True)] for k in range(4)],
        outer,
    )
    assert inner.counts == {"traces": 0, "replays": 0, "eager": 2}
