"""The floor: the same math written out by hand in NumPy, forward and backward, like a student's lab.

W1/W2 use the repository's one hand-written lab network, `examples/backprop_by_hand.py`; W3 (ReLU,
softmax cross-entropy) and the W4/W5 tanh chain are written out here.
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
    """NumPy has one form: the hand-written one (it stands in for every form's row)."""
    return "hand-written NumPy has one form (see the raw row)" if case.form != "raw" else None


# ------------------------------------------------------------------ W1/W2: the lab network
class LabTrainer:
    """W1/W2 through examples/backprop_by_hand.py: forward, backward(loss="mse"), sgd_step."""

    def __init__(self, problem: MLPProblem) -> None:
        from examples import backprop_by_hand

        self.by_hand = backprop_by_hand
        self.params = to_by_hand_params(backprop_by_hand, problem)
        self.X, self.y, self.lr = problem.X, problem.target, problem.lr

    def step(self) -> float:
        cache = self.by_hand.forward(self.params, self.X)
        grads = self.by_hand.backward(self.params, cache, self.y, loss="mse")
        self.by_hand.sgd_step(self.params, grads, self.lr)
        return lab_loss(cache, self.y)


def to_by_hand_params(by_hand: Any, problem: MLPProblem) -> Any:
    """Our seeded weights in backprop_by_hand's own layout (it is asked for its structure)."""
    params = by_hand.init_params(problem.sizes, np.random.default_rng(0))
    for layer, (weight, bias) in zip(layer_views(params), problem.params):
        np.copyto(layer[0], weight)
        np.copyto(layer[1], bias)
    return params


def layer_views(params: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    """(weight, bias) arrays per layer of backprop_by_hand's params, whichever container it uses."""
    if isinstance(params, dict):
        if "W1" in params:
            count = sum(1 for key in params if key.startswith("W"))
            return [(params[f"W{i}"], params[f"b{i}"]) for i in range(1, count + 1)]
        return [(layer["weight"], layer["bias"]) for layer in params.values()]
    if isinstance(params[0], dict):
        return [(layer["weight"], layer["bias"]) for layer in params]
    return [(weight, bias) for weight, bias in params]


def lab_loss(cache: Any, y: np.ndarray) -> float:
    """The MSE of the network output recorded in backprop_by_hand's forward cache."""
    output = cache["output"] if isinstance(cache, dict) and "output" in cache else cache[-1]
    if isinstance(output, tuple):
        output = output[-1]
    return float(np.mean((output - y) ** 2))


# ------------------------------------------------------------------ W3 (and a fallback for W1/W2)
class MLPTrainer:
    """Any of the benchmark MLPs by hand: linear layers, sigmoid/ReLU, MSE or softmax cross-entropy."""

    def __init__(self, problem: MLPProblem) -> None:
        self.weights = [w.copy() for w, _ in problem.params]
        self.biases = [b.copy() for _, b in problem.params]
        self.problem = problem

    def step(self) -> float:
        problem, weights, biases = self.problem, self.weights, self.biases
        last = len(weights) - 1
        activations, pre = [problem.X], []
        for i, (weight, bias) in enumerate(zip(weights, biases)):
            z = activations[-1] @ weight.T + bias
            pre.append(z)
            kind = problem.activation if i < last else problem.output_activation
            activations.append(activate(z, kind))
        output = activations[-1]
        if problem.loss == "mse":
            loss = np.mean((output - problem.target) ** 2)
            grad = 2.0 * (output - problem.target) / output.size
        else:
            loss, grad = softmax_cross_entropy(output, problem.target)
        for i in range(last, -1, -1):
            kind = problem.activation if i < last else problem.output_activation
            grad = activation_backward(grad, pre[i], activations[i + 1], kind)
            grad_weight = grad.T @ activations[i]
            grad_bias = grad.sum(axis=0)
            if i:
                grad = grad @ weights[i]
            weights[i] -= problem.lr * grad_weight
            biases[i] -= problem.lr * grad_bias
        return float(loss)


def activate(z: np.ndarray, kind: str | None) -> np.ndarray:
    if kind == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if kind == "relu":
        return np.maximum(z, 0)
    return z


def activation_backward(grad: np.ndarray, z: np.ndarray, a: np.ndarray, kind: str | None) -> np.ndarray:
    if kind == "sigmoid":
        return grad * a * (1.0 - a)
    if kind == "relu":
        return grad * (z > 0)
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


def make_trainer(case: Case, problem: MLPProblem) -> LabTrainer | MLPTrainer:
    if case.workload in ("W1", "W2") and by_hand_available():
        return LabTrainer(problem)
    return MLPTrainer(problem)


def by_hand_available() -> bool:
    try:
        from examples import backprop_by_hand  # noqa: F401
    except ImportError:
        return False
    return True


def implementation(case: Case) -> str:
    if case.workload in ("W1", "W2"):
        return "examples/backprop_by_hand.py" if by_hand_available() else "engine_numpy.MLPTrainer (fallback)"
    return "engine_numpy"


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
        grad = np.ones_like(self.x0)
        for y in reversed(outputs):
            grad = grad * (1.0 - y * y) * CHAIN_SCALE
        return grad

    def values(self, outputs: list[np.ndarray]) -> np.ndarray:
        return outputs[-1]


def make_chain(case: Case, x0: np.ndarray, links: int) -> TanhChain:
    return TanhChain(x0, links)
