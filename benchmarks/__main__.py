"""`python -m benchmarks [--quick] [--out benchmarks/results.md] [--engines ours,numpy,torch]`.

Writes the markdown table to --out and the raw results as JSON to `results/<name>.json` beside it.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

from benchmarks.report import render
from benchmarks.runner import ENGINES, run_suite


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs (a smoke test; about a minute)")
    parser.add_argument("--out", default="benchmarks/results.md", help="the markdown table (default: %(default)s)")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated, from ours,numpy,torch")
    parser.add_argument("--threads", type=int, default=None, help="BLAS and PyTorch threads (default: every core)")
    args = parser.parse_args(argv)
    engines = [name.strip() for name in args.engines.split(",") if name.strip()]
    unknown = [name for name in engines if name not in ENGINES]
    if unknown:
        parser.error(f"--engines: unknown engine(s) {', '.join(unknown)}; choose from {', '.join(ENGINES)}")

    started = time.perf_counter()
    command = "python -m benchmarks" + "".join(" " + shlex.quote(arg) for arg in argv)
    suite = run_suite(engines, args.quick, command, args.threads)
    suite["wall_seconds"] = time.perf_counter() - started

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(suite))
    raw = out.parent / "results" / f"{out.stem}.json"
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_text(json.dumps(suite, indent=1))
    print(f"[benchmarks] wrote {out} and {raw} in {suite['wall_seconds']:.0f} s")
    failed = [
        name
        for name, result in suite["engines"].items()
        if "error" in result or any("error" in case for case in result.get("cases", {}).values())
    ]
    return 1 if suite["mismatches"] or failed else 0


if __name__ == "__main__":
    sys.exit(main())
