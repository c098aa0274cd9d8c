"""The served sandbox's fast path for the calls a member audit repeats per account: sts:AssumeRoot and the
root-session reads (iam:GetAccountSummary, GetLoginProfile, ListAccessKeys, ListMFADevices,
ListSigningCertificates).

Through moto, each of them builds a werkzeug request and parses its form, runs moto's setup (query parsing
against the service model, URL parsing, account lookup), dispatches by reflection and serializes the answer
by walking the output shape. Here the form is parsed once, the sandbox's own checks run as the request
pipeline runs them (faults, credentials, the root session's task policy and expiry, SCPs, recording, moto's
last-used mark on the caller's key), the same backend functions answer, and the XML is written directly.

Only the plain success of a plain request takes this path. Anything else (an error the checks or the
backend would answer, an injected fault, a parameter the fast path does not read, another Region or
partition rule, moto's request recorder or pretty-printing, an account id header) goes to moto as before, with
the fault decision already taken handed over (`DECIDED`), so no random draw, count or token is spent twice.
Random draws (keys, session tokens, request ids) come from the same generator in the same order as moto's
path: the answers are the same bytes, which tests/sandbox/test_fast_path.py checks against moto's for the
same requests.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape

from moto import settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.responses import BaseResponse
from moto.iam.models import iam_backends, mark_account_as_visited
from moto.moto_api import recorder
from moto.utilities.utils import get_partition

from rootguard.sandbox import speedups
from rootguard.sandbox import state as _state
from rootguard.sandbox.caller import resolve
from rootguard.sandbox.errors import SandboxError
from rootguard.sandbox.faults import Decision
from rootguard.sandbox.iam import backend as iam_backend
from rootguard.sandbox.request_pipeline import DECIDED, scp_denial
from rootguard.sandbox.state import Principal, RootUser, SandboxState
from rootguard.sandbox.sts import backend as sts_backend
from rootguard.sandbox.sts.backend import task_policy_allows
from rootguard.sandbox.sts.responses import GLOBAL_HOSTS

_FORM = "application/x-www-form-urlencoded"
_STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
_IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
_VERSIONS = {"sts": "2011-06-15", "iam": "2010-05-08"}
_ROOT_READS = frozenset(
    {"GetAccountSummary", "GetLoginProfile", "ListAccessKeys", "ListMFADevices", "ListSigningCertificates"}
)
# The parameters each call may carry and still take the fast path (Action and Version aside).
_PARAMETERS = {
    ("sts", "AssumeRoot"): frozenset({"TargetPrincipal", "TaskPolicyArn.arn", "DurationSeconds"}),
    **{("iam", name): frozenset() for name in _ROOT_READS},
}
Answer = tuple[int, dict[str, str], str]


class _Fallback(Exception):
    """This request goes to moto's path."""


def _iso(moment: datetime) -> str:
    """moto's ISO 8601 timestamps: microseconds when there are any, always Z."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if moment.microsecond else "%Y-%m-%dT%H:%M:%SZ")


def _members(tag: str, rows: list[str]) -> str:
    return f"<{tag}>{''.join(rows)}</{tag}>" if rows else f"<{tag}/>"


class FastRequest:
    """What the sandbox's checks read of a request, for one fast-path call."""

    def __init__(self, environ: dict[str, Any], service: str, region: str, params: dict[str, str]) -> None:
        self.environ = environ
        self.service = service
        self.params = params
        self.action = params["Action"]
        auth = environ.get("HTTP_AUTHORIZATION", "")
        match = BaseResponse.access_key_regex.search(auth)
        if match is None:
            raise _Fallback
        self.access_key = match.group(1)
        self.host = str(environ.get("HTTP_HOST", ""))
        self.region = self._moto_region(region)
        self.partition = get_partition(self.region)

    def _moto_region(self, signed_region: str) -> str:
        """The Region moto gives the request: from the host, else the User-Agent, else the signature."""
        url = (
            f"{self.environ.get('wsgi.url_scheme', 'http')}://{self.host}{self.environ.get('PATH_INFO', '')}"
        )
        found = BaseResponse.region_regex.search(url)
        if found:
            return found.group(1)
        found = BaseResponse.region_from_useragent_regex.search(str(self.environ.get("HTTP_USER_AGENT", "")))
        return found.group(1) if found else signed_region


