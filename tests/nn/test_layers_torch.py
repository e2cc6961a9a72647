"""Optional cross-checks of the layers beyond the lab against PyTorch: forwards, gradients,
second derivatives, and BatchNorm's running statistics epoch by epoch in train and eval."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
import nn.functional.normalization as normalization

torch = pytest.importorskip("torch")


def as_torch(array, requires_grad: bool = True):
    return torch.tensor(np.asarray(array), dtype=torch.float64, requires_grad=requires_grad)


def assert_close(ours, theirs, rtol=1e-10, atol=1e-12, what=""):
    ours = ours.data if isinstance(ours, ag.Tensor) else np.asarray(ours)
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=rtol, atol=atol, err_msg=what)


def compare_elementwise(our_fn, torch_fn, x):
    """Forward, gradient and second derivative of an elementwise function, ours and torch's."""
    ours, theirs = ag.Tensor(x, requires_grad=True), as_torch(x)
    out, expected = our_fn(ours), torch_fn(theirs)
    assert_close(out, expected, what="forward")
    (grad,) = ag.grad(out.sum(), [ours], create_graph=True)
    (expected_grad,) = torch.autograd.grad(expected.sum(), [theirs], create_graph=True)
    assert_close(grad, expected_grad, what="gradient")
    (second,) = ag.grad(grad.sum(), [ours])
    (expected_second,) = torch.autograd.grad(expected_grad.sum(), [theirs])
    assert_close(second, expected_second, what="second derivative")


X = np.concatenate([np.linspace(-30, 30, 61), [-1000.0, -40.0, 1000.0, 19.99, 20.01]])


@pytest.mark.parametrize(("beta", "threshold"), [(1.0, 20.0), (2.0, 5.0), (0.5, 1.0)])
def test_softplus_like_torch(beta, threshold):
    x = X[np.abs(beta * X - threshold) > 1e-3]  # finite differences aside, torch also jumps at the threshold
    compare_elementwise(lambda t: nn.Softplus(beta, threshold)(t), torch.nn.Softplus(beta=beta, threshold=threshold), x)


def test_silu_like_torch():
    compare_elementwise(nn.SiLU(), torch.nn.SiLU(), np.linspace(-30, 30, 61))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_and_log_softmax_like_torch(axis):
    x = np.random.default_rng(0).standard_normal((3, 4, 2)) * 4
    cotangent = np.random.default_rng(1).standard_normal(x.shape)
    for ours_layer, torch_layer in (
        (nn.Softmax(axis), torch.nn.Softmax(dim=axis)),
        (nn.LogSoftmax(axis), torch.nn.LogSoftmax(dim=axis)),
    ):
        ours, theirs = ag.Tensor(x, requires_grad=True), as_torch(x)
        out, expected = ours_layer(ours), torch_layer(theirs)
        assert_close(out, expected)
        (out * cotangent).sum().backward()
        (expected * as_torch(cotangent, False)).sum().backward()
        assert_close(ours.grad, theirs.grad)


@pytest.mark.parametrize(("kernel", "stride"), [(2, None), (3, 1), ((2, 3), (1, 2)), (3, 2)])
def test_avg_pool_like_torch(kernel, stride):
    x = np.random.default_rng(2).standard_normal((2, 3, 7, 6))
    ours, theirs = ag.Tensor(x, requires_grad=True), as_torch(x)
    out, expected = nn.AvgPool2d(kernel, stride)(ours), torch.nn.AvgPool2d(kernel, stride)(theirs)
    assert_close(out, expected)
    cotangent = np.random.default_rng(3).standard_normal(out.shape)
    (out * cotangent).sum().backward()
    (expected * as_torch(cotangent, False)).sum().backward()
    assert_close(ours.grad, theirs.grad)


def test_embedding_like_torch():
    ours = nn.Embedding(6, 4)
    theirs = torch.nn.Embedding(6, 4).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.weight.data))
    indices = np.array([[1, 5, 1], [0, 1, 5]])
    out, expected = ours(indices), theirs(torch.from_numpy(indices))
    assert_close(out, expected)
    cotangent = np.random.default_rng(4).standard_normal(out.shape)
    (out * cotangent).sum().backward()
    (expected * as_torch(cotangent, False)).sum().backward()
    assert_close(ours.weight.grad, theirs.weight.grad)  # repeated rows accumulate in both


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_dropout_like_torch(p):
    """Masks come from different generators, so compare what they share: the scale of kept
    elements, the gradient being the mask, the identity in eval."""
    x = np.random.default_rng(5).uniform(1.0, 2.0, (50, 40))

    def numpy(tensor):
        return tensor.data if isinstance(tensor, ag.Tensor) else tensor.detach().numpy()

    for layer, tensor in ((nn.Dropout(p), ag.Tensor(x, requires_grad=True)), (torch.nn.Dropout(p), as_torch(x))):
        out = layer(tensor)
        out.sum().backward()
        kept = numpy(out) != 0
        np.testing.assert_allclose(numpy(out)[kept], x[kept] / (1 - p), rtol=1e-15)
        np.testing.assert_allclose(numpy(tensor.grad), np.where(kept, 1 / (1 - p), 0.0), rtol=1e-15)
        assert abs(kept.mean() - (1 - p)) < 0.04  # 2000 draws: over 4 standard deviations
        np.testing.assert_array_equal(numpy(layer.eval()(tensor)), x)


