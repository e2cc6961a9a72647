"""Tests that kill the survivors of the targeted mutmut run over the compile-trust code (cross_entropy
as one op and its kernel, NoGrad, BatchNorm's state ops, embedding; the module guards are in
test_compile_trust_guards.py): each names the mutants it pins (mutmut 3's names, `x_` functions and
`xǁClassǁmethod`; see tests/MUTATION.md)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import autograd as ag
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