def _check(st: SandboxState, req: FastRequest, principal: Principal) -> None:
    """The request pipeline's checks (rootguard.sandbox.request_pipeline._check), answering only "go on" or
    "fall back": any refusal is answered by moto's path."""
    target = None
    if req.action == "AssumeRoot":
        value = req.params.get("TargetPrincipal")
        target = (value.rsplit(":", 2)[-2] if value.startswith("arn:") else value) if value else None
    decision = (
        st.faults.decide(principal.account_id, req.region, req.service, req.action, target)
        if st.faults
        else None
    )
    if decision is not None and decision.delay_s:
        time.sleep(decision.delay_s)
    if decision is not None and decision.error is not None:
        req.environ[DECIDED] = Decision(0.0, decision.error)
        raise _Fallback
    req.environ[DECIDED] = Decision()  # from here on moto's path must not decide again
    iam_action = f"{req.service}:{req.action}"
    session = principal.session
    if session is not None and (
        _state.now() >= session.expires_at or not task_policy_allows(session.task_policy, iam_action)
    ):
        raise _Fallback
    if scp_denial(st, principal, iam_action, st.partition):
        raise _Fallback


def _assume_root(st: SandboxState, req: FastRequest, caller: Principal) -> str:
    if (urlsplit("//" + req.host).hostname or "") in GLOBAL_HOSTS:  # lower-cased, as moto compares it
        raise _Fallback
    duration = req.params.get("DurationSeconds")
    if duration is not None and not (duration.isascii() and duration.isdigit()):
        raise _Fallback  # moto's parser decides what else means
    arn = req.params.get("TaskPolicyArn.arn")
    try:
        credentials = sts_backend.assume_root(
            st,
            caller,
            req.partition,
            duration_seconds=None if duration is None else int(duration),
            task_policy_arn=None if arn is None else {"arn": arn},
            target_principal=req.params.get("TargetPrincipal"),
        )
    except SandboxError:
        raise _Fallback from None  # nothing was created: moto's path answers the same refusal
    return (
        f'<AssumeRootResponse xmlns="{_STS_NS}"><AssumeRootResult><Credentials>'
        f"<AccessKeyId>{escape(credentials['AccessKeyId'])}</AccessKeyId>"
        f"<SecretAccessKey>{escape(credentials['SecretAccessKey'])}</SecretAccessKey>"
        f"<SessionToken>{escape(credentials['SessionToken'])}</SessionToken>"
        f"<Expiration>{_iso(credentials['Expiration'])}</Expiration>"
        "</Credentials></AssumeRootResult><ResponseMetadata><RequestId>{request_id}</RequestId>"
        "</ResponseMetadata></AssumeRootResponse>"
    )


def _root_user(st: SandboxState, principal: Principal) -> RootUser:
    if not principal.is_root:
        raise _Fallback
    return st.root_user(
        principal.account_id if principal.session is None else principal.session.target_account
    )


def _account_summary(st: SandboxState, req: FastRequest, principal: Principal) -> str:
    summary = dict(iam_backends[principal.account_id][req.partition].get_account_summary().summary_map)
    account = principal.session.target_account if principal.session is not None else principal.account_id
    summary.update(st.root_user(account).summary_flags())
    entries = "".join(
        f"<entry><key>{escape(k)}</key><value>{int(v)}</value></entry>" for k, v in summary.items()
    )
    return _iam("GetAccountSummary", f"<SummaryMap>{entries}</SummaryMap>")


def _login_profile(st: SandboxState, req: FastRequest, principal: Principal) -> str:
    root = _root_user(st, principal)
    with st.lock:
        try:
            iam_backend.require_login_profile(root)
        except SandboxError:
            raise _Fallback from None  # NoSuchEntity: moto's path answers it
        created = root.password_created or _state.now()
    profile = f"<CreateDate>{_iso(created)}</CreateDate><PasswordResetRequired>false</PasswordResetRequired>"
    return _iam("GetLoginProfile", f"<LoginProfile>{profile}</LoginProfile>")


def _access_keys(st: SandboxState, req: FastRequest, principal: Principal) -> str:
    root = _root_user(st, principal)
    with st.lock:
        rows = [
            f"<member><AccessKeyId>{escape(k.access_key_id)}</AccessKeyId><Status>{escape(k.status)}</Status>"
            f"<CreateDate>{_iso(k.created)}</CreateDate></member>"
            for k in root.access_keys
        ]
    return _iam("ListAccessKeys", _members("AccessKeyMetadata", rows) + "<IsTruncated>false</IsTruncated>")


