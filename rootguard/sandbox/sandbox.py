"""The Sandbox: a scenario on moto, in-process (mock_aws) or served over HTTP (rootguard.sandbox.serving)."""

from __future__ import annotations

import gc
import logging
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
import botocore.session

from rootguard.sandbox import state as _state
from rootguard.sandbox.faults import ErrorRule, FaultEngine, LatencyRule, QuotaRule
from rootguard.sandbox.moto_patches import moto_patches
from rootguard.sandbox.patching import PatchSet
from rootguard.sandbox.recorder import RecordedCall
from rootguard.sandbox.scenarios.loader import load_scenario
from rootguard.sandbox.scenarios.model import Scenario, ScenarioError
from rootguard.sandbox.scenarios.seeding import create_scanner, seed
from rootguard.sandbox.state import Gating, RootUser, SandboxState

PRINCIPALS = ("scanner", "root")
RECORDED_PRINCIPALS = ("scanner", "root-session", "any")


_data_loader: Any = None


def _botocore_session() -> botocore.session.Session:
    """A fresh botocore session (own credentials, own event hooks) sharing one data loader per process, so
    each new session does not read and parse botocore's service models again (~100 ms per client)."""
    global _data_loader
    session = botocore.session.Session()
    if _data_loader is None:
        _data_loader = session.get_component("data_loader")
    else:
        session.register_component("data_loader", _data_loader)
    return session


