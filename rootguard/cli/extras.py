"""Optional extras: a command that needs one says which in one line, never with a ModuleNotFoundError.

The core install (boto3, pydantic, jsonschema, PyYAML) scans, publishes and remediates. The sandbox (moto with
its server) and Prowler are extras, so `pip install rootguard` stays light enough for an AWS Lambda function.
Commands that need an extra call :func:`require` before doing anything; :func:`missing_extra` turns an import
error that still slips through (a module of an extra imported deeper down) into the same message. Both are
`MissingExtraError`, a usage error: exit status 2 (README, "Commands and exit codes").
"""

from __future__ import annotations

import importlib.util

from rootguard.errors import UsageError

# Each extra of setup.cfg and the top-level modules that only it installs. The first one is the extra's own
# package: `require` looks for it; the others are its dependencies, recognized when their import fails.
EXTRAS: dict[str, tuple[str, ...]] = {
    "sandbox": ("moto", "werkzeug", "flask", "flask_cors"),
    "prowler": ("prowler",),
}


class MissingExtraError(UsageError):
    """A command needs an extra that is not installed: one line naming the extra and how to install it."""


def install_command(extra: str) -> str:
    return f"pip install 'rootguard[{extra}]'"


def _message(what: str, extra: str, module: str) -> str:
    return f"{what} needs the {extra} extra ({module} is not installed): {install_command(extra)}"


def require(extra: str, what: str) -> None:
    """Raise MissingExtraError unless `extra`'s package can be imported; `what` names the command."""
    package = EXTRAS[extra][0]
    if importlib.util.find_spec(package) is None:
        raise MissingExtraError(_message(what, extra, package))


def missing_extra(exc: ModuleNotFoundError, what: str) -> MissingExtraError | None:
    """The one-line error for an import of an extra's module that failed, or None for any other module (a
    missing rootguard module is a bug, and stays a traceback)."""
    module = (exc.name or "").split(".")[0]
    for extra, modules in EXTRAS.items():
        if module in modules:
            return MissingExtraError(_message(what, extra, module))
    return None
