"""One engine's process: `python -m benchmarks.worker ENGINE RESULT.json [--quick] [--only KEY,...]`.

Runs every case the engine supports, in the order of `workloads.CASES`, and writes the results as
JSON. A failing case is recorded with its error and the others still run.
"""

from __future__ import annotations

import argparse
import importlib
import json
import traceback
from typing import Any

from benchmarks.measure import measure_chain, measure_long_chain, measure_training
from benchmarks.workloads import CASES, FULL, QUICK, Case, Scale, chain_input, mlp_problem

ENGINE_MODULES = {
    "ours": "benchmarks.engine_ours",
    "numpy": "benchmarks.engine_numpy",
    "torch": "benchmarks.engine_torch",
}


def run_case(engine: Any, case: Case, scale: Scale) -> dict[str, Any]:
    """Measure one case on one engine."""
    if case.workload in ("W1", "W2", "W3"):
        problem = mlp_problem(case)
        return measure_training(
            lambda: engine.make_trainer(case, problem), scale, case.workload == "W3", engine.MEMORY_METHOD
        )
    x0, links = chain_input(case, scale)
    if case.workload == "W4":
        return measure_chain(lambda: engine.make_chain(case, x0, links), 3 * links, scale.chain_repeats)
    return measure_long_chain(
        lambda: engine.make_chain(case, x0, links), 3 * links, scale.long_chain_repeats, engine.MEMORY_METHOD
    )


def run_engine(name: str, quick: bool, only: set[str] | None = None) -> dict[str, Any]:
    engine = importlib.import_module(ENGINE_MODULES[name])
    scale = QUICK if quick else FULL
    results: dict[str, Any] = {}
    for case in CASES:
        if only is not None and case.key not in only:
            continue
        reason = engine.skip_reason(case)
        if reason is not None:
            results[case.key] = {"skipped": reason}
            continue
        try:
            result = run_case(engine, case, scale)
            result["implementation"] = engine.implementation(case)
        except Exception as error:  # recorded in the table; the other cases still run
            result = {"error": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc()}
        results[case.key] = result
    return {"engine": name, "info": engine.info(), "cases": results}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("engine", choices=sorted(ENGINE_MODULES))
    parser.add_argument("result_file")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default=None, help="comma-separated case keys, e.g. W1/raw,W4/raw")
    args = parser.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    output = run_engine(args.engine, args.quick, only)
    with open(args.result_file, "w") as file:
        json.dump(output, file, indent=1)


if __name__ == "__main__":
    main()
