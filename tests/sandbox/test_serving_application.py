"""The served sandbox's WSGI application answers exactly as moto's server application does.

Each request is signed by botocore as a client would send it, then given to both applications as the same
WSGI environ; status, headers and body must match (request ids, which moto draws at random, are masked).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from sandbox_helpers import ADMIN, AUDIT, BLOCKED, MEMBER, MGMT, scenario
from werkzeug.test import EnvironBuilder

from rootguard.sandbox import Sandbox
from rootguard.sandbox.serving.application import SandboxApplication

ENDPOINT = "http://127.0.0.1:5999"
_REQUEST_ID = re.compile(r"(?<=<RequestId>)[^<]*|(?<=<RequestID>)[^<]*")


class _Captured(Exception):
    def __init__(self, request: Any) -> None:
        self.request = request


def _raise_captured(request: Any, **_: Any) -> None:
    raise _Captured(request)


def signed(session: boto3.Session, service: str, operation: str, **params: Any) -> Any:
    """The request botocore would send for this call (signed, not sent)."""
    client = session.client(service, endpoint_url=ENDPOINT)
    client.meta.events.register("before-send", _raise_captured)
    with pytest.raises(_Captured) as captured:
        getattr(client, operation)(**params)
    return captured.value.request


def environ(request: Any, **extra_headers: str) -> dict[str, Any]:
    url = urlsplit(request.url)
    headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
    headers.update(extra_headers)
    body = request.body.encode() if isinstance(request.body, str) else (request.body or b"")
    env = EnvironBuilder(
        method=request.method,
        path=url.path or "/",
        query_string=url.query,
        headers=headers,
        data=body,
        base_url=ENDPOINT,
    ).get_environ()
    env["RAW_URI"] = (url.path or "/") + (f"?{url.query}" if url.query else "")
    return env


def call(app: Callable[..., Any], env: dict[str, Any]) -> tuple[str, list[tuple[str, str]], str]:
    """(status, headers, body) with request ids masked; an exception the application raises, by type."""
    started: list[Any] = []
    try:
        body = b"".join(app(env, lambda status, headers, exc_info=None: started.append((status, headers))))
    except Exception as exc:
        return "raised", [], type(exc).__name__
    status, headers = started[0]
    masked = [(k, "<id>" if k.lower() in ("x-amzn-requestid", "x-amz-request-id") else v) for k, v in headers]
    return status, masked, _REQUEST_ID.sub("<id>", body.decode())


@pytest.fixture
def served() -> Iterator[Sandbox]:
    with Sandbox(scenario(securityhub={"enabled": {MGMT: ["us-east-1"]}})).serve() as sb:
        yield sb


@pytest.fixture
def apps() -> tuple[SandboxApplication, DomainDispatcherApplication]:
    return SandboxApplication(), DomainDispatcherApplication(create_backend_app)


def _root(sb: Sandbox, target: str) -> boto3.Session:
    creds = sb.session().client("sts").assume_root(TargetPrincipal=target, TaskPolicyArn={"arn": AUDIT})
    return sb.session_from(creds["Credentials"])


def _cases(sb: Sandbox) -> dict[str, Any]:
    scanner = sb.session()
    member_root = _root(sb, MEMBER)
    unknown = boto3.Session(
        aws_access_key_id="AKIAUNKNOWNUNKNOWN00",
        aws_secret_access_key="unknown",
        region_name="us-east-1",
    )
    return {
        "iam GetAccountSummary in a root session": signed(member_root, "iam", "get_account_summary"),
        "iam ListOrganizationsFeatures": signed(scanner, "iam", "list_organizations_features"),
        "iam ListUsers denied by the task policy": signed(member_root, "iam", "list_users"),
        "iam GetAccountSummary denied by an SCP": signed(_root(sb, BLOCKED), "iam", "get_account_summary"),
        "iam call with an unknown key": signed(unknown, "iam", "get_account_summary"),
        "sts GetCallerIdentity": signed(scanner, "sts", "get_caller_identity"),
        "sts AssumeRoot invalid task policy": signed(
            scanner,
            "sts",
            "assume_root",
            TargetPrincipal=MEMBER,
            TaskPolicyArn={"arn": "arn:aws:iam::aws:policy/root-task/Nope"},
        ),
        "organizations DescribeOrganization": signed(scanner, "organizations", "describe_organization"),
        "organizations ListAccounts": signed(scanner, "organizations", "list_accounts", MaxResults=3),
        "organizations delegated admin ListRoots": signed(sb.session(ADMIN), "organizations", "list_roots"),
        "organizations unknown action": signed(scanner, "organizations", "describe_organization"),
        "securityhub DescribeHub": signed(scanner, "securityhub", "describe_hub"),
        "securityhub GetFindings": signed(scanner, "securityhub", "get_findings", MaxResults=5),
    }


def test_fast_path_answers_as_moto_does(served: Sandbox, apps: tuple[Any, Any]) -> None:
    fast, moto_app = apps
    for name, request in _cases(served).items():
        extra = {"X-Amz-Target": "AWSOrganizationsV20161128.NoSuchAction"} if "unknown action" in name else {}
        assert fast._fast_handler(environ(request, **extra)) is not None, name  # the short path answers
        assert call(fast, environ(request, **extra)) == call(moto_app, environ(request, **extra)), name


def test_slow_cases_go_through_moto_and_answer_the_same(served: Sandbox, apps: tuple[Any, Any]) -> None:
    fast, moto_app = apps
    scanner = served.session()
    request = signed(scanner, "iam", "list_organizations_features")
    s3 = signed(scanner, "s3", "list_buckets")
    cases: dict[str, Callable[[], dict[str, Any]]] = {
        "CORS request": lambda: environ(request, Origin="http://localhost:3000"),
        "unsigned": lambda: {k: v for k, v in environ(request).items() if k != "HTTP_AUTHORIZATION"},
        "unrouted path": lambda: {
            **environ(request),
            "PATH_INFO": "/no/such/path",
            "RAW_URI": "/no/such/path",
        },
        "another service": lambda: environ(s3),
        "moto api": lambda: {
            **environ(request),
            "PATH_INFO": "/moto-api/data.json",
            "RAW_URI": "/moto-api/data.json",
            "REQUEST_METHOD": "GET",
        },
    }
    for name, make in cases.items():
        assert fast._fast_handler(make()) is None, name
        ours, theirs = call(fast, make()), call(moto_app, make())
        if name == "moto api":  # a dump of every backend: request bookkeeping changes it between calls
            assert ours[0] == theirs[0] == "200 OK", name
        else:
            assert ours == theirs, name


def test_served_boto3_calls_through_the_fast_path(served: Sandbox) -> None:
    summary = _root(served, MEMBER).client("iam").get_account_summary()["SummaryMap"]
    assert summary["AccountAccessKeysPresent"] == 1 and summary["AccountMFAEnabled"] == 1
    with pytest.raises(Exception) as exc:
        _root(served, BLOCKED).client("iam").get_account_summary()
    assert "service control policy" in str(exc.value)
