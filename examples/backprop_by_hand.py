"""Back-propagation by hand: the lab's MLP (2-4-4-1 sigmoid by default) in plain NumPy.

The parameters use `nn.MLP(sizes)`'s names and `nn.Linear`'s convention (weight of shape
(out, in), Z = A @ W.T + b), so the gradients can be compared with autograd's one to one:

    Z1 = X  @ W1.T + b1    A1 = sigmoid(Z1)         layers.0 (Linear), layers.1 (Sigmoid)
    Z2 = A1 @ W2.T + b2    A2 = sigmoid(Z2)         layers.2, layers.3
    Z3 = A2 @ W3.T + b3    A3 = sigmoid(Z3)         layers.4, layers.5: the prediction

and the chain rule, written out from the loss back to the first layer (n samples):

    dZ3 = dL/dA3 * A3 * (1 - A3)          since sigmoid'(z) = sigmoid(z) (1 - sigmoid(z))
    dW3 = dZ3.T @ A2     db3 = sum of dZ3 over the samples     dA2 = dZ3 @ W3
    dZ2 = dA2 * A2 * (1 - A2)  ... and so on down to dW1, db1.

Other hidden activations only change the factor dA/dZ (tanh: 1 - A^2, ReLU: 1 where Z > 0,
leaky ReLU: 1 or 0.01, none: 1). Each formula is written in the order of operations the engine
uses, so a whole training run gives autograd's numbers to the last bit or close to it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

LOSSES = ("mse", "bce")
ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "none")
OUTPUT_ACTIVATIONS = ("sigmoid", "none")
LEAKY_SLOPE = 0.01  # nn.functional.leaky_relu's default
LOG_FLOOR = -100.0  # BCE clamps each log here, as PyTorch and nn.BCELoss do


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + e^-z), computed as (1 + tanh(z/2)) / 2: no overflow for any z."""
    return (np.tanh(z * 0.5) + 1.0) * 0.5


def activate(z: np.ndarray, activation: str) -> tuple[np.ndarray, np.ndarray | None]:
    """`(A, saved)`: the activation of `z` and what its derivative needs (None for the identity)."""
    if activation == "sigmoid":
        a = sigmoid(z)
        return a, a
    if activation == "tanh":
        a = np.tanh(z)
        return a, a
    if activation == "relu":
        mask = z > 0
        return z * mask, mask
    if activation == "leaky_relu":
        slope = np.where(z > 0, 1.0, LEAKY_SLOPE)
        return z * slope, slope
    if activation == "none":
        return z, None
    raise ValueError(f"activate: activation must be one of {ACTIVATIONS}, got {activation!r}")


def activation_backward(dA: np.ndarray, saved: np.ndarray | None, activation: str) -> np.ndarray:
    """dZ = dA * dA/dZ, the one line of the chain rule that depends on the activation."""
    if activation == "sigmoid":
        return dA * saved * (1.0 - saved)  # sigmoid' = A (1 - A)
    if activation == "tanh":
        return dA * (1.0 - saved * saved)  # tanh' = 1 - A^2
    if activation in ("relu", "leaky_relu"):
        return dA * saved  # 1 (or 0, or the slope) elementwise
    return dA


def layer_prefixes(params: dict) -> list[str]:
    """The Linear layers' names in order (`layers.0`, `layers.2`, ...; `layers.0`, `layers.1`, ...
    when nn.MLP has no activation layers between them)."""
    return [name.removesuffix(".weight") for name in params if name.endswith(".weight")]


def init_params(sizes: Sequence[int] = (2, 4, 4, 1), rng: np.random.Generator | None = None, bias: bool = True) -> dict:
    """Standard-normal parameters named like nn.MLP(sizes)'s: `layers.0.weight`, `layers.0.bias`, ..."""
    rng = np.random.default_rng() if rng is None else rng
    params = {}
    for k, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        params[f"layers.{2 * k}.weight"] = rng.standard_normal((fan_out, fan_in))
        if bias:
            params[f"layers.{2 * k}.bias"] = rng.standard_normal(fan_out)
    return params


