"""Tests that kill the survivors of the targeted mutmut run over the compile-trust code (cross_entropy
as one op and its kernel, NoGrad, BatchNorm's state ops, embedding, the module guards): each names the
mutants it pins (mutmut 3's names, `x_` functions and `xǁClassǁmethod`; see tests/MUTATION.md)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd.compiler import CompiledFunction
from nn.functional.normalization import ReadRunningStats, UpdateRunningStats


def _replayed(step: CompiledFunction, *args: np.ndarray) -> None:
    """Trace twice, then replay: the plan exists, and no warning (no fallback to eager)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            step(*args)
    assert step.counts == {"traces": 2, "replays": 1, "eager": 0}


# ------------------------------------------------------------------ the cross entropy kernel
def test_kernel_without_buffers_on_column_major_logits_equals_eager() -> None:
    """Logits laid out column-major (a transposed matmul) get no buffers (`op.buffer is None`):
    kernels.x_cross_entropy_forward 22, 31 and x_cross_entropy_backward 6, 8, 9 write a buffer
    or a stray string there, so the plan fails to run."""
    rng = np.random.default_rng(1)
    weight = ag.Tensor(rng.normal(size=(4, 5)), requires_grad=True)

    def loss(X: np.ndarray, y: np.ndarray) -> ag.Tensor:
        return F.cross_entropy((weight.T @ ag.Tensor(X)).T, y)

    step = CompiledFunction(loss)
    X, y = rng.normal(size=(4, 6)), rng.integers(0, 5, 6)
    _replayed(step, X, y)
    source = step.plans()[0].source
    assert "_maximum_reduce" in source and "buffer" not in source
    for _ in range(2):
        X, y = rng.normal(size=(4, 6)), rng.integers(0, 5, 6)
        weight.grad = None
        want = loss(X, y)
        want.backward()
        want_grad = weight.grad.data.copy()
        weight.grad = None
        got = step(X, y)
        assert got.data.tobytes() == want.data.tobytes()
        assert weight.grad.data.tobytes() == want_grad.tobytes()


