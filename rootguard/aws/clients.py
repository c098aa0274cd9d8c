"""boto3 clients for a run: adaptive retries, the home Region, a Regional STS endpoint, rootguard's User-Agent.

A boto3 Session is not thread safe, its clients are. Clients are made from the caller's session (which keeps
its profile, endpoint settings and event hooks) under one lock, so worker threads can each make their own.

Every call carries a fixed User-Agent that starts with ``rootguard/<version>``, so CloudTrail's userAgent field
tells rootguard's calls apart from everything else the same role does. Fixed also means botocore does not
rebuild and sanitize its composite User-Agent twice per request, which was about a quarter of the client's CPU
per call in a member audit (bench/bench_audit.py).
"""

from __future__ import annotations

import platform
import threading
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore
from botocore.client import BaseClient
from botocore.config import Config
from botocore.credentials import Credentials

from rootguard import __version__
from rootguard.errors import CollectError

USER_AGENT = f"rootguard/{__version__} Botocore/{botocore.__version__} Python/{platform.python_version()}"
# The member audit's requests are built by rootguard from ListAccounts answers; botocore's client-side
# validation of them costs CPU on every call and can only ever agree with what AWS checks anyway.
_AUDIT_CONFIG = Config(parameter_validation=False)
_GLOBAL_STS_HOSTS = frozenset({"sts.amazonaws.com"})


def retry_config(region: str, max_attempts: int) -> Config:
    # A 10 s connect timeout (botocore's default is 60 s): an endpoint that does not accept a connection in
    # 10 s is down, and each of a run's requests would otherwise wait a minute per attempt to find out.
    return Config(
        region_name=region,
        retries={"mode": "adaptive", "total_max_attempts": max_attempts},
        user_agent=USER_AGENT,
        connect_timeout=10,
        read_timeout=60,
    )


def ensure_regional_sts(client: BaseClient) -> None:
    """Fail fast when the STS client resolved to the global endpoint (sts:AssumeRoot needs a Regional one)."""
    host = (urlsplit(client.meta.endpoint_url).hostname or "").lower()
    if host in _GLOBAL_STS_HOSTS:
        raise CollectError(
            f"the STS client resolved to the global endpoint {host}, which rejects sts:AssumeRoot; "
            "unset AWS_STS_REGIONAL_ENDPOINTS=legacy (or sts_regional_endpoints=legacy in the AWS config)"
        )


def paginate(
    client: BaseClient, operation: str, result_key: str, **kwargs: Any
) -> Iterator[Mapping[str, Any]]:
    """Items of every page, one at a time (pages are not kept)."""
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(result_key, [])


class ClientFactory:
    """Makes clients from one caller session; safe to call from any thread."""

    def __init__(self, session: boto3.Session, region: str, max_attempts: int) -> None:
        self._session = session
        self._lock = threading.Lock()
        self.region = region
        self.config = retry_config(region, max_attempts)

    def client(self, service: str, **kwargs: Any) -> BaseClient:
        with self._lock:
            return self._session.client(service, config=self.config, **kwargs)  # type: ignore[call-overload]

    def sts(self, *, audit: bool = False) -> BaseClient:
        client = self.audit_client("sts") if audit else self.client("sts")
        ensure_regional_sts(client)
        return client

    def audit_client(self, service: str) -> BaseClient:
        """A client for the member audit's hot path: as :meth:`client`, without client-side validation."""
        with self._lock:
            return self._session.client(  # type: ignore[call-overload]
                service, config=self.config.merge(_AUDIT_CONFIG)
            )


class BorrowedCredentialsClient:
    """A client of one worker thread that signs with whichever short-term credentials it is lent.

    Making a new client per member account costs several milliseconds of CPU each; one client per worker,
    re-signed per account, keeps a 10,000-account audit network bound. The credentials live only here, only
    until :meth:`release`, and are never logged.
    """

    def __init__(self, client: BaseClient) -> None:
        self.client = client
        self._credentials: Credentials | None = None
        client.meta.events.register("before-sign", self._sign_with_borrowed)

    def lend(self, access_key_id: str, secret_access_key: str, session_token: str) -> None:
        self._credentials = Credentials(access_key_id, secret_access_key, session_token)

    def release(self) -> None:
        self._credentials = None

    def _sign_with_borrowed(self, request: Any, **_: Any) -> None:
        if self._credentials is None:
            raise RuntimeError("internal: a member-account call was made without session credentials")
        request.context.setdefault("signing", {})["request_credentials"] = self._credentials
