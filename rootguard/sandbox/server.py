"""`rootguard sandbox serve`: serve a scenario over HTTP for the AWS CLI, Prowler and rootguard.

    python -m rootguard.sandbox.server [SCENARIO] [--port N] [--host H]

prints `export ...` lines (endpoint, scanner credentials, Region) and serves until interrupted.
An invalid scenario prints one line naming the field and exits 2; nothing starts.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import socket
import sys
import threading
from collections.abc import Sequence
from typing import TextIO

from rootguard.sandbox.scenarios.loader import load_scenario
from rootguard.sandbox.scenarios.model import ScenarioError

DEFAULT_PORT = 5000


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rootguard sandbox serve", description="Serve a sandbox scenario over HTTP (moto server)."
    )
    parser.add_argument("scenario", nargs="?", help="scenario YAML (default: the bundled demo)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help=f"port (default {DEFAULT_PORT}, or a free one when it is taken)",
    )
    return parser


def serve_main(
    argv: Sequence[str] | None = None, *, out: TextIO | None = None, stop: threading.Event | None = None
) -> int:
    """Run the server until SIGINT/SIGTERM (or `stop` is set); return the exit status."""
    out = out or sys.stdout
    args = _parser().parse_args(list(argv) if argv is not None else None)
    from rootguard.sandbox import DEMO_SCENARIO, Sandbox

    try:
        scenario = load_scenario(args.scenario or DEMO_SCENARIO)
    except ScenarioError as exc:
        print(f"rootguard sandbox: {exc}", file=sys.stderr)
        return 2
    port = args.port
    if port is None:
        port = DEFAULT_PORT if _port_free(args.host, DEFAULT_PORT) else 0
    sandbox = Sandbox(scenario)
    try:
        sandbox.serve(port=port, host=args.host)
    except OSError as exc:
        print(
            f"rootguard sandbox: cannot listen on {args.host}:{port}: {exc.strerror or exc}", file=sys.stderr
        )
        return 1
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    try:
        print(
            f"# rootguard sandbox: scenario {scenario.name!r}, organization {sandbox.organization_id}, "
            f"{len(scenario.accounts)} member accounts",
            file=out,
        )
        for name, value in sandbox.env().items():
            print(f"export {name}={shlex.quote(value)}", file=out)
        print("# ready", file=out, flush=True)
        stop.wait()
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(serve_main())
