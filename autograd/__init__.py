"""npgrad's engine: reverse-mode automatic differentiation on NumPy arrays.

import autograd as ag
x = ag.Tensor([[1.0, 2.0]], requires_grad=True)
w = ag.randn(2, 3, requires_grad=True)
y = (x @ w).sigmoid().sum()
y.backward()          # x.grad is dy/dx, w.grad is dy/dw
"""

from autograd import func  # noqa: I001  (sorted; the functional import kept compact)
from autograd.anomaly import detect_anomaly
from autograd.backward import grad
from autograd.bind import bind_tensor_methods
from autograd.check_graph import check_graph
from autograd.compiler import compile as compile  # noqa: A004  (ag.compile, as torch.compile)
from autograd.creation import arange, from_numpy, ones, ones_like, rand, randn, tensor, zeros, zeros_like
from autograd.function import Function
from autograd.functional import (
    abs, broadcast_to, clip, concatenate, cos, exp, expand_dims, flatten, log, log_softmax,
    logsumexp, matmul, max, maximum, mean, min, minimum, pad, relu, reshape, sigmoid, sin,
    softmax, sqrt, squeeze, stack, sum, tanh, transpose, var, where,
)  # fmt: skip
from autograd.grad_mode import enable_grad, is_grad_enabled, no_grad
from autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck, numerical_grad
from autograd.install_check import check_package, version
from autograd.random import manual_seed
from autograd.tensor import Tensor

bind_tensor_methods()  # the operators and op methods of Tensor (autograd/bind.py)

__all__ = [
    "Tensor", "Function", "tensor", "grad", "no_grad", "enable_grad", "is_grad_enabled",
    "detect_anomaly", "manual_seed", "zeros", "ones", "zeros_like", "ones_like", "randn", "rand", "arange",
    "from_numpy",
    "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs", "clip", "sum",
    "mean", "var", "max", "min", "logsumexp", "softmax", "log_softmax", "reshape",
    "transpose", "flatten", "squeeze", "expand_dims", "broadcast_to", "matmul", "maximum",
    "minimum", "where", "concatenate", "stack", "pad", "numerical_grad", "gradcheck", "gradgradcheck",
    "GradcheckError", "check_graph", "viz",
    "func",
]  # fmt: skip


__distribution__ = "npgrad"  # tells this package from HIPS autograd's, which has the same import name
check_package("autograd", __path__[0])


def __getattr__(name: str) -> object:
    """`ag.viz` is imported on first use, so that `import autograd` never imports graphviz;
    `__version__` too, so that it never loads importlib.metadata."""
    if name == "viz":
        import importlib

        return importlib.import_module("autograd.viz")
    if name == "__version__":
        globals()["__version__"] = found = version()
        return found
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")
