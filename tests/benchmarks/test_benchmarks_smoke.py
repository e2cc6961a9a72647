"""Smoke test of `python -m benchmarks --quick`: the table is written, and every engine computes what
an independent hand-written NumPy version computes. No timing assertions. Also: the runner's own
agreement check flags a wrong loss or a wrong grad dtype, and the workloads' data is the lab's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # benchmarks/ is not an installed package
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks.runner import check_losses  # noqa: E402
from benchmarks.workloads import (  # noqa: E402
    CASES,
    QUICK,
    SEED,
    Case,
    chain_input,
    generate_linear,
    generate_xor_easy,
    loss_rtol,
    mlp_problem,
)

pytestmark = pytest.mark.slow


# ------------------------------------------------------------------ an independent reference
def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def first_losses(case: Case, steps: int = 10) -> list[float]:
    """The case's first losses, forward and backward written out layer by layer (full-batch SGD)."""
    problem = mlp_problem(case)
    weights = [w.copy() for w, _ in problem.params]
    biases = [b.copy() for _, b in problem.params]
    hidden = sigmoid if problem.activation == "sigmoid" else (lambda z: np.maximum(z, 0))
    losses = []
    for _ in range(steps):
        inputs, outputs = [], []
        a = problem.X
        for i in range(3):
            inputs.append(a)
            z = a @ weights[i].T + biases[i]
            a = hidden(z) if i < 2 or problem.output_activation == "sigmoid" else z
            outputs.append(a)
        if problem.loss == "mse":
            losses.append(float(((a - problem.target) ** 2).mean()))
            delta = 2 * (a - problem.target) / a.size * a * (1 - a)  # through the output sigmoid
        else:
            n = len(problem.target)
            log_probs = a - a.max(axis=1, keepdims=True)
            log_probs = log_probs - np.log(np.exp(log_probs).sum(axis=1, keepdims=True))
            losses.append(float(-log_probs[np.arange(n), problem.target].mean()))
            delta = np.exp(log_probs)
            delta[np.arange(n), problem.target] -= 1
            delta = delta / n
        for i in (2, 1, 0):
            grad_w, grad_b = delta.T @ inputs[i], delta.sum(axis=0)
            if i:
                back = delta @ weights[i]
                h = outputs[i - 1]
                delta = back * h * (1 - h) if problem.activation == "sigmoid" else back * (h > 0)
            weights[i] -= problem.lr * grad_w
            biases[i] -= problem.lr * grad_b
    return losses


def chain_values(case: Case) -> list[float]:
    """The tanh chain's first 5 outputs and first 5 entries of d sum(y) / dx."""
    x0, links = chain_input(case, QUICK)
    y, grad = x0, np.ones_like(x0)
    for _ in range(links):
        y = np.tanh(1.0001 * y + 0.001)
        grad = grad * 1.0001 * (1 - y**2)  # multiplying in forward order: the same product
    return [float(v) for v in np.concatenate([y[:5], grad[:5]])]


def max_relative_error(values: list[float], reference: list[float]) -> float:
    return max(abs(a - b) / max(abs(a), abs(b)) if a != b else 0.0 for a, b in zip(values, reference, strict=True))


# ------------------------------------------------------------------ the run
@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, Path]:
    out = tmp_path_factory.mktemp("bench") / "results.md"
    process = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--out", str(out)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return process, out


def test_quick_run_writes_the_table(quick_run: tuple[subprocess.CompletedProcess, Path]) -> None:
    process, out = quick_run
    assert process.returncode == 0, process.stdout + process.stderr
    assert "MISMATCH" not in process.stdout
    table = out.read_text()
    assert "| workload / form | metric | ours | NumPy | PyTorch | ours/NumPy | ours/PyTorch | target | met |" in table
    for label in ("W1 raw |", "W2 raw |", "W3 float64 raw |", "W3 float32 raw |", "W4 raw |", "W5 raw (5,000 links) |"):
        assert f"| {label}" in table
    assert "python -m benchmarks --quick" in table
    assert (out.parent / "results" / "results.json").exists()