def torch_batch_norm(ours, momentum):
    kind = {nn.BatchNorm1d: torch.nn.BatchNorm1d, nn.BatchNorm2d: torch.nn.BatchNorm2d}[type(ours)]
    theirs = kind(
        ours.num_features, momentum=momentum, affine=ours.affine, track_running_stats=ours.track_running_stats
    )
    theirs = theirs.double()
    if ours.affine:
        with torch.no_grad():
            theirs.weight.copy_(torch.from_numpy(ours.weight.data))
            theirs.bias.copy_(torch.from_numpy(ours.bias.data))
    return theirs


def train_side_by_side(layer_type, shape, momentum=0.1, affine=True, track_running_stats=True, epochs=3, lr=0.1):
    """Train ours and torch's BatchNorm on the same batches with plain SGD on a random linear
    loss; compare outputs and gradients at every step, running statistics after every epoch,
    and the eval-mode outputs at the end."""
    rng = np.random.default_rng(6)
    ours = layer_type(shape[1], momentum=momentum, affine=affine, track_running_stats=track_running_stats)
    if affine:
        ours.weight.data[...], ours.bias.data[...] = rng.uniform(0.5, 2, shape[1]), rng.standard_normal(shape[1])
    theirs = torch_batch_norm(ours, momentum)
    batches = [rng.normal(rng.uniform(-3, 3), rng.uniform(0.5, 3), shape) for _ in range(4)]
    cotangent = rng.standard_normal(shape)
    for epoch in range(epochs):
        for x in batches:
            our_x, their_x = ag.Tensor(x, requires_grad=True), as_torch(x)
            out, expected = ours.train()(our_x), theirs.train()(their_x)
            assert_close(out, expected, what=f"epoch {epoch} train output")
            (out * cotangent).sum().backward()
            (expected * as_torch(cotangent, False)).sum().backward()
            assert_close(our_x.grad, their_x.grad, what=f"epoch {epoch} input gradient")
            for (name, param), their_param in zip(ours.named_parameters(), theirs.parameters()):
                assert_close(param.grad, their_param.grad, what=f"epoch {epoch} {name} gradient")
                param.data -= lr * param.grad.data
                with torch.no_grad():
                    their_param -= lr * their_param.grad
                param.grad, their_param.grad = None, None
        their_state = theirs.state_dict()
        assert list(ours.state_dict()) == list(their_state)
        for name, value in ours.state_dict().items():
            np.testing.assert_allclose(
                value, their_state[name].numpy(), rtol=1e-10, atol=1e-12, err_msg=f"epoch {epoch} {name}"
            )
    x = rng.standard_normal(shape)
    assert_close(ours.eval()(x), theirs.eval()(as_torch(x, False)), what="eval output")


@pytest.mark.parametrize(
    ("layer_type", "shape"), [(nn.BatchNorm1d, (8, 3)), (nn.BatchNorm1d, (4, 3, 5)), (nn.BatchNorm2d, (4, 3, 5, 2))]
)
def test_batch_norm_like_torch_epoch_by_epoch(layer_type, shape):
    train_side_by_side(layer_type, shape)


@pytest.mark.parametrize("momentum", [0.3, None])
def test_batch_norm_momentum_and_cumulative_average_like_torch(momentum):
    train_side_by_side(nn.BatchNorm2d, (3, 2, 3, 3), momentum=momentum)


@pytest.mark.parametrize(("affine", "track_running_stats"), [(False, True), (True, False), (False, False)])
def test_batch_norm_options_like_torch(affine, track_running_stats):
    train_side_by_side(nn.BatchNorm1d, (6, 4), affine=affine, track_running_stats=track_running_stats, epochs=2)


def test_the_torch_check_catches_a_biased_running_variance(monkeypatch):
    monkeypatch.setattr(normalization, "_unbiased", lambda variance, count: variance)  # the planted bug
    with pytest.raises(AssertionError, match="running_var"):
        train_side_by_side(nn.BatchNorm1d, (8, 3), epochs=1)


def test_functional_batch_norm_like_torch_in_eval():
    rng = np.random.default_rng(7)
    x, mean, var = rng.standard_normal((5, 3, 4)), rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    weight, bias = rng.standard_normal(3), rng.standard_normal(3)
    ours = F.batch_norm(ag.Tensor(x, requires_grad=True), mean, var, ag.Tensor(weight), ag.Tensor(bias))
    theirs = torch.nn.functional.batch_norm(
        as_torch(x), as_torch(mean, False), as_torch(var, False), as_torch(weight, False), as_torch(bias, False)
    )
    assert_close(ours, theirs)
