"""The rootguard command line: ``rootguard <command>``.

parser.py defines the commands and flags, commands.py runs them, printing.py shows results, exitcodes.py is
the exit-status contract (README, "Commands and exit codes").
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from rootguard.cli.exitcodes import EXIT_AWS, EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from rootguard.cli.extras import MissingExtraError, missing_extra, require
from rootguard.cli.logs import setup_logging
from rootguard.cli.parser import build_parser
from rootguard.errors import AwsSetupError, UsageError

SANDBOX_SERVE = ["sandbox", "serve"]


def _tolerant_output() -> None:
    """A terminal or pipe whose encoding cannot show a character (LANG=C, cp1252) gets it escaped, not a
    traceback halfway through the output. Machine formats escape non-ASCII themselves (outputs.py)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", None) == "strict":
            reconfigure(errors="backslashreplace")


def main(argv: Sequence[str] | None = None) -> int:
    _tolerant_output()
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:2] == SANDBOX_SERVE:  # one serve command: parsed by the sandbox's own parser
        from rootguard.cli import commands

        try:
            require("sandbox", "rootguard sandbox serve")
        except MissingExtraError as exc:
            print(f"rootguard: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        return commands.sandbox_serve(args_list[2:])
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(args_list)
        if extra:  # name the command that was given them, with its own usage, not the top-level one
            getattr(args, "_parser", parser).error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exc:  # argparse already printed its one-line usage error
        return EXIT_USAGE if exc.code not in (0, None) else EXIT_OK
    setup_logging(getattr(args, "verbose", 0), getattr(args, "log_format", "text"))
    from rootguard.cli import commands

    try:
        code = commands.dispatch(args)
        sys.stdout.flush()  # here, not at exit: a closed pipe is then the BrokenPipeError handled below
        return code
    except UsageError as exc:
        print(f"rootguard: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except AwsSetupError as exc:
        print(f"rootguard: error: {exc}", file=sys.stderr)
        return EXIT_AWS
    except ModuleNotFoundError as exc:  # a module of an extra that is not installed: name the extra
        error = missing_extra(exc, f"rootguard {args.command}")
        if error is None:
            raise
        print(f"rootguard: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("rootguard: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `... | head` closed standard output: stop quietly, as a pipeline's tools do
        _discard_stdout()
        return EXIT_BROKEN_PIPE


def _discard_stdout() -> None:
    """Point standard output at /dev/null, so that the interpreter's final flush of what is still buffered
    does not raise the same error again at exit (the Python documentation's advice for SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (a test's StringIO): nothing to flush at exit
        pass


__all__ = ["main"]
