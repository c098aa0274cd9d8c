"""Where a finding goes (account, Region, partition), and a Security Hub CSPM client for it.

The builders decide AwsAccountId and ProductArn per placement; here each finding is routed to the hub of the
account and Region it names. In central placement that is always the publishing account: a finding naming
another account is refused, because Security Hub answers AccessDenied to a whole request that contains one.
In per-member placement, other accounts are reached by assuming `arn:<partition>:iam::<account>:role/<name>`.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import boto3
import botocore.session
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from rootguard.aws.errors import error_code, error_message
from rootguard.securityhub.hub import Target, target_of
from rootguard.securityhub.outcome import Item, ids_preview

ROLE_SESSION_NAME = "rootguard-publisher"


class TargetError(Exception):
    """A target that cannot be reached (role not assumable, no credentials); one line."""


@dataclass
class Routes:
    """Findings grouped by the hub they go to (in a stable order), and what was left out."""

    hubs: dict[Target, list[Item]] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)  # one line per reason, for the report's errors
    skipped: int = 0  # findings not sent: refused, or an earlier duplicate of the same Id
    duplicates: int = 0  # Ids given more than once for one hub: the last of each is sent


def route(
    findings: Iterable[dict[str, Any]],
    *,
    placement: Literal["central", "per-member"],
    publishing_account: str,
) -> Routes:
    """Group findings by the hub each must be imported into (see target_of). Refused: findings without a
    valid AwsAccountId and ProductArn, and in central placement every finding naming another account."""
    groups: dict[Target, dict[str, Item]] = defaultdict(dict)
    foreign: Counter[str] = Counter()
    unroutable: list[str] = []
    out = Routes()
    for finding in findings:
        target = target_of(finding)
        if target is None:
            unroutable.append(str(finding.get("Id", "?")))
            continue
        if placement == "central" and target.account_id != publishing_account:
            foreign[target.account_id] += 1
            continue
        group = groups[target]
        fid = str(finding["Id"])
        if fid in group:
            out.duplicates += 1
        group[fid] = Item(finding)
    for other, count in sorted(foreign.items()):
        out.refused.append(
            f"refused {count} finding(s) with AwsAccountId {other}: central placement imports only into "
            f"the publishing account {publishing_account}; build them with that account or use per-member "
            "placement"
        )
    if unroutable:
        out.refused.append(
            f"refused {len(unroutable)} finding(s) without a valid AwsAccountId and ProductArn: "
            f"{ids_preview(unroutable)}"
        )
    out.skipped = sum(foreign.values()) + len(unroutable) + out.duplicates
    out.hubs = {t: list(group.values()) for t, group in sorted(groups.items())}
    return out


def role_arn(partition: str, account_id: str, role_name: str) -> str:
    return f"arn:{partition}:iam::{account_id}:role/{role_name}"


def client_config(max_in_flight: int, max_attempts: int, *, validate_params: bool = True) -> Config:
    """botocore's adaptive retries (client-side rate limiting after a throttle) and enough connections.

    Security Hub clients skip botocore's client-side parameter validation: every finding already passed
    rootguard's ASFF schema, generated from the same botocore model, and re-checking 100 nested findings
    per call costs more CPU than the call itself on a busy scanner."""
    return Config(
        parameter_validation=validate_params,
        retries={"mode": "adaptive", "total_max_attempts": max_attempts},
        max_pool_connections=max(10, 2 * max_in_flight),
        connect_timeout=10,
        read_timeout=60,
    )


def _endpoint_of(session: boto3.Session) -> str | None:
    core = getattr(session, "_session", None)
    if core is None:
        return None
    value = core.get_config_variable("endpoint_url")
    return value if isinstance(value, str) and value else None


class HubClients:
    """Security Hub clients per target, created once and shared by the sending threads (boto3 clients are
    thread-safe). Sessions for other accounts come from sts:AssumeRole with the base session."""

    def __init__(self, session: boto3.Session, caller_account: str, config: Config) -> None:
        self._session = session
        self._caller = caller_account
        self._config = config
        self._sts_config = config.merge(Config(parameter_validation=True))
        self._lock = threading.Lock()
        self._clients: dict[tuple[Target, str | None], BaseClient] = {}
        self._sessions: dict[tuple[str, str], boto3.Session] = {}

    def client(self, target: Target, role_name: str | None = None) -> BaseClient:
        use_role = role_name if target.account_id != self._caller else None
        key = (target, use_role)
        with self._lock:
            found = self._clients.get(key)
        if found is not None:
            return found
        session = self._session if use_role is None else self._assumed(target, use_role)
        made = session.client("securityhub", region_name=target.region, config=self._config)
        with self._lock:
            return self._clients.setdefault(key, made)

    def _assumed(self, target: Target, role_name: str) -> boto3.Session:
        key = (target.account_id, role_name)
        with self._lock:
            cached = self._sessions.get(key)
        if cached is not None:
            return cached
        arn = role_arn(target.partition, target.account_id, role_name)
        try:
            sts = self._session.client("sts", config=self._sts_config)
            creds = sts.assume_role(RoleArn=arn, RoleSessionName=ROLE_SESSION_NAME)["Credentials"]
        except ClientError as exc:
            raise TargetError(
                f"cannot assume {arn} to import into {target}: {error_code(exc)}: {error_message(exc)}"
            ) from None
        except BotoCoreError as exc:
            raise TargetError(f"cannot assume {arn} to import into {target}: {exc}") from None
        core = botocore.session.Session()
        endpoint = _endpoint_of(self._session)
        if endpoint:  # a local endpoint (the sandbox served over HTTP) applies to derived sessions too
            core.set_config_variable("endpoint_url", endpoint)
        derived = boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name=target.region,
            botocore_session=core,
        )
        with self._lock:
            return self._sessions.setdefault(key, derived)
