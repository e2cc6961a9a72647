"""Recording modes, per thread as in PyTorch: whether ops are recorded, and anomaly detection.

A thread (or asyncio task) starts with grad enabled and anomaly detection off, whatever other
threads are doing. The modes live in one immutable object per block, held by a context variable, so no thread can
change another's; the per-op hot path looks them up only while some thread has a block open.
"""

from __future__ import annotations

import functools
import threading
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
current_mode = _mode.get
_set_mode = _mode.set


class _OpenBlocks:
    """How many mode blocks are open, in all threads together. While none is, every thread is in
    the default mode (grad enabled, no anomaly detection), so the per-op hot path reads this one
    counter, as cheap as a global flag, and asks for its thread's mode only when it is not 0."""

    __slots__ = ("count", "lock")

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()


open_blocks = _OpenBlocks()


def enter_mode(grad_enabled: bool | None = None, anomaly: bool | None = None) -> None:
    """Open a block in the current thread with these modes (None: keep the current value)."""
    mode = current_mode()
    with open_blocks.lock:
        open_blocks.count += 1
    _set_mode(
        Mode(
            mode.grad_enabled if grad_enabled is None else grad_enabled,
            mode.anomaly if anomaly is None else anomaly,
            mode,
        )
    )


def exit_mode() -> None:
    """Close the current thread's innermost block: restore the modes from before it."""
    previous = current_mode().previous
    if previous is None:
        raise RuntimeError("no_grad/enable_grad/detect_anomaly: exited more often than entered in this thread")
    _set_mode(previous)
    with open_blocks.lock:
        open_blocks.count -= 1


class ModeSwitch:
    """Context manager and decorator that sets the modes its class names for the current thread,
    and restores them on exit. One instance can be entered again inside itself, and used by
    several threads at once: what to restore is kept per thread, not on the instance."""

    grad_enabled: bool | None = None  # None: keep the current value
    anomaly: bool | None = None

    def __enter__(self) -> None:
        enter_mode(self.grad_enabled, self.anomaly)

    def __exit__(self, *exc: object) -> None:
        exit_mode()

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
