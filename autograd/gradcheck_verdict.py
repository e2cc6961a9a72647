"""Judging a gradient check: an analytic Jacobian against central and one-sided differences,
and the verdict told in one line per failing input (used by gradcheck.py and check_graph.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from autograd.tensor import Tensor


class GradcheckError(RuntimeError):
    """An analytic gradient disagrees with central finite differences."""


@dataclass
class InputCheck:
    """How the analytic Jacobian of one input compares with the numerical one.

    The relative error of an entry is |analytic - numerical| / max(|numerical|, atol), finite
    where the numerical value is 0. When the check fails, `element` is the input's first failing
    element and `row` names the output element (or projection) it was differentiated from.
    """

    index: int
    shape: tuple[int, ...]
    ok: bool
    max_abs_err: float
    max_rel_err: float
    element: tuple[int, ...] = ()
    row: str = ""
    analytic: float = 0.0
    numerical: float = 0.0

    def describe(self) -> str:
        """One line: the input, its first failing element, both values and the worst errors."""
        at = "[" + ", ".join(str(i) for i in self.element) + "]"
        return (
            f"input {self.index} (shape {self.shape}) first fails at {at}: d {self.row} / d input "
            f"{self.index}{at} "
            f"analytic {self.analytic:.6g} vs numerical {self.numerical:.6g}; "
            f"max abs err {self.max_abs_err:.3g}, max rel err {self.max_rel_err:.3g}"
        )


def compare(
    index: int,
    shape: tuple[int, ...],
    analytic: np.ndarray,
    central: np.ndarray,
    forward: np.ndarray,
    backward: np.ndarray,
    atol: float,
    rtol: float,
    row_name: Callable[[int], str],
) -> InputCheck:
    """Input `index`'s analytic rows against the numerical ones; a subgradient between the one-sided
    differences passes at a kink (see gradcheck.py)."""
    abs_err = np.abs(analytic - central)
    tolerance = atol + rtol * np.abs(central)
    between_one_sided = (analytic >= np.minimum(forward, backward) - tolerance) & (
        analytic <= np.maximum(forward, backward) + tolerance
    )
    failed = ~((abs_err <= tolerance) | between_one_sided)  # NaN anywhere fails
    max_abs = float(np.max(abs_err, initial=0.0))
    floor = atol if atol > 0 else np.finfo(np.float64).tiny
    max_rel = float(np.max(abs_err / np.maximum(np.abs(central), floor), initial=0.0))
    if not failed.any():
        return InputCheck(index, shape, True, max_abs, max_rel)
    column = int(np.flatnonzero(failed.any(axis=0))[0])
    row = int(np.flatnonzero(failed[:, column])[0])
    element = tuple(int(i) for i in np.unravel_index(column, shape))
    values = float(analytic[row, column]), float(central[row, column])
    return InputCheck(index, shape, False, max_abs, max_rel, element, row_name(row), *values)


def element_namer(outputs: list[Tensor], names: Sequence[str] | None) -> Callable[[int], str]:
    """Names of the rows of a full Jacobian: `output[1, 2]`, or `output 1[0]` for several outputs."""
    if names is None:
        names = ["output"] if len(outputs) == 1 else [f"output {k}" for k in range(len(outputs))]
    bounds = np.cumsum([o.size for o in outputs])

    def name(row: int) -> str:
        k = int(np.searchsorted(bounds, row, side="right"))
        offset = row - (bounds[k - 1] if k else 0)
        element = np.unravel_index(offset, outputs[k].shape)
        return names[k] + ("[" + ", ".join(str(int(i)) for i in element) + "]" if element else "")

    return name


def projection_name(row: int) -> str:
    """The name of row `row` of a Jacobian compared on random cotangents."""
    return f"(output . random cotangent {row})"


def verdict(
    caller: str,
    what: str,
    checks: list[InputCheck],
    eps: float,
    atol: float,
    rtol: float,
    raise_exception: bool,
) -> bool:
    """True when every input passed; else False, or a GradcheckError listing the failing inputs."""
    failures = [c for c in checks if not c.ok]
    if not failures:
        return True
    if not raise_exception:
        return False
    lines = [
        f"{caller}: the analytic {what} disagrees with central finite differences for {len(failures)} "
        "input(s) "
        f"(eps={eps}, atol={atol}, rtol={rtol}):"
    ]
    lines += ["  " + c.describe() for c in failures]
    raise GradcheckError("\n".join(lines))
