"""Recording modes, per thread as in PyTorch: whether ops are recorded, and anomaly detection.

A thread (or asyncio task) starts with grad enabled and anomaly detection off, whatever other
threads are doing: the modes live in a context variable, and the per-op hot path looks them up
only while some thread has a block open.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar, Token
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


# The modes of one block: (grad_enabled, anomaly, the mode to restore when the block exits).
# A plain tuple, never modified: entering a block sets a new one, so no thread can change another's.
Mode = tuple
_DEFAULT: Mode = (True, False, None)
_mode: ContextVar[Mode] = ContextVar("npgrad_mode", default=_DEFAULT)
current_mode = _mode.get  # current_mode()[0]: grad enabled; [1]: anomaly detection
_set_mode = _mode.set

# One entry per mode block open in any thread (list.append and list.pop are atomic under the
# GIL). While it is empty every thread is in the default mode, so the per-op hot path tests
# this list, as cheap as a global flag, and looks up its thread's mode only when it is not.
open_blocks: list[None] = []


# The token of each open block's `set`, by the id of the mode it set (alive while the block is
# open): closing the block resets the variable with it, so that after the outermost block the
# context holds no entry for it again. An entry left there would make every NumPy call slower:
# NumPy looks up its own context variable, which is absent, in the context's mapping each call.
_tokens: dict[int, Any] = {}


def enter_mode(grad_enabled: bool | None = None, anomaly: bool | None = None) -> None:
    """Open a block in the current thread with these modes (None: keep the current value)."""
    mode = current_mode()
    open_blocks.append(None)
    new = (mode[0] if grad_enabled is None else grad_enabled, mode[1] if anomaly is None else anomaly, mode)
    _tokens[id(new)] = _set_mode(new)


def exit_mode() -> None:
    """Close the current thread's innermost block: restore the modes from before it."""
    mode = current_mode()
    previous = mode[2]
    if previous is None:
        raise RuntimeError(
            "no_grad/enable_grad/detect_anomaly: exited more often than entered in this thread"
        )
    token = _tokens.pop(id(mode), None)
    old = getattr(token, "old_value", None)
    try:
        if old is not previous and not (old is Token.MISSING and previous is _DEFAULT):
            raise ValueError("not this block's token")
        _mode.reset(token)  # restores `previous`, or no entry at all where there was none
    except (ValueError, RuntimeError):  # no token, or one of another context
        _set_mode(previous)
    open_blocks.pop()


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
    return current_mode()[0]
