"""Layers: Linear, activations, Sequential, MLP and the convolution layer classes: shapes,
PyTorch's default initialisation, gradients against finite differences, clear errors."""

import math

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from tests.nn.grad_checks import check_grads, leaf


def test_linear_shapes_and_output(rng):
    layer = nn.Linear(3, 2)
    assert layer.weight.shape == (2, 3) and layer.bias.shape == (2,)
    x = rng.standard_normal((5, 3))
    np.testing.assert_allclose(layer(x).data, x @ layer.weight.data.T + layer.bias.data, rtol=1e-12)
    assert layer(ag.Tensor(x[0])).shape == (2,)


def test_linear_default_init_is_pytorchs():
    fan_in = 50
    layer = nn.Linear(fan_in, 400, rng=np.random.default_rng(0))
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform(a=sqrt(5)) and the bias share this bound
    for values in (layer.weight.data, layer.bias.data):
        assert np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.95 * bound  # spread over the whole interval
    # the variance of U(-b, b) is b^2 / 3; 20,000 samples put the estimate within a few percent
    assert layer.weight.data.var() == pytest.approx(bound**2 / 3, rel=0.05)


def test_linear_rng_and_manual_seed_make_init_repeatable():
    a, b = nn.Linear(3, 2, rng=np.random.default_rng(7)), nn.Linear(3, 2, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    nn.manual_seed(11)
    first = nn.MLP([2, 4, 4, 1]).state_dict()
    nn.manual_seed(11)
    second = nn.MLP([2, 4, 4, 1]).state_dict()
    third = nn.MLP([2, 4, 4, 1]).state_dict()
    for name in first:
        np.testing.assert_array_equal(first[name], second[name])
    assert not np.array_equal(first["layers.0.weight"], third["layers.0.weight"])


@pytest.mark.parametrize("x_shape", [(4, 3), (3,), (2, 4, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradcheck(rng, x_shape, bias):
    layer = nn.Linear(3, 2, bias=bias)
    x = leaf(rng.standard_normal(x_shape))
    check_grads(lambda x, *params: layer(x), [x, *layer.parameters()])
    assert [name for name, _ in layer.named_parameters()] == (["weight", "bias"] if bias else ["weight"])


def test_linear_wrong_width_names_layer_and_both_widths(rng):
    layer = nn.Linear(3, 2)
    with pytest.raises(ValueError, match=r"Linear\(in_features=3, out_features=2.*5 features.*expected 3"):
        layer(rng.standard_normal((4, 5)))


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_linear_rejects_bad_sizes(bad):
    with pytest.raises(ValueError, match="Linear"):
        nn.Linear(bad, 2)


def test_linear_float32():
    layer = nn.Linear(3, 2, dtype=np.float32)
    assert layer.weight.dtype == layer.bias.dtype == np.float32
    out = layer(np.ones((2, 3), dtype=np.float32))
    out.sum().backward()
    assert out.dtype == layer.weight.grad.dtype == np.float32


@pytest.mark.parametrize(
    "layer, fn",
    [
        (nn.Sigmoid(), F.sigmoid),
        (nn.ReLU(), F.relu),
        (nn.Tanh(), F.tanh),
        (nn.LeakyReLU(), F.leaky_relu),
        (nn.LeakyReLU(0.3), lambda x: F.leaky_relu(x, 0.3)),
    ],
    ids=["sigmoid", "relu", "tanh", "leaky_relu", "leaky_relu_0.3"],
)
def test_activation_layers(rng, layer, fn):
    values = rng.standard_normal((3, 4))
    values[np.abs(values) < 1e-3] = 0.5
    x = leaf(values)
    np.testing.assert_array_equal(layer(x).data, fn(x).data)
    check_grads(layer, [x])
    assert list(layer.parameters()) == []


def test_identity_returns_its_input():
    x = leaf([1.0, 2.0])
    assert nn.Identity()(x) is x


def test_sequential_chains_indexes_and_slices(rng):
    first, second = nn.Linear(3, 4), nn.Linear(4, 2)
    model = nn.Sequential(first, nn.Tanh(), second)
    x = rng.standard_normal((5, 3))
    np.testing.assert_allclose(model(x).data, second(first(x).tanh()).data)
    assert len(model) == 3 and model[0] is first and model[-1] is second
    assert list(model) == [first, model[1], second]
    head = model[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is first
    assert [name for name, _ in model.named_children()] == ["0", "1", "2"]
    check_grads(lambda x, *params: model(x), [leaf(x), *model.parameters()])


def test_sequential_rejects_non_modules():
    with pytest.raises(TypeError, match="Sequential: layer 1 is a ufunc, not an nn.Module"):
        nn.Sequential(nn.Linear(1, 1), np.tanh)


@pytest.mark.parametrize(
    "activation, output_activation, kinds",
    [
        ("sigmoid", "sigmoid", ["Linear", "Sigmoid", "Linear", "Sigmoid", "Linear", "Sigmoid"]),
        ("relu", None, ["Linear", "ReLU", "Linear", "ReLU", "Linear"]),
        ("tanh", "sigmoid", ["Linear", "Tanh", "Linear", "Tanh", "Linear", "Sigmoid"]),
        ("leaky_relu", "leaky_relu", ["Linear", "LeakyReLU", "Linear", "LeakyReLU", "Linear", "LeakyReLU"]),
        (None, None, ["Linear", "Linear", "Linear"]),
    ],
)
def test_mlp_structure(activation, output_activation, kinds):
    model = nn.MLP([2, 4, 4, 1], activation=activation, output_activation=output_activation)
    assert [type(layer).__name__ for layer in model.layers] == kinds
    linears = [layer for layer in model.layers if isinstance(layer, nn.Linear)]
    assert [(layer.in_features, layer.out_features) for layer in linears] == [(2, 4), (4, 4), (4, 1)]


def test_mlp_without_activation_is_a_linear_map(rng):
    model = nn.MLP([2, 5, 3, 1], activation=None, output_activation=None)
    x = rng.standard_normal((6, 2))
    matrix, offset = np.eye(2), np.zeros(2)
    for layer in model.layers:
        matrix, offset = matrix @ layer.weight.data.T, offset @ layer.weight.data.T + layer.bias.data
    np.testing.assert_allclose(model(x).data, x @ matrix + offset, rtol=1e-10)


def test_mlp_gradcheck_and_no_bias(rng):
    model = nn.MLP([2, 3, 2], activation="tanh", bias=False)
    assert [name for name, _ in model.named_parameters()] == ["layers.0.weight", "layers.2.weight"]
    check_grads(lambda x, *params: model(x), [leaf(rng.standard_normal((4, 2))), *model.parameters()])


@pytest.mark.parametrize("argument", ["activation", "output_activation"])
def test_mlp_unknown_activation_lists_the_valid_ones(argument):
    with pytest.raises(ValueError, match=r"softplus.*'sigmoid', 'relu', 'tanh', 'leaky_relu', None"):
        nn.MLP([2, 1], **{argument: "softplus"})


def test_mlp_needs_two_sizes():
    with pytest.raises(ValueError, match="MLP"):
        nn.MLP([3])


def test_conv_layers_shapes_and_init(rng):
    conv = nn.Conv2d(2, 3, 3, padding=1, rng=np.random.default_rng(0))
    assert conv.weight.shape == (3, 2, 3, 3) and conv.bias.shape == (3,)
    bound = 1 / math.sqrt(2 * 3 * 3)
    assert np.abs(conv.weight.data).max() <= bound and np.abs(conv.bias.data).max() <= bound
    model = nn.Sequential(conv, nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(3 * 2 * 2, 1))
    assert model(rng.standard_normal((5, 2, 4, 4))).shape == (5, 1)
    assert "MaxPool2d(kernel_size=2, stride=2)" in repr(model)


def test_conv2d_layer_gradcheck(rng):
    conv = nn.Conv2d(1, 2, 2, stride=1, padding=1)
    x = leaf(rng.standard_normal((2, 1, 3, 3)))
    np.testing.assert_allclose(conv(x).data, F.conv2d(x, conv.weight, conv.bias, stride=1, padding=1).data, rtol=1e-12)
    check_grads(lambda x, *params: conv(x), [x, *conv.parameters()])


def test_conv2d_wrong_channels_names_layer(rng):
    with pytest.raises(ValueError, match=r"Conv2d\(3, 2.*\(1, 2, 5, 5\)"):
        nn.Conv2d(3, 2, 3)(rng.standard_normal((1, 2, 5, 5)))


def test_flatten_keeps_the_batch_axis(rng):
    x = leaf(rng.standard_normal((2, 3, 4)))
    out = nn.Flatten()(x)
    assert out.shape == (2, 12)
    check_grads(nn.Flatten(), [x])
