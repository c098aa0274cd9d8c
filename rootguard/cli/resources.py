"""Commands that hand out the files rootguard installs, so a pip install needs no checkout:

    rootguard deploy show scanner-policy         # print one CloudFormation template or IAM policy
    rootguard deploy write DIR [--force]         # copy them all: DIR/<template>.yaml, DIR/policies/<policy>.json
    rootguard prowler checks-folder              # the folder for `prowler aws --checks-folder`

The templates and policies are deploy/ of the repository, installed as the package data of rootguard.deploy;
the check folders are rootguard.prowler.checks_path(). Errors are one line, exit 2.
"""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from rootguard.cli.exitcodes import EXIT_OK
from rootguard.cli.extras import require
from rootguard.errors import UsageError

DEPLOY_PACKAGE = "rootguard.deploy"
POLICIES = "policies"


def deploy_files() -> dict[str, tuple[str, Traversable]]:
    """Every deployment file by name (its file name without the extension): relative path and resource."""
    root = resources.files(DEPLOY_PACKAGE)
    out: dict[str, tuple[str, Traversable]] = {}
    for item in root.iterdir():
        if item.is_file() and item.name.endswith(".yaml"):
            out[item.name.removesuffix(".yaml")] = (item.name, item)
    for item in root.joinpath(POLICIES).iterdir():
        if item.is_file() and item.name.endswith(".json"):
            out[item.name.removesuffix(".json")] = (f"{POLICIES}/{item.name}", item)
    return dict(sorted(out.items()))


def leaf(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Remember which (sub)command parser parsed the arguments, so errors print that command's usage (every
    leaf parser of rootguard's command line goes through here)."""
    parser.set_defaults(_parser=parser)
    return parser


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """The `deploy` and `prowler` commands, on the main parser's subcommands."""
    deploy = sub.add_parser("deploy", help="the CloudFormation templates and IAM policies rootguard ships")
    dsub = deploy.add_subparsers(dest="deploy_command", metavar="SUBCOMMAND")
    dsub.required = True
    show = leaf(dsub.add_parser("show", help="print one template or policy"))
    show.add_argument("name", metavar="NAME", help="e.g. scanner-policy, scanner-role, scheduled-scan")
    write = leaf(
        dsub.add_parser("write", help="copy every template and policy into DIR (policies/ beneath it)")
    )
    write.add_argument("directory", metavar="DIR")
    write.add_argument("--force", action="store_true", help="replace files in DIR that differ")

    prowler = sub.add_parser("prowler", help="running rootguard's checks in Prowler")
    psub = prowler.add_subparsers(dest="prowler_command", metavar="SUBCOMMAND")
    psub.required = True
    leaf(
        psub.add_parser(
            "checks-folder",
            help='print the folder for `prowler aws --checks-folder "$(rootguard prowler checks-folder)"`',
        )
    )


def cmd_deploy(args: argparse.Namespace) -> int:
    files = deploy_files()  # read when asked, so a damaged install breaks only this command
    if args.deploy_command == "show":
        if args.name not in files:
            raise UsageError(f"no deployment file {args.name!r}; known: {', '.join(files)}")
        sys.stdout.write(files[args.name][1].read_text(encoding="utf-8"))
        return EXIT_OK
    target = Path(args.directory)
    planned = {target / relative: item.read_text(encoding="utf-8") for relative, item in files.values()}
    differing = [p for p, text in planned.items() if p.exists() and p.read_text(encoding="utf-8") != text]
    if differing and not args.force:
        raise UsageError(f"{differing[0]} exists and differs (--force replaces it)")
    for path, text in planned.items():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
        print(path)
    return EXIT_OK


def cmd_prowler(args: argparse.Namespace) -> int:
    """Print the check folder; refuse a folder Prowler would misread (every subfolder is taken for a check)."""
    require("prowler", "rootguard prowler checks-folder")
    from rootguard.prowler import checks_path

    try:
        folder = checks_path()
    except FileNotFoundError as exc:
        raise UsageError(str(exc)) from None
    stray = sorted(
        p.name for p in folder.iterdir() if p.is_dir() and not (p / f"{p.name}.metadata.json").is_file()
    )
    if stray:
        raise UsageError(
            f"{folder} holds folders that are not checks, which Prowler would run: {', '.join(stray)}"
        )
    print(folder)
    return EXIT_OK


HANDLERS = {"deploy": cmd_deploy, "prowler": cmd_prowler}
