"""The rootguard command line's parser: every command, flag and default (handlers live in commands.py)."""

from __future__ import annotations

import argparse

from rootguard import __version__
from rootguard.cli import resources
from rootguard.cli.exitcodes import CONDITIONS, parse_fail_on
from rootguard.models import account_id
from rootguard.settings import OUTPUT_FORMATS, REPORT_FORMATS

STRICT_HELP = "check every finding against the whole ASFF schema (default: each check's constant part once)"


def account_id_arg(text: str) -> str:
    """A 12-digit account id on the command line (argparse reports anything else as one line, exit 2)."""
    try:
        return account_id(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


_leaf = resources.leaf


def _common(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("AWS")
    g.add_argument("--profile", help="AWS named profile (default: the standard credential chain)")
    g.add_argument("--region", help="home Region for STS, Security Hub CSPM and outputs")
    p.add_argument("--config", metavar="FILE", help="rootguard YAML config (see README)")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv for debug)")
    p.add_argument("--log-format", choices=("text", "json"), default="text")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rootguard",
        description="Audit AWS Organizations centralized root access and publish findings to Security Hub CSPM.",
    )
    parser.add_argument("--version", action="version", version=f"rootguard {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    scan = _leaf(
        sub.add_parser("scan", help="collect, evaluate, print and write results (and optionally publish)")
    )
    _common(scan)
    scan.add_argument(
        "--checks", nargs="+", metavar="ID", help="check ids, space- or comma-separated (default: all)"
    )
    scan.add_argument("--output-dir", help="where results.json and the other output files go")
    scan.add_argument(
        "--output-formats",
        nargs="+",
        metavar="FORMAT",
        help=(
            f"what to write next to results.json, space- or comma-separated: {', '.join(OUTPUT_FORMATS)} "
            "(Prowler's names; default: all)"
        ),
    )
    scan.add_argument("--format", choices=("table", "json", "asff"), default="table", help="what to print")
    scan.add_argument("--publish", action="store_true", help="send the findings to Security Hub CSPM")
    scan.add_argument(
        "--dry-run", action="store_true", help="with --publish: show what would be sent, send nothing"
    )
    scan.add_argument(
        "--fail-on",
        type=parse_fail_on,
        metavar="CONDITIONS",
        help=(
            f"comma-separated conditions that make the exit status non-zero: {', '.join(CONDITIONS)} "
            "(failed: 1; not-evaluated, spooled: 3), or all, or none (default: not-evaluated,spooled)"
        ),
    )
    scan.add_argument("--max-workers", type=int, help="member audit concurrency (1..64)")
    scan.add_argument("--no-member-audit", action="store_true", help="organization checks only")
    scan.add_argument("--fallback-role", help="role to assume in members when root sessions are unavailable")
    scan.add_argument("--placement", choices=("central", "per-member"), help="where findings are filed")
    scan.add_argument("--member-role", help="role assumed in members for --placement per-member")
    scan.add_argument("--strict", action="store_true", help=STRICT_HELP)
    scan.add_argument(
        "--metrics",
        choices=("none", "emf"),
        help="emf: print the posture as CloudWatch Embedded Metric Format lines on stderr (default: none)",
    )
    scan.add_argument(
        "--metrics-namespace", metavar="NAMESPACE", help="CloudWatch namespace (default: rootguard)"
    )

    rep = _leaf(
        sub.add_parser(
            "report",
            help="render the HTML and CSV reports again from results.json; several runs add a trend",
            description=(
                "Render the reports of the latest run among RESULTS, with a trend section when there are several "
                "runs of the organization (files, folders searched for results.json, or glob patterns; the "
                "scheduled scan keeps each run under runs/YYYY/MM/DD/ in its bucket)."
            ),
        )
    )
    rep.add_argument(
        "inputs", nargs="+", metavar="RESULTS", help="results.json files, folders of runs, or globs"
    )
    rep.add_argument("--output-dir", help="where the reports go (default: rootguard-output)")
    rep.add_argument(
        "--output-formats",
        nargs="+",
        metavar="FORMAT",
        help=f"space- or comma-separated: {', '.join(REPORT_FORMATS)} (default: csv html)",
    )
    rep.add_argument("--config", metavar="FILE", help="rootguard YAML config (see README)")
    rep.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv for debug)")
    rep.add_argument("--log-format", choices=("text", "json"), default="text")

    pub = _leaf(sub.add_parser("publish", help="publish findings from a file, Prowler output, or a spool"))
    _common(pub)
    src = pub.add_mutually_exclusive_group(required=True)
    src.add_argument("file", nargs="?", help="rootguard results.json or ASFF file")
    src.add_argument("--from-prowler", metavar="OUTPUT", help="Prowler json-ocsf or json-asff output file")
    src.add_argument("--resume", metavar="SPOOL", help="replay a spool file left by an earlier run")
    pub.add_argument("--dry-run", action="store_true", help="write the ASFF file, send nothing")
    pub.add_argument("--output-dir")
    pub.add_argument("--placement", choices=("central", "per-member"))
    pub.add_argument("--member-role")
    pub.add_argument("--strict", action="store_true", help=STRICT_HELP)

    sh = sub.add_parser("securityhub", help="Security Hub CSPM set-up")
    shsub = sh.add_subparsers(dest="sh_command", metavar="SUBCOMMAND")
    shsub.required = True
    setup = _leaf(shsub.add_parser("setup", help="create rootguard's insights (idempotent)"))
    _common(setup)
    rec = shsub.add_parser(
        "reconcile",
        help="suppress IAM.4/IAM.6/IAM.9 findings of member accounts proved clean (dry run unless --apply)",
    )
    _common(rec)
    rec.add_argument("--apply", action="store_true", help="change the findings (default: dry run)")
    rec.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    rec.add_argument(
        "--audit-log", help="append-only audit log (default: <output-dir>/remediation-audit.jsonl)"
    )
    rec.add_argument("--output-dir")
    rec.add_argument("--max-workers", type=int, help="member audit concurrency (1..64)")
    rec.add_argument("--fallback-role", help="role to assume in members when root sessions are unavailable")

    sb = sub.add_parser("sandbox", help="the local AWS organization used by tests and the demo")
    sbsub = sb.add_subparsers(dest="sb_command", metavar="SUBCOMMAND")
    sbsub.required = True
    # `rootguard sandbox serve ...` is handed whole to the sandbox's own serve command (main() does it before
    # this parser runs), so it parses exactly like `python -m rootguard.sandbox`; see its --help.
    sbsub.add_parser(
        "serve",
        help="serve a scenario and print the environment to reach it (rootguard sandbox serve --help)",
        add_help=False,
    )

    demo = _leaf(sub.add_parser("demo", help="the whole job on the embedded sandbox organization"))
    demo.add_argument("--no-prowler", action="store_true", help="skip the real Prowler run")
    demo.add_argument("--output-dir", default="rootguard-output/demo")
    demo.add_argument("--scenario", help="scenario YAML (default: the bundled demo)")
    demo.add_argument("-v", "--verbose", action="count", default=0)
    demo.add_argument("--log-format", choices=("text", "json"), default="text")

    resources.add_parsers(sub)  # deploy show|write, prowler checks-folder

    rem = sub.add_parser("remediate", help="opt-in fixes: dry run unless --apply, always audit-logged")
    remsub = rem.add_subparsers(dest="rem_command", metavar="ACTION")
    remsub.required = True
    drc = _leaf(remsub.add_parser("delete-root-credentials", help="delete member accounts' root credentials"))
    tgt = drc.add_mutually_exclusive_group(required=True)
    tgt.add_argument(
        "--account", action="append", type=account_id_arg, metavar="ID", help="member account id (repeatable)"
    )
    tgt.add_argument("--all-failing", action="store_true", help="every member account that still has any")
    apr = _leaf(
        remsub.add_parser("allow-password-recovery", help="let a member's root user recover its password")
    )
    apr.add_argument("--account", required=True, type=account_id_arg, metavar="ID")
    ecr = _leaf(
        remsub.add_parser("enable-centralized-root", help="trusted access for IAM, then both features")
    )
    for p in (drc, apr, ecr):
        _common(p)
        p.add_argument("--apply", action="store_true", help="make the change (default: dry run)")
        p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        p.add_argument(
            "--audit-log", help="append-only audit log (default: <output-dir>/remediation-audit.jsonl)"
        )
        p.add_argument("--output-dir")
    return parser
