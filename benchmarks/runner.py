"""Runs each engine in its own process, checks that they compute the same losses, and collects
the results with the machine's description."""

from __future__ import annotations

import datetime
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import engine_numpy
from benchmarks.measure import summarize
from benchmarks.workloads import CASES, FULL, LOSS_STEPS, QUICK, Case, chain_input, loss_rtol, mlp_problem

ENGINES = ("ours", "numpy", "torch")
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
REPO_ROOT = Path(__file__).resolve().parent.parent


def worker_environment(threads: int | None = None) -> dict[str, str]:
    """The same thread count for NumPy's BLAS and PyTorch (which reads OMP_NUM_THREADS): `threads`,
    else the user's setting, else every core (both libraries' default)."""
    env = dict(os.environ)
    cores = str(os.cpu_count() or 1)
    for variable in THREAD_VARIABLES:
        if threads is not None:
            env[variable] = str(threads)
        else:
            env.setdefault(variable, cores)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return env


ROUNDS = 3  # full runs: every case is measured this many times per engine, the engines taking turns


def unavailable(engine: str) -> dict[str, Any] | None:
    if engine == "torch" and importlib.util.find_spec("torch") is None:
        return {"engine": engine, "unavailable": "PyTorch is not installed (pip install torch==2.13.0)"}
    return None


def run_interleaved(engines: list[str], threads: int | None) -> dict[str, dict[str, Any]]:
    """Full runs: one fresh process per engine and case (so that a case's peak memory is not hidden
    by memory the allocator kept from the case before), the engines taking turns case by case, in
    `ROUNDS` rounds with the order rotating. A burst of load on a shared machine then falls on every
    engine alike instead of on whichever engine was running; each case's timing samples are pooled."""
    results: dict[str, dict[str, Any]] = {}
    for engine in engines:
        results[engine] = unavailable(engine) or {"engine": engine, "cases": {}, "wall_seconds": 0.0}
    running = [engine for engine in engines if "unavailable" not in results[engine]]
    for round_number in range(ROUNDS):
        for case_number, case in enumerate(CASES):
            shift = (round_number + case_number) % max(len(running), 1)
            for engine in running[shift:] + running[:shift]:
                result = run_worker(engine, False, threads, only=[case.key])
                merged = results[engine]
                merged["wall_seconds"] += result.get("wall_seconds", 0.0)
                if "error" in result:
                    merged["cases"][case.key] = {"error": result["error"]}
                    continue
                merged["info"] = result["info"]
                pool_samples(merged["cases"], case.key, result["cases"][case.key])
        print(f"[benchmarks] round {round_number + 1} of {ROUNDS} done", flush=True)
    return results


def pool_samples(cases: dict[str, Any], key: str, new: dict[str, Any]) -> None:
    """Add a round's timing samples to a case's first result (its memory figures stay), and keep each
    round's median: a ratio is taken within each round, where the engines ran seconds apart."""
    first = cases.get(key)
    if first is None or "error" in first or "skipped" in first:
        first = cases[key] = new
        for value in new.values():
            if isinstance(value, dict) and "samples" in value:
                value["round_medians"] = [value["median"]]
        return
    for name, value in new.items():
        if isinstance(value, dict) and "samples" in value and name in first:
            pooled = summarize(first[name]["samples"] + value["samples"])
            pooled["round_medians"] = first[name]["round_medians"] + [value["median"]]
            first[name] = pooled


def run_worker(engine: str, quick: bool, threads: int | None, only: list[str] | None = None) -> dict[str, Any]:
    """One engine's process; its JSON result, or an `error` entry if the process failed."""
    with tempfile.TemporaryDirectory() as directory:
        result_file = Path(directory) / f"{engine}.json"
        command = [sys.executable, "-m", "benchmarks.worker", engine, str(result_file)]
        command += ["--quick"] if quick else []
        command += ["--only", ",".join(only)] if only else []
        started = time.perf_counter()
        env = worker_environment(threads)
        process = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
        elapsed = time.perf_counter() - started
        if process.returncode != 0 or not result_file.exists():
            tail = (process.stderr or process.stdout).strip().splitlines()[-5:]
            return {"engine": engine, "error": f"worker exited with {process.returncode}: " + " | ".join(tail)}
        result = json.loads(result_file.read_text())
    result["wall_seconds"] = elapsed
    return result


