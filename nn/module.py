"""`Module`: the base class of layers and models. Parameters and sub-modules are registered
by assignment, in order, so `named_parameters()` is the same in every run."""

from __future__ import annotations

import os
import secrets
import weakref
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from autograd import Tensor
from autograd.compiler.trace import Tracing, called
from nn.parameter import Parameter

_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a zip archive with files, an empty one
_roots_to_rename: dict[
    int, weakref.ref[Module]
] = {}  # id(root) -> root whose tree changed (see _names_changed)


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(..., strict=False)` could not match."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Subclass it, assign `Parameter`s and `Module`s in `__init__`, write `forward`."""

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_parent", None)
        object.__setattr__(self, "training", True)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if Tracing.current is not None:  # ag.compile guards the modules that ran while it traced
            called(self)
        return self.forward(*args, **kwargs)

    # ---------------------------------------------------------------- registration
    def __setattr__(self, name: str, value: Any) -> None:
        parameters = self.__dict__.get("_parameters")
        if parameters is None and isinstance(value, (Parameter, Module)):
            raise AttributeError(
                f"{type(self).__name__}: cannot assign {name!r} before Module.__init__(); "
                "call super().__init__() first in __init__"
            )
        if isinstance(value, Parameter):
            self._modules.pop(name, None)
            parameters[name] = value
            object.__setattr__(self, name, value)
            value._owner = weakref.ref(self)
            self._names_changed()
        elif isinstance(value, Module):
            parameters.pop(name, None)
            self._modules[name] = value
            object.__setattr__(value, "_parent", weakref.ref(self))
            object.__setattr__(self, name, value)
            self._names_changed()
        else:
            if parameters is not None and name in parameters:
                if value is not None:
                    raise TypeError(
                        f"{type(self).__name__}: cannot assign {type(value).__name__} to parameter {name!r} "
                        "(nn.Parameter or None expected); to change its values write to .data"
                    )
                parameters[name] = None
            elif parameters is not None and name in self._buffers:
                if value is not None and not isinstance(value, Tensor):
                    raise TypeError(
                        f"{type(self).__name__}: cannot assign {type(value).__name__} to buffer {name!r} "
                        "(Tensor or None expected)"
                    )
                self._buffers[name] = value
            elif parameters is not None and name in self._modules:
                if value is not None:
                    raise TypeError(
                        f"{type(self).__name__}: cannot assign {type(value).__name__} to sub-module {name!r} "
                        "(nn.Module or None expected)"
                    )
                self._modules[name] = None
            object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        self._buffers.pop(name, None)
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register `param` under `name` (None reserves the name, as a bias that is off)."""
        if param is None:
            self._parameters[name] = None
            object.__setattr__(self, name, None)
        else:
            setattr(self, name, param)

    def register_buffer(self, name: str, tensor: Tensor | None) -> None:
        """Register non-trainable state (BatchNorm's running statistics): saved in `state_dict`,
        restored by `load_state_dict`, never returned by `parameters()`."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"{type(self).__name__}.register_buffer: {type(tensor).__name__} is not a Tensor")
        if isinstance(tensor, Parameter) or name in self._parameters or name in self._modules:
            raise KeyError(
                f"{type(self).__name__}.register_buffer: {name!r} is already a parameter or sub-module"
            )
        self._buffers[name] = tensor
        object.__setattr__(self, name, tensor)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register a sub-module under a name that need not be an identifier (`"0"`)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}.add_module: {type(module).__name__} is not a Module")
        if not name or "." in name:
            raise KeyError(f"{type(self).__name__}.add_module: invalid module name {name!r}")
        if module is None:
            self._modules[name] = None
            object.__setattr__(self, name, None)
        else:
            setattr(self, name, module)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_parent"] = None  # a weak reference: neither copied nor pickled; a copy stands alone
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        for child in self._modules.values():
            if child is not None:
                object.__setattr__(child, "_parent", weakref.ref(self))
        for param in self._parameters.values():
            if param is not None:
                param._owner = weakref.ref(self)
        self._names_changed()  # a copy is named when asked, like the original

    def _root(self) -> Module:
        """The outermost module this one is registered in."""
        module, seen = self, {id(self)}
        while module._parent is not None:
            parent = module._parent()
            if parent is None or id(parent) in seen:
                break
            seen.add(id(parent))
            module = parent
        return module

    # Parameters are named after their path in the outermost module (`layers.0.weight`) lazily.
    # Renaming the whole tree on every assignment made building an n-layer model O(n²); instead an
    # assignment queues its tree's root (`_roots_to_rename`, oldest first, a root once at its latest
    # place), and the first `Parameter.name` read renames those trees in that order: the names
    # that renaming on every assignment would give, each tree walked once.
    def _names_changed(self) -> None:
        """Queue this module's root for renaming (after the assignment that changed its tree)."""
        root = self._root()
        _roots_to_rename.pop(id(root), None)
        _roots_to_rename[id(root)] = weakref.ref(root)

    def _refresh_parameter_names(self) -> None:
        """Name the parameters of every queued tree after their paths, in the order queued."""
        while _roots_to_rename:
            root = _roots_to_rename.pop(next(iter(_roots_to_rename)))()
            if root is not None:
                for path, param in root.named_parameters():
                    param._set_path(path)

    # ---------------------------------------------------------------- traversal
    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs in registration order; a shared parameter once."""
        seen: set[int] = set()
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, param in module._parameters.items():
                if param is None or id(param) in seen:
                    continue
                seen.add(id(param))
                yield (f"{module_prefix}.{name}" if module_prefix else name), param

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every Parameter of this module (and, with `recurse`, of its submodules), each once."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, buffer) pairs in registration order, module by module."""
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, buffer in module._buffers.items():
                if buffer is not None:
                    yield (f"{module_prefix}.{name}" if module_prefix else name), buffer

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """The buffers of `named_buffers()`, without their names."""
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """(dotted name, module) pairs, this module first, depth first; a shared module once."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [
                (f"{name}.{child_name}" if name else child_name, child)
                for child_name, child in module._modules.items()
                if child is not None
            ]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """This module and every submodule, depth first, each once."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) for each direct submodule."""
        for name, module in self._modules.items():
            if module is not None:
                yield name, module

    def children(self) -> Iterator[Module]:
        """The direct submodules."""
        for _, module in self.named_children():
            yield module

    # ---------------------------------------------------------------- training state
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's `.grad` (to None, or to zeros with `set_to_none=False`)."""
        for param in self.parameters():
            if set_to_none or param.grad is None:
                param.grad = None
            else:
                param.grad.data[...] = 0

    def train(self, mode: bool = True) -> Module:
        """Set the `training` flag of this module and all it contains; returns self."""
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Switch to evaluation mode (`train(False)`): Dropout off, BatchNorm uses running statistics."""
        return self.train(False)

    # ---------------------------------------------------------------- state
    def state_dict(self) -> dict[str, np.ndarray]:
        """Dotted parameter and buffer name -> a copy of its values."""
        state = {name: param.data.copy() for name, param in self.named_parameters()}
        state.update((name, buffer.data.copy()) for name, buffer in self.named_buffers())
        return state

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values into the parameters in place, after checking every entry: shape and dtype
        mismatches always raise; missing and unexpected keys raise when `strict`, else they are
        returned. Nothing is changed unless every entry is accepted."""
        own = dict(self.named_parameters())
        own.update(self.named_buffers())  # buffers (BatchNorm's running statistics) are state too
        missing = [name for name in own if name not in state_dict]
        unexpected = [str(name) for name in state_dict if name not in own]
        values = {
            name: np.asarray(value.data if isinstance(value, Tensor) else value)
            for name, value in state_dict.items()
            if name in own
        }
        wrong_shape = [
            f"{name}: saved {values[name].shape}, model {own[name].shape}"
            for name in values
            if values[name].shape != own[name].shape
        ]
        wrong_dtype = [
            f"{name}: saved {values[name].dtype}, model {own[name].dtype}"
            for name in values
            if not np.can_cast(values[name].dtype, own[name].dtype, casting="same_kind")
        ]
        problems = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        if wrong_shape:
            problems.append("wrong shapes: " + "; ".join(wrong_shape))
        if wrong_dtype:
            problems.append("dtypes that cannot be cast: " + "; ".join(wrong_dtype))
        if problems:
            raise RuntimeError(f"{type(self).__name__}.load_state_dict: " + " | ".join(problems))
        for name, value in values.items():
            np.copyto(own[name].data, value, casting="same_kind")
        return IncompatibleKeys(missing, unexpected)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the parameters to a `.npz` file at exactly `path`, atomically: the state goes to a
        temporary file in the same folder, renamed into place, so a failed or interrupted save
        leaves the previous file as it was."""
        path = Path(path)
        state = self.state_dict()
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            with open(temporary, "xb") as file:  # "x": never an existing file; mode follows the umask
                np.savez(file, **state)
            os.replace(temporary, path)
        except BaseException as error:
            temporary.unlink(missing_ok=True)
            if isinstance(error, OSError) and error.errno is not None:
                raise type(error)(
                    error.errno, f"{type(self).__name__}.save: {error.strerror}", str(path)
                ) from None
            raise

    def load(self, path: str | os.PathLike[str], strict: bool = True) -> Module:
        """Restore parameters saved by `save` into this model (never unpickles); returns self."""
        import zipfile  # here, not at the top: `import nn` stays light (tests/test_packaging.py)

        not_ours = (
            f"{type(self).__name__}.load: {str(path)!r} is not an npgrad .npz file "
            "(as written by Module.save)"
        )
        with open(path, "rb") as file:
            magic = file.read(4)
        if magic not in _ZIP_MAGICS:
            raise ValueError(f"{not_ours}: it is not a zip archive")
        try:
            with np.load(path, allow_pickle=False) as archive:
                state = {name: archive[name] for name in archive.files}
        except ValueError as error:  # object arrays (which npgrad never writes) or a damaged header
            raise ValueError(
                f"{not_ours}: an entry is not a plain numeric array (Python objects?)"
            ) from error
        except (zipfile.BadZipFile, EOFError, OSError) as error:
            raise ValueError(f"{not_ours}: {error}") from error
        self.load_state_dict(state, strict=strict)
        return self

    # ---------------------------------------------------------------- printing
    def extra_repr(self) -> str:
        """The settings shown inside this module's parentheses in its repr."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        children = [
            f"({name}): {repr(module).replace(chr(10), chr(10) + '  ')}"
            for name, module in self._modules.items()
        ]
        if not children:
            return f"{type(self).__name__}({extra})"
        lines = ([extra] if extra else []) + children
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"
