"""`ag.compile` of a training step with BatchNorm: the replay updates the running statistics and
`num_batches_tracked` as eager does (they are ops, not Python beside the ops), reads the running
statistics afresh in eval(), and notices buffers given new values or new arrays between calls.
Compiled and eager runs start from identical models and must agree bit for bit, every step."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Iterator

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from nn.functional.normalization import ReadRunningStats, UpdateRunningStats

STEPS = 20


@pytest.fixture(autouse=True)
def _no_fallback() -> Iterator[None]:
    """Every call here replays: ag.compile's fallback warning would be an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


def _model(kind: str, momentum: float | None) -> nn.Module:
    nn.manual_seed(0)
    if kind == "1d":
        return nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6, momentum=momentum), nn.ReLU(), nn.Linear(6, 1))
    return nn.Sequential(
        nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3, momentum=momentum), nn.ReLU(), nn.Flatten(),
        nn.Linear(3 * 4 * 4, 1),
    )  # fmt: skip


def _batch(kind: str, rng: np.random.Generator) -> tuple[ag.Tensor, ag.Tensor]:
    shape = (8, 4) if kind == "1d" else (5, 2, 4, 4)
    x = rng.normal(2.0, 3.0, shape)  # far from the initial running statistics (0 and 1)
    return ag.Tensor(x), ag.Tensor(rng.normal(size=(shape[0], 1)))


def _step_fn(model: nn.Module) -> Callable[[ag.Tensor, ag.Tensor], ag.Tensor]:
    def step(x: ag.Tensor, y: ag.Tensor) -> ag.Tensor:
        return F.mse_loss(model(x), y)

    return step


def _assert_same(compiled: nn.Module, eager: nn.Module, where: str) -> None:
    mine, theirs = compiled.state_dict(), eager.state_dict()
    assert mine.keys() == theirs.keys()
    for name in mine:
        np.testing.assert_array_equal(mine[name], theirs[name], err_msg=f"{where}: {name}", strict=True)


def _train(
    compiled: nn.Module, eager: nn.Module, steps: int, seed: int, between: Callable[[int], None] | None = None
) -> ag.CompiledFunction:
    """`steps` SGD steps of both models on the same batches, one compiled and one eager, compared after
    each step: losses, parameters and buffers (running statistics and num_batches_tracked)."""
    step = ag.compile(_step_fn(compiled))
    plain = _step_fn(eager)
    optimisers = [nn.optim.SGD(m.parameters(), lr=0.05) for m in (compiled, eager)]
    rng = np.random.default_rng(seed)
    for number in range(steps):
        x, y = _batch("2d" if isinstance(compiled[0], nn.Conv2d) else "1d", rng)
        for optimiser in optimisers:
            optimiser.zero_grad()
        loss = step(x, y)
        expected = plain(x, y)
        expected.backward()
        for optimiser in optimisers:
            optimiser.step()
        np.testing.assert_array_equal(loss.data, expected.data, err_msg=f"step {number}: loss", strict=True)
        _assert_same(compiled, eager, f"step {number}")
        if between is not None:
            between(number)
    return step


def _eval_outputs_equal(compiled: nn.Module, eager: nn.Module, kind: str) -> ag.CompiledFunction:
    compiled.eval()
    eager.eval()
    step = ag.compile(_step_fn(compiled))
    rng = np.random.default_rng(7)
    for number in range(4):
        x, y = _batch(kind, rng)
        loss = step(x, y, backward=False)
        np.testing.assert_array_equal(loss.data, _step_fn(eager)(x, y).data, err_msg=f"eval {number}")
    assert step.counts == {"traces": 2, "replays": 2, "eager": 0}
    return step


@pytest.mark.parametrize("kind", ["1d", "2d"])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_compiled_training_moves_running_statistics_as_eager(kind: str, momentum: float | None) -> None:
    compiled = _model(kind, momentum)
    eager = copy.deepcopy(compiled)
    step = _train(compiled, eager, STEPS, seed=1)
    assert step.counts == {"traces": 2, "replays": STEPS - 2, "eager": 0}, step.fallback_reason
    batch_norm = compiled[1]
    assert int(batch_norm.num_batches_tracked.data) == STEPS
    assert not np.allclose(batch_norm.running_mean.data, 0.0)  # moved: a frozen buffer would be caught
    _eval_outputs_equal(compiled, eager, kind)


