"""report.html: one self-contained page a person opens from a file (`--output-formats html`).

What it shows, top to bottom: a one-line verdict; the counts (members clean, with root credentials, not
evaluated, out of scope; organization checks failed); a chart of the member accounts' states; the organization
checks; the accounts to fix, with what each root user still holds and how the account joined; the accounts
not evaluated, with their reasons; with several runs, the trend; the run's metadata.

Made with the standard library only. Self-contained: the one style sheet and the one script are inline
(rootguard.reports.html_assets), charts are inline SVG, and a Content-Security-Policy allows those two blocks
by hash and nothing else, so the page fetches nothing and no injected markup could run. Every value from a
scan (account names come from AWS and are not trusted) goes through html.escape. Rows are written straight to
a temporary file renamed over the target, so memory does not grow with the organization; the script pages and
filters the tables in the browser.
"""

from __future__ import annotations

import base64
import hashlib
import math
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import IO, Any

from rootguard.files import open_atomic
from rootguard.models import Result, Status
from rootguard.reports.catalog import severity_of, title_of
from rootguard.reports.html_assets import CSS, JS
from rootguard.reports.posture import (
    Posture,
    credential_counts,
    is_member_result,
    is_out_of_scope,
    posture_of,
)
from rootguard.reports.runs import RunPoint, parse_run_at
from rootguard.rules import MEMBER_CHECK_ID

HTML_FILE = "report.html"
DELETE_COMMAND = "rootguard remediate delete-root-credentials --all-failing --apply"


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


