"""Security Hub on the wire: moto's ``SecurityHubResponse`` with the contract AWS enforces.

moto 5.2 accepts nearly any finding, ignores GetFindings filters and lets a disabled hub import.
:class:`RootguardSecurityHubResponse` parses each request, gates it on the hub being enabled, and hands it to
the sandbox's own state (rootguard.sandbox.securityhub.backend), so boto3, the AWS CLI and Prowler's
``--security-hub`` output all meet AWS behaviour: a hub that must be enabled, validated ASFF, the UpdatedAt
rule, workflow resets, filters, BatchUpdateFindings, insights, product subscriptions and standards.

Its patch (:func:`patches`, applied with the sandbox's others) routes every Security Hub path to
:class:`RootguardSecurityHubResponse`. Throttling is not done here: the request pipeline owns quotas.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.common_types import TYPE_RESPONSE
from moto.core.utils import camelcase_to_underscores
from moto.securityhub import urls as moto_urls
from moto.securityhub.responses import SecurityHubResponse
from moto.sts.models import sts_backends
from moto.utilities.utils import get_partition

from rootguard.sandbox.patching import Patch
from rootguard.sandbox.securityhub.backend import MAX_BATCH, SecurityHubState, state
from rootguard.sandbox.securityhub.errors import (
    AccessDeniedException,
    InvalidAccessException,
    InvalidInputException,
    ResourceConflictException,
    ResourceNotFoundException,
)

MAX_REQUEST_BYTES = 6 * 1024 * 1024
# Actions answered even when the hub is off: only enabling it (API reference, InvalidAccessException).
_UNGATED_ACTIONS = frozenset({"EnableSecurityHub"})
# Paths moto's urls.py lacks, as regular expressions over the request path.
_EXTRA_PATHS = (
    "{0}/findings/batchupdate$",
    "{0}/insights$",
    "{0}/insights/get$",
    "{0}/insights/results/(?P<InsightArn>.+)$",
    "{0}/insights/(?P<InsightArn>.+)$",
    "{0}/productSubscriptions$",
    "{0}/productSubscriptions/(?P<ProductSubscriptionArn>.+)$",
    "{0}/standards/get$",
    "{0}/standards/register$",
    "{0}/standards/deregister$",
)


class RootguardSecurityHubResponse(SecurityHubResponse):
    """Wire layer: parses requests, gates on the hub, serializes results and errors."""

    @property
    def hub_state(self) -> SecurityHubState:
        return state(self.current_account, self.region)

    def call_action(self) -> TYPE_RESPONSE:
        # A disabled hub answers InvalidAccessException for every implemented action but EnableSecurityHub.
        # The action is swapped for this request only, so whatever runs before dispatch (authentication,
        # quotas, SCPs of the request pipeline) still comes first, as on AWS.
        action = self._get_action()
        if action and action not in _UNGATED_ACTIONS and not self.hub_state.enabled:
            method = camelcase_to_underscores(action)
            if hasattr(type(self), method):
                setattr(self, method, self._not_subscribed)
        return super().call_action()

    def _not_subscribed(self) -> str:
        raise InvalidAccessException.not_subscribed(self.current_account)

    def _json_body(self) -> dict[str, Any]:
        raw = self.body
        if not raw:
            return {}
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8")
        try:
            body = json.loads(raw)
        except ValueError:
            raise InvalidInputException("The request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise InvalidInputException("The request body must be a JSON object")
        return body

    def _uri_param(self, name: str) -> str:
        return (getattr(self, "uri_match", None) or {}).get(name, "")

    def _query_int(self, name: str) -> int | None:
        values = self.querystring.get(name)
        if not values:
            return None
        try:
            return int(values[0])
        except ValueError:
            raise InvalidInputException(f"{name} must be a number") from None

    def _caller_arn(self) -> str:
        partition = get_partition(self.region)
        try:
            _, arn, _ = sts_backends[self.current_account][partition].get_caller_identity(
                self.get_access_key(), self.region
            )
        except Exception:  # the caller's identity only decorates an error message
            return f"arn:{partition}:iam::{self.current_account}:root"
        return arn

    # ------------------------------------------------------------------------------------------------- hub

    def enable_security_hub(self) -> str:
        if self.hub_state.enabled:
            raise ResourceConflictException(
                f"Account {self.current_account} is already subscribed to AWS Security Hub"
            )
        return super().enable_security_hub()

    def disable_security_hub(self) -> str:
        # Findings stay stored (AWS deletes them only after 90 days) but are unreachable while off.
        self.securityhub_backend.enabled = False
        self.securityhub_backend.enabled_at = None
        return json.dumps({})

    def describe_hub(self) -> str:
        hub = self.securityhub_backend
        expected = self.hub_state.hub_arn()
        requested = self._json_body().get("HubArn") or (self.querystring.get("HubArn") or [None])[0]
        if requested and requested != expected:
            raise ResourceNotFoundException(f"Hub {requested} was not found")
        return json.dumps(
            {
                "HubArn": expected,
                "SubscribedAt": hub.enabled_at,
                "AutoEnableControls": True,
                "ControlFindingGenerator": "SECURITY_CONTROL",
            }
        )

    # -------------------------------------------------------------------------------------------- findings

    def batch_import_findings(self) -> str:
        raw = self.body or b""
        size = len(raw.encode("utf-8") if isinstance(raw, str) else raw)
        if size > MAX_REQUEST_BYTES:
            raise InvalidInputException("The request exceeds the 6 MB BatchImportFindings limit")
        findings = self._json_body().get("Findings")
        if not isinstance(findings, list) or not 1 <= len(findings) <= MAX_BATCH:
            count = len(findings) if isinstance(findings, list) else 0
            raise InvalidInputException(
                f"Findings must contain between 1 and {MAX_BATCH} findings, got {count}"
            )
        resource = self.hub_state.unauthorized_resource(findings)
        if resource is not None:
            raise AccessDeniedException.not_authorized(self._caller_arn(), "BatchImportFindings", resource)
        outcome = self.hub_state.batch_import_findings(findings, request_bytes=size)
        return json.dumps(
            {
                "FailedCount": len(outcome.failed),
                "SuccessCount": outcome.success_count,
                "FailedFindings": outcome.failed,
            }
        )

    def get_findings(self) -> str:
        body = self._json_body()
        page, token = self.hub_state.get_findings(
            filters=body.get("Filters"),
            sort_criteria=body.get("SortCriteria"),
            max_results=body.get("MaxResults"),
            next_token=body.get("NextToken"),
        )
        response: dict[str, Any] = {"Findings": page}
        if token:
            response["NextToken"] = token
        return json.dumps(response)

    def batch_update_findings(self) -> str:
        processed, unprocessed = self.hub_state.batch_update_findings(self._json_body())
        return json.dumps({"ProcessedFindings": processed, "UnprocessedFindings": unprocessed})

    # -------------------------------------------------------------------------------------------- insights

    def create_insight(self) -> str:
        body = self._json_body()
        for name in ("Name", "Filters", "GroupByAttribute"):
            if name not in body:
                raise InvalidInputException(f"CreateInsight requires {name}")
        arn = self.hub_state.create_insight(body["Name"], body["Filters"], body["GroupByAttribute"])
        return json.dumps({"InsightArn": arn})

    def get_insights(self) -> str:
        body = self._json_body()
        page, token = self.hub_state.get_insights(
            body.get("InsightArns"), body.get("MaxResults"), body.get("NextToken")
        )
        response: dict[str, Any] = {"Insights": page}
        if token:
            response["NextToken"] = token
        return json.dumps(response)

    def update_insight(self) -> str:
        body = self._json_body()
        self.hub_state.update_insight(
            self._uri_param("InsightArn"), body.get("Name"), body.get("Filters"), body.get("GroupByAttribute")
        )
        return json.dumps({})

    def delete_insight(self) -> str:
        arn = self._uri_param("InsightArn")
        self.hub_state.delete_insight(arn)
        return json.dumps({"InsightArn": arn})

    def get_insight_results(self) -> str:
        return json.dumps(
            {"InsightResults": self.hub_state.get_insight_results(self._uri_param("InsightArn"))}
        )

    # ------------------------------------------------------------------------------------------- standards

    def get_enabled_standards(self) -> str:
        body = self._json_body()
        page, token = self.hub_state.enabled_standards(
            body.get("StandardsSubscriptionArns"), body.get("MaxResults"), body.get("NextToken")
        )
        response: dict[str, Any] = {"StandardsSubscriptions": page}
        if token:
            response["NextToken"] = token
        return json.dumps(response)

    def batch_enable_standards(self) -> str:
        requests = self._json_body().get("StandardsSubscriptionRequests")
        subscriptions = self.hub_state.batch_enable_standards(requests)  # type: ignore[arg-type]
        self.hub_state.run_security_checks()  # the first checks follow enablement (within minutes on AWS)
        return json.dumps({"StandardsSubscriptions": subscriptions})

    def batch_disable_standards(self) -> str:
        arns = self._json_body().get("StandardsSubscriptionArns")
        return json.dumps({"StandardsSubscriptions": self.hub_state.batch_disable_standards(arns)})  # type: ignore[arg-type]

    # ------------------------------------------------------------------------------ product subscriptions

    def enable_import_findings_for_product(self) -> str:
        product_arn = self._json_body().get("ProductArn")
        if not isinstance(product_arn, str):
            raise InvalidInputException("EnableImportFindingsForProduct requires ProductArn")
        subscription = self.hub_state.enable_import_findings_for_product(product_arn)
        return json.dumps({"ProductSubscriptionArn": subscription})

    def disable_import_findings_for_product(self) -> str:
        self.hub_state.disable_import_findings_for_product(self._uri_param("ProductSubscriptionArn"))
        return json.dumps({})

    def list_enabled_products_for_import(self) -> str:
        subscriptions = list(self.hub_state.product_subscriptions.values())
        limit = self._query_int("MaxResults") or MAX_BATCH
        if not 1 <= limit <= MAX_BATCH:
            raise InvalidInputException(f"MaxResults must be a number between 1 and {MAX_BATCH}")
        token = (self.querystring.get("NextToken") or [None])[0]
        offset = int(token) if token and token.isdigit() else 0
        response: dict[str, Any] = {"ProductSubscriptions": subscriptions[offset : offset + limit]}
        if offset + limit < len(subscriptions):
            response["NextToken"] = str(offset + limit)
        return json.dumps(response)


def patches() -> list[Patch]:
    """Route every Security Hub path, and the paths moto lacks, to :class:`RootguardSecurityHubResponse`.

    moto reads ``moto.securityhub.urls.url_paths`` on each in-process request, and once when a server
    builds its Security Hub application (the served sandbox builds its own after the patches are applied).
    """
    paths = dict.fromkeys([*moto_urls.url_paths, *_EXTRA_PATHS], RootguardSecurityHubResponse.dispatch)
    return [Patch(moto_urls, "url_paths", paths)]
