"""nn.data: TensorDataset and DataLoader batch, shuffle and drop exactly as torch.utils.data does."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn
from nn.data import DataLoader, TensorDataset


def make_data(n: int = 10):
    X = np.arange(n * 3, dtype=np.float64).reshape(n, 3)
    y = np.arange(n) % 3
    return X, y


def test_dataset_indexes_every_array_together():
    X, y = make_data()
    dataset = TensorDataset(X, ag.Tensor(y))
    assert len(dataset) == 10
    xs, ys = dataset[4]
    assert isinstance(xs, ag.Tensor) and isinstance(ys, ag.Tensor)
    np.testing.assert_array_equal(xs.data, X[4])
    assert ys.item() == y[4]


def test_dataset_refuses_arrays_of_different_lengths():
    with pytest.raises(ValueError, match=r"same first dimension.*\(10, 3\), \(9,\)"):
        TensorDataset(np.zeros((10, 3)), np.zeros(9))
    with pytest.raises(ValueError, match="scalar"):
        TensorDataset(np.zeros(3), 1.0)
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()


LENGTHS = [(10, 3, False, 4), (10, 3, True, 3), (9, 3, True, 3), (9, 3, False, 3), (2, 5, True, 0), (2, 5, False, 1)]


@pytest.mark.parametrize("n, batch_size, drop_last, expected", LENGTHS)
def test_len_is_the_number_of_batches_yielded(n, batch_size, drop_last, expected):
    X, y = make_data(n)
    loader = DataLoader(TensorDataset(X, y), batch_size=batch_size, drop_last=drop_last)
    batches = list(loader)
    assert len(loader) == expected == len(batches)


def test_unshuffled_batches_keep_order_and_types():
    X, y = make_data(10)
    batches = list(DataLoader(TensorDataset(X, y), batch_size=4))
    assert [b[0].shape for b in batches] == [(4, 3), (4, 3), (2, 3)]
    np.testing.assert_array_equal(np.concatenate([b[0].data for b in batches]), X)
    np.testing.assert_array_equal(np.concatenate([b[1].data for b in batches]), y)
    assert batches[0][1].dtype.kind == "i"  # integer labels stay integers (for cross_entropy)
    assert not batches[0][0].requires_grad


def test_drop_last_skips_only_the_short_batch():
    X, y = make_data(10)
    batches = list(DataLoader(TensorDataset(X, y), batch_size=4, drop_last=True))
    np.testing.assert_array_equal(np.concatenate([b[0].data for b in batches]), X[:8])


def test_shuffle_covers_every_sample_once_in_a_new_order_each_pass():
    X, y = make_data(50)
    loader = DataLoader(TensorDataset(X, y), batch_size=7, shuffle=True, rng=np.random.default_rng(0))
    orders = []
    for _ in range(2):
        rows = np.concatenate([b[0].data[:, 0] for b in loader]) / 3
        assert sorted(rows) == list(range(50))
        orders.append(rows)
    assert not np.array_equal(orders[0], orders[1])
    assert not np.array_equal(orders[0], np.arange(50))


def test_shuffle_is_the_generators_permutation():
    X, y = make_data(20)
    loader = DataLoader(TensorDataset(X, y), batch_size=20, shuffle=True, rng=np.random.default_rng(3))
    (xb, yb) = next(iter(loader))
    order = np.random.default_rng(3).permutation(20)
    np.testing.assert_array_equal(xb.data, X[order])
    np.testing.assert_array_equal(yb.data, y[order])


def test_manual_seed_makes_the_default_shuffle_repeatable():
    X, y = make_data(30)
    loader = DataLoader(TensorDataset(X, y), batch_size=5, shuffle=True)
    nn.manual_seed(1)
    first = [b[1].data.copy() for b in loader]
    nn.manual_seed(1)
    second = [b[1].data.copy() for b in loader]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


class Squares:
    """A map-style dataset (not a TensorDataset): sample i is (i, i²)."""

    def __len__(self):
        return 5

    def __getitem__(self, i):
        return float(i), ag.Tensor([float(i * i)])


def test_any_map_style_dataset_is_collated_by_stacking():
    xb, yb = next(iter(DataLoader(Squares(), batch_size=3)))
    np.testing.assert_array_equal(xb.data, [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(yb.data, [[0.0], [1.0], [4.0]])


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        DataLoader(TensorDataset(np.zeros(3)), batch_size=0)
    with pytest.raises(TypeError, match="__len__ and __getitem__"):
        DataLoader(object())


def test_matches_torch_dataloader_without_shuffle():
    torch = pytest.importorskip("torch")
    X, y = make_data(11)
    ours = list(DataLoader(TensorDataset(X, y), batch_size=4, drop_last=False))
    theirs = list(torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(X), torch.tensor(y)), 4))
    assert len(ours) == len(theirs)
    for (a, b), (ta, tb) in zip(ours, theirs):
        np.testing.assert_array_equal(a.data, ta.numpy())
        np.testing.assert_array_equal(b.data, tb.numpy())
