"""What each CLI command does. Parsing lives in parser.py, the scan itself in rootguard.scan."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from rootguard.aws import make_session
from rootguard.cli import resources
from rootguard.cli.exitcodes import DEFAULT_FAIL_ON, EXIT_AWS, EXIT_OK, EXIT_PARTIAL, scan_exit_code
from rootguard.cli.printing import print_outcome
from rootguard.errors import UsageError
from rootguard.settings import (
    DEFAULT_REPORT_FORMATS,
    MAX_WORKERS_RANGE,
    OUTPUT_FORMATS,
    REPORT_FORMATS,
    Config,
    ConfigError,
    load_config,
    metrics_namespace,
)


def dispatch(args: argparse.Namespace) -> int:
    handler = {
        "scan": cmd_scan,
        "publish": cmd_publish,
        "securityhub": cmd_securityhub,
        "sandbox": cmd_sandbox,
        "demo": cmd_demo,
        "remediate": cmd_remediate,
        **resources.HANDLERS,
        "report": cmd_report,
    }[args.command]
    return handler(args)


def _config(args: argparse.Namespace) -> Config:
    try:
        return load_config(getattr(args, "config", None))
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def _session(args: argparse.Namespace, cfg: Config):
    return make_session(getattr(args, "profile", None), getattr(args, "region", None) or cfg.home_region)


def _output_dir(args: argparse.Namespace, cfg: Config) -> Path:
    return Path(getattr(args, "output_dir", None) or cfg.output_dir)


def _formats(values: list[str], allowed: tuple[str, ...]) -> list[str]:
    """`--output-formats csv html`, `csv,html` or both mixed: each once, in the order given."""
    words = [w.strip().lower() for v in values for w in v.split(",") if w.strip()]
    unknown = [w for w in words if w not in allowed]
    if unknown or not words:
        raise UsageError(
            f"--output-formats: {', '.join(repr(w) for w in unknown) or 'nothing given'}: "
            f"use one or more of {', '.join(allowed)}"
        )
    return list(dict.fromkeys(words))


def _apply_overrides(args: argparse.Namespace, cfg: Config) -> Config:
    update: dict = {}
    if getattr(args, "output_formats", None):
        update["output_formats"] = _formats(args.output_formats, OUTPUT_FORMATS)
    if getattr(args, "metrics", None) or getattr(args, "metrics_namespace", None):
        metrics = cfg.metrics.model_copy(update={"format": args.metrics} if args.metrics else {})
        if args.metrics_namespace:
            try:
                metrics = metrics.model_copy(update={"namespace": metrics_namespace(args.metrics_namespace)})
            except ValueError as exc:
                raise UsageError(f"--metrics-namespace {exc}") from None
        update["metrics"] = metrics
    if getattr(args, "checks", None):  # --checks a b, --checks a,b and --checks a,b c alike
        update["checks"] = [c.strip() for item in args.checks for c in item.split(",") if c.strip()]
    if getattr(args, "max_workers", None) is not None:
        low, high = MAX_WORKERS_RANGE
        if not low <= args.max_workers <= high:
            raise UsageError(f"--max-workers must be between {low} and {high}")
        update["max_workers"] = args.max_workers
    if getattr(args, "fallback_role", None):
        update["fallback_role_name"] = args.fallback_role
    if getattr(args, "strict", False):
        update["strict"] = True
    sh = cfg.securityhub.model_copy()
    if getattr(args, "placement", None):
        sh = sh.model_copy(update={"placement": args.placement})
    if getattr(args, "member_role", None):
        sh = sh.model_copy(update={"member_role_name": args.member_role})
    if sh.placement == "per-member" and not sh.member_role_name:
        raise UsageError(
            "--placement per-member needs --member-role (or securityhub.member_role_name in the config)"
        )
    update["securityhub"] = sh
    return cfg.model_copy(update=update)


def cmd_scan(args: argparse.Namespace) -> int:
    from rootguard.collect.progress import default_progress
    from rootguard.scan import run_scan

    if args.dry_run and not args.publish:
        raise UsageError("--dry-run goes with --publish: a scan without --publish sends nothing anyway")
    cfg = _apply_overrides(args, _config(args))
    session = _session(args, cfg)
    outcome = run_scan(
        session,
        cfg,
        output_dir=_output_dir(args, cfg),
        publish=args.publish,
        dry_run=args.dry_run,
        member_audit=not args.no_member_audit,
        progress=default_progress(sys.stderr),
    )
    print_outcome(outcome, args.format, sys.stdout)
    if cfg.metrics.format == "emf":  # stderr: stdout carries exactly what --format promises
        _print_metrics(outcome, cfg)
    if outcome.publish_error is not None:  # the results above stand; publishing could not start
        print(f"rootguard: error: {outcome.publish_error}", file=sys.stderr)
        return EXIT_AWS
    return scan_exit_code(outcome, args.fail_on if args.fail_on is not None else DEFAULT_FAIL_ON)


def _print_metrics(outcome, cfg: Config) -> None:  # type: ignore[no-untyped-def]
    from rootguard import __version__
    from rootguard.reports.metrics import emf_document, emf_line
    from rootguard.reports.runs import parse_run_at

    doc = emf_document(
        outcome.results,
        organization=outcome.meta.get("organization"),
        run_at=parse_run_at(outcome.meta.get("run_at")) or datetime.now(UTC),
        checks=outcome.meta.get("checks"),
        namespace=cfg.metrics.namespace,
        version=__version__,
    )
    sys.stderr.write(emf_line(doc))
    sys.stderr.flush()


def cmd_report(args: argparse.Namespace) -> int:
    """`rootguard report RESULTS...`: the latest run's reports again, with a trend over every run given."""
    from rootguard.files import writable_dir_problem
    from rootguard.reports import write_reports
    from rootguard.reports.runs import expand, read_runs

    cfg = _config(args)
    formats = (
        _formats(args.output_formats, REPORT_FORMATS) if args.output_formats else list(DEFAULT_REPORT_FORMATS)
    )
    output_dir = _output_dir(args, cfg)
    problem = writable_dir_problem(output_dir)
    if problem:
        raise UsageError(f"--output-dir {problem}")
    latest, points = read_runs(expand(args.inputs))
    files = write_reports(
        output_dir, latest.results, latest.meta, formats, history=points, source=str(latest.path)
    )
    p = latest.posture()
    org = latest.organization or "unknown organization"
    print(
        f"{org}, run of {latest.run_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC ({latest.path}): {len(latest.results)} results"
    )
    if len(points) > 1:
        first = points[0].posture.members_with_root_credentials
        last = p.members_with_root_credentials
        change = (
            ""
            if first is None or last is None
            else f"; member accounts with root credentials {first} -> {last}"
        )
        print(
            f"Trend over {len(points)} runs, {points[0].run_at:%Y-%m-%d} to {points[-1].run_at:%Y-%m-%d}{change}"
        )
    print("Files:")
    for name, path in files.items():
        print(f"  {name}: {path}")
    return EXIT_OK