def test_eval_replay_reads_running_statistics_loaded_in_place() -> None:
    """load_state_dict copies into the buffers' arrays: an eval replay normalises by the new values
    (1 / sqrt(var + eps) is computed by an op on each call, not frozen into the plan)."""
    compiled, eager = _model("1d", 0.1), _model("1d", 0.1)
    _train(compiled, eager, 3, seed=2)
    step = _eval_outputs_equal(compiled, eager, "1d")
    other = _model("1d", 0.1)
    _train(other, copy.deepcopy(other), 5, seed=3)
    for model in (compiled, eager):
        model.load_state_dict(other.state_dict())
    x, y = _batch("1d", np.random.default_rng(4))
    np.testing.assert_array_equal(step(x, y, backward=False).data, _step_fn(eager)(x, y).data)
    assert step.counts["replays"] == 3 and step.counts["traces"] == 2


def _replace_buffers(model: nn.Module, how: str) -> None:
    """Give the BatchNorm's buffers new values through new arrays or new Tensors (not in place)."""
    batch_norm = model[1]
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        buffer = getattr(batch_norm, name)
        new = buffer.data * 0.5 + 0.25 if name != "num_batches_tracked" else buffer.data + 3
        if how == "data":
            buffer.data = new.astype(buffer.data.dtype)
        else:
            setattr(batch_norm, name, ag.Tensor(new.astype(buffer.data.dtype)))


@pytest.mark.parametrize("how", ["data", "tensor"])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_buffers_replaced_between_compiled_calls(how: str, momentum: float | None) -> None:
    """After `bn.running_mean.data = new` (read afresh: still replays) or `bn.running_mean = Tensor(new)`
    (the module guard re-traces), the compiled step updates the new buffers as eager does."""
    compiled = _model("1d", momentum)
    eager = copy.deepcopy(compiled)
    replaced = []

    def between(number: int) -> None:
        if number in (4, 11):
            for model in (compiled, eager):
                _replace_buffers(model, how)
            replaced.append(number)

    step = _train(compiled, eager, STEPS, seed=5, between=between)
    assert replaced == [4, 11]
    traces = 2 if how == "data" else 6  # a new Tensor re-traces (twice: a plan needs two equal traces)
    assert step.counts == {"traces": traces, "replays": STEPS - traces, "eager": 0}
    _eval_outputs_equal(compiled, eager, "1d")


@pytest.mark.parametrize("how", ["data", "tensor"])
def test_eval_replay_after_buffers_replaced(how: str) -> None:
    compiled, eager = _model("1d", 0.1), _model("1d", 0.1)
    _train(compiled, eager, 3, seed=6)
    step = _eval_outputs_equal(compiled, eager, "1d")
    for model in (compiled, eager):
        _replace_buffers(model, how)
    rng = np.random.default_rng(8)
    for _ in range(3):
        x, y = _batch("1d", rng)
        np.testing.assert_array_equal(step(x, y, backward=False).data, _step_fn(eager)(x, y).data)


def test_a_new_buffer_of_another_dtype_re_traces() -> None:
    """A replacement array of another dtype does not fit the plan: the state guard re-traces."""
    compiled, eager = _model("1d", 0.1), _model("1d", 0.1)
    step = _train(compiled, eager, 3, seed=9)
    for model in (compiled, eager):
        model[1].running_var.data = model[1].running_var.data.astype(np.float32)
    x, y = _batch("1d", np.random.default_rng(10))
    np.testing.assert_array_equal(step(x, y).data, _step_fn(eager)(x, y).data)
    assert step.counts["traces"] == 3
    np.testing.assert_array_equal(compiled[1].running_var.data, eager[1].running_var.data, strict=True)