CSP = (
    f"default-src 'none'; style-src '{_hash(CSS)}'; script-src '{_hash(JS)}'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)


def e(value: Any) -> str:
    """Text or an attribute value, escaped (quotes included)."""
    return escape(str(value), quote=True)


def num(value: int | None) -> str:
    return "\u2014" if value is None else f"{value:,}"


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


# ------------------------------------------------------------------------------------------ what to say


def holdings(result: Result) -> str:
    """What a member's root user still holds: ``password, 1 active access key, 2 MFA devices``."""
    counts = credential_counts(result)
    parts = []
    if counts["password"]:
        parts.append("password")
    for key, word in (
        ("active_access_keys", "active access key"),
        ("inactive_access_keys", "inactive access key"),
        ("mfa_devices", "MFA device"),
        ("signing_certificates", "signing certificate"),
    ):
        if counts[key]:
            parts.append(plural(counts[key], word))
    return (
        ", ".join(parts) or ", ".join(str(k) for k in result.details.get("kinds") or []) or "root credentials"
    )


def joined(result: Result) -> tuple[str, str]:
    """How the account joined (``invited 2018-01-02``) and a sort key."""
    method = str(result.details.get("joined_method") or "").lower()
    stamp = str(result.details.get("joined_timestamp") or "")[:10]
    return " ".join(p for p in (method, stamp) if p) or "\u2014", f"{method} {stamp}"


def ou_path(result: Result) -> str:
    path = result.details.get("ou_path")
    return " / ".join(str(p) for p in path) if isinstance(path, list) and path else "\u2014"


def verdict(p: Posture) -> tuple[str, str]:
    """(css class, one sentence) for the top of the page."""
    bad, partial = [], []
    if p.members_failed:
        bad.append(
            f"{plural(p.members_failed, 'member account')} still "
            f"{'has' if p.members_failed == 1 else 'have'} root credentials"
        )
    if p.org_checks_failed:
        bad.append(f"{plural(p.org_checks_failed, 'organization check')} failed")
    if p.members_not_evaluated:
        partial.append(f"{plural(p.members_not_evaluated, 'member account')} could not be evaluated")
    if p.org_checks_not_evaluated:
        partial.append(
            f"{plural(p.org_checks_not_evaluated, 'organization-level result')} could not be evaluated"
        )
    if bad or partial:
        text = "; ".join(bad + partial)
        return ("bad" if bad else "partial"), text[0].upper() + text[1:] + "."
    if not p.member_check_ran:
        return (
            "good",
            "Every organization check that ran passed (the member accounts were not audited in this run).",
        )
    return "good", "Centralized root access is in place and no member account has root credentials."


# ------------------------------------------------------------------------------------------------ charts


def member_chart(p: Posture) -> str:
    """A horizontal bar of the member accounts' states, with a legend that carries the numbers."""
    parts = [
        ("pass", "clean", p.members_passed),
        ("fail", "with root credentials", p.members_failed),
        ("ne", "not evaluated", p.members_not_evaluated),
        ("oos", "out of scope", p.members_out_of_scope),
    ]
    total = sum(n for _, _, n in parts)
    label = ", ".join(f"{n:,} {what}" for _, what, n in parts)
    out = [
        f'<svg viewBox="0 0 1000 44" role="img" aria-label="Member accounts: {e(label)}" '
        f'data-chart="members" data-total="{total}">'
    ]
    x = 0.0
    for css, what, n in parts:
        if not n or not total:
            continue
        w = 1000 * n / total
        out.append(
            f'<rect class="{css}" x="{x:.2f}" y="4" width="{w:.2f}" height="36" data-state="{css}" '
            f'data-value="{n}"><title>{e(f"{n:,} {what}")}</title></rect>'
        )
        x += w
    if not total:
        out.append('<rect class="oos" x="0" y="4" width="1000" height="36"></rect>')
    out.append("</svg>")
    out.append('<ul class="legend">')
    for css, what, n in parts:
        share = f" ({100 * n / total:.0f}%)" if total else ""
        out.append(f'<li><span class="sw {css}"></span>{n:,} {e(what)}{share}</li>')
    out.append("</ul>")
    return "".join(out)


def _nice_max(value: int) -> int:
    """The top of the y axis: at least `value`, a round number whose quarters (the grid lines) are whole."""
    if value <= 20:
        return max(4, -(-value // 4) * 4)
    power = 10 ** int(math.log10(value))
    for step in (1, 1.2, 1.6, 2, 2.4, 3.2, 4, 6, 8, 10):
        top = round(step * power)
        if top >= value:
            return top
    return 10 * power


def trend_chart(points: Sequence[RunPoint]) -> str:
    """Members clean / with root credentials / not evaluated per run, as lines over time."""
    width, height, left, right, top, bottom = 960, 280, 56, 20, 16, 44
    series: list[tuple[str, str, Callable[[Posture], int | None]]] = [
        ("pass", "clean", lambda p: p.members_clean),
        ("fail", "with root credentials", lambda p: p.members_with_root_credentials),
        ("ne", "not evaluated", lambda p: p.members_unevaluated),
    ]
    values = [f(pt.posture) for pt in points for _, _, f in series]
    top_value = _nice_max(max([v for v in values if v is not None] or [0]))
    t0, t1 = points[0].run_at.timestamp(), points[-1].run_at.timestamp()
    span = t1 - t0

    def x(pt: RunPoint) -> float:
        if span <= 0:
            return left + (width - left - right) / 2
        return left + (width - left - right) * (pt.run_at.timestamp() - t0) / span

    def y(v: int) -> float:
        return top + (height - top - bottom) * (1 - v / top_value)

    out = [
        f'<svg viewBox="0 0 {width} {height}" role="img" data-chart="trend" data-runs="{len(points)}" '
        f'aria-label="Member accounts over {len(points)} runs">'
    ]
    for i in range(5):
        v = top_value * i // 4
        out.append(
            f'<line class="axis" x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}"></line>'
            f'<text class="tick" x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:,}</text>'
        )
    ticks = sorted({round(i * (len(points) - 1) / 5) for i in range(6)}) if len(points) > 1 else [0]
    for i in ticks:
        pt = points[i]
        anchor = "start" if i == 0 and len(points) > 1 else "end" if i == len(points) - 1 else "middle"
        if len(points) == 1:
            anchor = "middle"
        out.append(
            f'<text class="tick" x="{x(pt):.1f}" y="{height - bottom + 18}" text-anchor="{anchor}">'
            f"{e(pt.run_at.astimezone(UTC).strftime('%Y-%m-%d'))}</text>"
        )
    for css, what, f in series:
        run: list[str] = []
        segments: list[list[str]] = []
        for pt in points:
            v = f(pt.posture)
            if v is None:  # unknown in that run: a gap, never a zero
                if run:
                    segments.append(run)
                run = []
                continue
            run.append(f"{x(pt):.1f},{y(v):.1f}")
        if run:
            segments.append(run)
        for seg in segments:
            if len(seg) > 1:
                out.append(f'<polyline class="series {css}" points="{" ".join(seg)}"></polyline>')
        for pt in points:
            v = f(pt.posture)
            if v is not None:
                tip = f"{_when(pt.run_at)}: {v:,} {what}"
                out.append(
                    f'<circle class="{css}" cx="{x(pt):.1f}" cy="{y(v):.1f}" r="3.5" data-series="{css}" '
                    f'data-value="{v}"><title>{e(tip)}</title></circle>'
                )
    out.append("</svg>")
    out.append('<ul class="legend">')
    for css, what, _ in series:
        out.append(f'<li><span class="sw {css}"></span>member accounts {e(what)}</li>')
    out.append("</ul>")
    return "".join(out)


# ------------------------------------------------------------------------------------------------ tables


def _table_tools(table_id: str, what: str) -> str:
    return (
        f'<div class="tools"><input type="search" data-filter-for="{table_id}" '
        f'placeholder="Filter {e(what)}\u2026" aria-label="Filter {e(what)}">'
        f'<span class="pager"><button type="button" data-prev-for="{table_id}">\u2039 Previous</button> '
        f'<button type="button" data-next-for="{table_id}">Next \u203a</button></span>'
        f'<span class="muted" data-info-for="{table_id}"></span></div>'
    )


def _head(table_id: str, columns: Sequence[str]) -> str:
    cells = "".join(f'<th scope="col"><button type="button">{e(c)}</button></th>' for c in columns)
    return f'<table id="{table_id}" data-paged><thead><tr>{cells}</tr></thead><tbody>'


def _badge(result: Result) -> str:
    if result.status is Status.PASS:
        return '<span class="badge pass">PASS</span>'
    if result.status is Status.FAIL:
        return '<span class="badge fail">FAIL</span>'
    css = "oos" if is_out_of_scope(result) else "ne"
    return f'<span class="badge {css}">NOT EVALUATED</span>'


def _write_org_checks(out: IO[str], results: Iterable[Result]) -> int:
    rows = 0
    order = {Status.FAIL: 0, Status.NOT_EVALUATED: 1, Status.PASS: 2}
    org = sorted((r for r in results if not is_member_result(r)), key=lambda r: order[r.status])
    if not org:
        out.write('<p class="muted">No organization check ran.</p>')
        return 0
    out.write(_head("org-checks", ("Status", "Check", "Severity", "Result")))
    for r in org:
        reason = f" ({r.reason.value})" if r.reason is not None else ""
        where = "" if r.check_id != MEMBER_CHECK_ID else " (the member accounts' list)"
        out.write(
            f'<tr data-status="{r.status.value}"><td data-sort="{order[r.status]}">{_badge(r)}{e(reason)}</td>'
            f"<td><strong>{e(title_of(r.check_id))}</strong>{e(where)}<br>"
            f"<code>{e(r.check_id)}</code></td><td>{e(severity_of(r).lower())}</td>"
            f"<td>{e(r.message)}</td></tr>"
        )
        rows += 1
    out.write("</tbody></table>")
    return rows


def _write_to_fix(out: IO[str], results: Iterable[Result]) -> int:
    rows = 0
    for r in results:
        if not (is_member_result(r) and r.status is Status.FAIL):
            continue
        if rows == 0:
            out.write(_table_tools("to-fix", "accounts to fix"))
            out.write(_head("to-fix", ("Account", "Name", "Root user still holds", "Joined", "OU path")))
        how, how_key = joined(r)
        out.write(
            f'<tr data-account="{e(r.resource.id)}"><td class="id">{e(r.resource.id)}</td>'
            f"<td>{e(r.resource.name)}</td><td>{e(holdings(r))}</td>"
            f'<td data-sort="{e(how_key)}">{e(how)}</td><td class="id">{e(ou_path(r))}</td></tr>'
        )
        rows += 1
    if rows:
        out.write("</tbody></table>")
    else:
        out.write('<p class="muted">None: no member account still has root credentials.</p>')
    return rows


def _write_not_evaluated(out: IO[str], results: Iterable[Result]) -> int:
    rows = 0
    for r in results:
        if not (is_member_result(r) and r.status is Status.NOT_EVALUATED):
            continue
        if rows == 0:
            out.write(_table_tools("not-evaluated", "accounts not evaluated"))
            out.write(_head("not-evaluated", ("Account", "Name", "Reason", "Scope", "What happened")))
        scope = "out of scope" if is_out_of_scope(r) else "in scope: the run is partial"
        reason = r.reason.value if r.reason is not None else "ERROR"
        out.write(
            f'<tr data-account="{e(r.resource.id)}" data-reason="{e(reason)}">'
            f'<td class="id">{e(r.resource.id)}</td><td>{e(r.resource.name)}</td><td><code>{e(reason)}</code></td>'
            f"<td>{e(scope)}</td><td>{e(r.message)}</td></tr>"
        )
        rows += 1
    if rows:
        out.write("</tbody></table>")
    else:
        out.write('<p class="muted">None: every member account was evaluated.</p>')
    return rows


def _write_trend(out: IO[str], points: Sequence[RunPoint]) -> None:
    first, last = points[0].run_at, points[-1].run_at
    out.write(
        f'<section id="trend"><h2>Trend: {len(points):,} runs, {e(_when(first))} to {e(_when(last))}</h2>'
        f'<div class="panel">{trend_chart(points)}</div>'
    )
    out.write(_table_tools("runs", "runs"))
    out.write(
        _head(
            "runs",
            (
                "Run",
                "Clean",
                "With root credentials",
                "Not evaluated",
                "Out of scope",
                "Org. checks failed",
                "File",
            ),
        )
    )
    for pt in reversed(points):
        p = pt.posture
        out.write(
            f'<tr><td data-sort="{e(pt.run_at.isoformat())}">{e(_when(pt.run_at))}</td>'
            f"<td>{num(p.members_clean)}</td><td>{num(p.members_with_root_credentials)}</td>"
            f"<td>{num(p.members_unevaluated)}</td><td>{num(p.members_out_of_scope)}</td>"
            f'<td>{num(p.org_checks_failed)}</td><td class="muted">{e(pt.path)}</td></tr>'
        )
    out.write("</tbody></table></section>")


# ------------------------------------------------------------------------------------------------ the page


def _card(css: str, key: str, value: int | None, what: str) -> str:
    raw = "" if value is None else str(value)
    return (
        f'<div class="card {css}"><span class="num" data-count="{key}" data-value="{raw}">{num(value)}</span>'
        f'<span class="what">{e(what)}</span></div>'
    )


def write_html(
    path: Path,
    results: Sequence[Result],
    meta: dict[str, Any],
    *,
    history: Sequence[RunPoint] | None = None,
    source: str | None = None,
) -> Path:
    """The report of one run (`results`, `meta` as results.json holds them); with `history` (every run, this
    one included, oldest first) a trend section."""
    checks = meta.get("checks") if isinstance(meta.get("checks"), list) else None
    p = posture_of(results, checks)
    organization = str(meta.get("organization") or "unknown organization")
    run_at = parse_run_at(meta.get("run_at"))
    when = _when(run_at) if run_at else "unknown time"
    css, sentence = verdict(p)
    with open_atomic(path) as out:
        out.write(
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{e(CSP)}">'
            '<meta name="referrer" content="no-referrer">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>rootguard: {e(organization)}, {e(when)}</title><style>{CSS}</style></head><body>"
            f"<header><h1>Centralized root access: {e(organization)}</h1>"
            f'<p class="sub">Scanned {e(when)} by rootguard {e(meta.get("version", ""))}</p></header><main>'
            f'<section id="verdict" class="verdict {css}" data-verdict="{css}">{e(sentence)}</section>'
            '<section id="counts"><div class="cards">'
        )
        out.write(_card("pass", "members-clean", p.members_clean, "member accounts clean"))
        out.write(
            _card(
                "fail",
                "members-with-root-credentials",
                p.members_with_root_credentials,
                "member accounts with root credentials",
            )
        )
        out.write(
            _card("ne", "members-not-evaluated", p.members_unevaluated, "member accounts not evaluated")
        )
        out.write(
            _card(
                "oos",
                "members-out-of-scope",
                p.members_out_of_scope if p.member_check_ran else None,
                "member accounts out of scope",
            )
        )
        out.write(_card("fail", "org-checks-failed", p.org_checks_failed, "organization checks failed"))
        out.write("</div>")
        if not p.member_list_complete:
            out.write(
                '<p class="note">The organization\'s account list could not be read completely: there is no '
                "count of clean member accounts, and accounts not listed were not audited.</p>"
            )
        out.write("</section>")
        if p.member_check_ran:
            listed = f" of the {p.members_total:,} listed" if not p.member_list_complete else ""
            out.write(
                f'<section id="members"><h2>Member accounts{e(listed)}: {p.members_total:,}</h2>'
                f'<div class="panel">{member_chart(p)}</div>'
                '<p class="note">Out of scope: excluded by configuration, suspended or closing; they never make a '
                "run partial. Not evaluated: the audit could not read the root user (the reason says why).</p>"
                "</section>"
            )
        out.write('<section id="organization"><h2>Organization checks</h2>')
        _write_org_checks(out, results)
        out.write("</section>")
        out.write(
            f'<section id="fix"><h2>Accounts to fix: <span data-rows-of="to-fix">{p.members_failed:,}</span></h2>'
            '<p class="note">Member accounts whose root user still holds credentials. An account that joined by '
            "invitation keeps the root credentials it had; delete them in IAM &gt; Root access management or "
            f"with <code>{e(DELETE_COMMAND)}</code> (a dry run without <code>--apply</code>).</p>"
        )
        _write_to_fix(out, results)
        out.write("</section>")
        ne_rows = p.members_not_evaluated + p.members_out_of_scope
        out.write(
            f'<section id="unevaluated"><h2>Accounts not evaluated: <span data-rows-of="not-evaluated">{ne_rows:,}'
            "</span></h2>"
        )
        _write_not_evaluated(out, results)
        out.write("</section>")
        if history and len(history) > 1:
            _write_trend(out, history)
        out.write('<section id="run"><h2>This run</h2><div class="panel"><dl class="meta">')
        facts = [
            ("Organization", organization),
            ("Scanned at", when),
            ("rootguard", meta.get("version", "")),
            ("Scanned as", meta.get("caller", "")),
            ("Checks", ", ".join(str(c) for c in checks) if checks else ""),
            ("Results", f"{len(results):,}"),
        ]
        if source:
            facts.append(("Results file", source))
        for name, value in facts:
            out.write(f"<dt>{e(name)}</dt><dd>{e(value)}</dd>")
        out.write(
            "</dl></div></section></main>"
            f"<footer>Generated by rootguard {e(meta.get('version', ''))} from the scan's results; the same run's "
            "results.csv, findings.ocsf.json and findings.asff.json carry every result.</footer>"
            f"<script>{JS}</script></body></html>\n"
        )
    return Path(path)