def test_kernel_returned_unreduced_equals_eager() -> None:
    """The op's result returned as it is (reduction "none", no backward) gets no output buffer:
    kernels.x_cross_entropy_forward 31 writes a stray string there."""
    rng = np.random.default_rng(2)
    weight = ag.Tensor(rng.normal(size=(4, 5)), requires_grad=True)

    def losses(X: np.ndarray, y: np.ndarray) -> ag.Tensor:
        return F.cross_entropy(ag.Tensor(X) @ weight, y, "none")

    step = CompiledFunction(losses)
    X, y = rng.normal(size=(6, 4)), rng.integers(0, 5, 6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            got = step(X, y, backward=False)
    assert step.counts["replays"] == 1 and "_maximum_reduce" in step.plans()[0].source
    assert got.data.tobytes() == losses(X, y).data.tobytes()


def test_kernel_writes_into_buffers_and_deletes_its_temporaries() -> None:
    """Logits of a C-ordered matmul, not returned: the kernel's forward writes the shifted logits, the
    exponentials, the log-probabilities and the losses into kept buffers, its backward the
    exponentials (kernels.x_cross_entropy_forward 20, 30 and x_cross_entropy_backward 7 drop them:
    new arrays every call), and the backward deletes its three temporaries once used
    (x_cross_entropy_backward 22 keeps them alive)."""
    rng = np.random.default_rng(3)
    weight = ag.Tensor(rng.normal(size=(4, 5)), requires_grad=True)
    step = CompiledFunction(lambda X, y: F.cross_entropy(ag.Tensor(X) @ weight, y))
    _replayed(step, rng.normal(size=(6, 4)), rng.integers(0, 5, 6))
    lines = [line.strip() for line in step.plans()[0].source.splitlines()]
    shifted = next(line for line in lines if "_maximum_reduce" in line)
    log_p = next(line for line in lines if "_add_reduce(_exp(" in line)
    picked = next(line for line in lines if "_negative(" in line)
    exps = next(line for line in lines if line.startswith("e") and "= _exp(" in line)
    for line in (shifted, log_p, picked, exps):  # the last argument: the buffer written into
        assert re.search(r", buffer\d+\)$", line), line
    assert re.search(r"_exp\(sv\d+, buffer\d+\)", log_p), log_p
    out = exps.split(" =")[0][1:]  # the op's output slot, as in "ev4"
    deleted = next(line for line in lines if line.startswith("del ") and f"gx{out}" in line)
    assert {f"w{out}", f"gx{out}", f"e{out}"} <= {name.strip() for name in deleted[4:].split(",")}


@pytest.mark.parametrize("dtype", [np.uint8, np.uint32])
def test_unsigned_class_indices_take_the_kernel(dtype: type) -> None:
    """Unsigned class indices are integers too: kernels.x_cross_entropy_forward 12, 13 ("u" spelt
    otherwise) leave them to the general replay."""
    rng = np.random.default_rng(4)
    weight = ag.Tensor(rng.normal(size=(4, 5)), requires_grad=True)
    step = CompiledFunction(lambda X, y: F.cross_entropy(ag.Tensor(X) @ weight, y))
    X, y = rng.normal(size=(6, 4)), rng.integers(0, 5, 6).astype(dtype)
    _replayed(step, X, y)
    assert "_maximum_reduce" in step.plans()[0].source
    assert step(X, y).data.tobytes() == F.cross_entropy(ag.Tensor(X) @ weight, y).data.tobytes()


# ------------------------------------------------------------------ cross_entropy's and BCE's checks
def test_cross_entropy_reduction_message_lists_the_reductions() -> None:
    """loss.x_cross_entropy 6-12: the message for an unknown reduction (None, a TypeError, or the
    list spelt otherwise)."""
    with pytest.raises(ValueError) as error:
        F.cross_entropy(np.zeros((2, 3)), np.array([0, 1]), "avg")
    assert str(error.value) == "cross_entropy: reduction must be one of 'mean', 'sum', 'none', got 'avg'"


def test_cross_entropy_shape_message_names_the_shape() -> None:
    """loss.x_cross_entropy 17: the message names the logits' shape."""
    with pytest.raises(ValueError, match=r"^cross_entropy: input must be logits of shape \(N, C\), got shape \(3,\)$"):
        F.cross_entropy(np.zeros(3), np.array([0, 1, 2]))


def test_binary_cross_entropy_at_zero_and_one_warns_nothing() -> None:
    """log(0) at p = 0 or 1 is clamped at -100 silently: loss.xǁBinaryCrossEntropyǁforward 3
    (np.errstate(divide=None)) lets NumPy warn of the division by zero."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.binary_cross_entropy(np.array([0.0, 1.0, 1.0]), np.array([0.0, 1.0, 0.0]), "none")
    np.testing.assert_array_equal(loss.data, [0.0, 0.0, 100.0])


def test_statistics_ops_name_themselves_first() -> None:
    """normalization.xǁUpdateRunningStatsǁbackward 2, xǁReadRunningStatsǁbackward 2: the message
    starts with the op's name."""
    for op in (UpdateRunningStats, ReadRunningStats):
        with pytest.raises(RuntimeError, match=f"^{op.__name__}: "):
            op.backward(None, None)


# ------------------------------------------------------------------ NoGrad
def test_argmax_error_names_the_function_without_np() -> None:
    """constant.x__name 5: a plain function (argmax) is named as it is, only a ufunc as np.name."""
    with pytest.raises(ValueError) as error:
        ag.Tensor(np.zeros((2, 3))).argmax(axis=5)
    assert str(error.value).startswith("argmax: ")


def test_nograd_error_lists_arrays_by_shape_and_the_rest_by_repr() -> None:
    """constant.xǁNoGradǁforward 5 (every input by shape) and 8 (the rest as None)."""
    with pytest.raises(ValueError) as error:
        ag.Tensor(np.zeros((2, 3))).argmax(axis=5)
    assert str(error.value).endswith("(inputs: (2, 3), 5, False)")


def test_nograd_applied_to_a_tensor_sends_no_gradient() -> None:
    """NoGrad.apply on a Tensor (not through `untracked`) records a node whose backward gives None per
    input: constant.xǁNoGradǁbackward 1 ((None,) / n) raises TypeError. No test reached it before."""
    from autograd.ops.constant import NoGrad

    x = ag.Tensor(np.array([1.0, -2.0]), requires_grad=True)
    (NoGrad.apply(np.negative, x) * 3.0 + x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])


