"""`Tensor`: an ndarray plus what reverse-mode differentiation needs to know about it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from copy import deepcopy
from typing import TYPE_CHECKING, Any

import numpy as np

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
                raise TypeError(
                    f"Tensor: cannot make a numeric array from {type(data).__name__} {data!r:.80}"
                )
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
    def is_leaf(self) -> bool:
        """True for a tensor no recorded op made (a user's input or parameter)."""
        return self.grad_fn is None

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
                f"this one (shape {self.shape}) was made by {type(self.grad_fn).__name__}: use "
                "t.detach().copy()"
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

    # ---------------------------------------------------------------- bound by autograd/bind.py
    # The operators and methods that run an op or the engine are bound onto this class by
    # `autograd.bind.bind_tensor_methods()` (called by the package's __init__), so that this
    # module imports neither; their signatures, for readers and type checkers:
    if TYPE_CHECKING:
        _version: int
        T: Tensor

        def backward(
            self, grad: Any = None, retain_graph: bool = False, create_graph: bool = False
        ) -> None: ...
        def retain_grad(self) -> None: ...
        def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Callable[[], None]: ...
        def __add__(self, other: Any) -> Tensor: ...
        def __sub__(self, other: Any) -> Tensor: ...
        def __mul__(self, other: Any) -> Tensor: ...
        def __truediv__(self, other: Any) -> Tensor: ...
        def __pow__(self, other: Any) -> Tensor: ...
        def __matmul__(self, other: Any) -> Tensor: ...
        def __radd__(self, other: Any) -> Tensor: ...
        def __rsub__(self, other: Any) -> Tensor: ...
        def __rmul__(self, other: Any) -> Tensor: ...
        def __rtruediv__(self, other: Any) -> Tensor: ...
        def __rpow__(self, other: Any) -> Tensor: ...
        def __rmatmul__(self, other: Any) -> Tensor: ...
        def __iadd__(self, other: Any) -> Tensor: ...
        def __isub__(self, other: Any) -> Tensor: ...
        def __imul__(self, other: Any) -> Tensor: ...
        def __itruediv__(self, other: Any) -> Tensor: ...
        def __getitem__(self, index: Any) -> Tensor: ...
        def __setitem__(self, index: Any, value: Any) -> None: ...
        def __neg__(self) -> Tensor: ...
        def __abs__(self) -> Tensor: ...
        def matmul(self, other: Any) -> Tensor: ...
        def abs(self) -> Tensor: ...
        def exp(self) -> Tensor: ...
        def log(self) -> Tensor: ...
        def sqrt(self) -> Tensor: ...
        def sin(self) -> Tensor: ...
        def cos(self) -> Tensor: ...
        def tanh(self) -> Tensor: ...
        def sigmoid(self) -> Tensor: ...
        def relu(self) -> Tensor: ...
        def clip(self, lo: Any = None, hi: Any = None) -> Tensor: ...
        def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor: ...
        def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor: ...
        def var(self, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor: ...
        def max(self, axis: Any = None, keepdims: bool = False) -> Tensor: ...
        def min(self, axis: Any = None, keepdims: bool = False) -> Tensor: ...
        def reshape(self, *shape: Any) -> Tensor: ...
        def transpose(self, *axes: Any) -> Tensor: ...
        def swapaxes(self, axis1: int, axis2: int) -> Tensor: ...
        def flatten(self) -> Tensor: ...
        def squeeze(self, axis: Any = None) -> Tensor: ...
        def expand_dims(self, axis: Any) -> Tensor: ...
        def unsqueeze(self, axis: int) -> Tensor: ...
        def broadcast_to(self, shape: Sequence[int]) -> Tensor: ...
        def astype(self, dtype: Any) -> Tensor: ...
        def copy(self) -> Tensor: ...
        def zero_(self) -> Tensor: ...
        def __lt__(self, other: Any) -> Tensor: ...
        def __le__(self, other: Any) -> Tensor: ...
        def __gt__(self, other: Any) -> Tensor: ...
        def __ge__(self, other: Any) -> Tensor: ...
        def __eq__(self, other: Any) -> Tensor: ...  # type: ignore[override]
        def __ne__(self, other: Any) -> Tensor: ...  # type: ignore[override]
        def argmax(self, axis: int | None = None, keepdims: bool = False) -> Tensor: ...
        def argmin(self, axis: int | None = None, keepdims: bool = False) -> Tensor: ...

    def __pos__(self) -> Tensor:
        """+self: self itself."""
        return self

    # ================================================================ PyTorch spellings (SPEC §6)
    # The names a PyTorch user types (with `unsqueeze`, `zero_`, `argmax` and `argmin` in bind.py).
    def view(self, *shape: Any) -> Tensor:
        """PyTorch's name for `reshape` (which returns a view of the data whenever NumPy can)."""
        return self.reshape(*shape)

    def float(self) -> Tensor:
        """Cast to float32 (recorded, like `astype`), as PyTorch's `.float()`."""
        return self.astype(np.float32)

    def double(self) -> Tensor:
        """Cast to float64 (recorded, like `astype`), as PyTorch's `.double()`."""
        return self.astype(np.float64)


def _rebuild_tensor(data: np.ndarray, requires_grad: bool, name: str | None) -> Tensor:
    """What an unpickled Tensor is made by (see `Tensor.__reduce__`)."""
    return Tensor(data, requires_grad=requires_grad, name=name)