def _mfa_devices(st: SandboxState, req: FastRequest, principal: Principal) -> str:
    root = _root_user(st, principal)
    with st.lock:
        rows = [
            f"<member><SerialNumber>{escape(d.serial)}</SerialNumber><EnableDate>{_iso(d.enabled)}</EnableDate>"
            "</member>"
            for d in root.mfa_devices
        ]
    return _iam("ListMFADevices", _members("MFADevices", rows) + "<IsTruncated>false</IsTruncated>")


def _signing_certificates(st: SandboxState, req: FastRequest, principal: Principal) -> str:
    from rootguard.sandbox.iam.responses import _CERT_BODY

    root = _root_user(st, principal)
    with st.lock:
        rows = [
            f"<member><CertificateId>{escape(c.certificate_id)}</CertificateId>"
            f"<CertificateBody>{escape(_CERT_BODY)}</CertificateBody><Status>{escape(c.status)}</Status>"
            f"<UploadDate>{_iso(c.uploaded)}</UploadDate></member>"
            for c in root.signing_certificates
        ]
    return _iam(
        "ListSigningCertificates", _members("Certificates", rows) + "<IsTruncated>false</IsTruncated>"
    )


def _iam(action: str, result: str) -> str:
    return (
        f'<{action}Response xmlns="{_IAM_NS}"><{action}Result>{result}</{action}Result>'
        f"<ResponseMetadata><RequestId>{{request_id}}</RequestId></ResponseMetadata></{action}Response>"
    )


_HANDLERS: dict[tuple[str, str], Callable[[SandboxState, FastRequest, Principal], str]] = {
    ("sts", "AssumeRoot"): _assume_root,
    ("iam", "GetAccountSummary"): _account_summary,
    ("iam", "GetLoginProfile"): _login_profile,
    ("iam", "ListAccessKeys"): _access_keys,
    ("iam", "ListMFADevices"): _mfa_devices,
    ("iam", "ListSigningCertificates"): _signing_certificates,
}


def _form(environ: dict[str, Any]) -> dict[str, str] | None:
    """The request's form parameters, the body left readable for moto's path; None when not a plain form."""
    if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") not in ("/", ""):
        return None
    if environ.get("QUERY_STRING") or not str(environ.get("CONTENT_TYPE", "")).startswith(_FORM):
        return None
    if environ.get("HTTP_CONTENT_ENCODING") or environ.get("HTTP_TRANSFER_ENCODING"):
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        return None
    params = dict(pairs)
    return params if len(params) == len(pairs) else None  # a repeated key: moto's path decides


def fast_answer(environ: dict[str, Any], service: str, region: str) -> Answer | None:
    """The (status, headers, body) moto would answer for a plain, successful audit call; None otherwise (the
    request then goes to moto, with `environ[DECIDED]` when the fault decision was already taken)."""
    st = _state.active()
    if (
        st is None
        or settings.PRETTIFY_RESPONSES
        or recorder._user_enabled  # moto's request recorder wants the werkzeug request
        or "MOTO_ACCOUNT_ID" in os.environ
        or "HTTP_X_MOTO_ACCOUNT_ID" in environ
        # moto's signature and IAM-policy check is on (INITIAL_NO_AUTH_ACTION_COUNT, /moto-api/reset-auth):
        # only moto's path runs it
        or ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT
    ):
        return None
    params = _form(environ)
    if params is None:
        return None
    action = params.get("Action", "")
    handler = _HANDLERS.get((service, action))
    allowed = _PARAMETERS.get((service, action))
    if handler is None or allowed is None or params.get("Version") != _VERSIONS[service]:
        return None
    if not set(params) - {"Action", "Version"} <= allowed:
        return None
    try:
        req = FastRequest(environ, service, region, params)
        principal = resolve(req.access_key, st.partition)
        if principal is None:
            raise _Fallback
        _check(st, req, principal)
        # moto's setup marks the caller's access key as used, whatever the call
        mark_account_as_visited(
            account_id=principal.account_id, access_key=req.access_key, service=service, region=req.region
        )
        body = handler(st, req, principal)
    except _Fallback:
        return None
    headers = {"Content-Type": "text/xml", "server": "amazon.com"}
    request_id = speedups.request_id(headers)
    st.recorder.record(principal, req.access_key, service, action, req.region, "ok")
    ActionAuthenticatorMixin.request_count += 1  # counted as moto counts a call it answers unauthenticated
    return 200, headers, body.replace("{request_id}", request_id, 1)
