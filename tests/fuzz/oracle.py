"""The fuzzer's oracle: NumPy for forwards, its own central differences (float64) for gradients.

First order: the gradient of loss = sum(output * cotangent) from `loss.backward()` against
central differences of the same loss computed by the NumPy program. Second order: the gradient
of h = sum(grad * second cotangent), where grad = ag.grad(loss, leaves, create_graph=True),
against central differences of h computed from first-order npgrad gradients. Independent of
`autograd.gradcheck` on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import autograd as ag

from .program import Program, run_numpy, run_tensor

EPS = 1e-6
RTOL = 1e-5


@dataclass(frozen=True)
class Failure:
    """What the oracle found; `kind` (and, for errors, the exception type) is what shrinking keeps."""

    kind: str  # "raises", "forward", "grad type", "gradient", "second-order"; or "unreliable" (see below)
    message: str
    signature: str = ""  # e.g. the exception type and where it was raised

    @property
    def is_finding(self) -> bool:
        """False when the finite differences themselves disagree at two step sizes (the program is
        too steep or too curved at this point to be checked this way): then nothing is known."""
        return self.kind != "unreliable"

    def same_as(self, other: Failure | None) -> bool:
        return other is not None and other.kind == self.kind and other.signature == self.signature


ZERO_D_GRAD_TYPE = "0-d grad type"  # for `skip`: do not require ndarray gradients of 0-d leaves


def check(program: Program, second_order: bool = False, skip: frozenset[str] = frozenset()) -> Failure | None:
    """None if npgrad agrees with the oracle on `program`, else the first disagreement. Every
    gradient must be a Tensor of its leaf's shape and dtype holding an ndarray (`skip` may
    hold ZERO_D_GRAD_TYPE while a known finding is open)."""
    expected = run_numpy(program)
    try:
        leaves, outputs = run_tensor(program)
    except Exception as error:  # noqa: BLE001 - any error where NumPy ran is a finding
        return _raised("forward", error)
    for name, got, want in zip(program.outputs, outputs, expected):
        problem = _forward_difference(name, got, want)
        if problem:
            return Failure("forward", problem, "forward")
    cotangents = program.cotangents([np.shape(o) for o in expected])
    try:
        _loss(outputs, cotangents).backward()
    except Exception as error:  # noqa: BLE001
        return _raised("backward", error)
    for name, leaf in zip(program.leaf_names, leaves):
        problem = _grad_type_problem(f"{name}.grad", leaf.grad, leaf, skip)
        if problem:
            return Failure("grad type", problem, "grad type")
    got_grads = [np.zeros(leaf.shape) if leaf.grad is None else np.asarray(leaf.grad.data) for leaf in leaves]

    def numpy_loss(arrays: list[np.ndarray]) -> tuple[float, float]:
        values = run_numpy(program, arrays)
        terms = [np.asarray(v) * u for v, u in zip(values, cotangents)]
        return float(sum(np.sum(t) for t in terms)), float(sum(np.sum(np.abs(t)) for t in terms))

    arrays = [leaf.array() for leaf in program.leaves]
    want_grads, scale = central_differences(numpy_loss, arrays)
    problem = _gradient_difference("d loss", program, got_grads, want_grads, scale)
    if problem:
        failure = _confirmed("gradient", problem, program, numpy_loss, arrays, got_grads, want_grads)
        if failure is not None:
            return failure
    if second_order:
        return _check_second_order(program, cotangents, skip)
    return None


def _check_second_order(program: Program, cotangents: list[np.ndarray], skip: frozenset[str]) -> Failure | None:
    second = program.cotangents([leaf.shape for leaf in program.leaves], salt=1)
    try:
        leaves, outputs = run_tensor(program)
        grads = ag.grad(_loss(outputs, cotangents), leaves, create_graph=True, allow_unused=True)
        h = _loss([g for g in grads if g is not None], [w for g, w in zip(grads, second) if g is not None])
        if isinstance(h, ag.Tensor) and h.requires_grad:
            seconds = ag.grad(h, leaves, allow_unused=True)
        else:
            seconds = [None] * len(leaves)
    except Exception as error:  # noqa: BLE001
        return _raised("second-order", error)
    for name, leaf, grad, second_grad in zip(program.leaf_names, leaves, grads, seconds):
        problem = _grad_type_problem(f"ag.grad(loss, {name})", grad, leaf, skip)
        problem = problem or _grad_type_problem(f"ag.grad(h, {name})", second_grad, leaf, skip)
        if problem:
            return Failure("grad type", problem, "grad type")
    got = [np.zeros(leaf.shape) if g is None else np.asarray(g.data) for leaf, g in zip(leaves, seconds)]

    def first_order_h(arrays: list[np.ndarray]) -> tuple[float, float]:
        tensors = [ag.Tensor(a, requires_grad=True) for a in arrays]
        values = program.compiled("tensor")(*tensors)
        grads = ag.grad(_loss(values, cotangents), tensors, allow_unused=True)
        terms = [np.zeros(()) if g is None else g.data * w for g, w in zip(grads, second)]
        return float(sum(np.sum(t) for t in terms)), float(sum(np.sum(np.abs(t)) for t in terms))

    arrays = [leaf.array() for leaf in program.leaves]
    want, scale = central_differences(first_order_h, arrays)
    problem = _gradient_difference("d h", program, got, want, scale)
    return _confirmed("second-order", problem, program, first_order_h, arrays, got, want) if problem else None


def _confirmed(
    kind: str, problem: str, program: Program, f: Any, arrays: list, got: list, want: list
) -> Failure | None:
    """The failure, if central differences with half the step agree with `want`; else "unreliable".
    None if `got` agrees with the Richardson extrapolation of the two, (4 D(h/2) - D(h)) / 3, whose
    error is O(h^4): the differences at h were off by their own O(h^2) error (a steep, curved program)."""
    again, scale = central_differences(f, arrays, EPS / 2)
    if _gradient_difference("differences", program, want, again, scale):
        return Failure("unreliable", f"{problem} (but differences with steps {EPS} and {EPS / 2} disagree)", kind)
    extrapolated = [(4.0 * a - w) / 3.0 for a, w in zip(again, want)]
    if not _gradient_difference("extrapolated", program, got, extrapolated, scale):
        return None
    return Failure(kind, problem, kind)


def central_differences(
    f: Callable[[list[np.ndarray]], tuple[float, float]], arrays: list[np.ndarray], eps: float = EPS
) -> tuple[list[np.ndarray], float]:
    """d f / d arrays by central differences, one element at a time; and the largest sum of
    |terms| that f reported (how much rounding the differences can carry)."""
    grads, scale = [], f(arrays)[1]
    for position, array in enumerate(arrays):
        grad = np.zeros(array.size)
        for k in range(array.size):
            moved = [a.copy() for a in arrays]
            moved[position].reshape(-1)[k] += eps
            plus, plus_scale = f(moved)
            moved[position].reshape(-1)[k] -= 2 * eps
            minus, minus_scale = f(moved)
            grad[k] = (plus - minus) / (2 * eps)
            scale = max(scale, plus_scale, minus_scale)
        grads.append(grad.reshape(array.shape))
    return grads, scale


def _loss(outputs: list[Any], cotangents: list[np.ndarray]) -> Any:
    total: Any = 0.0
    for output, cotangent in zip(outputs, cotangents):
        total = total + (output * cotangent).sum()
    return total


def _grad_type_problem(what: str, grad: Any, leaf: Any, skip: frozenset[str]) -> str:
    if grad is None:
        return ""
    if not isinstance(grad, ag.Tensor):
        return f"{what} is a {type(grad).__name__}, not a Tensor"
    if grad.shape != leaf.shape or grad.dtype != leaf.dtype:
        return f"{what} has shape {grad.shape} dtype {grad.dtype}; the leaf has shape {leaf.shape} dtype {leaf.dtype}"
    if type(grad.data) is not np.ndarray and not (ZERO_D_GRAD_TYPE in skip and leaf.ndim == 0):
        return f"{what}.data is a {type(grad.data).__name__}, not an ndarray"
    return ""


def _forward_difference(name: str, got: Any, want: np.ndarray) -> str:
    if not isinstance(got, ag.Tensor):
        return f"{name} is a {type(got).__name__}, not a Tensor"
    data = got.data
    if not isinstance(data, np.ndarray):
        return f"{name}.data is a {type(data).__name__}, not an ndarray"
    if data.shape != want.shape or data.dtype != want.dtype:
        return f"{name} has shape {data.shape} dtype {data.dtype}; NumPy gives shape {want.shape} dtype {want.dtype}"
    if not np.allclose(data, want, rtol=1e-9, atol=1e-12):
        return f"{name}: expected (NumPy) {want.tolist()}, got {data.tolist()}"
    return ""


def _gradient_difference(what: str, program: Program, got: list, want: list, scale: float) -> str:
    for leaf, g, w in zip(program.leaves, got, want):
        if g.shape != w.shape:
            return f"{what}/d {leaf.name} has shape {g.shape}, expected {w.shape}"
        tolerance = RTOL * np.abs(w) + 1e-6 * (1.0 + np.max(np.abs(w), initial=0.0)) + 1e-8 * scale
        if not np.all(np.abs(g - w) <= tolerance):
            return f"{what}/d {leaf.name}: expected (finite differences) {_rounded(w)}, got {_rounded(g)}"
    return ""


def _rounded(array: np.ndarray) -> list:
    return np.round(array, 6).tolist()


def _raised(stage: str, error: Exception) -> Failure:
    """The error, and its signature: the message with shapes and numbers taken out."""
    text = str(error).split("\n")[0]
    general = re.sub(r"\d+", "#", re.sub(r"\(shape [^)]*\)|\[[^\]]*\]", "", text))
    return Failure(
        "raises", f"{stage} raises {type(error).__name__}: {text}", f"{stage}:{type(error).__name__}:{general}"
    )
