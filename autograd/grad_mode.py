"""Recording modes, per thread as in PyTorch: whether ops are recorded, and anomaly detection.

A thread (or asyncio task) starts with grad enabled and anomaly detection off, whatever other
threads are doing. The modes live in one immutable object per block, held by a context variable:
the per-op hot path reads them with one cached C call, and no thread can change another's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class Mode:
    """The modes of one block: never modified, replaced by a new `Mode` when a block is entered."""

    __slots__ = ("grad_enabled", "anomaly", "previous")

    def __init__(self, grad_enabled: bool, anomaly: bool, previous: Mode | None = None) -> None:
        self.grad_enabled = grad_enabled
        self.anomaly = anomaly
        self.previous = previous  # the mode to restore when the block exits


_mode: ContextVar[Mode] = ContextVar("npgrad_mode", default=Mode(True, False))  # noqa: B039 (never modified)
current_mode = _mode.get  # the hot path calls this directly
set_mode = _mode.set


class ModeSwitch:
    """Context manager and decorator that sets the modes its class names for the current thread,
    and restores them on exit. One instance can be entered again inside itself, and used by
    several threads at once: what to restore is kept per thread, not on the instance."""

    grad_enabled: bool | None = None  # None: keep the current value
    anomaly: bool | None = None

    def __enter__(self) -> None:
        mode = current_mode()
        grad_enabled = mode.grad_enabled if self.grad_enabled is None else self.grad_enabled
        anomaly = mode.anomaly if self.anomaly is None else self.anomaly
        set_mode(Mode(grad_enabled, anomaly, mode))

    def __exit__(self, *exc: object) -> None:
        previous = current_mode().previous
        if previous is not None:
            set_mode(previous)

    def __call__(self, fn: F) -> F:
        switch = type(self)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with switch():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(ModeSwitch):
    """Record nothing inside: `with ag.no_grad():` or `@ag.no_grad()`."""

    grad_enabled = False


class enable_grad(ModeSwitch):
    """Record again inside a `no_grad` block."""

    grad_enabled = True


def is_grad_enabled() -> bool:
    """True when ops are being recorded in this thread."""
    return current_mode().grad_enabled
