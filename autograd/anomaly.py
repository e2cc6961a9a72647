"""`detect_anomaly`: stop at the first op whose forward or backward makes NaN or inf."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from autograd.grad_mode import state

F = TypeVar("F", bound=Callable[..., Any])

# Frames inside these folders are the engine's own; the creation site is the first frame
# outside them, i.e. the line of user code that called the op.
_ENGINE_DIRS = tuple(
    os.path.dirname(os.path.abspath(path)) + os.sep
    for path in (__file__, os.path.join(os.path.dirname(__file__), "..", "nn", "x"))
)


class detect_anomaly:
    """Raise FloatingPointError at the first op whose forward or backward makes NaN or inf.

    While active, every op remembers the line of user code that created it, so the error
    can point there. Usable as a context manager or a decorator.
    """

    def __enter__(self) -> None:
        # A stack, so that one instance can be entered again inside itself.
        self.__dict__.setdefault("_previous", []).append(state.anomaly)
        state.anomaly = True

    def __exit__(self, *exc: object) -> None:
        state.anomaly = self._previous.pop()

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


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
