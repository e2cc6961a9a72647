"""Stochastic gradient descent, with optional momentum (heavy-ball or Nesterov) and L2 weight decay."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from autograd import Tensor
from nn.optim.foreach import step_flat
from nn.optim.optimizer import Optimizer

PIECE_BYTES = 1 << 19  # a larger parameter is updated in pieces of this size (see _subtract_in_pieces)


class SGD(Optimizer):
    """PyTorch's SGD: g += wd*p; b = momentum*b + (1-dampening)*g (b = g on the first step);
    g = g + momentum*b with Nesterov, else g = b; p -= lr*g."""

    non_negative = ("momentum", "weight_decay")
    state_keys = ("momentum_buffer",)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        defaults = dict(
            lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov, weight_decay=weight_decay
        )
        super().__init__(params, defaults)
        self._scratch: dict[np.dtype, np.ndarray] = {}  # per dtype, PIECE_BYTES for _subtract_in_pieces

    def check_hyperparameters(self, group: dict[str, Any]) -> None:
        super().check_hyperparameters(group)
        if group["nesterov"]:
            self.require(
                group["momentum"] > 0 and group["dampening"] == 0,
                f"nesterov momentum needs momentum > 0 and dampening = 0, got momentum={group['momentum']!r} "
                f"and dampening={group['dampening']!r}",
            )

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; `closure` re-evaluates the loss first."""
        # Fast paths beside `Optimizer.step` (pinned equal to it by tests/nn/test_optim_fast_path.py::
        # test_plain_sgd_fast_path_equals_the_general_path and tests/nn/test_optim_foreach.py::
        # test_foreach_equals_the_general_path): a group without momentum or weight decay updates a
        # parameter whose gradient is a Tensor of its shape and dtype with `update`'s arithmetic; a group
        # with them runs `update` once on its flat arrays (`step_flat`) when it can; anything else goes
        # through the general path.
        if closure is not None:
            return super().step(closure)
        state = self.state
        for group in self.param_groups:
            if group["momentum"] or group["weight_decay"]:
                if not step_flat(self, group):
                    self.step_group(group)
                continue
            lr = group["lr"]
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                param = p.data
                if type(grad) is Tensor:
                    grad = grad.data
                    if grad.shape == param.shape and grad.dtype == param.dtype:
                        if p not in state:
                            state[p] = {}  # as the general path's setdefault
                        if param.nbytes > PIECE_BYTES and param.flags.c_contiguous:  # else reshape would copy
                            self._subtract_in_pieces(param, grad, lr)
                        else:
                            param -= lr * grad
                        continue
                self.step_param(p, group)
        return None

    def _subtract_in_pieces(self, param: np.ndarray, grad: np.ndarray, lr: float) -> None:
        """`param -= lr * grad`, the same numbers computed PIECE_BYTES at a time through one small
        scratch array: no temporary of the parameter's size (which set the peak memory of a step)."""
        scratch = self._scratch.get(param.dtype)
        if scratch is None:
            scratch = self._scratch[param.dtype] = np.empty(PIECE_BYTES // param.itemsize, param.dtype)
        flat_param, flat_grad = param.reshape(-1), grad.reshape(-1)
        size, piece = flat_param.size, scratch.size
        for start in range(0, size, piece):
            stop = min(start + piece, size)
            part = flat_param[start:stop]  # `flat_param[start:stop] -= ...` would copy it onto itself
            part -= np.multiply(lr, flat_grad[start:stop], out=scratch[: stop - start])

    def update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param
        momentum = group["momentum"]
        if momentum:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                # an array even when the decayed gradient of a 0-d parameter is a NumPy scalar
                buffer = state["momentum_buffer"] = np.asarray(grad).copy()
            else:
                buffer *= momentum
                buffer += (1 - group["dampening"]) * grad
            grad = grad + momentum * buffer if group["nesterov"] else buffer
        param -= group["lr"] * grad
