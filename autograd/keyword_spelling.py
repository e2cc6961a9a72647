"""PyTorch's `dim=` and `keepdim=` keywords, given where npgrad takes NumPy's `axis=` and
`keepdims=`, get a TypeError that names the right keyword instead of a bare "unexpected keyword"."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

NUMPY_SPELLING = {"dim": "axis", "keepdim": "keepdims"}


def axis_keywords(fn: F) -> F:
    """Wrap `fn` (which takes `axis=`) so that a call with `dim=` or `keepdim=` says what to use.
    The keywords are looked at only when the call has already failed: a correct call pays one
    Python call, nothing else."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except TypeError:
            for torch_name, numpy_name in NUMPY_SPELLING.items():
                if torch_name in kwargs:
                    example = f"{fn.__name__}(..., {numpy_name}={kwargs[torch_name]!r})"
                    raise TypeError(
                        f"{fn.__qualname__}() got the keyword {torch_name}=, PyTorch's spelling: npgrad "
                        "spells it "
                        f"the NumPy way, use {numpy_name}= (e.g. {example})"
                    ) from None
            raise

    return wrapper  # type: ignore[return-value]
