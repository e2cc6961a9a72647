"""The floor: the same math written out by hand in NumPy, forward and backward, like a student's lab.

One form only (there is no library to call): its row is the denominator of both forms' ratios.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.workloads import CHAIN_SCALE, CHAIN_SHIFT, Case, MLPProblem

NAME = "numpy"
MEMORY_METHOD = "tracemalloc"


def info() -> dict[str, Any]:
    return {"numpy": np.__version__}


def skip_reason(case: Case) -> str | None:
    return "hand-written NumPy has one form (see the raw row)" if case.form != "raw" else None


def implementation(case: Case) -> str:
    return "hand-written NumPy"


# ------------------------------------------------------------------ W1-W3: MLP training steps
class MLPTrainer:
    """`x @ W.T + b`, sigmoid/ReLU, MSE or softmax cross-entropy, the chain rule by hand, SGD."""

    def __init__(self, problem: MLPProblem) -> None:
        self.weights = [w.copy() for w, _ in problem.params]
        self.biases = [b.copy() for _, b in problem.params]
        self.problem = problem

    def step(self) -> float:
        problem, weights, biases = self.problem, self.weights, self.biases
        last = len(weights) - 1
        activations = [problem.X]
        for i, (weight, bias) in enumerate(zip(weights, biases)):
            kind = problem.activation if i < last else problem.output_activation
            activations.append(activate(activations[-1] @ weight.T + bias, kind))
        output = activations[-1]
        if problem.loss == "mse":
            loss = np.mean((output - problem.target) ** 2)
            grad = 2.0 * (output - problem.target) / output.size
        else:
            loss, grad = softmax_cross_entropy(output, problem.target)
        for i in range(last, -1, -1):
            kind = problem.activation if i < last else problem.output_activation
            grad = activation_backward(grad, activations[i + 1], kind)
            grad_weight = grad.T @ activations[i]
            grad_bias = grad.sum(axis=0)
            if i:
                grad = grad @ weights[i]
            weights[i] -= problem.lr * grad_weight
            biases[i] -= problem.lr * grad_bias
        return float(loss)

    def grad_dtypes(self) -> list[str]:
        return [str(w.dtype) for w in self.weights]  # grads are temporaries of the parameters' dtype


def activate(z: np.ndarray, kind: str | None) -> np.ndarray:
    if kind == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if kind == "relu":
        return np.maximum(z, 0)
    return z


def activation_backward(grad: np.ndarray, out: np.ndarray, kind: str | None) -> np.ndarray:
    """d loss / d z from d loss / d out, written with the activation's output `out`."""
    if kind == "sigmoid":
        return grad * out * (1.0 - out)
    if kind == "relu":
        return grad * (out > 0)
    return grad


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean cross-entropy of integer labels and its gradient with respect to the logits."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    rows = np.arange(len(labels))
    loss = np.mean(np.log(total[:, 0]) - shifted[rows, labels])
    grad = exp / total
    grad[rows, labels] -= 1
    grad /= len(labels)
    return loss, grad


def make_trainer(case: Case, problem: MLPProblem) -> MLPTrainer:
    return MLPTrainer(problem)


# ------------------------------------------------------------------ W4/W5: the tanh chain
class TanhChain:
    """y = tanh(y * a + b), n times, by hand: 3 NumPy ops a link forward, the chain rule backward."""

    def __init__(self, x0: np.ndarray, links: int) -> None:
        self.x0, self.links = x0.copy(), links

    def forward(self) -> list[np.ndarray]:
        y, outputs = self.x0, []
        for _ in range(self.links):
            y = np.tanh(y * CHAIN_SCALE + CHAIN_SHIFT)
            outputs.append(y)
        return outputs

    def backward(self, outputs: list[np.ndarray]) -> np.ndarray:
        """d sum(y_n) / d x0: one (1 - y^2) * a factor per link, from the last link down."""
        grad = np.ones_like(self.x0)
        for y in reversed(outputs):
            grad = grad * (1.0 - y * y) * CHAIN_SCALE
        return grad

    def values(self, outputs: list[np.ndarray]) -> np.ndarray:
        return outputs[-1]


def make_chain(case: Case, x0: np.ndarray, links: int) -> TanhChain:
    return TanhChain(x0, links)
