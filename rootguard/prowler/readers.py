"""Read Prowler's output files (json-ocsf and json-asff) back into rootguard Results.

Prowler is an optional extra, so nothing here imports it: the files are parsed as JSON. Only findings of
rootguard's own check ids are taken; the rest are counted in `ignored`. The Results then go through the same
builder as the standalone scan (findings.build), which is what makes both paths give the same ASFF.

Where the data travels (Prowler 5.46, see findings/README.md):
- json-ocsf: check id in metadata.event_code; status in status_code (PASS/FAIL/MANUAL); message in
  status_detail; resources[0].uid = ARN, .name = resource id, .data.metadata.rootguard = the structured dict
  the adapters pass as `resource=`; cloud.account.uid / resources[0].region / cloud_partition = scanner.
- json-asff: check id after "prowler-" in GeneratorId; Compliance.Status PASSED/FAILED/WARNING (muted);
  Description = message (Prowler cuts it at 1000 characters); Resources[0].Id = ARN. MANUAL results and the
  structured dict are dropped by Prowler, so NOT_EVALUATED results and Details.Other do not survive this path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from rootguard.files import parse_json, read_text
from rootguard.findings.build import Placement, build_findings
from rootguard.models import NotEvaluatedReason, ResourceKind, Result, ResultResource, Status
from rootguard.rules import CHECK_IDS, MEMBER_CHECK_ID, credentials_present

_NOT_EVALUATED = re.compile(r"^Not evaluated \(([A-Z_]+)\): ?")
_ORG_ARN = re.compile(r":organization/(o-[a-z0-9]+)$")
_ACCOUNT_ARN = re.compile(r":account/o-[a-z0-9]+/(\d{12})$")
_ROOT_ARN = re.compile(r"^arn:[a-z-]+:iam::(\d{12}):root$")


class ProwlerOutputError(ValueError):
    """A Prowler output file that cannot be read; one line naming the file and the problem."""


class ProwlerImport(BaseModel):
    """What a Prowler output file held for rootguard."""

    model_config = ConfigDict(frozen=True)

    source: str
    results: list[Result]
    ignored: int = 0  # findings of checks that are not rootguard's
    dropped: int = 0  # rootguard findings that could not be turned into a Result (see `problems`)
    problems: list[str] = []
    account_id: str | None = None  # the scanning account
    region: str | None = None
    partition: str | None = None


def _load_list(path: Path) -> list[Any]:
    text = read_text(path, ProwlerOutputError)
    if not text.strip():
        return []  # Prowler writes nothing when a scan has no findings
    data = parse_json(text, str(path), ProwlerOutputError)
    if not isinstance(data, list):
        raise ProwlerOutputError(f"{path}: expected a JSON array of findings, got {type(data).__name__}")
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            raise ProwlerOutputError(f"{path}: finding [{i}] is {type(item).__name__}, not an object")
    return data


def _split_message(text: str, status: Status) -> tuple[str, NotEvaluatedReason | None]:
    match = _NOT_EVALUATED.match(text)
    if not match:
        return text, (NotEvaluatedReason.ERROR if status is Status.NOT_EVALUATED else None)
    try:
        reason = NotEvaluatedReason(match.group(1))
    except ValueError:
        reason = NotEvaluatedReason.ERROR
    return text[match.end() :], reason if status is Status.NOT_EVALUATED else None


def _kind_and_id(arn: str) -> tuple[ResourceKind, str]:
    if m := _ORG_ARN.search(arn):
        return ResourceKind.ORGANIZATION, m.group(1)
    if m := _ACCOUNT_ARN.search(arn):
        return ResourceKind.ACCOUNT, m.group(1)
    if m := _ROOT_ARN.match(arn):
        return ResourceKind.ACCOUNT, m.group(1)
    raise ValueError(f"resource ARN {arn!r} is neither an organization nor an account")


def _result(
    check_id: str, status: Status, message: str, arn: str, resource_id: str, rg: dict[str, Any] | None
) -> Result:
    message, reason = _split_message(message, status)
    kind, parsed_id = _kind_and_id(arn)
    rg = rg or {}
    if rg.get("resource_kind"):
        kind = ResourceKind(rg["resource_kind"])
    if rg.get("reason") and status is Status.NOT_EVALUATED:
        reason = NotEvaluatedReason(rg["reason"])
    details = rg.get("details") or {}
    if not isinstance(details, dict):
        raise ValueError("rootguard.details is not an object")
    return Result(
        check_id=check_id,
        status=status,
        reason=reason,
        resource=ResultResource(
            kind=kind, id=resource_id or parsed_id, arn=arn, name=rg.get("resource_name") or ""
        ),
        message=message,
        details=details,
    )


_OCSF_STATUS = {"PASS": Status.PASS, "FAIL": Status.FAIL, "MANUAL": Status.NOT_EVALUATED}
_ASFF_STATUS = {"PASSED": Status.PASS, "FAILED": Status.FAIL, "WARNING": Status.FAIL, "NOT_AVAILABLE": None}

# One finding read: the Result, and where it was found (account, Region, partition; None when not said).
_Parsed = tuple[Result, str | None, str | None, str | None]


def _read(
    path: str | Path,
    check_of: Callable[[dict[str, Any]], str | None],
    parse: Callable[[dict[str, Any], str], _Parsed],
    data: list[Any] | None = None,
) -> ProwlerImport:
    """Read every finding of a Prowler output file (`data`: its already parsed list): findings of other checks are counted as ignored, a finding
    that cannot be read is dropped with a problem line naming it, the rest become Results. The account, Region
    and partition are the first each finding states."""
    path = Path(path)
    results: list[Result] = []
    ignored = 0
    problems: list[str] = []
    account = region = partition = None
    for i, item in enumerate(_load_list(path) if data is None else data):
        check_id = check_of(item)
        if check_id is None:
            ignored += 1
            continue
        try:
            result, item_account, item_region, item_partition = parse(item, check_id)
        except (KeyError, IndexError, TypeError, ValueError, ValidationError) as exc:
            problems.append(f"finding [{i}] ({check_id}): {_describe(exc)}")
            continue
        results.append(result)
        account = account or item_account
        region = region or item_region
        partition = partition or item_partition
    return ProwlerImport(
        source=str(path),
        results=results,
        ignored=ignored,
        dropped=len(problems),
        problems=problems,
        account_id=account,
        region=region,
        partition=partition,
    )


def _ocsf_check(item: dict[str, Any]) -> str | None:
    check_id = (item.get("metadata") or {}).get("event_code")
    return check_id if check_id in CHECK_IDS else None


def _parse_ocsf(item: dict[str, Any], check_id: str) -> _Parsed:
    status = _OCSF_STATUS[item["status_code"]]
    resource = item["resources"][0]
    rg = ((resource.get("data") or {}).get("metadata") or {}).get("rootguard")
    if rg is not None and not isinstance(rg, dict):
        raise ValueError("resources[0].data.metadata.rootguard is not an object")
    message = item.get("status_detail") or item.get("message") or ""
    result = _result(check_id, status, message, resource["uid"], resource.get("name") or "", rg)
    cloud = item.get("cloud") or {}
    return (
        result,
        (cloud.get("account") or {}).get("uid"),
        resource.get("region") or cloud.get("region"),
        resource.get("cloud_partition"),
    )


def _asff_check(item: dict[str, Any]) -> str | None:
    generator = str(item.get("GeneratorId", ""))
    check_id = generator.removeprefix("prowler-")
    return check_id if generator.startswith("prowler-") and check_id in CHECK_IDS else None


def _parse_asff(item: dict[str, Any], check_id: str) -> _Parsed:
    status = _ASFF_STATUS[item["Compliance"]["Status"]] or Status.NOT_EVALUATED
    resource = item["Resources"][0]
    arn = resource["Id"]
    message = item.get("Description") or ""
    rg: dict[str, Any] = {}
    if check_id == MEMBER_CHECK_ID and status is Status.FAIL:
        # The structured details do not survive json-asff; recover what is present from the message so the
        # severity still follows the credentials (e.g. an active access key stays CRITICAL).
        rg["details"] = {"kinds": sorted(credentials_present({"kinds": _clauses(message)}))}
    result = _result(check_id, status, message, arn, "", rg)
    return result, item.get("AwsAccountId"), resource.get("Region"), resource.get("Partition")


def read_prowler_ocsf(path: str | Path) -> ProwlerImport:
    """Results from a `--output-formats json-ocsf` file."""
    return _read(path, _ocsf_check, _parse_ocsf)


def read_prowler_asff(path: str | Path) -> ProwlerImport:
    """Results from a `--output-formats json-asff` file (lossy: see the module docstring)."""
    return _read(path, _asff_check, _parse_asff)


def _clauses(message: str) -> list[str]:
    """The listed items after 'has:' in a member FAIL message, e.g. 'password', '1 active access key'."""
    _, _, tail = message.partition(":")
    return [part.strip() for part in re.split(r"[,;]", tail) if part.strip()]


def _describe(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}"
    if isinstance(exc, IndexError):
        return "no resources"
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        return f"{'.'.join(map(str, err['loc']))}: {err['msg']}"
    return str(exc).splitlines()[0]


def read_prowler_output(path: str | Path) -> ProwlerImport:
    """Either format, told apart by content (OCSF findings have `metadata.event_code`)."""
    path = Path(path)
    data = _load_list(path)
    if not data:
        return ProwlerImport(source=str(path), results=[])
    if "GeneratorId" in data[0] or "SchemaVersion" in data[0]:
        return _read(path, _asff_check, _parse_asff, data)
    if "metadata" in data[0] or "finding_info" in data[0]:
        return _read(path, _ocsf_check, _parse_ocsf, data)
    raise ProwlerOutputError(f"{path}: neither Prowler json-ocsf nor json-asff findings")


def findings_from_prowler(
    path: str | Path,
    run_at: datetime,
    placement: Placement | None = None,
    *,
    strict: bool = False,
) -> tuple[list[dict[str, Any]], ProwlerImport]:
    """Prowler output file -> rootguard ASFF findings (our product, ids and mappings) and the import summary.

    Without `placement`, findings are filed under the scanning account and Region recorded in the file."""
    imported = read_prowler_output(path)
    return build_findings_from(imported, run_at, placement, strict=strict), imported


def build_findings_from(
    imported: ProwlerImport, run_at: datetime, placement: Placement | None = None, *, strict: bool = False
) -> list[dict[str, Any]]:
    """The findings of an import already read (see findings_from_prowler)."""
    path = imported.source
    if placement is None:
        if not imported.results:
            return []
        if not (imported.account_id and imported.region):
            raise ProwlerOutputError(f"{path}: no scanning account or Region in the file; pass a placement")
        placement = Placement(
            account_id=imported.account_id, region=imported.region, partition=imported.partition or "aws"
        )
    return build_findings(imported.results, placement, run_at, strict=strict)