# ------------------------------------------------------------------ same losses everywhere
def reference_checks(quick: bool) -> dict[str, list[float]]:
    """Hand-written NumPy's first losses (W1-W3) or output and grad entries (W4/W5), per case key."""
    scale = QUICK if quick else FULL
    references: dict[str, list[float]] = {}
    for case in CASES:
        raw = Case(case.workload, "raw", case.dtype)
        if raw.key in references:
            references[case.key] = references[raw.key]
            continue
        if case.workload in ("W1", "W2", "W3"):
            trainer = engine_numpy.make_trainer(raw, mlp_problem(raw))
            values = [trainer.step() for _ in range(LOSS_STEPS)]
        else:
            x0, links = chain_input(raw, scale)
            chain = engine_numpy.make_chain(raw, x0, links)
            output = chain.forward()
            grad = chain.backward(output)
            values = list(np.concatenate([chain.values(output).ravel()[:5], grad.ravel()[:5]]))
        references[case.key] = [float(v) for v in values]
    return references


def relative_error(values: list[float], reference: list[float]) -> float:
    """The largest |a - b| / max(|a|, |b|) over the entries (0 where both are 0)."""
    if len(values) != len(reference):
        return float("inf")
    errors = [abs(a - b) / max(abs(a), abs(b)) if a != b else 0.0 for a, b in zip(values, reference)]
    return max(errors, default=0.0)


def check_losses(engines: dict[str, Any], references: dict[str, list[float]]) -> list[str]:
    """Mark every case `check_ok` / `check_error`; return one MISMATCH line per disagreeing case
    (first values off by more than the tolerance, or grads of another dtype than the parameters)."""
    mismatches = []
    dtypes = {case.key: case.dtype for case in CASES}
    for name, result in engines.items():
        for key, case in result.get("cases", {}).items():
            if "check" not in case:
                continue
            error, tolerance = relative_error(case["check"], references[key]), loss_rtol(dtypes[key])
            wrong_dtypes = sorted(set(case.get("grad_dtypes", [])) - {dtypes[key]})
            case["check_error"] = error
            case["check_ok"] = error <= tolerance and not wrong_dtypes
            if error > tolerance:
                mismatches.append(
                    f"MISMATCH {name} {key}: first {LOSS_STEPS} values differ from hand-written NumPy "
                    f"(max relative error {error:.2e} > {tolerance:g}): {case['check'][:4]} vs {references[key][:4]}"
                )
            if wrong_dtypes:
                mismatches.append(
                    f"MISMATCH {name} {key}: {dtypes[key]} parameters got {', '.join(wrong_dtypes)} grads"
                )
    return mismatches


# ------------------------------------------------------------------ the machine
def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_info(threads: int | None) -> dict[str, Any]:
    env = worker_environment(threads)
    return {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "numpy": np.__version__,
        "thread_settings": {variable: env[variable] for variable in THREAD_VARIABLES},
        "load_average_start": os.getloadavg(),
    }


def run_suite(engines: list[str], quick: bool, command: str, threads: int | None = None) -> dict[str, Any]:
    """Everything the report needs: machine, command, each engine's results, the loss check."""
    suite: dict[str, Any] = {"command": command, "quick": quick, "machine": machine_info(threads), "engines": {}}
    if quick:  # one process per engine, one after the other
        for engine in engines:
            print(f"[benchmarks] running {engine} ...", flush=True)
            suite["engines"][engine] = unavailable(engine) or run_worker(engine, quick, threads)
    else:
        suite["engines"] = run_interleaved(engines, threads)
    for engine, result in suite["engines"].items():
        if "error" in result:
            print(f"[benchmarks] {engine} FAILED: {result['error']}", flush=True)
        elif "unavailable" in result:
            print(f"[benchmarks] {engine} skipped: {result['unavailable']}", flush=True)
        else:
            print(f"[benchmarks] {engine}: {result['wall_seconds']:.1f} s in its processes", flush=True)
            for key, case in result["cases"].items():
                if "error" in case:
                    print(f"[benchmarks] {engine} {key} ERROR: {case['error']}", flush=True)
    suite["machine"]["load_average_end"] = os.getloadavg()
    suite["mismatches"] = check_losses(suite["engines"], reference_checks(quick))
    for line in suite["mismatches"]:
        print(line, flush=True)
    return suite