def forward_with_cache(
    params: dict, X: np.ndarray, activation: str = "sigmoid", output_activation: str = "sigmoid"
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
    """Per layer: (its input A_prev, its output A, what the activation's derivative needs)."""
    if output_activation not in OUTPUT_ACTIVATIONS:
        raise ValueError(f"forward: output_activation must be one of {OUTPUT_ACTIVATIONS}, got {output_activation!r}")
    prefixes = layer_prefixes(params)
    cache = []
    a = X
    for k, prefix in enumerate(prefixes):
        z = a @ params[f"{prefix}.weight"].T
        bias = params.get(f"{prefix}.bias")
        if bias is not None:
            z += bias
        out, saved = activate(z, output_activation if k == len(prefixes) - 1 else activation)
        cache.append((a, out, saved))
        a = out
    return cache


def forward(
    params: dict, X: np.ndarray, activation: str = "sigmoid", output_activation: str = "sigmoid"
) -> tuple[np.ndarray, ...]:
    """The output of every layer, the last one being the prediction (A1, A2, A3 for 2-4-4-1)."""
    return tuple(out for _, out, _ in forward_with_cache(params, X, activation, output_activation))


def loss_value(prediction: np.ndarray, y: np.ndarray, loss: str = "mse", logits: bool = False) -> float:
    """Mean squared error, or binary cross-entropy with each log clamped at -100 (as nn.BCELoss);
    with `logits`, the prediction is a raw score and BCE is taken of its sigmoid, stably."""
    if loss not in LOSSES:
        raise ValueError(f"loss_value: loss must be one of {LOSSES}, got {loss!r}")
    if loss == "mse":
        diff = prediction - y
        return float(np.mean(diff * diff))
    if logits:  # max(x, 0) - x y + log(1 + e^-|x|), as nn.BCEWithLogitsLoss
        x = prediction
        return float(np.mean(np.maximum(x, 0.0) - x * y + np.log1p(np.exp(-np.abs(x)))))
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(prediction), LOG_FLOOR)
        log_not_p = np.maximum(np.log(1.0 - prediction), LOG_FLOOR)
    return float(np.mean(-(y * log_p + (1.0 - y) * log_not_p)))


def loss_gradient(prediction: np.ndarray, y: np.ndarray, loss: str, logits: bool) -> np.ndarray:
    """dL/d prediction for the mean loss over n samples (for BCE on logits: dL/d logit)."""
    per_sample = 1.0 / prediction.size  # d mean / d each element
    if loss == "mse":  # L = mean((A - y)^2): dL/dA = 2 (A - y) / n
        diff = prediction - y
        return 2.0 * (per_sample * diff)
    if logits:  # dL/dx = (sigmoid(x) - y) / n
        return per_sample * ((np.tanh(prediction * 0.5) + 1.0) * 0.5 - y)
    # dL/dA = (A - y) / (A (1 - A)) / n, the denominator kept away from 0 as PyTorch does
    return per_sample * (prediction - y) / np.maximum(prediction * (1.0 - prediction), 1e-12)


def loss_and_grads(
    params: dict,
    X: np.ndarray,
    y: np.ndarray,
    loss: str = "mse",
    activation: str = "sigmoid",
    output_activation: str = "sigmoid",
) -> tuple[float, dict]:
    """The loss (mean over samples) and its gradient for every parameter, derived by hand.

    With `output_activation="none"` and BCE the output is a logit (nn.BCEWithLogitsLoss)."""
    value, grads, _ = loss_grads_and_prediction(params, X, y, loss, activation, output_activation)
    return value, grads


def loss_grads_and_prediction(
    params: dict,
    X: np.ndarray,
    y: np.ndarray,
    loss: str = "mse",
    activation: str = "sigmoid",
    output_activation: str = "sigmoid",
) -> tuple[float, dict, np.ndarray]:
    """`loss_and_grads`, plus the network's output for X (the forward pass it ran)."""
    if loss not in LOSSES:
        raise ValueError(f"loss_and_grads: loss must be one of {LOSSES}, got {loss!r}")
    if y.shape != (len(X), 1):
        raise ValueError(f"loss_and_grads: y must have shape ({len(X)}, 1) for X of shape {X.shape}, got {y.shape}")
    cache = forward_with_cache(params, X, activation, output_activation)
    prediction = cache[-1][1]
    logits = output_activation == "none"
    value = loss_value(prediction, y, loss, logits)

    upstream = loss_gradient(prediction, y, loss, logits)  # dL/dA of the output layer
    prefixes = layer_prefixes(params)
    last = len(prefixes) - 1
    grads = {}
    for k in range(last, -1, -1):
        a_prev, _, saved = cache[k]
        dZ = activation_backward(upstream, saved, output_activation if k == last else activation)
        if k > 0:
            upstream = dZ @ params[f"{prefixes[k]}.weight"]  # dA of the layer below
        grads[f"{prefixes[k]}.weight"] = dZ.T @ a_prev  # dW = dZ.T @ A_prev
        if f"{prefixes[k]}.bias" in params:
            grads[f"{prefixes[k]}.bias"] = dZ.sum(axis=0)  # db = dZ summed over the samples
    ordered = {name: grads[name] for name in params}  # nn.MLP's order: layer by layer, weight then bias
    return value, ordered, prediction
