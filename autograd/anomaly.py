"""`detect_anomaly`: stop at the first op whose forward or backward makes NaN or inf."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd.grad_mode import ModeSwitch

# Frames inside these folders are the engine's own; the creation site is the first frame
# outside them, i.e. the line of user code that called the op.
_ENGINE_DIRS = tuple(
    os.path.dirname(os.path.abspath(path)) + os.sep
    for path in (__file__, os.path.join(os.path.dirname(__file__), "..", "nn", "x"))
)


class detect_anomaly(ModeSwitch):
    """Raise FloatingPointError at the first op whose forward or backward makes NaN or inf.

    While active (in this thread), every op remembers the line of user code that created it,
    so the error can point there. Usable as a context manager or a decorator.
    """

    anomaly = True


def creation_site() -> str:
    """`file:line in function` of the innermost caller outside autograd/ and nn/."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = os.path.abspath(frame.f_code.co_filename)
        if not filename.startswith(_ENGINE_DIRS):
            return f"{filename}:{frame.f_lineno} in {frame.f_code.co_name}"
        frame = frame.f_back
    return "<unknown>"


def _has_nan_or_inf(value: Any) -> bool:
    array = np.asarray(getattr(value, "data", value))
    return array.dtype.kind in "fc" and not np.isfinite(array).all()


def check_values(
    op_name: str, stage: str, values: Sequence[Any], input_shapes: Sequence[Any], site: str | None
) -> None:
    """Raise FloatingPointError if any of `values` (an op's outputs or grads) is not finite."""
    for position, value in enumerate(values):
        if value is not None and _has_nan_or_inf(value):
            where = site or "<unknown>"
            raise FloatingPointError(
                f"{op_name} {stage} produced NaN or inf in {'output' if stage == 'forward' else 'gradient'} "
                f"{position} (input shapes {list(input_shapes)}); the op was created at {where}"
            )
