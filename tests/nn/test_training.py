"""End to end: the lab's 2-4-4-1 sigmoid MLP, MSE loss and plain full-batch gradient descent
written here by hand, reaches 100% accuracy on both lab data sets for several seeds."""

import numpy as np
import pytest

import autograd as ag
import nn
from nn.datasets import generate_linear, generate_xor_easy

LEARNING_RATE = 5.0
MAX_EPOCHS = 10_000  # the slowest of these seeds needs about half of it


def _train(X: np.ndarray, y: np.ndarray, seed: int) -> tuple[nn.Module, int]:
    nn.manual_seed(seed)
    model = nn.MLP([2, 4, 4, 1], activation="sigmoid", output_activation="sigmoid")
    criterion = nn.MSELoss()
    for epoch in range(MAX_EPOCHS):
        prediction = model(X)
        if np.all((prediction.data > 0.5) == (y > 0.5)):
            return model, epoch
        loss = criterion(prediction, y)
        model.zero_grad()
        loss.backward()
        for param in model.parameters():
            param.data -= LEARNING_RATE * param.grad.data
    return model, MAX_EPOCHS


def _accuracy(model: nn.Module, X: np.ndarray, y: np.ndarray) -> float:
    with ag.no_grad():
        return float(np.mean((model(X).data > 0.5) == (y > 0.5)))


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("dataset", ["linear", "xor"])
def test_lab_network_learns_both_data_sets(dataset, seed):
    X, y = generate_linear(100, rng=np.random.default_rng(seed)) if dataset == "linear" else generate_xor_easy()
    model, epochs = _train(X, y, seed)
    assert epochs < MAX_EPOCHS, f"{dataset}, seed {seed}: not 100% accurate after {MAX_EPOCHS} epochs"
    assert _accuracy(model, X, y) == 1.0
    assert epochs > 0  # the untrained network was not already right: training did the work
