"""Global recording state: whether ops are recorded, anomaly detection, the latest in-place op."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _State:
    """One shared, slotted object so that the hot path reads each flag in one lookup."""

    __slots__ = ("grad_enabled", "anomaly", "last_inplace")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        # The sequence number (see Function) of the latest in-place modification: a node
        # created after it cannot have seen a modified input, so backward checks nothing.
        self.last_inplace = 0


state = _State()


class _GradModeSwitch:
    """Context manager and decorator that sets `grad_enabled` and restores it on exit."""

    enabled = True

    def __enter__(self) -> None:
        # A stack, so that one instance can be entered again inside itself.
        self.__dict__.setdefault("_previous", []).append(state.grad_enabled)
        state.grad_enabled = self.enabled

    def __exit__(self, *exc: object) -> None:
        state.grad_enabled = self._previous.pop()

    def __call__(self, fn: F) -> F:
        switch = type(self)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with switch():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradModeSwitch):
    """Record nothing inside: `with ag.no_grad():` or `@ag.no_grad()`."""

    enabled = False


class enable_grad(_GradModeSwitch):
    """Record again inside a `no_grad` block."""

    enabled = True


def is_grad_enabled() -> bool:
    """True when ops are being recorded."""
    return state.grad_enabled
