"""report.html without a browser: its numbers are results.json's, every value from AWS is escaped, and the
page can fetch nothing and run nothing but its own script (tests/reports/test_browser.py opens it)."""

from __future__ import annotations

import base64
import hashlib
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

from reports_helpers import RUN_AT, expected_counts, hostile_results, member, org_result, results_document

from rootguard.models import NotEvaluatedReason, Status
from rootguard.reports.html import write_html


class Page(HTMLParser):
    """Every element with its attributes, and the text of the <style>, <script> and <title> elements."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.texts: dict[str, list[str]] = {"style": [], "script": [], "title": []}
        self._open: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))
        self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open and self._open[-1] in self.texts:
            self.texts[self._open[-1]].append(data)

    def all(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.elements if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def render(tmp_path: Path, results, **kwargs) -> tuple[str, Page]:
    doc = results_document(results, **kwargs)
    path = write_html(tmp_path / "report.html", results, doc["rootguard"])
    text = path.read_text(encoding="utf-8")
    return text, Page(text)


def counts_on(page: Page) -> dict[str, str]:
    return {a["data-count"]: a["data-value"] for a in page.all("span") if "data-count" in a}


def test_the_demo_report_shows_results_json_numbers(demo_scan) -> None:
    page = Page((demo_scan.output_dir / "report.html").read_text(encoding="utf-8"))
    want = expected_counts(demo_scan.doc)
    assert counts_on(page) == {k: str(v) for k, v in want.items() if k != "members"}
    (chart,) = page.all("svg", **{"data-chart": "members"})
    assert chart["data-total"] == str(want["members"])
    bars = {a["data-state"]: int(a["data-value"]) for a in page.all("rect") if "data-state" in a}
    assert bars == {"pass": 7, "fail": 3, "ne": 2, "oos": 1}
    to_fix = {a["data-account"] for a in page.all("tr") if "data-account" in a and "data-reason" not in a}
    failing = {
        r["resource"]["id"]
        for r in demo_scan.doc["results"]
        if r["check_id"] == "iam_member_root_credentials_absent" and r["status"] == "FAIL"
    }
    assert to_fix == failing
    reasons = sorted(a["data-reason"] for a in page.all("tr") if "data-reason" in a)
    assert reasons == ["SCP_DENIED", "SCP_DENIED", "SUSPENDED"]
    org_rows = [a["data-status"] for a in page.all("tr") if "data-status" in a]
    assert org_rows == ["FAIL", "FAIL", "PASS", "PASS", "PASS", "PASS"], "failures first"


def test_account_names_from_aws_are_escaped_everywhere(tmp_path: Path) -> None:
    text, page = render(tmp_path, hostile_results())
    assert len(page.all("script")) == 1 and len(page.all("style")) == 1, "only the report's own blocks"
    assert page.all("img") == [], "an injected <img> would be an element"
    for tag, attrs in page.elements:
        assert not [k for k in attrs if k.startswith("on")], f"<{tag}> has an event handler attribute"
    assert "<script>alert(" not in text and "&lt;script&gt;alert(&#x27;name&#x27;)&lt;/script&gt;" in text
    assert "</style><style>" not in text
    shown = {a["data-account"] for a in page.all("tr") if "data-account" in a}
    assert len(shown) == sum(
        1 for r in hostile_results() if r.status is not Status.PASS and r.resource.kind.value == "ACCOUNT"
    )
    # The names of the accounts listed survive as text: unescaped, the page gives each one back unchanged.
    listed = [r.resource.name for r in hostile_results() if r.status is not Status.PASS and r.resource.name]
    assert len(listed) == 8
    for name in [*listed, "SCP \"<script>alert('scp')</script>\" denies root sessions."]:
        assert name in unescape(text), name


def test_the_page_allows_only_its_own_style_and_script(tmp_path: Path) -> None:
    text, page = render(tmp_path, hostile_results())
    (csp,) = [a["content"] for a in page.all("meta") if a.get("http-equiv") == "Content-Security-Policy"]
    assert "default-src 'none'" in csp and "img-src data:" in csp and "unsafe-inline" not in csp

    def digest(block: str) -> str:
        return "sha256-" + base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()

    assert f"style-src '{digest(''.join(page.texts['style']))}'" in csp
    assert f"script-src '{digest(''.join(page.texts['script']))}'" in csp
    for _, attrs in page.elements:
        assert "style" not in attrs, "an inline style attribute would be blocked by the policy"
        for key in ("src", "href", "action", "xlink:href"):
            assert key not in attrs, f"the page must reference nothing ({key}={attrs.get(key)})"
    assert "url(" not in "".join(page.texts["style"]) and "@import" not in text


def test_an_incomplete_account_list_has_no_clean_count(tmp_path: Path) -> None:
    results = [
        member("200000000001", "a", Status.PASS),
        member("200000000002", "b", Status.FAIL, kinds=("password",)),
        org_result(
            "iam_member_root_credentials_absent",
            Status.NOT_EVALUATED,
            "Accounts under ou-x could not be listed.",
            NotEvaluatedReason.ACCESS_DENIED,
        ),
    ]
    text, page = render(tmp_path, results)
    counts = counts_on(page)
    assert counts["members-clean"] == "" and counts["members-with-root-credentials"] == "1"
    assert "could not be read completely" in text
    (verdict,) = page.all("section", id="verdict")
    assert verdict["data-verdict"] == "bad"


def test_without_the_member_check_no_member_count_is_shown_as_zero(tmp_path: Path) -> None:
    results = [org_result("iam_org_root_sessions_enabled", Status.PASS, "RootSessions is enabled.")]
    text, page = render(tmp_path, results)
    counts = counts_on(page)
    assert (
        counts["members-clean"]
        == counts["members-with-root-credentials"]
        == counts["members-not-evaluated"]
        == ""
    )
    assert counts["org-checks-failed"] == "0"
    assert not page.all("svg", **{"data-chart": "members"})
    (verdict,) = page.all("section", id="verdict")
    assert verdict["data-verdict"] == "good" and "were not audited" in text


def test_a_clean_organization_says_so(tmp_path: Path) -> None:
    results = [member(f"2000000000{i:02d}", f"m{i}", Status.PASS) for i in range(5)]
    results.append(org_result("iam_org_root_sessions_enabled", Status.PASS, "RootSessions is enabled."))
    text, page = render(tmp_path, results)
    (verdict,) = page.all("section", id="verdict")
    assert verdict["data-verdict"] == "good"
    assert "no member account has root credentials" in text
    assert "None: no member account still has root credentials." in text


def test_ten_thousand_accounts_render_every_row_to_fix(tmp_path: Path) -> None:
    results = [
        member(
            f"{500000000000 + i:012d}", f"w{i}", Status.FAIL if i % 4 else Status.PASS, kinds=("password",)
        )
        for i in range(10_000)
    ]
    text, page = render(tmp_path, results, run_at=RUN_AT)
    rows = [a for a in page.all("tr") if "data-account" in a]
    assert len(rows) == 7_500
    assert counts_on(page)["members-with-root-credentials"] == "7500"
    assert re.search(r'<table id="to-fix" data-paged>', text), "the script pages and filters it"


def test_the_trend_axis_tops_out_at_a_round_number_with_whole_grid_lines() -> None:
    from rootguard.reports.html import _nice_max

    for value in [*range(0, 200), *range(200, 120_001, 97)]:
        top = _nice_max(value)
        assert top >= value and top % 4 == 0 and top <= max(8, 2 * value), (value, top)