class _ServedSession(boto3.Session):
    """A Session whose clients and resources default to the served sandbox's endpoint."""

    sandbox_endpoint_url: str = ""

    def client(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs.setdefault("endpoint_url", self.sandbox_endpoint_url)
        return super().client(*args, **kwargs)

    def resource(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs.setdefault("endpoint_url", self.sandbox_endpoint_url)
        return super().resource(*args, **kwargs)


class Sandbox:
    """A local AWS organization. ``Sandbox(scenario).start()`` in-process, or ``.serve()`` over HTTP."""

    def __init__(self, scenario: Scenario | dict[str, Any] | str | Path) -> None:
        self.scenario: Scenario = load_scenario(scenario)
        self.state: SandboxState | None = None
        self.endpoint_url: str | None = None
        self._mock: Any = None
        self._server: Any = None
        self._patches: PatchSet | None = None  # moto's patches, while this sandbox has them applied

    # ------------------------------------------------------------------------------------ lifecycle

    def start(self) -> Sandbox:
        """Start in-process: mock_aws, the patches to moto, the seeded scenario."""
        from moto import mock_aws

        self._require_stopped()
        self._mock = mock_aws()
        self._mock.start()
        try:
            self._seed()
        except BaseException:
            self.stop()
            raise
        return self

    def serve(self, port: int = 0, host: str = "127.0.0.1", *, quiet: bool = True) -> Sandbox:
        """Serve over HTTP on host:port (0: a free port); clients reach it through `endpoint_url`/`env()`.

        quiet: do not log every request (werkzeug's access log).
        """
        if quiet:
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
        from moto.core.base_backend import BackendDict

        from rootguard.sandbox.serving.application import SandboxApplication
        from rootguard.sandbox.serving.http_server import SandboxServer

        self._require_stopped()
        BackendDict.reset()
        self._seed()
        # The seeded organization lives until stop(): keep it out of the cyclic collector's scans, which
        # otherwise cost ~0.5 ms per request at 10,000 accounts (unfrozen by stop()).
        gc.collect()
        gc.freeze()
        server = SandboxServer(SandboxApplication(), host=host, port=port)
        try:
            server.start()
        except BaseException:
            gc.unfreeze()
            self.stop()
            raise
        self._server = server
        bound_host, bound_port = server.host_and_port()
        self.endpoint_url = f"http://{bound_host}:{bound_port}"
        return self

    def stop(self) -> None:
        if self.state is not None:
            _state.deactivate(self.state)
            self.state = None
        if self._server is not None:
            from moto.core.base_backend import BackendDict

            self._server.stop()
            self._server = None
            self.endpoint_url = None
            gc.unfreeze()
            BackendDict.reset()
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        if self._patches is not None:
            self._patches.undo()
            self._patches = None

    def __enter__(self) -> Sandbox:
        return self if self.state is not None else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _require_stopped(self) -> None:
        if self.state is not None:
            raise RuntimeError("this Sandbox is already running")

    def _seed(self) -> None:
        sc = self.scenario
        # lazy: Security Hub loads botocore's model, which `import rootguard.sandbox` need not pay for
        from rootguard.sandbox.securityhub.backend import (
            configure_controls,
            enable_hub,
            enable_standards,
            run_security_checks,
        )
        from rootguard.sandbox.securityhub.controls import STANDARD_ALIASES, ControlsConfig

        st = SandboxState(
            partition=sc.partition,
            region=sc.home_region,
            management_account_id=sc.management_account_id,
            organization_id=None,
            gating=Gating(
                require_root_sessions=sc.root_sessions.require_root_sessions,
                credential_tasks_require_root_credentials_management=(
                    sc.root_sessions.credential_tasks_require_root_credentials_management
                ),
            ),
            faults=FaultEngine(sc.faults, seed=sc.seed),
            strict_credentials=sc.strict_credentials,
        )
        _state.activate(st)  # refused while another sandbox runs, before anything of moto changes
        self.state = st
        patches = moto_patches()
        patches.apply()
        self._patches = patches
        seed(st, sc)
        everyone = [sc.management_account_id, *(a.id for a in sc.accounts)]
        hub = sc.securityhub
        standards = [STANDARD_ALIASES.get(s, s) for s in hub.standards]
        administrator = hub.administrator_of(sc.organization)
        if administrator is not None and administrator not in st.scanners:
            create_scanner(st, administrator, sc.home_region)  # who reconciles the members' findings
        configure_controls(
            ControlsConfig(
                administrator=administrator,
                standards=tuple(standards),
                without_credentials=hub.root_controls_without_credentials,
                stand_ins={
                    "PASSED": hub.other_controls.passed,
                    "FAILED": hub.other_controls.failed,
                    "WARNING": hub.other_controls.unknown,
                },
            )
        )
        hubs: dict[str, list[str]] = {}
        for key, regions in hub.enabled.items():
            for account_id in everyone if key == "*" else [key]:
                for region in regions:
                    enable_hub(account_id, region)
                    if standards:
                        enable_standards(account_id, region, standards)
                    hubs.setdefault(region, []).append(account_id)
        if standards:
            for region, accounts in hubs.items():
                run_security_checks(region, accounts)

    # ------------------------------------------------------------------------------------ identity

    @property
    def management_account_id(self) -> str:
        return self.scenario.management_account_id

    @property
    def organization_id(self) -> str | None:
        return self._running().organization_id

    @property
    def region(self) -> str:
        return self.scenario.home_region

    def _running(self) -> SandboxState:
        if self.state is None:
            raise RuntimeError("the Sandbox is not running: call start() or serve() first")
        return self.state

    def credentials(self, account_id: str | None = None, principal: str = "scanner") -> tuple[str, str]:
        """(access key id, secret access key) of a principal the sandbox seeded.

        principal "scanner": the IAM user seeded in the management account and in each IAM delegated
        administrator account. "root": the account's root user, through its first Active root access key.
        """
        st = self._running()
        account_id = account_id or self.management_account_id
        if principal == "scanner":
            if account_id not in st.scanners:
                raise ValueError(
                    f"no scanner in {account_id}: scanners exist in the management account and IAM delegated "
                    f"administrators ({', '.join(sorted(st.scanners))})"
                )
            return st.scanners[account_id]
        if principal == "root":
            root = st.root_user(account_id)
            for key in root.access_keys:
                if key.status == "Active":
                    if key.access_key_id not in st.principals:
                        from rootguard.sandbox.state import Principal

                        st.register(Principal(key.access_key_id, account_id, root.arn, "root"))
                    return key.access_key_id, key.secret
            raise ValueError(
                f"the root user of {account_id} has no Active access key (add one with root_user())"
            )
        raise ValueError(f"unknown principal {principal!r}: use one of {', '.join(PRINCIPALS)}")

    def session(self, account_id: str | None = None, principal: str = "scanner") -> boto3.Session:
        """A boto3 Session for a seeded principal, in the home Region, pointed at this sandbox."""
        key, secret = self.credentials(account_id, principal)
        return self._boto3_session(key, secret, None)

    def session_from(self, credentials: dict[str, Any]) -> boto3.Session:
        """A boto3 Session for STS `Credentials` (AssumeRoot, AssumeRole), pointed at this sandbox."""
        return self._boto3_session(
            credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials.get("SessionToken")
        )

    def _boto3_session(self, key: str, secret: str, token: str | None) -> boto3.Session:
        session = _ServedSession if self.endpoint_url else boto3.Session
        out = session(
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            aws_session_token=token,
            region_name=self.region,
            botocore_session=_botocore_session(),
        )
        if self.endpoint_url:
            out.sandbox_endpoint_url = self.endpoint_url  # type: ignore[attr-defined]
        return out

    def env(self, account_id: str | None = None, principal: str = "scanner") -> dict[str, str]:
        """Environment variables for a client process (the AWS CLI, Prowler, rootguard) using this sandbox."""
        key, secret = self.credentials(account_id, principal)
        out = {
            "AWS_ACCESS_KEY_ID": key,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "AWS_STS_REGIONAL_ENDPOINTS": "regional",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        if self.endpoint_url:
            out["AWS_ENDPOINT_URL"] = self.endpoint_url
        return out

    # ------------------------------------------------------------------------------------ test knobs

    def root_user(self, account_id: str) -> RootUser:
        """The root user of an account, to read or change its credentials (changes are seen at once)."""
        st = self._running()
        user = st.root_user(account_id)
        return user

    def inject(self, **rule: Any) -> ErrorRule:
        """Fail matching calls, e.g. inject(service="sts", target=account_id, code="AccessDenied")."""
        return self._faults().inject(rule)

    def set_latency(self, **rule: Any) -> LatencyRule:
        """Delay matching calls, e.g. set_latency(service="iam", fixed_ms=20, jitter_ms=5)."""
        return self._faults().set_latency(rule)

    def set_quota(self, **rule: Any) -> QuotaRule:
        """Throttle matching calls, e.g. set_quota(service="sts", action="AssumeRoot", rate=5, burst=5)."""
        return self._faults().set_quota(rule)

    def clear_faults(self, *, quotas: bool = False) -> None:
        self._faults().clear(quotas=quotas)

    # ------------------------------------------------------------------------------------ recorded calls

    def recorded_calls(self) -> Counter[RecordedCall]:
        """Every distinct call the sandbox served since it started (or was cleared), with its count."""
        return self._running().recorder.calls()

    def recorded_actions(
        self, principal: str = "scanner", account_id: str | None = None, *, succeeded_only: bool = False
    ) -> set[str]:
        """IAM actions ("service:Action") the sandbox served for a principal, allowed or not.

        principal "scanner": the seeded scanner users (of `account_id` only, when given); "root-session":
        calls made inside sts:AssumeRoot sessions (into `account_id` only, when given); "any": every caller,
        unauthenticated ones included.
        """
        if principal not in RECORDED_PRINCIPALS:
            raise ValueError(f"unknown principal {principal!r}: use one of {', '.join(RECORDED_PRINCIPALS)}")
        st = self._running()
        scanner_keys = {key for acct, (key, _) in st.scanners.items() if account_id in (None, acct)}
        out: set[str] = set()
        for call in st.recorder.calls():
            if succeeded_only and call.outcome != "ok":
                continue
            if principal == "scanner" and call.access_key_id not in scanner_keys:
                continue
            if principal == "root-session" and (
                call.principal_kind != "root-session" or account_id not in (None, call.account_id)
            ):
                continue
            out.add(call.action)
        return out

    def clear_recorded_calls(self) -> None:
        self._running().recorder.clear()

    def _faults(self) -> FaultEngine:
        st = self._running()
        assert st.faults is not None
        return st.faults


__all__ = ["Sandbox", "ScenarioError"]
