"""nn.init: PyTorch's formulas, in place on `.data`, dtype kept, repeatable with `rng`.

Distribution checks use 40,000 samples from a fixed generator: the standard error of a
sample std is then about 0.4%, so a 3% tolerance only fails for a wrong formula."""

import math

import numpy as np
import pytest

import autograd as ag
import nn
from nn import init

SHAPE = (200, 200)  # fan_in = fan_out = 200


def _param(shape=SHAPE, dtype=np.float64):
    return nn.Parameter(np.zeros(shape, dtype=dtype))


@pytest.mark.parametrize(
    "nonlinearity, param, gain",
    [
        ("linear", None, 1.0),
        ("sigmoid", None, 1.0),
        ("conv2d", None, 1.0),
        ("tanh", None, 5 / 3),
        ("relu", None, math.sqrt(2)),
        ("leaky_relu", None, math.sqrt(2 / (1 + 0.01**2))),
        ("leaky_relu", math.sqrt(5), math.sqrt(2 / 6)),
        ("selu", None, 0.75),
    ],
)
def test_calculate_gain(nonlinearity, param, gain):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(gain, rel=1e-15)


def test_calculate_gain_rejects_unknown_names():
    with pytest.raises(ValueError, match="softplus.*relu"):
        init.calculate_gain("softplus")


def test_fan_in_and_fan_out():
    assert init.calculate_fan_in_and_fan_out(np.zeros((4, 3))) == (3, 4)
    assert init.calculate_fan_in_and_fan_out(_param((8, 2, 3, 5))) == (2 * 15, 8 * 15)
    with pytest.raises(ValueError, match=r"at least 2 dimensions.*\(5,\)"):
        init.calculate_fan_in_and_fan_out(np.zeros(5))


@pytest.mark.parametrize(
    "fill, bound",
    [
        (lambda t, rng: init.uniform_(t, -0.3, 0.3, rng=rng), 0.3),
        (lambda t, rng: init.xavier_uniform_(t, rng=rng), math.sqrt(6 / 400)),
        (lambda t, rng: init.xavier_uniform_(t, gain=2.0, rng=rng), 2 * math.sqrt(6 / 400)),
        (lambda t, rng: init.kaiming_uniform_(t, rng=rng), math.sqrt(2) * math.sqrt(3 / 200)),  # a=0: slope 0
        (lambda t, rng: init.kaiming_uniform_(t, a=math.sqrt(5), rng=rng), 1 / math.sqrt(200)),
        (lambda t, rng: init.kaiming_uniform_(t, nonlinearity="relu", mode="fan_out", rng=rng), math.sqrt(6 / 200)),
    ],
    ids=["uniform", "xavier", "xavier_gain", "kaiming", "kaiming_a_sqrt5", "kaiming_relu_fan_out"],
)
def test_uniform_family_bounds_and_spread(fill, bound):
    param = _param()
    array = param.data
    assert fill(param, np.random.default_rng(0)) is param
    assert param.data is array  # in place
    assert np.abs(array).max() <= bound
    assert array.std() == pytest.approx(bound / math.sqrt(3), rel=0.03)
    assert abs(array.mean()) < 0.03 * bound


@pytest.mark.parametrize(
    "fill, mean, std",
    [
        (lambda t, rng: init.normal_(t, 1.5, 0.2, rng=rng), 1.5, 0.2),
        (lambda t, rng: init.xavier_normal_(t, rng=rng), 0.0, math.sqrt(2 / 400)),
        (lambda t, rng: init.kaiming_normal_(t, nonlinearity="relu", rng=rng), 0.0, math.sqrt(2 / 200)),
        (lambda t, rng: init.kaiming_normal_(t, a=0.2, rng=rng), 0.0, math.sqrt(2 / 1.04) / math.sqrt(200)),
    ],
    ids=["normal", "xavier_normal", "kaiming_normal_relu", "kaiming_normal_leaky"],
)
def test_normal_family_moments(fill, mean, std):
    param = _param()
    fill(param, np.random.default_rng(1))
    assert param.data.std() == pytest.approx(std, rel=0.03)
    assert abs(param.data.mean() - mean) < 0.03 * std


def test_zeros_ones_constant():
    param = nn.Parameter(np.full((2, 3), 7.0))
    np.testing.assert_array_equal(init.zeros_(param).data, np.zeros((2, 3)))
    np.testing.assert_array_equal(init.ones_(param).data, np.ones((2, 3)))
    np.testing.assert_array_equal(init.constant_(param, 0.5).data, np.full((2, 3), 0.5))


def test_init_keeps_dtype_and_works_on_plain_tensors_and_arrays():
    param = _param((3, 4), dtype=np.float32)
    init.kaiming_uniform_(param)
    assert param.dtype == np.float32 and np.any(param.data != 0)
    tensor, array = ag.Tensor(np.zeros((3, 4))), np.zeros((3, 4))
    init.xavier_normal_(tensor)
    init.xavier_normal_(array)
    assert np.any(tensor.data != 0) and np.any(array != 0)


def test_rng_and_manual_seed_make_init_repeatable():
    a, b = _param((5, 5)), _param((5, 5))
    init.normal_(a, rng=np.random.default_rng(3))
    init.normal_(b, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a.data, b.data)
    nn.manual_seed(3)
    init.xavier_uniform_(a)
    nn.manual_seed(3)
    init.xavier_uniform_(b)
    np.testing.assert_array_equal(a.data, b.data)


def test_kaiming_rejects_bad_mode():
    with pytest.raises(ValueError, match="fan_in.*fan_out.*'fan_avg'"):
        init.kaiming_normal_(_param((2, 2)), mode="fan_avg")


def test_manual_seed_also_repeats_the_engine_random_tensors():
    nn.manual_seed(11)
    first = (ag.randn(3).data, ag.rand(2).data, nn.Linear(2, 3).weight.data.copy())
    nn.manual_seed(11)
    second = (ag.randn(3).data, ag.rand(2).data, nn.Linear(2, 3).weight.data.copy())
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert ag.manual_seed is nn.manual_seed
