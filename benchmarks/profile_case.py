"""Where an engine's time goes on one case: `python -m benchmarks.profile_case W1/raw [--engine ours]`.

Runs the case's training steps (or chain forward + backward passes) under cProfile and prints the
functions with the most own time as a share of the total, then the same grouped by file. With
`--sampling` it uses pyinstrument instead (if installed): less overhead per call, so the shares of
tiny functions are less inflated, printed as a call tree.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import pstats
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from benchmarks.worker import ENGINE_MODULES
from benchmarks.workloads import CASES, FULL, chain_input, mlp_problem


def workload(engine_name: str, key: str) -> Callable[[], object]:
    """One training step (W1-W3) or one chain forward + backward (W4/W5), warmed up once."""
    cases = {case.key: case for case in CASES}
    if key not in cases:
        raise SystemExit(f"profile_case: unknown case {key!r}; choose from {', '.join(cases)}")
    case, engine = cases[key], importlib.import_module(ENGINE_MODULES[engine_name])
    if case.workload in ("W1", "W2", "W3"):
        run = engine.make_trainer(case, mlp_problem(case)).step
    else:
        x0, links = chain_input(case, FULL)
        chain = engine.make_chain(case, x0, links)

        def run() -> object:
            return chain.backward(chain.forward())

    run()
    return run


def own_time_table(stats: pstats.Stats, limit: int) -> list[str]:
    """The `limit` functions with the most own time, and own time per file, as % of the total."""
    entries = stats.stats  # type: ignore[attr-defined]  # {(file, line, name): (cc, calls, own, cum, callers)}
    total = sum(own for _, _, own, _, _ in entries.values()) or 1.0
    rows = sorted(entries.items(), key=lambda item: -item[1][2])[:limit]
    lines = [f"{'own %':>6} {'cum %':>6} {'calls':>9}  function"]
    for (file, line, name), (_, calls, own, cumulative, _) in rows:
        lines.append(
            f"{100 * own / total:6.1f} {100 * cumulative / total:6.1f} {calls:9d}  {_where(file, line)} {name}"
        )
    per_file: dict[str, float] = defaultdict(float)
    for (file, _, _), (_, _, own, _, _) in entries.items():
        per_file[_where(file)] += own
    lines += ["", f"{'own %':>6}  file"]
    lines += [f"{100 * own / total:6.1f}  {file}" for file, own in sorted(per_file.items(), key=lambda i: -i[1])[:12]]
    return lines


def _where(file: str, line: int | None = None) -> str:
    """`autograd/backward.py:27`, `numpy/...`, or `~` for built-ins."""
    if file == "~":
        return "<built-in>"
    parts = Path(file).parts
    for anchor in ("autograd", "nn", "benchmarks", "numpy", "torch"):
        if anchor in parts:
            parts = parts[len(parts) - parts[::-1].index(anchor) - 1 :]
            break
    return "/".join(parts[-3:]) + (f":{line}" if line else "")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", help="a case key, e.g. W1/raw, W1/nn, W3-f32/nn, W4/raw")
    parser.add_argument("--engine", default="ours", choices=sorted(ENGINE_MODULES))
    parser.add_argument("--repeats", type=int, default=500)
    parser.add_argument("--limit", type=int, default=25)
    parser.add_argument("--sampling", action="store_true", help="pyinstrument's sampling profiler")
    args = parser.parse_args(argv)
    run = workload(args.engine, args.case)
    title = f"==== {args.engine} {args.case}, {args.repeats} repeats"
    if args.sampling:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0002)
        with profiler:
            for _ in range(args.repeats):
                run()
        print(title, "(pyinstrument)")
        print(profiler.output_text(unicode=True, color=False))
        return
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.repeats):
        run()
    profiler.disable()
    print(title, "(cProfile; own time of each function as a share of the total)")
    print("\n".join(own_time_table(pstats.Stats(profiler), args.limit)))


if __name__ == "__main__":
    main()
