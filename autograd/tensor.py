"""`Tensor`: an ndarray plus what reverse-mode differentiation needs to know about it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from copy import deepcopy
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd.keyword_spelling import axis_keywords

_FLOAT64 = np.dtype(np.float64)


class Tensor:
    """A NumPy array that records the ops applied to it when it requires grad.

    `grad_fn` is the node (a `Function` instance) that produced it, None for leaves.
    Leaves that require grad accumulate `.grad` across `backward()` calls.
    """

    __slots__ = ("data", "requires_grad", "grad_fn", "__dict__", "__weakref__")
    __array_priority__ = 1000  # ndarray (op) Tensor defers to Tensor's reflected operator

    # Set per instance only when they differ from these defaults (kept off the hot path).
    grad: Tensor | None = None
    name: str | None = None
    _output_nr = 0  # which output of grad_fn this tensor is
    _hooks: list[Callable[[Tensor], Tensor | None]] | None = None  # leaf grad hooks
    _view_base: tuple[Tensor, tuple[Any, ...]] | None = None  # a view's base and view ops (autograd/views.py)
    _views: list[Any] | None = None  # a base's views, weakly held

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        if isinstance(data, Tensor):
            array = data.data
        elif isinstance(data, (np.ndarray, np.generic)):
            array = np.asarray(data)
            if array.dtype.kind not in "biufc":  # object, string, date or void arrays
                raise TypeError(f"Tensor: cannot make a numeric tensor from an array of dtype {array.dtype}")
        else:
            try:
                array = np.asarray(data)
            except ValueError as error:  # e.g. ragged nested lists
                what = f"{type(data).__name__} {data!r:.80}"
                raise ValueError(f"Tensor: cannot make an array from {what}: {error}") from None
            if array.dtype.kind in "iu":  # Python ints become float64, like Python floats
                array = array.astype(np.float64)
            elif array.dtype.kind not in "fcb":  # strings, objects, dates
                raise TypeError(f"Tensor: cannot make a numeric array from {type(data).__name__} {data!r:.80}")
        if dtype is not None:
            array = array.astype(dtype, copy=False)
        self.data = array
        self.grad_fn = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)
        if name is not None:
            self.name = name

    # ---------------------------------------------------------------- attributes
    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of the data, a tuple of ints."""
        return self.data.shape

    @property
    def ndim(self) -> int:
        """The number of axes."""
        return self.data.ndim

    @property
    def size(self) -> int:
        """The number of entries."""
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype of the data."""
        return self.data.dtype

    @property
    def _version(self) -> int:
        """When this tensor's memory (shared with its views) was last changed in place (0: never)."""
        return buffer_version(self.data)

    @property
    def is_leaf(self) -> bool:
        """True for a tensor no recorded op made (a user's input or parameter)."""
        return self.grad_fn is None

    @property
    def T(self) -> Tensor:
        """The transpose (axes reversed), recorded."""
        return Transpose.apply(self, None)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set `requires_grad` on a leaf; only real floating-point tensors can require grad."""
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(
                f"only real floating-point tensors can require grad, got dtype {self.data.dtype}; "
                "convert first, e.g. Tensor(x, dtype=np.float64, requires_grad=True)"
            )
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError("requires_grad can only be turned off on leaf tensors; use detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def __len__(self) -> int:
        """The length of the first axis."""
        return len(self.data)

    def __iter__(self) -> Iterator[Tensor]:
        """The sub-tensors along the first axis, each recorded like self[i]."""
        return (self[i] for i in range(len(self)))

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """The data, for np.asarray(t)."""
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def __repr__(self) -> str:
        """tensor([...], grad_fn=<Op>) as PyTorch prints it."""
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extras = []
        if self.data.dtype != _FLOAT64:
            extras.append(f"dtype={self.data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{type(self.grad_fn).__name__}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.name is not None:
            extras.append(f"name={self.name!r}")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    __hash__ = object.__hash__  # == is elementwise, so hash by identity as PyTorch does

    def __bool__(self) -> bool:
        """The truth of a one-entry tensor."""
        return bool(self.data)

    def __float__(self) -> float:
        """A one-entry tensor as a float."""
        return float(self.data)

    def __int__(self) -> int:
        """A one-entry tensor as an int."""
        return int(self.data)

    def item(self) -> Any:
        """The value of a one-entry tensor as a Python number."""
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The data as an ndarray (shared, not copied), as PyTorch's .numpy()."""
        return self.data

    def tolist(self) -> Any:
        """The data as nested Python lists."""
        return self.data.tolist()

    def __reduce__(self) -> Any:
        """Pickle and copy keep the data, `requires_grad` and the name, never the history: an
        unpickled tensor is a leaf (as in PyTorch)."""
        return _rebuild_tensor, (self.data, self.requires_grad, self.name)

    def __deepcopy__(self, memo: dict[int, Any]) -> Tensor:
        """A leaf's independent copy, its `.grad` included; a non-leaf refuses, as in PyTorch:
        copying it would copy its whole graph."""
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol; "
                f"this one (shape {self.shape}) was made by {type(self.grad_fn).__name__}: use t.detach().copy()"
            )
        rebuild, args = self.__reduce__()[:2]  # a subclass's own (nn.Parameter keeps its name rules)
        copied = rebuild(*deepcopy(args, memo))
        memo[id(self)] = copied
        if self.grad is not None:
            copied.grad = deepcopy(self.grad, memo)
        return copied

    def detach(self) -> Tensor:
        """The same data, cut from the graph (shares memory, like PyTorch)."""
        return Tensor(self.data)

    # ---------------------------------------------------------------- autograd
    def backward(self, grad: Any = None, retain_graph: bool = False, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad`."""
        run_backward((self,), (grad,), retain_graph=retain_graph or create_graph, create_graph=create_graph)

    def retain_grad(self) -> None:
        """Keep `.grad` on this non-leaf tensor after backward."""
        if self.grad_fn is None or "_retains_grad" in self.__dict__:
            return
        self._retains_grad = True
        register_tensor_hook(self, None)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Callable[[], None]:
        """Call `hook(grad)` when this tensor's gradient is computed; a returned Tensor
        replaces the gradient. Returns a function that removes the hook."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that does not require grad")
        return register_tensor_hook(self, hook)

    # ---------------------------------------------------------------- operators
    if TYPE_CHECKING:  # at run time these are the ops' `apply` (bound at the end of this module)

        def __add__(self, other: Any) -> Tensor: ...
        def __sub__(self, other: Any) -> Tensor: ...
        def __mul__(self, other: Any) -> Tensor: ...
        def __truediv__(self, other: Any) -> Tensor: ...
        def __pow__(self, other: Any) -> Tensor: ...
        def __matmul__(self, other: Any) -> Tensor: ...
        def matmul(self, other: Any) -> Tensor: ...
        def __neg__(self) -> Tensor: ...
        def __abs__(self) -> Tensor: ...
        def abs(self) -> Tensor: ...
        def exp(self) -> Tensor: ...
        def log(self) -> Tensor: ...
        def sqrt(self) -> Tensor: ...
        def sin(self) -> Tensor: ...
        def cos(self) -> Tensor: ...
        def tanh(self) -> Tensor: ...
        def sigmoid(self) -> Tensor: ...
        def relu(self) -> Tensor: ...

    def __radd__(self, other: Any) -> Tensor:
        """other + self, with other a number or ndarray."""
        return Add.apply(other, self)

    def __rsub__(self, other: Any) -> Tensor:
        """other - self."""
        return Sub.apply(other, self)

    def __rmul__(self, other: Any) -> Tensor:
        """other * self."""
        return Mul.apply(other, self)

    def __rtruediv__(self, other: Any) -> Tensor:
        """other / self; for a number, (1 / self) * other, as PyTorch, which keeps no copy of self."""
        if type(other) is float or type(other) is int:
            return Mul.apply(Reciprocal.apply(self), other)
        return Div.apply(other, self)

    def __rpow__(self, other: Any) -> Tensor:
        """other ** self."""
        return Pow.apply(other, self)

    def __rmatmul__(self, other: Any) -> Tensor:
        """other @ self."""
        return MatMul.apply(other, self)

    def __pos__(self) -> Tensor:
        """+self: self itself."""
        return self

    def __getitem__(self, index: Any) -> Tensor:
        """self[index], recorded (basic and advanced indexing)."""
        return GetItem.apply(self, as_index(index))

    def __setitem__(self, index: Any, value: Any) -> None:
        """self[index] = value, recorded as an in-place op."""
        apply_inplace(self, SetItem, value, as_index(index))

    def __iadd__(self, other: Any) -> Tensor:
        """self += other, recorded as an in-place op."""
        return apply_inplace(self, Add, other)

    def __isub__(self, other: Any) -> Tensor:
        """self -= other, recorded as an in-place op."""
        return apply_inplace(self, Sub, other)

    def __imul__(self, other: Any) -> Tensor:
        """self *= other, recorded as an in-place op."""
        return apply_inplace(self, Mul, other)

    def __itruediv__(self, other: Any) -> Tensor:
        """self /= other, recorded as an in-place op."""
        return apply_inplace(self, Div, other)

    # Comparisons are constants: bool tensors that never require grad.
    def __lt__(self, other: Any) -> Tensor:
        """self < other: a bool Tensor that never requires grad."""
        return Tensor(self.data < _data(other))

    def __le__(self, other: Any) -> Tensor:
        """self <= other: a bool Tensor that never requires grad."""
        return Tensor(self.data <= _data(other))

    def __gt__(self, other: Any) -> Tensor:
        """self > other: a bool Tensor that never requires grad."""
        return Tensor(self.data > _data(other))

    def __ge__(self, other: Any) -> Tensor:
        """self >= other: a bool Tensor that never requires grad."""
        return Tensor(self.data >= _data(other))

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        """self == other, elementwise: a bool Tensor that never requires grad."""
        return Tensor(self.data == _data(other))

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        """self != other, elementwise: a bool Tensor that never requires grad."""
        return Tensor(self.data != _data(other))

    # ---------------------------------------------------------------- methods
    def clip(self, lo: Any = None, hi: Any = None) -> Tensor:
        """Entries limited to [lo, hi] (None: no limit on that side); the gradient is zero where clipped."""
        return Clip.apply(self, lo, hi)

    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """The sum over `axis` (all axes when None), as ndarray.sum."""
        return Sum.apply(self, axis, keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """The mean over `axis` (all axes when None), as ndarray.mean."""
        return Mean.apply(self, axis, keepdims)

    def var(self, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        """The variance over `axis` with `ddof` (0: NumPy's default), as ndarray.var."""
        return var(self, axis, keepdims, ddof)

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """The largest entry over `axis`; tied entries share the gradient evenly."""
        return Max.apply(self, axis, keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """The smallest entry over `axis`; tied entries share the gradient evenly."""
        return Min.apply(self, axis, keepdims)

    def reshape(self, *shape: Any) -> Tensor:
        """The same entries in a new shape (several ints or one tuple; -1 is inferred)."""
        return Reshape.apply(self, shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape)

    def transpose(self, *axes: Any) -> Tensor:
        """The axes permuted (several ints or one tuple; none: reversed)."""
        if len(axes) == 1 and not isinstance(axes[0], int):
            axes = axes[0]
        return Transpose.apply(self, tuple(axes) if axes else None)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        """`axis1` and `axis2` exchanged."""
        return swapaxes(self, axis1, axis2)

    def flatten(self) -> Tensor:
        """The entries as one axis."""
        return Reshape.apply(self, (-1,))

    def squeeze(self, axis: Any = None) -> Tensor:
        """Without its length-1 axes (or only `axis`)."""
        return squeeze(self, axis)

    def expand_dims(self, axis: Any) -> Tensor:
        """With a new length-1 axis at `axis`."""
        return expand_dims(self, axis)

    def broadcast_to(self, shape: Sequence[int]) -> Tensor:
        """Broadcast to `shape`; the gradient is summed back."""
        return BroadcastTo.apply(self, tuple(shape))

    def astype(self, dtype: Any) -> Tensor:
        """Cast to `dtype`, recorded (the gradient is cast back)."""
        return AsType.apply(self, np.dtype(dtype))

    def copy(self) -> Tensor:
        """A copy in new memory, recorded (the gradient passes unchanged)."""
        return Copy.apply(self)

    # ---------------------------------------------------------------- NumPy protocol
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """NumPy ufuncs on Tensors (np.exp(t), ndarray + t) run the matching op and give Tensors."""
        return numpy_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        """NumPy functions on Tensors (np.sum(t), ...) run the matching op where there is one."""
        return numpy_function(func, args, kwargs)

    # ================================================================ PyTorch spellings (SPEC §6)
    # Kept together at the end of the class: the names a PyTorch user types, and the `dim=`
    # guard of the methods that take `axis=`.
    def argmax(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """Index of the largest entry (of the flattened tensor, or along `axis`): integers, no grad."""
        return Tensor(np.argmax(self.data, axis=axis, keepdims=keepdims))

    def argmin(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """Index of the smallest entry (of the flattened tensor, or along `axis`): integers, no grad."""
        return Tensor(np.argmin(self.data, axis=axis, keepdims=keepdims))

    def unsqueeze(self, axis: int) -> Tensor:
        """A new axis of length 1 at `axis`: PyTorch's name for `expand_dims`."""
        return expand_dims(self, axis)

    def view(self, *shape: Any) -> Tensor:
        """PyTorch's name for `reshape` (which returns a view of the data whenever NumPy can)."""
        return self.reshape(*shape)

    def float(self) -> Tensor:
        """Cast to float32 (recorded, like `astype`), as PyTorch's `.float()`."""
        return self.astype(np.float32)

    def double(self) -> Tensor:
        """Cast to float64 (recorded, like `astype`), as PyTorch's `.double()`."""
        return self.astype(np.float64)

    def zero_(self) -> Tensor:
        """Fill with zeros in place and return self: recorded like `t[...] = 0` (its gradient
        stops here); refused, as in PyTorch, on a leaf that requires grad unless under no_grad."""
        try:
            return apply_inplace(self, SetItem, 0.0, Ellipsis)
        except RuntimeError as error:
            raise RuntimeError(f"zero_: {error}") from None

    sum = axis_keywords(sum)  # noqa: A003
    mean = axis_keywords(mean)
    var = axis_keywords(var)
    max = axis_keywords(max)  # noqa: A003
    min = axis_keywords(min)  # noqa: A003
    squeeze = axis_keywords(squeeze)
    expand_dims = axis_keywords(expand_dims)
    argmax = axis_keywords(argmax)
    argmin = axis_keywords(argmin)
    unsqueeze = axis_keywords(unsqueeze)


def _data(value: Any) -> Any:
    return value.data if isinstance(value, Tensor) else value


def _rebuild_tensor(data: np.ndarray, requires_grad: bool, name: str | None) -> Tensor:
    """What an unpickled Tensor is made by (see `Tensor.__reduce__`)."""
    return Tensor(data, requires_grad=requires_grad, name=name)


# The ops and helpers used by the methods above. They import Tensor themselves, so they
# come after its definition; the methods look the names up when they are called.
from autograd.backward import run_backward  # noqa: E402
from autograd.hooks import register_tensor_hook  # noqa: E402
from autograd.inplace import apply_inplace, buffer_version  # noqa: E402
from autograd.numpy_interop import numpy_function, numpy_ufunc  # noqa: E402
from autograd.ops.arithmetic import Add, Div, Mul, Neg, Pow, Reciprocal, Sub  # noqa: E402
from autograd.ops.elementwise import Abs, Clip, Cos, Exp, Log, ReLU, Sigmoid, Sin, Sqrt, Tanh  # noqa: E402
from autograd.ops.indexing import GetItem, SetItem, as_index  # noqa: E402
from autograd.ops.linalg import MatMul  # noqa: E402
from autograd.ops.reduction import Max, Mean, Min, Sum, var  # noqa: E402
from autograd.ops.shape import AsType, BroadcastTo, Copy, Reshape, Transpose, expand_dims, squeeze, swapaxes  # noqa: E402

# Operators and methods that pass their arguments to the op in order are the op's `apply`
# itself: one Python call less for each op a model runs.
Tensor.__add__ = Add.apply
Tensor.__sub__ = Sub.apply
Tensor.__mul__ = Mul.apply
Tensor.__truediv__ = Div.apply
Tensor.__pow__ = Pow.apply
Tensor.__matmul__ = Tensor.matmul = MatMul.apply
Tensor.__neg__ = Neg.apply
Tensor.__abs__ = Tensor.abs = Abs.apply
Tensor.exp = Exp.apply
Tensor.log = Log.apply
Tensor.sqrt = Sqrt.apply
Tensor.sin = Sin.apply
Tensor.cos = Cos.apply
Tensor.tanh = Tanh.apply
Tensor.sigmoid = Sigmoid.apply
Tensor.relu = ReLU.apply