def cmd_publish(args: argparse.Namespace) -> int:
    from rootguard.publishing import publish_source

    cfg = _apply_overrides(args, _config(args))
    session = _session(args, cfg)
    report = publish_source(
        session,
        cfg,
        file=args.file,
        from_prowler=args.from_prowler,
        resume=args.resume,
        output_dir=_output_dir(args, cfg),
        dry_run=args.dry_run,
    )
    print(report.summary())
    return EXIT_PARTIAL if report.partial else EXIT_OK


def cmd_securityhub(args: argparse.Namespace) -> int:
    from rootguard.publishing import securityhub_setup

    if args.sh_command == "reconcile":
        from rootguard.cli import reconcile

        cfg = _apply_overrides(args, _config(args))
        return reconcile.run(args, _session(args, cfg), cfg, _output_dir(args, cfg))
    cfg = _config(args)
    session = _session(args, cfg)
    for line in securityhub_setup(session):
        print(line)
    return EXIT_OK


def sandbox_serve(argv: list[str]) -> int:
    """`rootguard sandbox serve ARGS`: the sandbox's own serve command, with the same arguments and rules."""
    from rootguard.sandbox.serve import serve_main

    return serve_main(argv)


def cmd_sandbox(args: argparse.Namespace) -> int:
    return sandbox_serve([])


def cmd_demo(args: argparse.Namespace) -> int:
    from rootguard.cli import demo

    return demo.run(
        scenario=args.scenario,
        output_dir=Path(args.output_dir),
        with_prowler=not args.no_prowler,
        out=sys.stdout,
    )


def cmd_remediate(args: argparse.Namespace) -> int:
    from rootguard.cli import remediate

    cfg = _config(args)
    session = _session(args, cfg)
    return remediate.run(args, session, cfg, _output_dir(args, cfg))


__all__ = ["dispatch"]