def test_functional_batch_norm_with_tensor_and_array_statistics() -> None:
    """F.batch_norm in a compiled function: Tensor statistics are read afresh (a new `.data` is
    updated), array statistics are updated in place; both as eager."""
    rng = np.random.default_rng(11)
    weight = ag.Tensor(rng.normal(size=3), requires_grad=True)
    stats = {"mean": ag.Tensor(np.zeros(3)), "var": np.ones(3)}

    def fn(x: ag.Tensor) -> ag.Tensor:
        return F.batch_norm(x, stats["mean"], stats["var"], weight, training=True, momentum=0.2).sum()

    step = ag.compile(fn)
    mean, var = np.zeros(3), np.ones(3)
    for number in range(6):
        x = rng.normal(size=(4, 3, 2))
        step(ag.Tensor(x))
        batch_mean, batch_var = x.mean(axis=(0, 2)), x.var(axis=(0, 2), ddof=1)
        mean, var = 0.8 * mean + 0.2 * batch_mean, 0.8 * var + 0.2 * batch_var
        np.testing.assert_allclose(stats["mean"].data, mean, rtol=1e-12, err_msg=f"call {number}")
        np.testing.assert_allclose(stats["var"], var, rtol=1e-12, err_msg=f"call {number}")
        if number == 3:
            stats["mean"].data = stats["mean"].data.copy()  # a new array: read afresh
    assert step.counts == {"traces": 2, "replays": 4, "eager": 0}


def test_functional_momentum_none_needs_a_counter() -> None:
    with pytest.raises(ValueError, match="momentum=None"):
        F.batch_norm(ag.Tensor(np.ones((2, 3))), np.zeros(3), np.ones(3), training=True, momentum=None)


def test_statistics_ops_have_no_gradient() -> None:
    """Called with arrays, the two ops record nothing; their backward refuses by name."""
    mean, var = np.zeros(2), np.ones(2)
    out = UpdateRunningStats.apply(mean, var, None, np.ones((1, 2)), np.full((1, 2), 3.0), 4, 0.5)
    assert out.grad_fn is None and not out.requires_grad
    np.testing.assert_array_equal(mean, [0.5, 0.5])
    np.testing.assert_array_equal(var, [0.5 + 0.5 * 3.0 * 4 / 3] * 2)
    shifted, inverse_std = ReadRunningStats.apply(mean, var, (1, 2, 1), 0.0, np.float32)
    assert shifted.shape == (1, 2, 1) and inverse_std.data.dtype == np.float32
    for op in (UpdateRunningStats, ReadRunningStats):
        with pytest.raises(RuntimeError, match=op.__name__):
            op.backward(None, None)


def test_modules_reached_through_a_plain_object_are_guarded() -> None:
    """`fn` reaches the model through an attribute of an object that is not a module: the modules
    called while tracing are guarded all the same, so eval() re-traces (the running statistics stay
    put and the output is eager's) and so does a new buffer Tensor."""

    class Trainer:
        pass

    trainer = Trainer()
    trainer.model = _model("1d", 0.1)
    eager = copy.deepcopy(trainer.model)
    step = ag.compile(lambda x, y: F.mse_loss(trainer.model(x), y))
    rng = np.random.default_rng(12)
    for _ in range(3):
        x, y = _batch("1d", rng)
        step(x, y, backward=False)
        _step_fn(eager)(x, y)
    _assert_same(trainer.model, eager, "training")
    for model in (trainer.model, eager):
        model.eval()
    for number in range(3):
        x, y = _batch("1d", rng)
        expected = _step_fn(eager)(x, y).data
        np.testing.assert_array_equal(step(x, y, backward=False).data, expected, err_msg=f"eval {number}")
        _assert_same(trainer.model, eager, f"eval {number}")
    assert step.counts == {"traces": 4, "replays": 2, "eager": 0}
    for model in (trainer.model, eager):
        model.train()
        _replace_buffers(model, "tensor")
    x, y = _batch("1d", rng)
    np.testing.assert_array_equal(step(x, y, backward=False).data, _step_fn(eager)(x, y).data)
    _assert_same(trainer.model, eager, "new buffers")
    assert step.counts["traces"] == 5
