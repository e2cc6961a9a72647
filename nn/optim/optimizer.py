"""`Optimizer`: the base of every update rule — parameter groups, state, save and restore.

A subclass only writes `update(param, grad, state, group)`: one in-place step on one
parameter's ndarray. Updates go through `p.data`, so they are never recorded.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from autograd import Tensor, enable_grad

# What a learning-rate scheduler adds to a group (as in PyTorch), besides the optimizer's hyperparameters.
SCHEDULER_KEYS = ("initial_lr",)


class Optimizer:
    """Holds `param_groups` (dicts of `params` plus hyperparameters) and per-parameter `state`.

    `params` is an iterable of Tensors, or of dicts `{"params": [...], "lr": ...}` whose
    entries override the optimizer's defaults for that group.
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        if isinstance(params, (Tensor, dict)):
            raise TypeError(
                f"{type(self).__name__}: params should be an iterable of Tensors or of dicts, "
                f"got a single {type(params).__name__}; wrap it in a list"
            )
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Tensor, dict[str, Any]] = {}
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group of parameters; hyperparameters it leaves out take the defaults."""
        name = type(self).__name__
        if not isinstance(group, dict):
            raise TypeError(f"{name}: a parameter group must be a dict, got {type(group).__name__}")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{name} can only optimize Tensors, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(
                    f"{name} can't optimize a non-leaf Tensor (made by {p.grad_fn.name}); detach it"
                )
            if p.data.dtype.kind != "f":
                raise TypeError(f"{name} can only optimize floating-point Tensors, got dtype {p.data.dtype}")
            if id(p) in seen:
                raise ValueError(f"{name}: a parameter appears twice (of shape {p.shape}); list each once")
            seen.add(id(p))
        unknown = set(group) - set(self.defaults) - {"params", *SCHEDULER_KEYS}
        if unknown:
            raise TypeError(
                f"{name}: unknown hyperparameters {sorted(unknown)}; expected {sorted(self.defaults)}"
            )
        full = {**self.defaults, **group, "params": params}
        self.check_hyperparameters(full)
        self.param_groups.append(full)

    non_negative: tuple[str, ...] = ()  # hyperparameters that must be >= 0
    state_keys: tuple[str, ...] = ()  # what `update` keeps per parameter (checked by load_state_dict)

    def check_hyperparameters(self, group: dict[str, Any]) -> None:
        """Raise ValueError for a bad hyperparameter; subclasses extend it for theirs."""
        lr = group["lr"]
        if not isinstance(lr, (int, float, np.number)) or not math.isfinite(lr) or lr <= 0:
            raise ValueError(
                f"{type(self).__name__}: invalid learning rate lr={lr!r}; expected a finite number > 0"
            )
        for key in self.non_negative:
            self.require(group[key] >= 0, f"invalid {key}={group[key]!r}; expected >= 0")

    def require(self, condition: bool, message: str) -> None:
        """Raise a ValueError naming this optimizer unless `condition` holds."""
        if not condition:
            raise ValueError(f"{type(self).__name__}: {message}")

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient (or fill it with zeros), as before a new backward."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.data[...] = 0

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; `closure` re-evaluates the loss first."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self.step_group(group)
        return loss

    def step_group(self, group: dict[str, Any]) -> None:
        """`step` for the parameters of one group."""
        for p in group["params"]:
            if p.grad is not None:
                self.step_param(p, group)

    def step_param(self, p: Tensor, group: dict[str, Any]) -> None:
        """`step` for one parameter that has a gradient."""
        grad = self._checked_grad(p)
        if grad.dtype != p.data.dtype:
            grad = grad.astype(p.data.dtype)
        self.update(p.data, grad, self.state.setdefault(p, {}), group)

    def _checked_grad(self, p: Tensor) -> np.ndarray:
        """`p.grad`'s array, refusing a gradient assigned by hand that is not a Tensor of `p`'s shape
        (broadcasting it would move every element by the same step)."""
        grad = p.grad
        if type(grad) is Tensor and grad.shape == p.shape:
            return grad.data
        where = f"{type(self).__name__}.step: the gradient of parameter {p.name or ''}".rstrip()
        if not isinstance(grad, Tensor):
            raise TypeError(
                f"{where} (shape {p.shape}) is a {type(grad).__name__}, not a Tensor; "
                "assign p.grad = ag.Tensor(array) or let backward() fill it"
            )
        if grad.shape != p.shape:
            raise ValueError(
                f"{where} has shape {grad.shape}, the parameter has shape {p.shape}; they must match"
            )
        return grad.data

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        """Change `param` in place from `grad`, keeping what the rule needs in `state`."""
        raise NotImplementedError(f"{type(self).__name__} must define update(param, grad, state, group)")

    # ------------------------------------------------------------------ save and restore
    def state_dict(self) -> dict[str, Any]:
        """A copy of the hyperparameters and state, with parameters replaced by their index."""
        params = [p for group in self.param_groups for p in group["params"]]
        state = {index: _copy_state(self.state[p]) for index, p in enumerate(params) if self.state.get(p)}
        groups, start = [], 0
        for group in self.param_groups:
            count = len(group["params"])
            hyperparameters = {key: value for key, value in group.items() if key != "params"}
            groups.append({**hyperparameters, "params": list(range(start, start + count))})
            start += count
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what `state_dict()` returned, onto parameters of the same shapes in the same order."""
        name = type(self).__name__
        missing = {"state", "param_groups"} - set(state_dict)
        if missing:
            raise ValueError(
                f"{name}.load_state_dict: the state dict lacks {sorted(missing)}; pass what state_dict() "
                "returned"
            )
        groups = state_dict["param_groups"]
        for index, saved in enumerate(groups):
            self._check_saved_group(index, saved)
        if len(groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the saved state has {len(groups)} parameter groups, this optimizer "
                f"has {len(self.param_groups)}"
            )
        params = []
        for saved, group in zip(groups, self.param_groups):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: a saved group has {len(saved['params'])} parameters, the "
                    f"matching group here has {len(group['params'])}"
                )
            params.extend(zip(saved["params"], group["params"]))
        new_groups = [{**saved, "params": group["params"]} for saved, group in zip(groups, self.param_groups)]
        for group in new_groups:
            # A scheduler may have annealed lr to exactly 0, which PyTorch allows; the constructor does not.
            self.check_hyperparameters({**group, "lr": group["lr"] or 1.0} if group["lr"] == 0 else group)

        new_state = {}
        for index, p in params:
            saved = state_dict["state"].get(index, state_dict["state"].get(str(index)))
            if saved is None:
                continue
            unknown = set(saved) - set(self.state_keys)
            if unknown:
                raise ValueError(
                    f"{name}.load_state_dict: the state of parameter {index} has {sorted(unknown)}, which "
                    f"{name} does "
                    f"not keep (it keeps {list(self.state_keys)}); is it another optimizer's state?"
                )
            restored = {}
            for key, value in saved.items():
                if (
                    isinstance(value, np.ndarray | np.integer)
                    and value.dtype.kind in "iu"
                    and not np.ndim(value)
                ):
                    value = int(value)  # a step, as `update` makes it, from a JSON round trip or np.load
                elif isinstance(value, np.ndarray):
                    if value.ndim and value.shape != p.shape:
                        raise ValueError(
                            f"{name}.load_state_dict: state {key!r} of parameter {index} has shape "
                            f"{value.shape}, "
                            f"the parameter has shape {p.shape}"
                        )
                    # a copy (updates must not reach the caller's arrays), in the parameter's dtype
                    value = np.array(value, dtype=p.dtype, copy=True)
                restored[key] = value
            new_state[p] = restored
        self.param_groups = new_groups
        self.state = new_state

    def _check_saved_group(self, index: int, saved: Any) -> None:
        """Refuse a saved group that lacks a hyperparameter of this optimizer or has another optimizer's."""
        name = type(self).__name__
        if not isinstance(saved, dict):
            raise ValueError(
                f"{name}.load_state_dict: saved parameter group {index} is a {type(saved).__name__}, not a "
                "dict"
            )
        missing = sorted({"params", *self.defaults} - set(saved))
        foreign = sorted(set(saved) - {"params", *self.defaults, *SCHEDULER_KEYS})
        if missing or foreign:
            extra = f" and has {foreign}, which {name} does not use" if foreign else ""
            raise ValueError(
                f"{name}.load_state_dict: saved parameter group {index} lacks {missing}{extra}; "
                f"a {name} group has {sorted(['params', *self.defaults])} (is it another optimizer's state?)"
            )

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {key}: {value}" for key, value in group.items() if key != "params")
        return "\n".join(lines + [")"])


def _copy_state(state: dict[str, Any]) -> dict[str, Any]:
    return {
        key: np.array(value, copy=True) if isinstance(value, np.ndarray) else value
        for key, value in state.items()
    }
