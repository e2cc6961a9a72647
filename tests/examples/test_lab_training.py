"""The lab's training loop measures each epoch from the training step's own output: through
`ag.compile` the `OutputTap` hands it over (no second forward pass), and the accuracies, computed
from all the outputs at the end, equal the accuracy of each epoch's output computed on its own."""

from __future__ import annotations

import numpy as np

import autograd as ag
from examples.lab import output_tap
from examples.lab.datasets import load_dataset
from examples.lab.model import make_model
from examples.lab.training import accuracies, make_gradients, make_optimizer, to_probability, train


class Recording:
    """A gradient source that keeps every output it returns."""

    def __init__(self, inner: object) -> None:
        self.inner, self.outputs = inner, []

    def __call__(self, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        loss, output = self.inner(X, y)
        self.outputs.append(output.copy())
        return loss, output

    def evaluate(self, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        loss, output = self.inner.evaluate(X, y)
        self.outputs.append(output.copy())
        return loss, output


def test_each_epochs_accuracy_is_that_of_its_own_output() -> None:
    # BCE on logits: the probabilities are the sigmoid of the outputs, taken of all epochs at once at the end
    X, y = load_dataset("linear", seed=5)
    model = make_model((4, 4), "tanh", seed=5, output_activation="none")
    gradients = Recording(make_gradients("autograd", model, "bce", "tanh", "none"))
    history = train(gradients, make_optimizer("sgd", list(model.parameters()), 0.5), X, y, 40,
                    to_probability=lambda output: to_probability(output, "bce", "none"))  # fmt: skip
    one_by_one = [float(np.mean((to_probability(o, "bce", "none") >= 0.5) == (y >= 0.5))) for o in gradients.outputs]
    assert len(one_by_one) == 41 and len(set(one_by_one)) > 2  # the accuracy changes while it trains
    assert history.accuracies.tolist() == one_by_one


def test_the_tap_hands_over_the_output_of_every_replayed_step() -> None:
    X, y = load_dataset("xor", seed=1)
    model = make_model((4, 4), "sigmoid", seed=1)
    gradients = make_gradients("autograd", model, "mse", "sigmoid", "sigmoid", compiled=True)
    optimizer = make_optimizer("sgd", list(model.parameters()), 1.0)
    for _ in range(5):
        with ag.no_grad():
            expected = model(ag.Tensor(X)).data
        optimizer.zero_grad()
        loss, output = gradients(X, y)
        assert np.array_equal(output, expected) and loss == np.mean((expected - y) ** 2)
        optimizer.step()
    assert gradients.step.counts["replays"] == 3 and gradients.step.fallback_reason is None


def test_the_tap_is_the_identity_for_values_and_gradients() -> None:
    tap = output_tap.OutputTap()
    x = ag.Tensor(np.array([[1.0, -2.0], [0.5, 3.0]]), requires_grad=True)
    (tap(x * 3.0) ** 2).sum().backward()
    assert np.array_equal(tap.output, x.data * 3.0) and np.array_equal(x.grad.data, 18.0 * x.data)


def test_accuracies_per_epoch() -> None:
    labels = np.array([[1.0], [0.0], [1.0], [0.0]])
    outputs = np.array([[[0.9], [0.1], [0.2], [0.5]], [[0.5], [0.49], [0.7], [0.3]]])
    assert accuracies(outputs, labels).tolist() == [0.5, 1.0]
