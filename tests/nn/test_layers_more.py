"""The layers beyond the lab: Dropout, BatchNorm1d/2d, AvgPool2d, Softplus, SiLU, Softmax,
LogSoftmax, Embedding. Forwards against plain NumPy, gradients (and second derivatives)
against finite differences, train/eval behaviour, BatchNorm's running statistics and buffers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd as ag
import nn
import nn.functional as F
import nn.functional.normalization as normalization


def leaf(array, requires_grad: bool = True) -> ag.Tensor:
    return ag.Tensor(np.array(array, dtype=np.float64), requires_grad=requires_grad)


def assert_gradients(fn, inputs, second_order: bool = True) -> None:
    assert ag.gradcheck(fn, inputs)
    if second_order:
        assert ag.gradgradcheck(fn, inputs)


# ---------------------------------------------------------------------------- Dropout


def test_dropout_zeroes_about_p_and_scales_the_rest_by_one_over_keep():
    x = np.random.default_rng(0).uniform(1.0, 2.0, (200, 50))
    out = nn.Dropout(p=0.3, rng=np.random.default_rng(1))(x).data
    kept = out != 0
    np.testing.assert_allclose(out[kept], x[kept] / 0.7, rtol=1e-15)
    # 10,000 Bernoulli(0.7) draws: the kept fraction is within 0.02 of 0.7 (over 4 standard deviations)
    assert abs(kept.mean() - 0.7) < 0.02


def test_dropout_is_the_identity_in_eval_and_for_p_zero():
    x = leaf(np.random.default_rng(0).standard_normal((4, 5)))
    layer = nn.Dropout(0.5).eval()
    assert layer(x) is x
    assert nn.Dropout(0.0)(x) is x
    assert F.dropout(x, 0.9, training=False) is x
    np.testing.assert_array_equal(nn.Dropout(1.0)(x).data, np.zeros((4, 5)))  # p = 1: everything dropped
    assert layer.train().training and not np.array_equal(layer(x).data, x.data)


def test_dropout_masks_repeat_under_manual_seed_and_differ_between_calls():
    x = np.ones((8, 8))
    nn.manual_seed(5)
    first, second = nn.Dropout()(x).data, nn.Dropout()(x).data
    nn.manual_seed(5)
    np.testing.assert_array_equal(nn.Dropout()(x).data, first)
    assert not np.array_equal(first, second)


def test_dropout_gradient_is_the_mask():
    x = leaf(np.random.default_rng(2).standard_normal((6, 7)))
    out = F.dropout(x, 0.4, rng=np.random.default_rng(3))
    out.backward(np.ones((6, 7)))
    np.testing.assert_allclose(x.grad.data, np.where(out.data != 0, 1 / 0.6, 0.0), rtol=1e-15)
    # a fixed generator per call draws the same mask each time, so finite differences apply
    assert_gradients(lambda x: F.dropout(x, 0.4, rng=np.random.default_rng(3)) ** 2, [x])


@pytest.mark.parametrize("p", [-0.1, 1.5, "0.5", True])
def test_dropout_rejects_a_p_that_is_no_probability(p):
    with pytest.raises(ValueError, match="Dropout: p must be a probability"):
        nn.Dropout(p)
    with pytest.raises(ValueError, match="dropout: p must be a probability"):
        F.dropout(np.ones(3), p)


# ---------------------------------------------------------------------------- BatchNorm


def numpy_batch_norm(x, weight, bias, eps=1e-5):
    """Normalise each channel (axis 1) by the batch's mean and biased variance."""
    axes = (0, *range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight.reshape(shape) + bias.reshape(shape)


def numpy_running_stats(batches, momentum=0.1):
    """PyTorch's update, batch by batch: the mean and the UNBIASED variance of each channel."""
    mean, var = np.zeros(batches[0].shape[1]), np.ones(batches[0].shape[1])
    history = []
    for x in batches:
        axes = (0, *range(2, x.ndim))
        factor = momentum if momentum is not None else 1.0 / (len(history) + 1)
        mean = (1 - factor) * mean + factor * x.mean(axis=axes)
        var = (1 - factor) * var + factor * x.var(axis=axes, ddof=1)
        history.append((mean, var))
    return history


def assert_running_stats_follow_numpy(layer, batches, momentum=0.1):
    layer.train()
    for step, (x, (mean, var)) in enumerate(zip(batches, numpy_running_stats(batches, momentum)), start=1):
        layer(x)
        np.testing.assert_allclose(layer.running_mean.data, mean, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(layer.running_var.data, var, rtol=1e-12, atol=1e-14)
        assert int(layer.num_batches_tracked.data) == step


def random_batches(shape, count=5, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(rng.uniform(-2, 2), rng.uniform(0.5, 3), shape) for _ in range(count)]


@pytest.mark.parametrize(
    ("layer_type", "shape"), [(nn.BatchNorm1d, (6, 3)), (nn.BatchNorm1d, (4, 3, 5)), (nn.BatchNorm2d, (3, 3, 4, 2))]
)
def test_batch_norm_train_forward_and_running_stats_follow_numpy(layer_type, shape):
    layer = layer_type(3)
    rng = np.random.default_rng(1)
    layer.weight.data[...], layer.bias.data[...] = rng.uniform(0.5, 2, 3), rng.standard_normal(3)
    x = rng.normal(3.0, 2.0, shape)
    np.testing.assert_allclose(layer(x).data, numpy_batch_norm(x, layer.weight.data, layer.bias.data), rtol=1e-12)
    layer.reset_running_stats()
    assert_running_stats_follow_numpy(layer, random_batches(shape))


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
def test_batch_norm_running_stats_with_momentum_and_cumulative_average(momentum):
    assert_running_stats_follow_numpy(nn.BatchNorm1d(4, momentum=momentum), random_batches((5, 4)), momentum)


def test_running_stats_check_catches_a_biased_running_variance(monkeypatch):
    monkeypatch.setattr(normalization, "_unbiased", lambda variance, count: variance)  # the planted bug
    with pytest.raises(AssertionError, match="Not equal to tolerance"):
        assert_running_stats_follow_numpy(nn.BatchNorm1d(3), random_batches((4, 3)))


def test_batch_norm_eval_uses_the_running_stats_and_updates_nothing():
    layer = nn.BatchNorm2d(2)
    for x in random_batches((4, 2, 3, 3)):
        layer(x)
    layer.eval()
    mean, var = layer.running_mean.data.copy(), layer.running_var.data.copy()
    x = np.random.default_rng(9).standard_normal((1, 2, 3, 3))  # one sample is fine in eval
    expected = (x - mean.reshape(1, 2, 1, 1)) / np.sqrt(var.reshape(1, 2, 1, 1) + 1e-5)
    np.testing.assert_allclose(layer(x).data, expected, rtol=1e-12)
    np.testing.assert_array_equal(layer.running_mean.data, mean)
    assert int(layer.num_batches_tracked.data) == 5


def test_batch_norm_without_running_stats_or_affine():
    layer = nn.BatchNorm1d(3, affine=False, track_running_stats=False)
    assert list(layer.parameters()) == [] and layer.state_dict() == {}
    assert layer.running_mean is None and layer.weight is None
    x = np.random.default_rng(0).normal(5, 2, (8, 3))
    for mode in (True, False):  # batch statistics in both modes, as PyTorch
        np.testing.assert_allclose(layer.train(mode)(x).data, numpy_batch_norm(x, np.ones(3), np.zeros(3)))


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2), (3, 3, 2, 2)])
def test_batch_norm_gradients_train_and_eval(shape):
    rng = np.random.default_rng(4)
    x, weight, bias = leaf(rng.normal(1, 2, shape)), leaf(rng.uniform(0.5, 2, 3)), leaf(rng.standard_normal(3))
    assert_gradients(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [x, weight, bias])
    running_mean, running_var = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    assert_gradients(lambda x, w, b: F.batch_norm(x, running_mean, running_var, w, b) ** 2, [x, weight, bias])


