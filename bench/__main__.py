"""Run rootguard's benchmarks, each in its own process.

    python -m bench                       # every bench/bench_*.py, one after another
    python -m bench findings --count 1000 # one benchmark (by name, with or without `bench_`), with its options
    python -m bench --list                # the benchmarks found

A benchmark is a script `bench/bench_<name>.py` that prints its figures and exits 0. Options after a name go to
that benchmark; with no name every benchmark runs with its defaults. The exit status is 0 when every benchmark
exited 0, else 1 (2 for a usage error).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PREFIX = "bench_"
USAGE = "usage: python -m bench [--list] [NAME [OPTIONS...]]"


def discover(directory: Path = BENCH_DIR) -> dict[str, Path]:
    """Benchmark name -> script, for every bench_<name>.py in `directory`, sorted by name."""
    return {p.stem[len(PREFIX) :]: p for p in sorted(directory.glob(f"{PREFIX}*.py")) if p.is_file()}


def run(script: Path, args: Sequence[str] = ()) -> int:
    """Run one benchmark script in a fresh interpreter, its output going straight to ours."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    print(f"== {script.stem} {' '.join(args)}".rstrip(), flush=True)
    start = time.perf_counter()
    code = subprocess.call([sys.executable, str(script), *args], cwd=script.parent.parent, env=env)
    elapsed = time.perf_counter() - start
    outcome = "ok" if code == 0 else f"FAILED (exit {code})"
    print(f"== {script.stem}: {outcome} in {elapsed:.1f} s", flush=True)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    benches = discover()
    if args and args[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    if args and args[0] == "--list":
        print("\n".join(benches))
        return 0
    if not args:
        codes = [run(script) for script in benches.values()]
        failed = sum(1 for c in codes if c)
        print(f"== {len(codes)} benchmarks, {failed} failed", flush=True)
        return 1 if failed else 0
    name = args[0].removeprefix(PREFIX).removesuffix(".py")
    if name not in benches:
        known = ", ".join(benches) or "none"
        print(f"error: no benchmark {args[0]!r} (known: {known})\n{USAGE}", file=sys.stderr)
        return 2
    return 1 if run(benches[name], args[1:]) else 0


if __name__ == "__main__":
    sys.exit(main())
