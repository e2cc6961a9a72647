"""Gradient checking: the Jacobians that backward computes against central finite differences.

For every input `x` that requires grad, `gradcheck(fn, inputs)` builds the numerical
Jacobian of `fn(*inputs)` one input element at a time,

    J_num[:, i] = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps),

and compares it with the analytic one, row by row (one backward per output element). It
never compares only the gradient of `fn(...).sum()`: a softmax backward that returns zeros
passes that test, since the columns of a softmax's Jacobian sum to zero. Outputs of more
than `FULL_JACOBIAN_MAX` elements are compared on `RANDOM_COTANGENTS` fixed random
directions `v` instead: the rows are then d(v . f)/dx.

An entry passes when |analytic - numerical| <= atol + rtol * |numerical|.

Non-differentiable points (relu or abs at 0, tied maxima, clip at a bound): there the two
one-sided differences (f(x + eps) - f(x)) / eps and (f(x) - f(x - eps)) / eps disagree, and
an analytic value anywhere between them, a subgradient, is accepted: the engine's relu'(0) = 0,
abs'(0) = 0 and an evenly split tie all pass, where the central difference alone (1/2, 0,
1/2) would fail them. A wrong derivative exactly at a kink can therefore go unnoticed: keep
test inputs a few eps away from kinks to check the smooth pieces.

Differences are taken in each input's own dtype; in float32 they are dominated by round-off,
so float32 inputs get a warning. Inputs are perturbed in a private copy of their array and
left exactly as they were.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd.backward import grad as autograd_grad
from autograd.grad_mode import enable_grad, no_grad
from autograd.gradcheck_verdict import (
    GradcheckError,
    InputCheck,
    compare,
    element_namer,
    projection_name,
    verdict,
)
from autograd.tensor import Tensor

__all__ = [
    "GradcheckError",
    "InputCheck",
    "numerical_grad",
    "gradcheck",
    "gradgradcheck",
    "compare_jacobians",
]

FULL_JACOBIAN_MAX = 64  # outputs with more elements are compared on random cotangents
RANDOM_COTANGENTS = 16

Inputs = Tensor | Sequence[Any]


def numerical_grad(
    fn: Callable[..., Any], inputs: Inputs, eps: float = 1e-6, grad_outputs: Any = None
) -> tuple:
    """Central-difference gradients of `fn(*inputs)`, the finite-difference twin of `ag.grad`.

    Returns one float64 array per input, shaped like it (None for inputs that do not require
    grad). A non-scalar output needs `grad_outputs` (one array per output), as `backward` does.
    """
    inputs = _as_tuple("numerical_grad", inputs)
    positions = _checked_positions("numerical_grad", fn, inputs)
    center, shapes = _evaluate("numerical_grad", fn, inputs)
    if grad_outputs is None:
        if center.size != 1:
            raise ValueError(
                f"numerical_grad: fn returned outputs of shapes {shapes}; a gradient needs a single-element "
                "output or grad_outputs (one array per output)"
            )
        cotangent = np.ones(1)
    else:
        cotangent = _flatten_grad_outputs(grad_outputs, shapes)
    grads: list[np.ndarray | None] = [None] * len(inputs)
    for position in positions:
        central, _, _ = _numerical_rows(
            "numerical_grad", fn, inputs, position, cotangent[None, :], center, eps
        )
        grads[position] = central[0].reshape(inputs[position].shape)
    return tuple(grads)


def gradcheck(
    fn: Callable[..., Any],
    inputs: Inputs,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """True when backward's Jacobian of `fn(*inputs)` matches central finite differences for
    every input that requires grad; otherwise raise `GradcheckError` (or return False).
    At a kink, any value between the one-sided differences passes (see the module's doc)."""
    checks = compare_jacobians(fn, inputs, eps, atol, rtol, caller="gradcheck")
    return verdict("gradcheck", "gradient", checks, eps, atol, rtol, raise_exception)


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Inputs,
    grad_outputs: Any = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """gradcheck of the first-order gradients: the vector-Jacobian products of `fn` with fixed
    cotangents (`grad_outputs`, default random), taken with create_graph=True, are
    differentiated once more and compared with finite differences of themselves."""
    inputs = _as_tuple("gradgradcheck", inputs)
    positions = _checked_positions("gradgradcheck", fn, inputs)
    with enable_grad():
        outputs = _float_outputs("gradgradcheck", fn(*inputs))
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        cotangents = [rng.standard_normal(o.shape).astype(o.dtype) for o in outputs]
    else:
        flat = _flatten_grad_outputs(grad_outputs, [o.shape for o in outputs])
        cotangents = np.split(flat, np.cumsum([o.size for o in outputs])[:-1])
        cotangents = [c.reshape(o.shape).astype(o.dtype) for c, o in zip(cotangents, outputs)]

    def first_order_grads(*args: Any) -> tuple[Tensor, ...]:
        with enable_grad():
            outputs = _float_outputs("gradgradcheck", fn(*args))
            used = [k for k, o in enumerate(outputs) if o.requires_grad]
            targets = [args[p] for p in positions]
            if not used:
                return tuple(Tensor(np.zeros_like(t.data)) for t in targets)
            grads = autograd_grad(
                [outputs[k] for k in used],
                targets,
                grad_outputs=[cotangents[k] for k in used],
                create_graph=True,
                allow_unused=True,
            )
        return tuple(Tensor(np.zeros_like(t.data)) if g is None else g for t, g in zip(targets, grads))

    names = [f"grad {p}" for p in positions]
    checks = compare_jacobians(first_order_grads, inputs, eps, atol, rtol, "gradgradcheck", names)
    return verdict("gradgradcheck", "second derivative", checks, eps, atol, rtol, raise_exception)


def compare_jacobians(
    fn: Callable[..., Any],
    inputs: Inputs,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    caller: str = "gradcheck",
    output_names: Sequence[str] | None = None,
) -> list[InputCheck]:
    """The comparison behind gradcheck: one `InputCheck` per input that requires grad."""
    inputs = _as_tuple(caller, inputs)
    positions = _checked_positions(caller, fn, inputs)
    for position in positions:
        dtype = inputs[position].dtype
        if dtype != np.float64:
            warnings.warn(
                f"{caller}: input {position} is {dtype}; finite differences need float64 to be accurate "
                f"(eps={eps}), so expect spurious failures. Check with .astype(np.float64) inputs.",
                UserWarning,
                stacklevel=3,
            )
    with enable_grad():
        outputs = _float_outputs(caller, fn(*inputs))
    center = np.concatenate([o.data.astype(np.float64).ravel() for o in outputs])
    if center.size <= FULL_JACOBIAN_MAX:
        cotangents = np.eye(center.size)
        row_name = element_namer(outputs, output_names)
    else:
        cotangents = np.random.default_rng(0).standard_normal((RANDOM_COTANGENTS, center.size))
        row_name = projection_name
    analytic = _analytic_rows(outputs, inputs, positions, cotangents)

    checks = []
    for position, rows in zip(positions, analytic):
        central, forward, backward = _numerical_rows(caller, fn, inputs, position, cotangents, center, eps)
        checks.append(
            compare(position, inputs[position].shape, rows, central, forward, backward, atol, rtol, row_name)
        )
    return checks


# ---------------------------------------------------------------------------- checking inputs


def _as_tuple(caller: str, inputs: Inputs) -> tuple[Any, ...]:
    if isinstance(inputs, Tensor):
        return (inputs,)
    if isinstance(inputs, (tuple, list)):
        return tuple(inputs)
    raise TypeError(f"{caller}: inputs must be a Tensor or a tuple/list of them, got {type(inputs).__name__}")


def _checked_positions(caller: str, fn: Any, inputs: tuple[Any, ...]) -> list[int]:
    """The positions of the inputs to differentiate, after checking fn and the inputs."""
    if not callable(fn):
        raise TypeError(f"{caller}: fn must be callable, got {type(fn).__name__}")
    positions = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    for position in positions:
        dtype = inputs[position].dtype
        if dtype.kind != "f":
            raise TypeError(
                f"{caller}: input {position} has dtype {dtype}; finite differences need real floats"
            )
    if not positions:
        hints = []
        for i, x in enumerate(inputs):
            if isinstance(x, Tensor) and x.dtype.kind != "f":
                hints.append(
                    f"input {i} has dtype {x.dtype}, and only floating-point tensors can require grad"
                )
            elif not isinstance(x, Tensor):
                hints.append(f"input {i} is a {type(x).__name__}, not a Tensor")
        raise ValueError(
            f"{caller}: no input requires grad, so there is nothing to check; pass float64 Tensors created "
            "with "
            "requires_grad=True" + ("" if not hints else " (" + "; ".join(hints) + ")")
        )
    return positions


def _float_outputs(caller: str, result: Any) -> list[Tensor]:
    """fn's floating-point outputs; anything but a Tensor or a tuple of Tensors is an error."""
    outputs = (result,) if isinstance(result, Tensor) else result
    if (
        not isinstance(outputs, (tuple, list))
        or not outputs
        or not all(isinstance(o, Tensor) for o in outputs)
    ):
        if isinstance(result, (tuple, list)):
            got = f"a {type(result).__name__} of ({', '.join(type(o).__name__ for o in result)})"
        else:
            got = f"a {type(result).__name__}"
        raise TypeError(f"{caller}: fn must return a Tensor or a tuple of Tensors, got {got}")
    floats = [o for o in outputs if o.dtype.kind == "f"]
    if not floats:
        dtypes = ", ".join(str(o.dtype) for o in outputs)
        raise TypeError(
            f"{caller}: fn returned no floating-point Tensor (dtypes: {dtypes}), nothing to differentiate"
        )
    return floats


def _flatten_grad_outputs(grad_outputs: Any, shapes: Sequence[tuple[int, ...]]) -> np.ndarray:
    if isinstance(grad_outputs, (Tensor, np.ndarray)) or np.isscalar(grad_outputs):
        grad_outputs = (grad_outputs,)
    arrays = [np.asarray(getattr(g, "data", g), dtype=np.float64) for g in grad_outputs]
    if [a.shape for a in arrays] != [tuple(s) for s in shapes]:
        raise ValueError(
            f"grad_outputs have shapes {[a.shape for a in arrays]} but fn's outputs have shapes "
            f"{list(shapes)}"
        )
    return np.concatenate([a.ravel() for a in arrays])


# ---------------------------------------------------------------------------- the two Jacobians


def _evaluate(caller: str, fn: Callable[..., Any], inputs: tuple[Any, ...]) -> tuple[np.ndarray, list]:
    """fn's floating-point outputs, unrecorded, as one float64 vector (and their shapes)."""
    with no_grad():
        outputs = _float_outputs(caller, fn(*inputs))
    return np.concatenate([o.data.astype(np.float64).ravel() for o in outputs]), [o.shape for o in outputs]


def _analytic_rows(
    outputs: list[Tensor], inputs: tuple[Any, ...], positions: list[int], cotangents: np.ndarray
) -> list[np.ndarray]:
    """For each checked input, (rows, input size): one vector-Jacobian product per cotangent."""
    rows = [np.zeros((len(cotangents), inputs[p].size)) for p in positions]
    used = [k for k, o in enumerate(outputs) if o.requires_grad]
    if not used:  # constant outputs: the analytic Jacobian is zero
        return rows
    bounds = np.cumsum([0] + [o.size for o in outputs])
    targets = [inputs[p] for p in positions]
    for r, cotangent in enumerate(cotangents):
        pieces = [cotangent[bounds[k] : bounds[k + 1]].reshape(outputs[k].shape) for k in used]
        grads = autograd_grad(
            [outputs[k] for k in used], targets, grad_outputs=pieces, retain_graph=True, allow_unused=True
        )
        for target_rows, g in zip(rows, grads):
            if g is not None:
                target_rows[r] = g.data.astype(np.float64).ravel()
    return rows


def _numerical_rows(
    caller: str,
    fn: Callable[..., Any],
    inputs: tuple[Any, ...],
    position: int,
    cotangents: np.ndarray,
    center: np.ndarray,
    eps: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Central, forward and backward differences of `cotangents @ f` for each element of one input.

    The input's array is swapped for a private C-ordered copy while it is perturbed, and the
    original array object is put back, untouched, whatever happens.
    """
    tensor = inputs[position]
    original = tensor.data
    work = np.array(original, dtype=original.dtype, order="C", copy=True)
    flat = work.reshape(-1)
    shape = (len(cotangents), flat.size)
    central, forward, backward = np.empty(shape), np.empty(shape), np.empty(shape)
    tensor.data = work
    try:
        for i in range(flat.size):
            value = float(flat[i])
            flat[i] = value + eps
            step_up = float(flat[i]) - value  # the step actually taken, after rounding to the dtype
            plus, _ = _evaluate(caller, fn, inputs)
            flat[i] = value - eps
            step_down = value - float(flat[i])
            minus, _ = _evaluate(caller, fn, inputs)
            flat[i] = value
            if step_up == 0 or step_down == 0:
                element = list(np.unravel_index(i, original.shape))
                raise ValueError(
                    f"{caller}: eps={eps} is below the resolution of input {position} ({original.dtype}) at "
                    "element "
                    f"{element} = {value:g}; use float64 inputs or a larger eps"
                )
            central[:, i] = cotangents @ (plus - minus) / (step_up + step_down)
            forward[:, i] = cotangents @ (plus - center) / step_up
            backward[:, i] = cotangents @ (center - minus) / step_down
    finally:
        tensor.data = original
    return central, forward, backward