@settings(max_examples=20, deadline=None)
@given(
    shape=st.integers(2, 4).flatmap(lambda ndim: st.tuples(st.integers(2, 5), *[st.integers(1, 3)] * (ndim - 1))),
    seed=st.integers(0, 2**32 - 1),
)
def test_batch_norm_forward_matches_numpy_over_shapes(shape, seed):
    rng = np.random.default_rng(seed)
    x, weight, bias = rng.normal(0, 3, shape), rng.standard_normal(shape[1]), rng.standard_normal(shape[1])
    out = F.batch_norm(x, None, None, weight, bias, training=True)
    np.testing.assert_allclose(out.data, numpy_batch_norm(x, weight, bias), rtol=1e-10, atol=1e-12)


def test_batch_norm_buffers_are_in_state_dict_and_survive_save_and_load(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU())
    for x in random_batches((6, 3)):
        model(x)
    state = model.state_dict()
    assert list(state)[-3:] == ["1.running_mean", "1.running_var", "1.num_batches_tracked"]
    assert [name for name, _ in model.named_buffers()] == list(state)[-3:]
    assert all(p.requires_grad for p in model.parameters()) and len(list(model.parameters())) == 4
    assert state["1.num_batches_tracked"].dtype == np.int64 and int(state["1.num_batches_tracked"]) == 5
    model.save(tmp_path / "model.npz")
    restored = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU()).load(tmp_path / "model.npz")
    for name, value in restored.state_dict().items():
        np.testing.assert_array_equal(value, state[name], err_msg=name)
    x = np.random.default_rng(3).standard_normal((2, 3))
    np.testing.assert_array_equal(restored.eval()(x).data, model.eval()(x).data)
    del state["1.running_var"]
    with pytest.raises(RuntimeError, match="missing keys: 1.running_var"):
        restored.load_state_dict(state)


