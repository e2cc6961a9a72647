"""W1/W2 compiled against PyTorch eager and hand-written NumPy, in one short interleaved run.

`python -m benchmarks.compiled_vs_torch [--rounds 15] [--steps 300] [--threads 1]`: each round times
`steps` training steps of each engine in turn (ours: SPEC's `zero_grad(); step(X, y); optimizer.step()`
through `ag.compile`; PyTorch: torch.nn + torch.optim.SGD, eager; NumPy: the hand-written lab code)
and prints the median µs per step and the ratios. Issue 13 asks compiled ≥ 4× faster than PyTorch eager.
"""

from __future__ import annotations

import argparse
import statistics
import time

from benchmarks import engine_numpy, engine_ours
from benchmarks.workloads import Case, mlp_problem


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--threads", type=int, default=1, help="PyTorch threads")
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        raise SystemExit("compiled_vs_torch: needs torch (pip install -e '.[bench]')") from None
    from benchmarks import engine_torch

    torch.set_num_threads(args.threads)
    for workload in ("W1", "W2"):
        trainers = {
            "compiled": engine_ours.make_trainer(Case(workload, "compiled"), mlp_problem(Case(workload, "compiled"))),
            "torch eager nn": engine_torch.make_trainer(Case(workload, "nn"), mlp_problem(Case(workload, "nn"))),
            "numpy": engine_numpy.MLPTrainer(mlp_problem(Case(workload, "raw"))),
        }
        times: dict[str, list[float]] = {name: [] for name in trainers}
        for _ in range(args.rounds):
            for name, trainer in trainers.items():
                start = time.perf_counter()
                for _ in range(args.steps):
                    trainer.step()
                times[name].append((time.perf_counter() - start) / args.steps * 1e6)
        median = {name: statistics.median(values) for name, values in times.items()}
        cells = ", ".join(f"{name} {value:.1f} µs" for name, value in median.items())
        print(
            f"{workload}: {cells}; PyTorch / compiled = {median['torch eager nn'] / median['compiled']:.1f}×, "
            f"compiled / NumPy = {median['compiled'] / median['numpy']:.2f}×"
        )


if __name__ == "__main__":
    main()