def test_every_engine_matches_hand_written_numpy(quick_run: tuple[subprocess.CompletedProcess, Path]) -> None:
    _, out = quick_run
    suite = json.loads((out.parent / "results" / "results.json").read_text())
    compared = set()
    for case in CASES:
        reference = first_losses(case) if case.workload in ("W1", "W2", "W3") else chain_values(case)
        for engine, result in suite["engines"].items():
            if "unavailable" in result:
                continue
            measured = result["cases"][case.key]
            assert "error" not in measured, f"{engine} {case.key}: {measured.get('error')}"
            if "skipped" in measured:
                assert case.form in ("nn", "compiled"), f"{engine} skipped {case.key}: {measured['skipped']}"
                continue
            error = max_relative_error(measured["check"], reference)
            assert error <= loss_rtol(case.dtype), f"{engine} {case.key}: {measured['check']} vs {reference}"
            compared.add((engine, case.key))
    for key in ("W1/raw", "W2/raw", "W3/raw", "W3-f32/raw", "W4/raw", "W5/raw"):
        assert ("ours", key) in compared and ("numpy", key) in compared
    if nn_available():  # once nn exists its form must be measured, not skipped
        for key in ("W1/nn", "W2/nn", "W3/nn", "W3-f32/nn"):
            assert ("ours", key) in compared


def test_parameters_keep_their_dtype(quick_run: tuple[subprocess.CompletedProcess, Path]) -> None:
    _, out = quick_run
    suite = json.loads((out.parent / "results" / "results.json").read_text())
    for engine, result in suite["engines"].items():
        for key, measured in result.get("cases", {}).items():
            if "grad_dtypes" in measured:
                expected = "float32" if key.startswith("W3-f32") else "float64"
                assert set(measured["grad_dtypes"]) == {expected}, f"{engine} {key}: {measured['grad_dtypes']}"


# ------------------------------------------------------------------ the agreement check can fail
def engines_reporting(check: list[float], grad_dtypes: list[str]) -> dict:
    return {"ours": {"cases": {"W3-f32/raw": {"check": check, "grad_dtypes": grad_dtypes}}}}


def test_check_accepts_what_agrees() -> None:
    reference = first_losses(Case("W3", "raw", "float32"), steps=3)
    assert check_losses(engines_reporting(reference, ["float32"]), {"W3-f32/raw": reference}) == []


@pytest.mark.parametrize("relative_change", [2e-5, -1e-3])
def test_check_flags_a_different_loss(relative_change: float) -> None:
    reference = first_losses(Case("W3", "raw", "float32"), steps=3)
    changed = reference[:2] + [reference[2] * (1 + relative_change)]
    engines = engines_reporting(changed, ["float32"])
    mismatches = check_losses(engines, {"W3-f32/raw": reference})
    assert len(mismatches) == 1 and "MISMATCH ours W3-f32/raw" in mismatches[0]
    assert engines["ours"]["cases"]["W3-f32/raw"]["check_ok"] is False


def test_check_flags_float32_params_with_float64_grads() -> None:
    reference = first_losses(Case("W3", "raw", "float32"), steps=3)
    mismatches = check_losses(engines_reporting(reference, ["float32", "float64"]), {"W3-f32/raw": reference})
    assert mismatches == ["MISMATCH ours W3-f32/raw: float32 parameters got float64 grads"]


# ------------------------------------------------------------------ the data is the lab's
def nn_available() -> bool:
    try:
        import nn
    except ImportError:
        return False
    return hasattr(nn, "MLP") and hasattr(nn, "datasets")


def test_workload_data_is_nn_datasets() -> None:
    if not nn_available():
        pytest.skip("nn.datasets not written yet")
    import nn

    X, y = generate_linear(100, np.random.default_rng(SEED))
    X_nn, y_nn = nn.datasets.generate_linear(100, rng=np.random.default_rng(SEED))
    np.testing.assert_array_equal(X, X_nn)
    np.testing.assert_array_equal(y, y_nn)
    X, y = generate_xor_easy()
    X_nn, y_nn = nn.datasets.generate_xor_easy()
    np.testing.assert_array_equal(X, X_nn)
    np.testing.assert_array_equal(y, y_nn)