# ------------------------------------------------------------------ embedding
def test_embedding_of_a_plain_array_or_list_weight() -> None:
    """lookup.x_embedding 3 (a weight not made a Tensor: a list has no ndim) and 4 (Tensor(None))."""
    weight = [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]
    for table in (weight, np.array(weight)):
        out = F.embedding(np.array([2, 0, 2]), table)
        np.testing.assert_array_equal(out.data, [[4.0, 5.0], [0.0, 1.0], [4.0, 5.0]])


def test_embedding_messages() -> None:
    """lookup.x_embedding 11 (no message for a weight that is not 2-D), 16 and 17 (the hint spelt otherwise)."""
    with pytest.raises(ValueError) as error:
        F.embedding(np.array([0]), np.zeros(3))
    assert str(error.value) == "embedding: weight must be (num_embeddings, embedding_dim), got shape (3,)"
    with pytest.raises(TypeError) as error:
        F.embedding(np.array([0.0, 1.0]), np.zeros((3, 2)))
    assert str(error.value).endswith("; pass an integer array, e.g. np.array([1, 2]) (Tensor([1, 2]) is float64)")


def test_cross_entropy_second_derivatives() -> None:
    """With create_graph the backward recomputes log_softmax as an op along axis 1: loss.xǁCrossEntropyǁ
    backward 4 (axis None: over the whole array) gives other first derivatives, and other second ones
    than the composition (log_softmax, then the picks)."""
    rng = np.random.default_rng(5)
    data, target = rng.normal(size=(3, 4)), np.array([3, 0, 3])
    results = []
    for fn in (
        lambda x: F.cross_entropy(x, target, "sum"),
        lambda x: -F.log_softmax(x, axis=1)[np.arange(3), target].sum(),
    ):
        logits = ag.Tensor(data, requires_grad=True)
        (plain,) = ag.grad(fn(logits), [logits])
        (first,) = ag.grad(fn(logits), [logits], create_graph=True)
        (second,) = ag.grad((first * first).sum(), [logits])
        np.testing.assert_allclose(first.data, plain.data, rtol=1e-12)
        results.append(second.data)
    np.testing.assert_allclose(results[0], results[1], rtol=1e-10, atol=1e-14)


class _NoAddAt:
    """numpy for ScatterAdd's module, but np.add.at raises: the picks must be assigned."""

    class add:  # noqa: N801  (as np.add)
        @staticmethod
        def at(*args: object) -> None:
            raise AssertionError("np.add.at called for distinct picks")

    def __getattr__(self, name: str) -> object:
        return getattr(np, name)


