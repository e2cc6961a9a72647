"""Binding the ops onto `Tensor`: the one place where the tensor meets the ops and the engine.

`autograd/tensor.py` imports none of the ops or the engine, so it sits at the bottom of the import
graph; the package's `__init__` calls `bind_tensor_methods()` once, after every module is loaded
(as DeZero's `setup_variable()`). See ARCHITECTURE.md for the layers.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from types import FunctionType
from typing import Any

import numpy as np

from autograd.backward import run_backward
from autograd.hooks import register_tensor_hook
from autograd.inplace import apply_inplace, buffer_version
from autograd.keyword_spelling import axis_keywords
from autograd.numpy_interop import numpy_function, numpy_ufunc
from autograd.ops import constant
from autograd.ops.arithmetic import Add, Div, Mul, Neg, Pow, Reciprocal, Sub
from autograd.ops.constant import untracked
from autograd.ops.elementwise import Abs, Clip, Cos, Exp, Log, ReLU, Sigmoid, Sin, Sqrt, Tanh
from autograd.ops.indexing import GetItem, SetItem, as_index
from autograd.ops.linalg import MatMul
from autograd.ops.reduction import Max, Mean, Min, Sum, var
from autograd.ops.shape import AsType, BroadcastTo, Copy, Reshape, Transpose, expand_dims, squeeze, swapaxes
from autograd.tensor import Tensor

# Operators and methods that pass their arguments to the op in order are the op's `apply`
# itself: one Python call less for each op a model runs.
APPLY_METHODS = {
    "__add__": Add.apply,
    "__sub__": Sub.apply,
    "__mul__": Mul.apply,
    "__truediv__": Div.apply,
    "__pow__": Pow.apply,
    "__matmul__": MatMul.apply,
    "matmul": MatMul.apply,
    "__neg__": Neg.apply,
    "__abs__": Abs.apply,
    "abs": Abs.apply,
    "exp": Exp.apply,
    "log": Log.apply,
    "sqrt": Sqrt.apply,
    "sin": Sin.apply,
    "cos": Cos.apply,
    "tanh": Tanh.apply,
    "sigmoid": Sigmoid.apply,
    "relu": ReLU.apply,
}


class TensorOpMethods:
    """The `Tensor` methods that call an op or the engine, written as in the class body;
    `bind_tensor_methods` copies each onto `Tensor` (this class is never instantiated)."""

    @property
    def _version(self: Tensor) -> int:
        """When this tensor's memory (shared with its views) was last changed in place (0: never)."""
        return buffer_version(self.data)

    @property
    def T(self: Tensor) -> Tensor:
        """The transpose (axes reversed), recorded."""
        return Transpose.apply(self, None)

    # ---------------------------------------------------------------- autograd
    def backward(
        self: Tensor, grad: Any = None, retain_graph: bool = False, create_graph: bool = False
    ) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad`."""
        run_backward((self,), (grad,), retain_graph=retain_graph or create_graph, create_graph=create_graph)

    def retain_grad(self: Tensor) -> None:
        """Keep `.grad` on this non-leaf tensor after backward."""
        if self.grad_fn is None or "_retains_grad" in self.__dict__:
            return
        self._retains_grad = True
        register_tensor_hook(self, None)

    def register_hook(self: Tensor, hook: Callable[[Tensor], Tensor | None]) -> Callable[[], None]:
        """Call `hook(grad)` when this tensor's gradient is computed; a returned Tensor
        replaces the gradient. Returns a function that removes the hook."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that does not require grad")
        return register_tensor_hook(self, hook)

    # ---------------------------------------------------------------- reflected and in-place operators
    def __radd__(self: Tensor, other: Any) -> Tensor:
        """other + self, with other a number or ndarray."""
        return Add.apply(other, self)

    def __rsub__(self: Tensor, other: Any) -> Tensor:
        """other - self."""
        return Sub.apply(other, self)

    def __rmul__(self: Tensor, other: Any) -> Tensor:
        """other * self."""
        return Mul.apply(other, self)

    def __rtruediv__(self: Tensor, other: Any) -> Tensor:
        """other / self; for a number, (1 / self) * other, as PyTorch, which keeps no copy of self."""
        if type(other) is float or type(other) is int:
            return Mul.apply(Reciprocal.apply(self), other)
        return Div.apply(other, self)

    def __rpow__(self: Tensor, other: Any) -> Tensor:
        """other ** self."""
        return Pow.apply(other, self)

    def __rmatmul__(self: Tensor, other: Any) -> Tensor:
        """other @ self."""
        return MatMul.apply(other, self)

    def __getitem__(self: Tensor, index: Any) -> Tensor:
        """self[index], recorded (basic and advanced indexing)."""
        return GetItem.apply(self, as_index(index))

    def __setitem__(self: Tensor, index: Any, value: Any) -> None:
        """self[index] = value, recorded as an in-place op."""
        apply_inplace(self, SetItem, value, as_index(index))

    def __iadd__(self: Tensor, other: Any) -> Tensor:
        """self += other, recorded as an in-place op."""
        return apply_inplace(self, Add, other)

    def __isub__(self: Tensor, other: Any) -> Tensor:
        """self -= other, recorded as an in-place op."""
        return apply_inplace(self, Sub, other)

    def __imul__(self: Tensor, other: Any) -> Tensor:
        """self *= other, recorded as an in-place op."""
        return apply_inplace(self, Mul, other)

    def __itruediv__(self: Tensor, other: Any) -> Tensor:
        """self /= other, recorded as an in-place op."""
        return apply_inplace(self, Div, other)

    # ---------------------------------------------------------------- methods
    def clip(self: Tensor, lo: Any = None, hi: Any = None) -> Tensor:
        """Entries limited to [lo, hi] (None: no limit on that side); the gradient is zero where clipped."""
        return Clip.apply(self, lo, hi)

    @axis_keywords
    def sum(self: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A003
        """The sum over `axis` (all axes when None), as ndarray.sum."""
        return Sum.apply(self, axis, keepdims)

    @axis_keywords
    def mean(self: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
        """The mean over `axis` (all axes when None), as ndarray.mean."""
        return Mean.apply(self, axis, keepdims)

    @axis_keywords
    def var(self: Tensor, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        """The variance over `axis` with `ddof` (0: NumPy's default), as ndarray.var."""
        return var(self, axis, keepdims, ddof)

    @axis_keywords
    def max(self: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A003
        """The largest entry over `axis`; tied entries share the gradient evenly."""
        return Max.apply(self, axis, keepdims)

    @axis_keywords
    def min(self: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A003
        """The smallest entry over `axis`; tied entries share the gradient evenly."""
        return Min.apply(self, axis, keepdims)

    def reshape(self: Tensor, *shape: Any) -> Tensor:
        """The same entries in a new shape (several ints or one tuple; -1 is inferred)."""
        return Reshape.apply(self, shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape)

    def transpose(self: Tensor, *axes: Any) -> Tensor:
        """The axes permuted (several ints or one tuple; none: reversed)."""
        if len(axes) == 1 and not isinstance(axes[0], int):
            axes = axes[0]
        return Transpose.apply(self, tuple(axes) if axes else None)

    def swapaxes(self: Tensor, axis1: int, axis2: int) -> Tensor:
        """`axis1` and `axis2` exchanged."""
        return swapaxes(self, axis1, axis2)

    def flatten(self: Tensor) -> Tensor:
        """The entries as one axis."""
        return Reshape.apply(self, (-1,))

    @axis_keywords
    def squeeze(self: Tensor, axis: Any = None) -> Tensor:
        """Without its length-1 axes (or only `axis`)."""
        return squeeze(self, axis)

    @axis_keywords
    def expand_dims(self: Tensor, axis: Any) -> Tensor:
        """With a new length-1 axis at `axis`."""
        return expand_dims(self, axis)

    @axis_keywords
    def unsqueeze(self: Tensor, axis: int) -> Tensor:
        """A new axis of length 1 at `axis`: PyTorch's name for `expand_dims`."""
        return expand_dims(self, axis)

    def broadcast_to(self: Tensor, shape: Sequence[int]) -> Tensor:
        """Broadcast to `shape`; the gradient is summed back."""
        return BroadcastTo.apply(self, tuple(shape))

    def astype(self: Tensor, dtype: Any) -> Tensor:
        """Cast to `dtype`, recorded (the gradient is cast back)."""
        return AsType.apply(self, np.dtype(dtype))

    def copy(self: Tensor) -> Tensor:
        """A copy in new memory, recorded (the gradient passes unchanged)."""
        return Copy.apply(self)

    def zero_(self: Tensor) -> Tensor:
        """Fill with zeros in place and return self: recorded like `t[...] = 0` (its gradient
        stops here); refused, as in PyTorch, on a leaf that requires grad unless under no_grad."""
        try:
            return apply_inplace(self, SetItem, 0.0, Ellipsis)
        except RuntimeError as error:
            raise RuntimeError(f"zero_: {error}") from None

    # ---------------------------------------------------------------- results without a gradient
    # Constants eagerly (no grad_fn, never requiring grad), but ops that `ag.compile` replays: a mask
    # is recomputed from the current values (autograd/ops/constant.py).
    def __lt__(self: Tensor, other: Any) -> Tensor:
        """self < other: a bool Tensor that never requires grad."""
        return untracked(operator.lt, self, other)

    def __le__(self: Tensor, other: Any) -> Tensor:
        """self <= other: a bool Tensor that never requires grad."""
        return untracked(operator.le, self, other)

    def __gt__(self: Tensor, other: Any) -> Tensor:
        """self > other: a bool Tensor that never requires grad."""
        return untracked(operator.gt, self, other)

    def __ge__(self: Tensor, other: Any) -> Tensor:
        """self >= other: a bool Tensor that never requires grad."""
        return untracked(operator.ge, self, other)

    def __eq__(self: Tensor, other: Any) -> Tensor:  # type: ignore[override]
        """self == other, elementwise: a bool Tensor that never requires grad."""
        return untracked(operator.eq, self, other)

    def __ne__(self: Tensor, other: Any) -> Tensor:  # type: ignore[override]
        """self != other, elementwise: a bool Tensor that never requires grad."""
        return untracked(operator.ne, self, other)

    @axis_keywords
    def argmax(self: Tensor, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """Index of the largest entry (of the flattened tensor, or along `axis`): integers, no grad."""
        return untracked(constant.argmax, self, axis, keepdims)

    @axis_keywords
    def argmin(self: Tensor, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """Index of the smallest entry (of the flattened tensor, or along `axis`): integers, no grad."""
        return untracked(constant.argmin, self, axis, keepdims)

    # ---------------------------------------------------------------- NumPy protocol
    def __array_ufunc__(self: Tensor, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """NumPy ufuncs on Tensors (np.exp(t), ndarray + t) run the matching op and give Tensors."""
        return numpy_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self: Tensor, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        """NumPy functions on Tensors (np.sum(t), ...) run the matching op where there is one."""
        return numpy_function(func, args, kwargs)


def _named_as_tensor_method(name: str, value: Any) -> Any:
    """`value` named as `Tensor`'s own method, so that error messages and docs say `Tensor.sum`."""
    for function in (value, getattr(value, "__wrapped__", None), getattr(value, "fget", None)):
        if isinstance(function, FunctionType):
            function.__qualname__ = f"Tensor.{name}"
    return value


def bind_tensor_methods() -> None:
    """Give `Tensor` its operators and op methods (called once, by `autograd/__init__.py`)."""
    for name, apply in APPLY_METHODS.items():
        setattr(Tensor, name, apply)
    for name, value in vars(TensorOpMethods).items():
        if isinstance(value, (FunctionType, property)):
            setattr(Tensor, name, _named_as_tensor_method(name, value))
