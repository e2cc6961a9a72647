"""`func.functional_call`: run a module with given parameters in place of its own (as
`torch.func.functional_call`), so a loss can be differentiated as a function of its parameters."""

from __future__ import annotations

import functools
from typing import Any

from autograd.tensor import Tensor


def functional_call(
    module: Any, parameters: dict[str, Any], args: Any = (), kwargs: dict | None = None
) -> Any:
    """module(*args, **kwargs) with `parameters` (dotted name -> Tensor or array) in place of the module's
    own, restored afterwards, as `torch.func.functional_call`. Duck-typed: needs `named_parameters()`
    and a forward that reads its parameters as attributes."""
    args = args if isinstance(args, tuple) else (args,)
    own = dict(module.named_parameters())
    replacements = []
    for name, value in parameters.items():
        if name not in own:
            raise KeyError(
                f"func.functional_call: {type(module).__name__} has no parameter {name!r}; it has "
                f"{sorted(own)}"
            )
        tensor = value if isinstance(value, Tensor) else Tensor(value)
        if tensor.shape != own[name].shape:
            raise ValueError(
                f"func.functional_call: parameter {name!r} has shape {own[name].shape}, but the value given "
                f"for it has shape {tensor.shape}"
            )
        *path, attribute = name.split(".")
        owner = functools.reduce(getattr, path, module)
        replacements.append((owner, attribute, tensor))
    originals = [(owner, attribute, getattr(owner, attribute)) for owner, attribute, _ in replacements]
    try:
        for owner, attribute, tensor in replacements:
            object.__setattr__(owner, attribute, tensor)  # bypasses registration: the module is untouched
        return module(*args, **(kwargs or {}))
    finally:
        for owner, attribute, original in reversed(originals):
            object.__setattr__(owner, attribute, original)
