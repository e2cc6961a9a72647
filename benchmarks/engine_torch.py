"""PyTorch eager (CPU), the same two forms: raw tensor ops with a manual update under no_grad, and
torch.nn.Sequential + torch.nn.functional + torch.optim.SGD. Default thread count (recorded)."""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.workloads import CHAIN_SCALE, CHAIN_SHIFT, Case, MLPProblem

NAME = "torch"
MEMORY_METHOD = "rss"  # torch allocates outside Python's allocator: tracemalloc cannot see it


def _torch() -> Any:
    import torch

    return torch


def info() -> dict[str, Any]:
    torch = _torch()
    return {"torch": torch.__version__, "torch_threads": torch.get_num_threads(), "numpy": np.__version__}


def skip_reason(case: Case) -> str | None:
    return "ag.compile is ours (PyTorch's rows are its eager forms)" if case.form == "compiled" else None


def _activation(torch: Any, kind: str | None) -> Any:
    if kind == "sigmoid":
        return torch.nn.Sigmoid()
    if kind == "relu":
        return torch.nn.ReLU()
    return None


class RawTrainer:
    """`x @ W.T + b`, `torch.sigmoid`/`torch.relu`, the loss from tensor ops, `p -= lr * p.grad`."""

    def __init__(self, problem: MLPProblem) -> None:
        torch = self.torch = _torch()
        self.layers = [
            (torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)) for w, b in problem.params
        ]
        self.params = [p for layer in self.layers for p in layer]
        self.X = torch.from_numpy(problem.X.copy())
        self.problem = problem
        if problem.loss == "mse":
            self.target = torch.from_numpy(problem.target.copy())
        else:
            self.rows = torch.arange(len(problem.target))
            self.labels = torch.from_numpy(problem.target.copy())

    def step(self) -> float:
        torch, problem = self.torch, self.problem
        for p in self.params:
            p.grad = None
        h = self.X
        last = len(self.layers) - 1
        for i, (weight, bias) in enumerate(self.layers):
            h = h @ weight.T + bias
            kind = problem.activation if i < last else problem.output_activation
            if kind == "sigmoid":
                h = h.sigmoid()
            elif kind == "relu":
                h = h.relu()
        if problem.loss == "mse":
            loss = ((h - self.target) ** 2).mean()
        else:
            loss = -torch.log_softmax(h, dim=1)[self.rows, self.labels].mean()
        loss.backward()
        with torch.no_grad():
            for p in self.params:
                p -= problem.lr * p.grad
        return loss.item()

    def grad_dtypes(self) -> list[str]:
        return [str(p.grad.dtype).removeprefix("torch.") for p in self.params]


class NNTrainer:
    """torch.nn.Sequential of Linear + activation layers, torch.nn.functional loss, torch.optim.SGD."""

    def __init__(self, problem: MLPProblem) -> None:
        torch = self.torch = _torch()
        layers: list[Any] = []
        last = len(problem.params) - 1
        for i, (weight, bias) in enumerate(problem.params):
            linear = torch.nn.Linear(weight.shape[1], weight.shape[0], dtype=torch.from_numpy(weight).dtype)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(weight))
                linear.bias.copy_(torch.from_numpy(bias))
            layers.append(linear)
            activation = _activation(torch, problem.activation if i < last else problem.output_activation)
            if activation is not None:
                layers.append(activation)
        self.model = torch.nn.Sequential(*layers)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=problem.lr)
        self.X = torch.from_numpy(problem.X.copy())
        self.target = torch.from_numpy(problem.target.copy())
        self.problem = problem

    def step(self) -> float:
        functional = self.torch.nn.functional
        self.optimizer.zero_grad()
        output = self.model(self.X)
        if self.problem.loss == "mse":
            loss = functional.mse_loss(output, self.target)
        else:
            loss = functional.cross_entropy(output, self.target)
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def grad_dtypes(self) -> list[str]:
        return [str(p.grad.dtype).removeprefix("torch.") for p in self.model.parameters()]


def make_trainer(case: Case, problem: MLPProblem) -> RawTrainer | NNTrainer:
    return NNTrainer(problem) if case.form == "nn" else RawTrainer(problem)


def implementation(case: Case) -> str:
    return "torch.nn + torch.nn.functional + torch.optim.SGD" if case.form == "nn" else "raw torch tensor ops"


class TanhChain:
    """y = (y * a + b).tanh(), n times, then y.sum().backward()."""

    def __init__(self, x0: np.ndarray, links: int) -> None:
        torch = self.torch = _torch()
        self.x = torch.tensor(x0, requires_grad=True)
        self.links = links

    def forward(self) -> Any:
        y = self.x
        for _ in range(self.links):
            y = (y * CHAIN_SCALE + CHAIN_SHIFT).tanh()
        return y

    def backward(self, output: Any) -> np.ndarray:
        self.x.grad = None
        output.sum().backward()
        return self.x.grad.numpy()

    def values(self, output: Any) -> np.ndarray:
        return output.detach().numpy()


def make_chain(case: Case, x0: np.ndarray, links: int) -> TanhChain:
    return TanhChain(x0, links)
