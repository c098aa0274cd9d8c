"""The serve command: a scenario served over HTTP for the AWS CLI, Prowler and rootguard, until stopped.

    rootguard sandbox serve [--scenario FILE] [--port N]
    python -m rootguard.sandbox [SCENARIO | --scenario FILE] [--port N] [--host H]

Both run :func:`serve_main` with these rules. It prints a comment line, `export ...` lines (endpoint, scanner
credentials, Region) and `# ready`, then serves until SIGINT or SIGTERM. Without --port it listens on 5000
when that port is free, else on any free port; --port 0 takes any free port; the port is in the printed
AWS_ENDPOINT_URL. Errors are one line on stderr: a port outside 0..65535 or a scenario that cannot be read or
is invalid exits 2 with nothing started; an address that cannot be bound exits 1.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any, TextIO

from rootguard.sandbox.sandbox import Sandbox
from rootguard.sandbox.scenarios import DEMO_SCENARIO
from rootguard.sandbox.scenarios.loader import load_scenario
from rootguard.sandbox.scenarios.model import Scenario, ScenarioError

DEFAULT_PORT = 5000
MAX_PORT = 65535
EXIT_OK = 0
EXIT_LISTEN = 1
EXIT_USAGE = 2
_PREFIX = "rootguard sandbox"
_ERROR = "rootguard: error"  # one-line errors look like every other rootguard command's


class _UsageError(Exception):
    """A bad argument, phrased as one line."""


class _ListenError(Exception):
    """The address cannot be bound, phrased as one line."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The serve command's arguments, on any parser (a parser that uses them parses as serve_main does)."""
    parser.add_argument(
        "scenario", nargs="?", metavar="SCENARIO", help="scenario YAML (default: the bundled demo)"
    )
    parser.add_argument("--scenario", dest="scenario_option", metavar="FILE", help="the same, as an option")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port",
        metavar="N",
        help=f"port (default {DEFAULT_PORT}, or a free one when it is taken; 0: a free one)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"{_PREFIX} serve", description="Serve a sandbox scenario over HTTP until interrupted."
    )
    add_arguments(parser)
    return parser


def _port(text: str | None) -> int | None:
    """--port as a number (None when not given); a _UsageError for anything but 0..65535."""
    if text is None:
        return None
    error = _UsageError(f"--port must be between 0 and {MAX_PORT}")
    try:
        port = int(text)
    except ValueError:
        raise error from None
    if not 0 <= port <= MAX_PORT:
        raise error
    return port


def _scenario(args: argparse.Namespace) -> Scenario:
    """The scenario named by position or by --scenario (the bundled demo when neither is given)."""
    if (
        args.scenario is not None
        and args.scenario_option is not None
        and args.scenario != args.scenario_option
    ):
        raise _UsageError("give the scenario once: SCENARIO or --scenario FILE")
    source = args.scenario if args.scenario is not None else args.scenario_option
    try:
        return load_scenario(DEMO_SCENARIO if source is None else source)
    except ScenarioError as exc:
        message = str(exc)
        if source is not None and not message.startswith(str(source)):
            message = f"{source}: {message}"  # a validation error names the field: say which file too
        raise _UsageError(message) from None


def _serve(sandbox: Sandbox, host: str, port: int | None) -> None:
    """Serve on `port`, or (not given) on DEFAULT_PORT and, when that cannot be bound, on any free port."""
    candidates = [DEFAULT_PORT, 0] if port is None else [port]
    for candidate in candidates:
        try:
            sandbox.serve(port=candidate, host=host)
            return
        except OSError as exc:
            if candidate == candidates[-1]:
                raise _ListenError(f"cannot listen on {host}:{candidate}: {exc.strerror or exc}") from None


def _print_exports(sandbox: Sandbox, scenario: Scenario, out: TextIO) -> None:
    print(
        f"# {_PREFIX}: scenario {scenario.name!r}, organization {sandbox.organization_id}, "
        f"{len(scenario.accounts)} member accounts",
        file=out,
    )
    for name, value in sandbox.env().items():
        print(f"export {name}={shlex.quote(value)}", file=out)
    print("# ready", file=out, flush=True)


def serve_main(
    argv: Sequence[str] | None = None, *, out: TextIO | None = None, stop: threading.Event | None = None
) -> int:
    """Serve until SIGINT/SIGTERM (or until `stop` is set, for callers in another thread); the exit status."""
    out = out or sys.stdout
    try:
        args = _parser().parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:  # argparse printed the help, or its usage line and error
        return EXIT_OK if exc.code in (0, None) else EXIT_USAGE
    try:
        port = _port(args.port)
        scenario = _scenario(args)
    except _UsageError as exc:
        print(f"{_ERROR}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    sandbox = Sandbox(scenario)
    try:
        _serve(sandbox, args.host, port)
    except _ListenError as exc:
        print(f"{_ERROR}: {exc}", file=sys.stderr)
        return EXIT_LISTEN
    stop = stop or threading.Event()
    handlers: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            handlers[sig] = signal.signal(sig, lambda *_: stop.set())
    try:
        _print_exports(sandbox, scenario, out)
        stop.wait()
    finally:
        sandbox.stop()
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    return EXIT_OK
