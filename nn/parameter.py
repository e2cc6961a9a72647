"""`Parameter`: a Tensor that a Module registers as trainable when it is assigned to it."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Tensor


class Parameter(Tensor):
    """A leaf Tensor with `requires_grad=True`. Its `name` is its dotted path in the outermost
    module that holds it (`layers.0.weight`), kept up to date by `Module` when read, unless the user
    named it (by `Parameter(..., name=...)` or by assigning `p.name`)."""

    _name: str | None = None
    _user_named = False
    _owner: Any = None  # a weak reference to the Module it was last assigned to (set by Module)

    def __init__(self, data: Any, requires_grad: bool = True, name: str | None = None) -> None:
        super().__init__(data, requires_grad=requires_grad, name=name)

    @property
    def name(self) -> str | None:  # type: ignore[override]
        """Its dotted path in the module that holds it (`layers.0.weight`), or the name the user gave."""
        if not self._user_named and self._owner is not None:
            owner = self._owner()
            if owner is not None:
                owner._refresh_parameter_names()  # named lazily, when asked (nn/module.py)
        return self._name

    @name.setter
    def name(self, value: str | None) -> None:
        self._name = value
        self._user_named = value is not None

    def _set_path(self, path: str) -> None:
        """Name the parameter after its place in a module tree, unless the user named it."""
        if not self._user_named:
            self._name = path

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce__(self) -> Any:  # copy/deepcopy/pickle keep the subclass and the name
        return _rebuild, (np.array(self.data), self.requires_grad, self._name, self._user_named)


def _rebuild(data: np.ndarray, requires_grad: bool, name: str | None, user_named: bool) -> Parameter:
    param = Parameter(data, requires_grad=requires_grad)
    param._name, param._user_named = name, user_named
    return param
