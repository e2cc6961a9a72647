"""Back-propagation by hand: the lab's 2-4-4-1 sigmoid network in plain NumPy.

The parameters use `nn.MLP([2, 4, 4, 1])`'s names and `nn.Linear`'s convention (weight of
shape (out, in), Z = A @ W.T + b), so the gradients can be compared with autograd's one to one:

    Z1 = X  @ W1.T + b1    A1 = sigmoid(Z1)         layers.0 (Linear), layers.1 (Sigmoid)
    Z2 = A1 @ W2.T + b2    A2 = sigmoid(Z2)         layers.2, layers.3
    Z3 = A2 @ W3.T + b3    A3 = sigmoid(Z3)         layers.4, layers.5: the prediction

and the chain rule, written out from the loss back to the first layer (n samples):

    dZ3 = dL/dA3 * A3 * (1 - A3)          since sigmoid'(z) = sigmoid(z) (1 - sigmoid(z))
    dW3 = dZ3.T @ A2     db3 = sum of dZ3 over the samples     dA2 = dZ3 @ W3
    dZ2 = dA2 * A2 * (1 - A2)  ... and so on down to dW1, db1.
"""

from __future__ import annotations

import numpy as np

LOSSES = ("mse", "bce")


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + e^-z)."""
    return 1.0 / (1.0 + np.exp(-z))


def init_params(sizes: tuple[int, ...] = (2, 4, 4, 1), rng: np.random.Generator | None = None) -> dict:
    """Random parameters named like nn.MLP(sizes)'s: `layers.0.weight`, `layers.0.bias`, ..."""
    rng = np.random.default_rng() if rng is None else rng
    params = {}
    for k, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        params[f"layers.{2 * k}.weight"] = rng.standard_normal((fan_out, fan_in))
        params[f"layers.{2 * k}.bias"] = rng.standard_normal(fan_out)
    return params


def forward(params: dict, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The activations A1, A2 and A3 (the prediction) of the three layers."""
    A1 = sigmoid(X @ params["layers.0.weight"].T + params["layers.0.bias"])
    A2 = sigmoid(A1 @ params["layers.2.weight"].T + params["layers.2.bias"])
    A3 = sigmoid(A2 @ params["layers.4.weight"].T + params["layers.4.bias"])
    return A1, A2, A3


def loss_value(prediction: np.ndarray, y: np.ndarray, loss: str = "mse") -> float:
    """Mean squared error, or binary cross-entropy with log clamped at -100 (as PyTorch and nn.BCELoss)."""
    if loss not in LOSSES:
        raise ValueError(f"loss_value: loss must be one of {LOSSES}, got {loss!r}")
    if loss == "mse":
        return float(np.mean((prediction - y) ** 2))
    log_p = np.maximum(np.log(prediction), -100.0)
    log_not_p = np.maximum(np.log(1.0 - prediction), -100.0)
    return float(-np.mean(y * log_p + (1.0 - y) * log_not_p))


def loss_and_grads(params: dict, X: np.ndarray, y: np.ndarray, loss: str = "mse") -> tuple[float, dict]:
    """The loss (mean over samples) and its gradient for every parameter, derived by hand."""
    if y.shape != (len(X), 1):
        raise ValueError(f"loss_and_grads: y must have shape ({len(X)}, 1) for X of shape {X.shape}, got {y.shape}")
    W2, W3 = params["layers.2.weight"], params["layers.4.weight"]
    n = len(X)
    A1, A2, A3 = forward(params, X)

    value = loss_value(A3, y, loss)
    if loss == "mse":
        dA3 = 2.0 * (A3 - y) / n
    else:
        dA3 = (A3 - y) / (A3 * (1 - A3)) / n

    # Layer 3: Z3 = A2 @ W3.T + b3, A3 = sigmoid(Z3)
    dZ3 = dA3 * A3 * (1 - A3)  # for BCE this is (A3 - y) / n
    dW3 = dZ3.T @ A2
    db3 = dZ3.sum(axis=0)
    dA2 = dZ3 @ W3

    # Layer 2: Z2 = A1 @ W2.T + b2, A2 = sigmoid(Z2)
    dZ2 = dA2 * A2 * (1 - A2)
    dW2 = dZ2.T @ A1
    db2 = dZ2.sum(axis=0)
    dA1 = dZ2 @ W2

    # Layer 1: Z1 = X @ W1.T + b1, A1 = sigmoid(Z1)
    dZ1 = dA1 * A1 * (1 - A1)
    dW1 = dZ1.T @ X
    db1 = dZ1.sum(axis=0)

    grads = {
        "layers.0.weight": dW1, "layers.0.bias": db1,
        "layers.2.weight": dW2, "layers.2.bias": db2,
        "layers.4.weight": dW3, "layers.4.bias": db3,
    }  # fmt: skip
    return value, grads
