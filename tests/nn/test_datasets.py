"""nn.datasets: the lab's two data sets and mini-batching."""

import numpy as np
import pytest

import nn
from nn.datasets import batches, generate_linear, generate_xor_easy


def test_generate_linear_shapes_labels_and_range():
    X, y = generate_linear(100, rng=np.random.default_rng(0))
    assert X.shape == (100, 2) and y.shape == (100, 1)
    assert X.dtype == y.dtype == np.float64
    assert np.all((X >= 0) & (X < 1))
    np.testing.assert_array_equal(y[:, 0], (X[:, 0] <= X[:, 1]).astype(float))  # 0 where x0 > x1
    assert set(np.unique(y)) == {0.0, 1.0}


def test_generate_linear_default_size_and_repeatability():
    assert generate_linear()[0].shape == (100, 2)
    a = generate_linear(20, rng=np.random.default_rng(5))
    b = generate_linear(20, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a[0], b[0])
    nn.manual_seed(9)
    c = generate_linear(20)
    nn.manual_seed(9)
    d = generate_linear(20)
    np.testing.assert_array_equal(c[0], d[0])
    assert not np.array_equal(c[0], generate_linear(20)[0])


def test_generate_linear_rejects_bad_n():
    with pytest.raises(ValueError, match="generate_linear"):
        generate_linear(-1)


def test_generate_xor_easy_is_the_21_point_cross():
    X, y = generate_xor_easy()
    assert X.shape == (21, 2) and y.shape == (21, 1) and X.dtype == y.dtype == np.float64
    on_diagonal = np.isclose(X[:, 0], X[:, 1])
    on_anti_diagonal = np.isclose(X[:, 0] + X[:, 1], 1.0)
    np.testing.assert_array_equal(y[y[:, 0] == 0], np.zeros((11, 1)))
    assert np.all(on_diagonal[y[:, 0] == 0]) and np.all(on_anti_diagonal[y[:, 0] == 1])
    np.testing.assert_allclose(np.sort(X[y[:, 0] == 0][:, 0]), np.arange(11) / 10, atol=1e-12)
    ones = np.sort(X[y[:, 0] == 1][:, 0])
    np.testing.assert_allclose(ones, np.delete(np.arange(11) / 10, 5), atol=1e-12)  # the centre only once
    np.testing.assert_allclose(X[:3], [[0.0, 0.0], [0.0, 1.0], [0.1, 0.1]])  # the lab's order


def test_batches_cover_everything_once_and_keep_the_last_partial_batch():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10.0).reshape(10, 1)
    pairs = list(batches(X, y, 4, rng=np.random.default_rng(0)))
    assert [len(xb) for xb, _ in pairs] == [4, 4, 2]
    for xb, yb in pairs:
        np.testing.assert_array_equal(xb[:, 0] / 2, yb[:, 0])  # rows stay paired
    seen = np.concatenate([yb[:, 0] for _, yb in pairs])
    np.testing.assert_array_equal(np.sort(seen), np.arange(10.0))
    assert not np.array_equal(seen, np.arange(10.0))  # shuffled


def test_batches_in_order_and_repeatable():
    X, y = np.arange(7.0).reshape(7, 1), np.arange(7.0).reshape(7, 1)
    ordered = [yb[:, 0].tolist() for _, yb in batches(X, y, 3, shuffle=False)]
    assert ordered == [[0, 1, 2], [3, 4, 5], [6]]
    first = [yb.tolist() for _, yb in batches(X, y, 2, rng=np.random.default_rng(4))]
    second = [yb.tolist() for _, yb in batches(X, y, 2, rng=np.random.default_rng(4))]
    assert first == second


def test_batches_reject_bad_input():
    with pytest.raises(ValueError, match="5 samples but y has 4"):
        list(batches(np.zeros((5, 2)), np.zeros((4, 1)), 2))
    with pytest.raises(ValueError, match="batch_size"):
        list(batches(np.zeros((5, 2)), np.zeros((5, 1)), 0))