def test_buffers_are_registered_reassigned_and_never_trained():
    layer = nn.BatchNorm1d(2)
    layer.running_mean = ag.Tensor([1.0, 2.0])
    np.testing.assert_array_equal(layer.state_dict()["running_mean"], [1.0, 2.0])
    with pytest.raises(TypeError, match="buffer 'running_mean'"):
        layer.running_mean = [1.0, 2.0]
    with pytest.raises(TypeError, match="is not a Tensor"):
        layer.register_buffer("extra", np.zeros(2))
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]


def test_batch_norm_errors_name_the_layer_and_the_shapes():
    with pytest.raises(ValueError, match=r"BatchNorm1d: input shape \(4, 5\) is not \(N, 3\) or \(N, 3, L\)"):
        nn.BatchNorm1d(3)(np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r"BatchNorm2d: input shape \(4, 3\) is not \(N, 3, H, W\)"):
        nn.BatchNorm2d(3)(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"running_var has shape \(2,\), expected \(3,\)"):
        F.batch_norm(np.zeros((4, 3)), np.zeros(3), np.ones(2))
    with pytest.raises(ValueError, match="evaluation .* needs running_mean"):
        F.batch_norm(np.zeros((4, 3)), None, None)
    with pytest.raises(ValueError, match="num_features must be a positive integer"):
        nn.BatchNorm2d(0)


# ---------------------------------------------------------------------------- AvgPool2d


def numpy_avg_pool(x, kernel, stride):
    n, c, h, w = x.shape
    oh, ow = (h - kernel[0]) // stride[0] + 1, (w - kernel[1]) // stride[1] + 1
    out = np.empty((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            window = x[:, :, i * stride[0] : i * stride[0] + kernel[0], j * stride[1] : j * stride[1] + kernel[1]]
            out[:, :, i, j] = window.mean(axis=(2, 3))
    return out


@settings(max_examples=20, deadline=None)
@given(
    size=st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(3, 6), st.integers(3, 6)),
    kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    stride=st.none() | st.tuples(st.integers(1, 3), st.integers(1, 3)),
    seed=st.integers(0, 2**32 - 1),
)
def test_avg_pool_matches_numpy(size, kernel, stride, seed):
    x = np.random.default_rng(seed).standard_normal(size)
    out = nn.AvgPool2d(kernel, stride)(x)
    np.testing.assert_allclose(out.data, numpy_avg_pool(x, kernel, stride or kernel), rtol=1e-12)


@pytest.mark.parametrize(("kernel", "stride"), [(2, None), ((2, 3), 1), (3, 2)])
def test_avg_pool_gradients(kernel, stride):
    x = leaf(np.random.default_rng(5).standard_normal((2, 2, 5, 5)))
    assert_gradients(lambda x: F.avg_pool2d(x, kernel, stride) ** 2, [x])


def test_avg_pool_errors():
    with pytest.raises(ValueError, match=r"avg_pool2d: kernel \(3, 3\) is larger than the input \(2, 2\)"):
        F.avg_pool2d(np.zeros((1, 1, 2, 2)), 3)
    with pytest.raises(ValueError, match=r"avg_pool2d: expected x of shape \(N, C, H, W\)"):
        F.avg_pool2d(np.zeros((2, 2)), 1)


# ---------------------------------------------------------------------------- activations


@pytest.mark.parametrize(("beta", "threshold"), [(1.0, 20.0), (2.0, 3.0), (0.5, 1.0)])
def test_softplus_matches_numpy_and_is_linear_past_the_threshold(beta, threshold):
    x = np.linspace(-8, 8, 41)
    expected = np.where(beta * x > threshold, x, np.log1p(np.exp(beta * x)) / beta)
    np.testing.assert_allclose(nn.Softplus(beta, threshold)(x).data, expected, rtol=1e-14)
    xs = leaf(np.random.default_rng(0).uniform(-4, 4, 12))
    xs.data[np.abs(beta * xs.data - threshold) < 0.05] += 0.1  # away from the switch
    assert_gradients(lambda x: F.softplus(x, beta, threshold), [xs])


def test_softplus_is_finite_for_huge_inputs_and_exact_for_tiny_ones():
    x = leaf([-1000.0, -40.0, 0.0, 40.0, 1000.0])
    out = F.softplus(x, threshold=1e9)  # no cut-off: the formula itself must not overflow
    np.testing.assert_allclose(out.data, [0.0, np.exp(-40.0), np.log(2.0), 40.0, 1000.0], rtol=1e-15)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.0, np.exp(-40.0), 0.5, 1.0, 1.0], rtol=1e-15)


