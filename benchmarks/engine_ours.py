"""Our engine, in the two forms the lab writes: raw Tensor ops with a manual update, and
`nn.MLP` + `nn.functional` + `nn.optim.SGD`."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd as ag
from benchmarks.workloads import CHAIN_SCALE, CHAIN_SHIFT, Case, MLPProblem

NAME = "ours"
MEMORY_METHOD = "tracemalloc"


def info() -> dict[str, Any]:
    return {"numpy": np.__version__}


def skip_reason(case: Case) -> str | None:
    if case.form in ("nn", "compiled"):
        try:
            import nn.functional  # noqa: F401
            import nn.optim
        except ImportError as error:
            return f"nn not available yet ({error})"
        if not hasattr(nn, "MLP"):
            return "nn.MLP not available yet"
    return None


# ------------------------------------------------------------------ raw Tensor ops
class RawTrainer:
    """`x @ W.T + b`, `.sigmoid()`/`.relu()`, the loss from Tensor ops, `p.data -= lr * p.grad.data`."""

    def __init__(self, problem: MLPProblem) -> None:
        self.layers = [
            (ag.Tensor(w.copy(), requires_grad=True), ag.Tensor(b.copy(), requires_grad=True))
            for w, b in problem.params
        ]
        self.params = [p for layer in self.layers for p in layer]
        self.X = ag.Tensor(problem.X)
        self.problem = problem
        if problem.loss == "mse":
            self.target = ag.Tensor(problem.target)
        else:
            self.rows = np.arange(len(problem.target))
            self.labels = problem.target

    def step(self) -> float:
        problem = self.problem
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
            loss = -ag.log_softmax(h, axis=1)[self.rows, self.labels].mean()
        loss.backward()
        lr = problem.lr
        for p in self.params:
            p.data -= lr * p.grad.data
        return float(loss.data)

    def grad_dtypes(self) -> list[str]:
        return [str(p.grad.dtype) for p in self.params]


# ------------------------------------------------------------------ nn form
class NNTrainer:
    """As the lab uses the library: nn.MLP, nn.functional losses, nn.optim.SGD."""

    def __init__(self, problem: MLPProblem) -> None:
        import nn.functional as F
        import nn.optim

        self.F = F
        self.model = nn.MLP(problem.sizes, activation=problem.activation, output_activation=problem.output_activation)
        linears = [m for m in self.model.modules() if isinstance(m, nn.Linear)]
        for layer, (weight, bias) in zip(linears, problem.params):
            layer.weight.data = weight.copy()
            layer.bias.data = bias.copy()
        self.optimizer = nn.optim.SGD(self.model.parameters(), lr=problem.lr)
        self.X = ag.Tensor(problem.X)
        self.problem = problem
        self.target = ag.Tensor(problem.target) if problem.loss == "mse" else problem.target

    def step(self) -> float:
        self.optimizer.zero_grad()
        output = self.model(self.X)
        if self.problem.loss == "mse":
            loss = self.F.mse_loss(output, self.target)
        else:
            loss = self.F.cross_entropy(output, self.target)
        loss.backward()
        self.optimizer.step()
        return float(loss.data)

    def grad_dtypes(self) -> list[str]:
        return [str(p.grad.dtype) for p in self.model.parameters()]


class CompiledTrainer(NNTrainer):
    """The nn form with the loss and its backward through `ag.compile`: `step(X, y)` replays a plan.
    The two tracing calls run at construction (their grads are dropped, the weights untouched), so
    that the first measured step, its memory included, is a replay."""

    def __init__(self, problem: MLPProblem) -> None:
        super().__init__(problem)
        loss = self.F.mse_loss if problem.loss == "mse" else self.F.cross_entropy
        self.compiled = ag.compile(lambda X, target: loss(self.model(X), target))
        for _ in range(2):
            self.compiled(self.X, self.target)
            self.optimizer.zero_grad()

    def step(self) -> float:
        self.optimizer.zero_grad()
        loss = self.compiled(self.X, self.target)
        self.optimizer.step()
        return float(loss.data)


def make_trainer(case: Case, problem: MLPProblem) -> RawTrainer | NNTrainer:
    if case.form == "compiled":
        return CompiledTrainer(problem)
    return NNTrainer(problem) if case.form == "nn" else RawTrainer(problem)


def implementation(case: Case) -> str:
    if case.form == "compiled":
        return "ag.compile(the nn form's loss), nn.optim" if case.workload != "W4" else "ag.compile(chain + sum)"
    return "nn.MLP + nn.functional + nn.optim.SGD" if case.form == "nn" else "raw Tensor ops"


# ------------------------------------------------------------------ W4/W5: the tanh chain
class TanhChain:
    """y = (y * a + b).tanh(), n times, then y.sum().backward()."""

    def __init__(self, x0: np.ndarray, links: int) -> None:
        self.x = ag.Tensor(x0.copy(), requires_grad=True)
        self.links = links

    def forward(self) -> ag.Tensor:
        y = self.x
        for _ in range(self.links):
            y = (y * CHAIN_SCALE + CHAIN_SHIFT).tanh()
        return y

    def backward(self, output: ag.Tensor) -> np.ndarray:
        self.x.grad = None
        output.sum().backward()
        return self.x.grad.data

    def values(self, output: ag.Tensor) -> np.ndarray:
        return output.data


class CompiledChain(TanhChain):
    """The chain through `ag.compile`: `forward()` replays forward and backward of `chain(x).sum()`
    (so the split into forward and backward time is not meaningful, only their total), `values()`
    evaluates the chain's output with a second compiled function, for the check only."""

    def __init__(self, x0: np.ndarray, links: int) -> None:
        super().__init__(x0, links)
        self.loss = ag.compile(lambda x: self.chain(x).sum())
        self.outputs = ag.compile(self.chain)
        for _ in range(2):
            self.forward()

    def chain(self, y: ag.Tensor) -> ag.Tensor:
        for _ in range(self.links):
            y = (y * CHAIN_SCALE + CHAIN_SHIFT).tanh()
        return y

    def forward(self) -> ag.Tensor:
        self.x.grad = None
        return self.loss(self.x)

    def backward(self, output: ag.Tensor) -> np.ndarray:
        return self.x.grad.data

    def values(self, output: ag.Tensor) -> np.ndarray:
        return self.outputs(self.x, backward=False).data


def make_chain(case: Case, x0: np.ndarray, links: int) -> TanhChain:
    return CompiledChain(x0, links) if case.form == "compiled" else TanhChain(x0, links)
