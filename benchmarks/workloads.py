"""The workloads of issue 7: seeded data and initial weights that every engine copies in.

Everything here is plain NumPy, so each engine starts from bit-identical arrays and any difference
in the losses it reports is a difference in what it computes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SEED = 7
CHAIN_SCALE = 1.0001  # W4/W5: y = tanh(y * CHAIN_SCALE + CHAIN_SHIFT)
CHAIN_SHIFT = 0.001
LOSS_STEPS = 10  # the first losses every engine must reproduce (to LOSS_RTOL relative)
LOSS_RTOL = 1e-6
# float32: PyTorch's SGEMM sums in another order than NumPy's BLAS, a few ulp per product, and ten
# SGD steps compound that to ~2e-6 (~15 ulp of float32). 1e-5 is still far below what a wrong
# gradient or update would give (>1e-3 within ten steps).
LOSS_RTOL_FLOAT32 = 1e-5


def loss_rtol(dtype: str) -> float:
    """How closely an engine's first losses must match hand-written NumPy's, by dtype."""
    return LOSS_RTOL_FLOAT32 if dtype == "float32" else LOSS_RTOL


@dataclass(frozen=True)
class Case:
    """One row of the table: a workload, the form it is written in, and the float dtype."""

    workload: str  # "W1" .. "W5"
    form: str  # "raw": Tensor ops and a manual update; "nn": nn.MLP + nn.functional + nn.optim; "compiled": ag.compile
    dtype: str = "float64"

    @property
    def key(self) -> str:
        suffix = "" if self.dtype == "float64" or self.workload != "W3" else "-f32"
        return f"{self.workload}{suffix}/{self.form}"


CASES: tuple[Case, ...] = (
    Case("W1", "raw"),
    Case("W1", "nn"),
    Case("W2", "raw"),
    Case("W2", "nn"),
    Case("W3", "raw", "float64"),
    Case("W3", "nn", "float64"),
    Case("W3", "raw", "float32"),
    Case("W3", "nn", "float32"),
    Case("W4", "raw"),
    Case("W5", "raw"),
    # ag.compile (issue 13): the nn form's loss compiled, and the W4 chain compiled
    Case("W1", "compiled"),
    Case("W2", "compiled"),
    Case("W3", "compiled", "float64"),
    Case("W3", "compiled", "float32"),
    Case("W4", "compiled"),
)


@dataclass(frozen=True)
class Scale:
    """How long to measure: steps per timed repeat, repeats, and the W5 chain length."""

    mlp_small_steps: int  # W1/W2 steps per repeat
    mlp_small_repeats: int
    mlp_large_steps: int  # W3 steps per repeat
    mlp_large_repeats: int
    chain_repeats: int  # W4 repeats (one forward + one backward of 1000 links each)
    long_chain_steps: int  # W5 links
    long_chain_repeats: int


FULL = Scale(200, 10, 10, 4, 40, 50_000, 1)  # per round (runner.ROUNDS): 30 repeats of W1/W2 in all
QUICK = Scale(20, 3, 1, 2, 5, 5_000, 2)
CHAIN_STEPS = 1000  # W4 links (3 ops each)


# ------------------------------------------------------------------ data
def generate_linear(n: int = 100, rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The lab's linear set: points in the unit square, label 1 above the diagonal (x0 <= x1)."""
    rng = np.random.default_rng(SEED) if rng is None else rng
    points = rng.uniform(0.0, 1.0, (n, 2))
    labels = (points[:, 0] <= points[:, 1]).astype(np.float64).reshape(n, 1)
    return points, labels


def generate_xor_easy() -> tuple[np.ndarray, np.ndarray]:
    """The lab's 21-point XOR cross: the diagonal labelled 0, the anti-diagonal labelled 1."""
    inputs, labels = [], []
    for i in range(11):
        inputs.append([0.1 * i, 0.1 * i])
        labels.append(0.0)
        if i == 5:
            continue
        inputs.append([0.1 * i, 1 - 0.1 * i])
        labels.append(1.0)
    return np.array(inputs), np.array(labels).reshape(21, 1)


def init_mlp_params(sizes: list[int], rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
    """(weight (out, in), bias (out,)) per layer, PyTorch's default Linear init: U(+-1/sqrt(fan_in))."""
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        weight = rng.uniform(-bound, bound, (fan_out, fan_in))
        bias = rng.uniform(-bound, bound, (fan_out,))
        params.append((weight, bias))
    return params


@dataclass
class MLPProblem:
    """A training workload: full-batch X, targets, initial weights, activations, loss, lr."""

    sizes: list[int]
    X: np.ndarray
    target: np.ndarray  # (n, 1) floats for "mse", (n,) int class indices for "cross_entropy"
    params: list[tuple[np.ndarray, np.ndarray]]
    activation: str  # hidden layers: "sigmoid" | "relu"
    output_activation: str | None
    loss: str  # "mse" | "cross_entropy"
    lr: float

    @property
    def dtype(self) -> np.dtype:
        return self.X.dtype


def mlp_problem(case: Case) -> MLPProblem:
    """The seeded data and initial weights of W1, W2 or W3 (fresh copies every call)."""
    rng = np.random.default_rng(SEED)
    if case.workload in ("W1", "W2"):
        X, y = generate_linear(100, rng) if case.workload == "W1" else generate_xor_easy()
        sizes = [2, 4, 4, 1]
        params = init_mlp_params(sizes, rng)
        return MLPProblem(sizes, X, y, params, "sigmoid", "sigmoid", "mse", 0.1)
    if case.workload == "W3":
        dtype = np.dtype(case.dtype)
        sizes = [784, 512, 512, 10]
        X = rng.uniform(0.0, 1.0, (128, 784)).astype(dtype)
        labels = rng.integers(0, 10, 128)
        params = [(w.astype(dtype), b.astype(dtype)) for w, b in init_mlp_params(sizes, rng)]
        return MLPProblem(sizes, X, labels, params, "relu", None, "cross_entropy", 0.1)
    raise ValueError(f"mlp_problem: {case.workload} is not a training workload (expected W1, W2 or W3)")


def chain_input(case: Case, scale: Scale) -> tuple[np.ndarray, int]:
    """W4: x of shape (16,) and 1000 links; W5: shape (1,) and the long chain."""
    rng = np.random.default_rng(SEED)
    if case.workload == "W4":
        return rng.uniform(-0.5, 0.5, 16), CHAIN_STEPS
    if case.workload == "W5":
        return rng.uniform(-0.5, 0.5, 1), scale.long_chain_steps
    raise ValueError(f"chain_input: {case.workload} is not a chain workload (expected W4 or W5)")