def test_silu_matches_numpy_and_has_second_derivatives():
    x = np.linspace(-6, 6, 13)
    np.testing.assert_allclose(nn.SiLU()(x).data, x / (1 + np.exp(-x)), rtol=1e-14)
    assert_gradients(F.silu, [leaf(np.random.default_rng(1).standard_normal((3, 4)))])


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_and_log_softmax_layers_match_numpy(axis):
    x = np.random.default_rng(2).standard_normal((3, 4)) * 5
    shifted = np.exp(x - x.max(axis=axis, keepdims=True))
    expected = shifted / shifted.sum(axis=axis, keepdims=True)
    np.testing.assert_allclose(nn.Softmax(axis)(x).data, expected, rtol=1e-13)
    np.testing.assert_allclose(nn.LogSoftmax(axis=axis)(x).data, np.log(expected), rtol=1e-13, atol=1e-15)
    assert_gradients(nn.LogSoftmax(axis), [leaf(x)])


def test_softmax_layers_say_to_use_axis_for_dim():
    with pytest.raises(TypeError, match=r"Softmax: use axis=1 \(NumPy's name\), not dim="):
        nn.Softmax(dim=1)
    with pytest.raises(TypeError, match="LogSoftmax: use axis=0"):
        nn.LogSoftmax(dim=0)


# ---------------------------------------------------------------------------- Embedding


def test_embedding_looks_up_rows_and_accumulates_repeated_indices():
    layer = nn.Embedding(5, 3, rng=np.random.default_rng(0))
    indices = np.array([[0, 2, 2], [4, 2, 0]])
    out = layer(indices)
    np.testing.assert_array_equal(out.data, layer.weight.data[indices])
    assert out.shape == (2, 3, 3)
    out.backward(np.ones((2, 3, 3)))
    counts = np.array([2, 0, 3, 0, 1])  # how often each row was picked
    np.testing.assert_array_equal(layer.weight.grad.data, np.repeat(counts[:, None], 3, axis=1))
    weight = leaf(layer.weight.data)
    assert_gradients(lambda w: F.embedding(indices, w) ** 2, [weight])


def test_embedding_init_is_standard_normal_and_indices_may_be_tensors():
    layer = nn.Embedding(200, 100, rng=np.random.default_rng(1))
    # 20,000 N(0, 1) draws: mean within 0.03 and variance within 5% (several standard errors)
    assert abs(layer.weight.data.mean()) < 0.03 and abs(layer.weight.data.var() - 1) < 0.05
    np.testing.assert_array_equal(layer(ag.Tensor(np.array([3, 7]))).data, layer.weight.data[[3, 7]])


def test_embedding_errors():
    layer = nn.Embedding(4, 2)
    with pytest.raises(TypeError, match="embedding: indices must be integers, got dtype float64.*integer array"):
        layer(ag.Tensor([1, 2]))  # Python ints become float64 in a Tensor
    with pytest.raises(IndexError, match=r"embedding: indices must be in \[0, 3\] .* got \[0, 4\]"):
        layer(np.array([0, 4]))
    with pytest.raises(IndexError, match=r"got \[-1, 1\]"):
        layer(np.array([-1, 1]))


def test_new_layers_print_like_pytorch():
    assert repr(nn.BatchNorm1d(4)) == "BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"
    assert repr(nn.Dropout(0.2)) == "Dropout(p=0.2)"
    assert repr(nn.Embedding(10, 3)) == "Embedding(10, 3)"
    assert repr(nn.AvgPool2d(2)) == "AvgPool2d(kernel_size=2, stride=2)"
    assert repr(nn.Softplus()) == "Softplus(beta=1.0, threshold=20.0)"