def test_cross_entropy_backward_assigns_its_picks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each row picks one class, so the backward assigns (ScatterAdd's distinct=True) instead of
    np.add.at, 6x the instructions: loss.xǁCrossEntropyǁbackward 20, 24, 26 pass no promise."""
    import autograd.ops.indexing as indexing

    monkeypatch.setattr(indexing, "np", _NoAddAt())
    logits = ag.Tensor(np.random.default_rng(6).normal(size=(3, 4)), requires_grad=True)
    F.cross_entropy(logits, np.array([1, 1, 3])).backward()
    assert logits.grad.shape == (3, 4)


def test_update_running_stats_returns_an_empty_array() -> None:
    """normalization.xǁUpdateRunningStatsǁforward 31: the op's result is empty, as its docstring says."""
    out = UpdateRunningStats.apply(np.zeros(2), np.ones(2), None, np.ones((1, 2)), np.ones((1, 2)), 4, 0.5)
    assert out.shape == (0,)


# ------------------------------------------------------------------ batch_norm's checks and defaults
def _x(dtype: type = np.float64) -> ag.Tensor:
    return ag.Tensor(np.arange(12.0).reshape(4, 3).astype(dtype))


def test_batch_norm_messages() -> None:
    """normalization.x_batch_norm 10, 13, 14, 17-20, 30-32, 37, 38, 79: each check's message."""
    zeros, ones = np.zeros(3), np.ones(3)
    cases = [
        (dict(x=ag.Tensor(np.zeros(3))), "batch_norm: expected x of shape (N, C, ...), got shape (3,) (1-D)"),
        (
            dict(running_mean=np.zeros(2)),
            "batch_norm: running_mean has shape (2,), expected (3,) for x of shape (4, 3)",
        ),
        (dict(weight=np.ones(4)), "batch_norm: weight has shape (4,), expected (3,) for x of shape (4, 3)"),
        (dict(bias=np.ones((3, 1))), "batch_norm: bias has shape (3, 1), expected (3,) for x of shape (4, 3)"),
        (dict(running_var=None), "batch_norm: give both running_mean and running_var, or neither"),
        (
            dict(running_mean=None, running_var=None, training=False),
            "batch_norm: evaluation (training=False) needs running_mean and running_var",
        ),
        (dict(momentum=None), "batch_norm: momentum=None (a cumulative average) needs num_batches_tracked"),
    ]
    for change, message in cases:
        arguments = dict(x=_x(), running_mean=zeros, running_var=ones, training=True) | change
        with pytest.raises(ValueError) as error:
            F.batch_norm(**arguments)
        assert str(error.value) == message


@pytest.mark.parametrize("which", ["running_mean", "running_var", "num_batches_tracked"])
def test_batch_norm_refuses_to_update_a_copy(which: str) -> None:
    """A list (or a number) to update in place would be updated as a copy, silently: normalization.x__state
    5, 6 (the message) and x_batch_norm 87, 89, 90, 106, 108, 109, 111, 113, 114 (update=True dropped)."""
    arguments = dict(running_mean=np.zeros(3), running_var=np.ones(3), num_batches_tracked=np.array(0))
    arguments[which] = 0 if which == "num_batches_tracked" else [0.0, 0.0, 0.0]
    with pytest.raises(TypeError) as error:
        F.batch_norm(_x(), training=True, **arguments)
    kind = "int" if which == "num_batches_tracked" else "list"
    assert str(error.value) == f"batch_norm: running statistics must be Tensors or arrays to update, got {kind}"


def test_batch_norm_evaluation_reads_list_statistics() -> None:
    """Only what is updated must be an array: normalization.x__state 1 (update by default) refuses lists
    read in evaluation."""
    out = F.batch_norm(_x(), [1.0, 1.0, 1.0], [4.0, 4.0, 4.0], training=False, eps=0.0)
    np.testing.assert_array_equal(out.data, (np.arange(12.0).reshape(4, 3) - 1.0) / 2.0)


def test_batch_norm_evaluation_keeps_float32() -> None:
    """normalization.x_batch_norm 125: 1 / sqrt(var + eps) cast to x's dtype, not float64 (astype(None))."""
    out = F.batch_norm(_x(np.float32), np.zeros(3, np.float32), np.ones(3, np.float32), training=False)
    assert out.dtype == np.float32


def test_batch_norm_default_momentum_is_a_tenth() -> None:
    """normalization.x_batch_norm 2: the default momentum (1.1 overshoots the batch's mean)."""
    running_mean, running_var = np.zeros(3), np.ones(3)
    F.batch_norm(_x(), running_mean, running_var, training=True)
    np.testing.assert_allclose(running_mean, 0.1 * np.array([4.5, 5.5, 6.5]))


def test_batch_norm_list_weight_and_bias() -> None:
    """normalization.x_batch_norm 140, 150: a weight or bias that is not a Tensor (a list) has no reshape."""
    out = F.batch_norm(_x(), np.zeros(3), np.ones(3), [1.0, 2.0, 3.0], [0.0, 1.0, 0.0], eps=0.0)
    np.testing.assert_array_equal(out.data, np.arange(12.0).reshape(4, 3) * [1.0, 2.0, 3.0] + [0.0, 1.0, 0.0])


# ------------------------------------------------------------------ the module guards
def test_a_module_read_but_never_called_guards_its_parameters() -> None:
    """`fn` reads a parameter of a module it never calls: the module is found in fn's closure, so
    replacing the parameter re-traces. compiler.xǁ_Entryǁ__init__ 5 (no fn: only the modules called)
    replays the old weight."""
    model = nn.Linear(2, 1)
    step = ag.compile(lambda X: (ag.Tensor(X) @ model.weight.T).sum())
    X = np.ones((3, 2))
    for _ in range(3):
        step(X)
    assert step.counts["replays"] == 1
    model.weight = nn.Parameter(np.full((1, 2), 7.0))
    assert step(X).data == 42.0
    assert step.counts["traces"] == 3


# ------------------------------------------------------------------ an argument that is also a reached tensor
def test_a_module_buffer_passed_as_an_argument_runs_eagerly() -> None:
    """Found through trace.xǁTraceǁstate 1: BatchNorm's running mean passed as an argument while traced
    was one slot, the argument's, so replays with another argument updated that one and left the
    module's buffer as it was. The function now runs eagerly, as the warning says."""
    model = nn.Sequential(nn.BatchNorm1d(3), nn.Linear(3, 1))
    step = ag.compile(lambda x, stats, y: F.mse_loss(model(x), y) + (stats * 0.0).sum())
    X, Y = np.random.default_rng(7).normal(size=(4, 3)), np.ones((4, 1))
    step(X, model[0].running_mean, Y)
    with pytest.warns(RuntimeWarning, match=r"argument 1 .*\(BatchNorm1d.running_mean\)"):
        step(X, model[0].running_mean, Y)  # the second trace, which would have made the plan
    before = model[0].running_mean.data.copy()
    step(X, ag.Tensor(np.zeros(3)), Y)
    np.testing.assert_allclose(model[0].running_mean.data, 0.9 * before + 0.1 * X.mean(axis=0))


WEIGHT = ag.Tensor(np.ones(3), requires_grad=True)


def test_a_global_leaf_passed_as_an_argument_runs_eagerly() -> None:
    """The same for a leaf the function reads from its globals: traced with WEIGHT as the argument
    too, the plan read the argument for both, and a replay with another argument used it for WEIGHT."""
    step = ag.compile(lambda x, v: (WEIGHT * x).sum() + v.sum())
    x = np.arange(3.0)
    step(x, WEIGHT)
    with pytest.warns(RuntimeWarning) as warned:
        step(x, WEIGHT)
    assert str(warned[0].message).endswith(
        "will run eagerly: argument 1 holds the array of a tensor it also reaches otherwise; pass it only one way"
    )
    out = step(x, ag.Tensor(np.full(3, 5.0), requires_grad=True))
    assert out.data == 3.0 + 15.0


def test_a_leaf_s_array_passed_as_an_argument_runs_eagerly() -> None:
    """As above with the leaf's array, an ndarray, as the argument (compiler._aliased 4: every argument
    taken for a Tensor, `arg.data` a new memoryview, matches nothing)."""
    step = ag.compile(lambda x, v: (WEIGHT * x).sum() + (ag.Tensor(v) * x).sum())
    x = np.arange(3.0)
    step(x, WEIGHT.data)
    with pytest.warns(RuntimeWarning, match="argument 1 holds the array"):
        step(x, WEIGHT.data)
    assert step(x, np.full(3, 5.0)).data == 3.0 + 15.0


def test_a_parameter_passed_as_an_argument_runs_eagerly() -> None:
    """A module's parameter (not a buffer) passed as an argument too; the module also holds a None
    parameter: compiler._aliased 22, 27, 28 (no parameters looked at) and 40 (None's `.data` taken)."""
    model = nn.Linear(2, 1, bias=False)
    step = ag.compile(lambda X, w: (model(X) + (w * 0.0).sum()).sum())
    X = np.ones((3, 2))
    step(X, model.weight)
    with pytest.warns(RuntimeWarning, match=r"argument 1 .*\(Linear.weight\); pass it only one way$"):
        step(X, model.weight)
    plain = ag.compile(lambda X: model(X).sum())  # nothing aliased: the walk reaches the None bias
    for _ in range(3):
        plain(X)
    assert plain.counts["replays"] == 1


GLOBAL_MODEL = nn.Linear(2, 1)


def test_a_global_module_read_but_never_called_guards_its_parameters() -> None:
    """As above for a module in fn's globals: compiler._reachable (x__module_guards 19 before the split:
    no code, no globals) replays the old weight."""
    step = ag.compile(lambda X: (ag.Tensor(X) @ GLOBAL_MODEL.weight.T).sum())
    X = np.ones((3, 2))
    for _ in range(3):
        step(X)
    assert step.counts["replays"] == 1
    GLOBAL_MODEL.weight = nn.Parameter(np.full((1, 2), 7.0))
    assert step(X).data == 42.0
    assert step.counts["traces"] == 3


class _Scaled(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(np.ones(2))

    def loss(self, X: np.ndarray) -> ag.Tensor:
        """Reads its parameter without a call of the module (no `called`)."""
        return (ag.Tensor(X) * self.scale).sum()


def test_a_bound_method_s_module_guards_its_parameters() -> None:
    """ag.compile(module.method): the module is fn's `__self__`, so replacing its parameter re-traces:
    compiler._reachable (x__module_guards 2, 7, 8 before the split: no `__self__`) replays the old one."""
    module = _Scaled()
    step = ag.compile(module.loss)
    X = np.ones((3, 2))
    for _ in range(3):
        step(X)
    assert step.counts["replays"] == 1
    module.scale = nn.Parameter(np.full(2, 7.0))
    assert step(X).data == 42.0
    assert step.counts["traces"] == 3


def test_guards_are_named_in_tracebacks() -> None:
    """compiler.xǁ_Entryǁ__init__ 55, 56: the generated guards' code is named as such (tracebacks)."""
    step = ag.compile(lambda X: (ag.Tensor(X) * GLOBAL_MODEL.bias).sum())
    for _ in range(2):
        step(np.ones(1))
    (entry,) = [entry for entry in step._cache.values()]
    assert entry.guards_hold.__code__.co_filename == "<ag.compile guards>"


class _Loss:
    """A callable object: no __code__, no __globals__, no __closure__."""

    def __init__(self) -> None:
        self.weight = ag.Tensor(np.ones(2), requires_grad=True)

    def __call__(self, X: np.ndarray) -> ag.Tensor:
        return (ag.Tensor(X) * self.weight).sum()


def test_a_callable_object_is_compiled() -> None:
    """compiler._reachable on a callable without __code__ or __globals__ (x__module_guards 23, 31, 34
    before the split: getattr without a default, or the test turned, raise AttributeError)."""
    step = ag.compile(_Loss())
    for _ in range(3):
        out = step(np.ones((3, 2)))
    assert out.data == 6.0 and step.counts["replays"] == 1


def test_a_module_seen_before_does_not_end_the_walk() -> None:
    """`fn` calls `a` and reads `b.weight` without calling `b`; `a` and `b` are reached through their
    container in the closure: the walk skips `a` (seen as called) and goes on to `b`, so replacing
    b's weight re-traces. compiler._module_guards (x__module_guards 52: break) stops at `a`."""
    a, b = nn.Linear(2, 2), nn.Linear(2, 1)
    container = nn.Sequential(a, b)
    step = ag.compile(lambda X: (a(X) @ container[1].weight.T).sum())
    X = np.ones((3, 2))
    for _ in range(3):
        step(X)
    assert step.counts["replays"] == 1
    b.weight = nn.Parameter(np.zeros((1, 2)))
    assert step(X).data == 0.0
    assert step.counts["traces"] == 3


class _Part:
    """Module-like without parameter or buffer stores: a training flag only."""

    training = True


class _Holder:
    """Duck-typed: named_modules() and nothing else."""

    def named_modules(self) -> list[tuple[str, object]]:
        return [("part", PART)]


PART, HOLDER = _Part(), _Holder()


def test_a_module_like_without_stores_is_guarded_by_its_flag() -> None:
    """compiler._module_guards reads `_parameters` and `_buffers` only where they are (x__module_guards
    69, 76: getattr without a default raises), and guards the flag of what it finds."""
    step = ag.compile(lambda X: X.sum() * (2.0 if HOLDER and PART.training else 1.0))
    X = ag.Tensor(np.ones(2), requires_grad=True)
    for _ in range(3):
        step(X)
    assert step.counts["replays"] == 1
    PART.training = False
    try:
        assert step(X).data == 2.0
    finally:
        PART.training = True
    assert step.counts["traces"] == 3


def test_a_result_that_is_not_a_tensor_is_named_in_the_error() -> None:
    """compiler.xǁCompiledFunctionǁ_trace 12: the traced call's error names fn, not None."""

    def not_a_loss(x: np.ndarray) -> float:
        return 3.0

    with pytest.raises(TypeError) as error:
        ag.compile(not_a_loss)(np.ones(2))
    assert str(error.value) == (
        "ag.compile: test_a_result_that_is_not_a_tensor_is_named_in_the_error.<locals>.not_a_loss returned "
        "float; it must return the loss as a Tensor"
    )
