"""Instructions per step counted by valgrind: `python -m benchmarks.instructions [--cases W1/raw,W4/raw]`
(W3, not in the default list, takes a few minutes a case: --cases W3/compiled,W3-f32/compiled).

A deterministic second view of speed, for a shared machine whose timings swing from run to run.
Each figure is the difference between two fresh processes of one engine and case that run `few` and
`many` steps (W4: forward + backward passes) under valgrind's cachegrind, so start-up and imports
cancel out; BLAS on one thread, a fixed hash seed, the garbage collector on as users run it, after one
`gc.collect()` that follows the warm-up (else a full collection owed by the set-up falls in one process
and not in the other: W3 float32 counts moved by 132,000 and by 4,250,000 a step).
Counts are not times (ours does more, cheaper, interpreter work per step than NumPy's C loops), so
the ratios are lower bounds of the time ratios. Needs the `valgrind` program; takes a few minutes.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from benchmarks.worker import ENGINE_MODULES
from benchmarks.workloads import CASES, CHAIN_STEPS, FULL, chain_input, mlp_problem

DEFAULT_CASES = ("W1/raw", "W1/nn", "W2/raw", "W2/nn", "W4/raw", "W1/compiled", "W2/compiled", "W4/compiled")
STEPS = {"W1": (10, 40), "W2": (10, 40), "W3": (2, 5), "W3-f32": (2, 5), "W4": (1, 3)}  # (few, many) steps
REPO_ROOT = Path(__file__).resolve().parent.parent


def run_steps(engine_name: str, key: str, steps: int) -> None:
    """The measured process: set the case up, warm it up, then run `steps` steps."""
    case = {case.key: case for case in CASES}[key]
    engine = importlib.import_module(ENGINE_MODULES[engine_name])
    if case.workload == "W4":
        x0, links = chain_input(case, FULL)
        chain = engine.make_chain(case, x0, links)
        step = lambda: chain.backward(chain.forward())  # noqa: E731
    else:
        step = engine.make_trainer(case, mlp_problem(case)).step
    for _ in range(2):
        step()
    gc.collect()  # the same start for the `few` and `many` processes: no collection owed from set-up
    for _ in range(steps):
        step()


def count(engine: str, key: str, steps: int) -> int:
    """Instructions of a whole process that runs `steps` steps of the case."""
    env = dict(os.environ, PYTHONHASHSEED="0", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    command = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
    command += [sys.executable, "-m", "benchmarks.instructions", "--run", engine, key, str(steps)]
    process = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    found = re.search(r"I\s+refs:\s+([\d,]+)", process.stderr)
    if process.returncode != 0 or found is None:
        raise RuntimeError(f"instructions: valgrind on {engine} {key} failed: {process.stderr.strip()[-300:]}")
    return int(found.group(1).replace(",", ""))


def per_step(engine: str, key: str) -> float:
    """Instructions per training step (W1/W2) or per op of the chain, forward + backward (W4)."""
    few, many = STEPS[key.split("/")[0]]
    per_step = (count(engine, key, many) - count(engine, key, few)) / (many - few)
    return per_step / (3 * CHAIN_STEPS) if key.startswith("W4") else per_step


def table(keys: list[str]) -> list[str]:
    """Markdown rows, printed as they come: instructions of ours and of hand-written NumPy, and their ratio."""
    rows = [
        "| workload / form | unit | ours | NumPy | ours/NumPy |",
        "|---|---|---|---|---|",
    ]
    print("\n".join(rows), flush=True)
    numpy_counts: dict[str, float] = {}
    for key in keys:
        numpy_key = key.split("/")[0] + "/raw"  # hand-written NumPy has one form
        if numpy_key not in numpy_counts:
            numpy_counts[numpy_key] = per_step("numpy", numpy_key)
        ours, numpy = per_step("ours", key), numpy_counts[numpy_key]
        unit = "instructions/op fwd+bwd" if key.startswith("W4") else "instructions/step"
        rows.append(f"| {key.replace('/', ' ')} | {unit} | {ours:,.0f} | {numpy:,.0f} | {ours / numpy:.2f}× |")
        print(rows[-1], flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.instructions", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cases", default=",".join(DEFAULT_CASES), help="comma-separated W1-W4 case keys (W3 float32: W3-f32/compiled)"
    )
    parser.add_argument("--run", nargs=3, metavar=("ENGINE", "CASE", "STEPS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run:
        engine, key, steps = args.run
        run_steps(engine, key, int(steps))
        return 0
    keys = [key.strip() for key in args.cases.split(",") if key.strip()]
    unknown = [key for key in keys if key.split("/")[0] not in STEPS or key not in {case.key for case in CASES}]
    if unknown:
        parser.error(f"--cases: {', '.join(unknown)} not countable; choose from the W1-W4 case keys")
    if shutil.which("valgrind") is None:
        parser.error("needs the valgrind program (apt-get install valgrind)")
    table(keys)
    return 0


if __name__ == "__main__":
    sys.exit(main())
