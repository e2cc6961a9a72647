"""Where an engine's time goes on one case: `python -m benchmarks.profile_case W1/raw [--engine ours]`.

Runs the case's training steps (or chain forward + backward) under cProfile and prints the top
functions, by own time and by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import pstats

from benchmarks.worker import ENGINE_MODULES
from benchmarks.workloads import CASES, FULL, chain_input, mlp_problem


def profile_case(engine_name: str, key: str, repeats: int) -> cProfile.Profile:
    """Profile `repeats` steps (W1-W3) or chain forward+backward passes (W4/W5) after a warm-up."""
    cases = {case.key: case for case in CASES}
    if key not in cases:
        raise SystemExit(f"profile_case: unknown case {key!r}; choose from {', '.join(cases)}")
    case, engine = cases[key], importlib.import_module(ENGINE_MODULES[engine_name])
    if case.workload in ("W1", "W2", "W3"):
        trainer = engine.make_trainer(case, mlp_problem(case))

        def run() -> None:
            trainer.step()
    else:
        x0, links = chain_input(case, FULL)
        chain = engine.make_chain(case, x0, links)

        def run() -> None:
            chain.backward(chain.forward())

    run()  # warm-up
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeats):
        run()
    profiler.disable()
    return profiler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", help="a case key, e.g. W1/raw, W3-f32/nn, W4/raw")
    parser.add_argument("--engine", default="ours", choices=sorted(ENGINE_MODULES))
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--limit", type=int, default=25)
    args = parser.parse_args(argv)
    stats = pstats.Stats(profile_case(args.engine, args.case, args.repeats))
    stats.strip_dirs()
    for order in ("tottime", "cumulative"):
        print(f"==== {args.engine} {args.case}, {args.repeats} repeats, sorted by {order}")
        stats.sort_stats(order).print_stats(args.limit)


if __name__ == "__main__":
    main()
