"""State of the sandbox's Security Hub: findings, product subscriptions, insights and standards per account and
Region, and the administrator's view of its members' findings.

It sits next to moto's ``securityhub_backends`` (which keeps whether the hub is enabled) in a
``BackendDict`` of its own, so moto resets it together with every other backend.

Behaviour follows the Security Hub user guide, "BatchImportFindings for finding providers" and "Setting the
workflow status of findings"; each rule cites its source where it is applied. The root-user controls, control
status and the security score are rootguard.sandbox.securityhub.controls.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend
from moto.securityhub.models import SecurityHubBackend, securityhub_backends

from rootguard.sandbox import state as sandbox_state
from rootguard.sandbox.securityhub import controls
from rootguard.sandbox.securityhub.api_model import string_filter_fields
from rootguard.sandbox.securityhub.asff import (
    MAX_FINDING_BYTES,
    RESERVED_PRODUCT_FIELD_PREFIX,
    finding_error,
    shape_problem,
    timestamp_ns,
)
from rootguard.sandbox.securityhub.errors import (
    InvalidInputException,
    LimitExceededException,
    ResourceConflictException,
    ResourceNotFoundException,
)
from rootguard.sandbox.securityhub.filters import (
    FilterError,
    compile_filters,
    compile_sort,
    field_values,
    sort_key_value,
)

MAX_BATCH = 100
MAX_RESULTS = 100
MAX_CUSTOM_INSIGHTS = 100
MAX_OPEN_CURSORS = 64

# "Setting the workflow status of findings" (user guide): NOTIFIED/RESOLVED go back to NEW when the record
# is re-activated (ARCHIVED -> ACTIVE) or Compliance.Status leaves PASSED (-> FAILED, WARNING,
# NOT_AVAILABLE). SUPPRESSED never changes on import. The automatic RESOLVED on PASSED applies to Security
# Hub's own control findings only, not to findings a provider imports.
_RESETTABLE_WORKFLOW = frozenset({"NOTIFIED", "RESOLVED"})
_FAILING_COMPLIANCE = frozenset({"FAILED", "WARNING", "NOT_AVAILABLE"})
# After creation, BatchImportFindings cannot change these (API reference, BatchImportFindings).
_CUSTOMER_ONLY = ("Note", "UserDefinedFields", "VerificationState", "Workflow", "WorkflowState")
# Providers set these through FindingProviderFields; once a customer changed the top-level value with
# BatchUpdateFindings, imports no longer overwrite it ("FindingProviderFields" in the ASFF reference).
_PROVIDER_FIELDS = ("Confidence", "Criticality", "RelatedFindings", "Severity", "Types")
# Severity.Label <-> Severity.Normalized (ASFF reference, "Severity").
_LABEL_TO_NORMALIZED = {"INFORMATIONAL": 0, "LOW": 1, "MEDIUM": 40, "HIGH": 70, "CRITICAL": 90}
_ACCOUNT_ID = re.compile(r"\d{12}")  # a malformed AwsAccountId fails validation instead
_KNOWN_PRODUCTS = {"prowler/prowler": ("Prowler", "Prowler")}
_DEFAULT_PRODUCT_NAMES = ("Default", "Personal")  # ProductName, CompanyName of custom findings
_PRODUCT_ARN = re.compile(
    r"arn:(?P<partition>[\w-]+):securityhub:(?P<region>[\w-]+):(?P<account>\d{12})?:product/(?P<company>[^/]+)/(?P<product>[^/]+)"
)


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def label_for(normalized: int) -> str:
    if normalized == 0:
        return "INFORMATIONAL"
    if normalized < 40:
        return "LOW"
    if normalized < 70:
        return "MEDIUM"
    if normalized < 90:
        return "HIGH"
    return "CRITICAL"


@dataclass
class StoredFinding:
    data: dict[str, Any]
    updated_ns: int
    customer_set: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class ImportOutcome:
    success_count: int
    failed: list[dict[str, str]]


@dataclass(frozen=True)
class ProductRef:
    arn: str
    company: str
    product: str
    account: str | None

    @property
    def is_default(self) -> bool:
        return self.product == "default" and self.account is not None and self.company == self.account


def parse_product_arn(arn: str) -> ProductRef | None:
    match = _PRODUCT_ARN.fullmatch(arn)
    if match is None:
        return None
    return ProductRef(arn, match["company"], match["product"], match["account"])


class SecurityHubState(BaseBackend):
    """Findings, subscriptions and insights of one account in one Region."""

    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)
        self.findings: dict[tuple[str, str], StoredFinding] = {}
        self.product_subscriptions: dict[str, str] = {}  # product ARN -> subscription ARN
        self.insights: dict[str, dict[str, Any]] = {}
        self.standards: dict[str, dict[str, Any]] = {}  # StandardsId -> its StandardsSubscription
        self._cursors: OrderedDict[str, list[tuple[str, tuple[str, str]]]] = OrderedDict()

    # ------------------------------------------------------------------------------------------- hub state

    @property
    def hub(self) -> SecurityHubBackend:
        return securityhub_backends[self.account_id][self.region_name]

    @property
    def enabled(self) -> bool:
        return bool(self.hub.enabled)

    @property
    def default_product_arn(self) -> str:
        account = self.account_id
        return f"arn:{self.partition}:securityhub:{self.region_name}:{account}:product/{account}/default"

    def hub_arn(self) -> str:
        return f"arn:{self.partition}:securityhub:{self.region_name}:{self.account_id}:hub/default"

    # ------------------------------------------------------------------------- administrator and members

    def visible(self) -> list[SecurityHubState]:
        """The hubs whose findings this account sees: its own, and, for the Security Hub administrator, every
        member's in this Region ("administrator accounts can view findings from member accounts"; user
        guide, "Administrator and member accounts")."""
        return [self, *(state(m, self.region_name) for m in members_of(self.account_id, self.region_name))]

    def changed(self) -> None:
        """Findings changed: open cursors here and in the administrator's view are stale."""
        self._cursors.clear()
        admin = _controls_config().administrator
        if admin and admin != self.account_id:
            state(admin, self.region_name)._cursors.clear()

    # ------------------------------------------------------------------------------- product subscriptions

    def enable_import_findings_for_product(self, product_arn: str) -> str:
        product = parse_product_arn(product_arn)
        expected_prefix = f"arn:{self.partition}:securityhub:{self.region_name}:"
        if product is None or product.account is not None or not product_arn.startswith(expected_prefix):
            raise InvalidInputException(f"Invalid ProductArn {product_arn}")
        if product_arn in self.product_subscriptions:
            raise ResourceConflictException(
                f"Account {self.account_id} is already subscribed to the product {product_arn}"
            )
        subscription = (
            f"arn:{self.partition}:securityhub:{self.region_name}:{self.account_id}:"
            f"product-subscription/{product.company}/{product.product}"
        )
        self.product_subscriptions[product_arn] = subscription
        return subscription

    def disable_import_findings_for_product(self, subscription_arn: str) -> None:
        for product_arn, subscription in list(self.product_subscriptions.items()):
            if subscription == subscription_arn:
                del self.product_subscriptions[product_arn]
                return
        raise ResourceNotFoundException(f"Product subscription {subscription_arn} not found")

    def product_names(self, product: ProductRef) -> tuple[str, str]:
        if product.is_default:
            return _DEFAULT_PRODUCT_NAMES
        return _KNOWN_PRODUCTS.get(
            f"{product.company}/{product.product}", (product.product.title(), product.company.title())
        )

    def unauthorized_resource(self, findings: list[Any]) -> str | None:
        """The first ProductArn the caller may not import to (its AccessDenied resource), if any.

        A finding must name the caller's account and either the caller's default product or a product in
        this Region (subscription is checked per finding). Source: API reference, BatchImportFindings
        ("the identifier of the account that you are calling BatchImportFindings from needs to be the same
        as the AwsAccountId attribute"); AWS answers AccessDeniedException for the whole request
        (prowler-cloud/prowler#867, confirmed by AWS Support).
        """
        for finding in findings:
            if not isinstance(finding, Mapping):
                continue
            product_arn = finding.get("ProductArn")
            account = finding.get("AwsAccountId")
            if isinstance(account, str) and _ACCOUNT_ID.fullmatch(account) and account != self.account_id:
                return product_arn if isinstance(product_arn, str) else self.default_product_arn
            if not isinstance(product_arn, str):
                continue
            if product_arn == self.default_product_arn:
                continue
            product = parse_product_arn(product_arn)
            in_region = product_arn.startswith(f"arn:{self.partition}:securityhub:{self.region_name}:")
            if product is None or product.account is not None or not in_region:
                return product_arn
        return None

    # --------------------------------------------------------------------------------- BatchImportFindings

    def batch_import_findings(self, findings: list[Any], request_bytes: int | None = None) -> ImportOutcome:
        now = now_iso()
        check_size = request_bytes is None or request_bytes > MAX_FINDING_BYTES
        success = 0
        failed: list[dict[str, str]] = []
        for finding in findings:
            problem = finding_error(finding, check_size)
            if problem is not None:
                failed.append(_failure(finding, "InvalidInput", problem))
                continue
            product = parse_product_arn(finding["ProductArn"])
            assert product is not None  # unauthorized_resource() rejected anything else
            if not product.is_default and finding["ProductArn"] not in self.product_subscriptions:
                # "If ... the finding provider integration is not enabled, the findings are returned in the
                # FailedFindings list, with an InvalidAccess error" (user guide, BatchImportFindings).
                failed.append(
                    _failure(
                        finding,
                        "InvalidAccess",
                        f"Import from product {finding['ProductArn']} is not enabled for account "
                        f"{self.account_id} in {self.region_name}",
                    )
                )
                continue
            self._upsert(finding, product, now)
            success += 1
        if success:
            self.changed()
        return ImportOutcome(success, failed)

    def _upsert(self, incoming: Mapping[str, Any], product: ProductRef, now: str) -> None:
        key = (incoming["ProductArn"], incoming["Id"])
        updated_ns = timestamp_ns(incoming["UpdatedAt"])
        assert updated_ns is not None  # validated
        existing = self.findings.get(key)
        if existing is not None and updated_ns <= existing.updated_ns:
            # "BatchImportFindings for finding providers": an update whose UpdatedAt is not later than the
            # stored one is ignored. The request still counts it as a success.
            return
        data = dict(incoming)
        if existing is None:
            data.setdefault("Workflow", {"Status": "NEW"})
            data.setdefault("WorkflowState", "NEW")
            customer_set: set[str] = set()
        else:
            old = existing.data
            for name in _CUSTOMER_ONLY:
                data.pop(name, None)
                if name in old:
                    data[name] = old[name]
            for name in existing.customer_set:
                data.pop(name, None)
                if name in old:
                    data[name] = old[name]
            data["Workflow"] = {"Status": self._reset_workflow(old, incoming)}
            customer_set = existing.customer_set
        data.setdefault("RecordState", "ACTIVE")
        self._stamp_service_fields(data, incoming, product, now)
        self.findings[key] = StoredFinding(data, updated_ns, customer_set)

    @staticmethod
    def _reset_workflow(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
        status = (old.get("Workflow") or {}).get("Status", "NEW")
        if status not in _RESETTABLE_WORKFLOW:
            return status
        reactivated = old.get("RecordState") == "ARCHIVED" and new.get("RecordState", "ACTIVE") == "ACTIVE"
        old_compliance = (old.get("Compliance") or {}).get("Status")
        new_compliance = (new.get("Compliance") or {}).get("Status")
        failing_again = old_compliance == "PASSED" and new_compliance in _FAILING_COMPLIANCE
        return "NEW" if reactivated or failing_again else status

    def _stamp_service_fields(
        self, data: dict[str, Any], incoming: Mapping[str, Any], product: ProductRef, now: str
    ) -> None:
        product_name, company_name = self.product_names(product)
        if product.is_default:  # a custom integration may name itself (ASFF reference, ProductName)
            data.setdefault("ProductName", product_name)
            data.setdefault("CompanyName", company_name)
        else:
            data["ProductName"], data["CompanyName"] = product_name, company_name
        data["Region"] = self.region_name
        data["ProcessedAt"] = now
        severity = dict(data["Severity"])
        if "Label" not in severity:
            severity["Label"] = label_for(severity["Normalized"])
        severity.setdefault("Normalized", _LABEL_TO_NORMALIZED[severity["Label"]])
        data["Severity"] = severity
        if "FindingProviderFields" not in incoming:
            # Absent FindingProviderFields are filled from the provider's top-level values (ASFF reference).
            sent = incoming["Severity"]
            provider: dict[str, Any] = {
                "Severity": {"Label": sent.get("Label") or label_for(sent["Normalized"])}
            }
            if "Original" in sent:
                provider["Severity"]["Original"] = sent["Original"]
            for name in ("Types", "Confidence", "Criticality", "RelatedFindings"):
                if name in incoming:
                    provider[name] = incoming[name]
            data["FindingProviderFields"] = provider
        fields = {
            key: value
            for key, value in (data.get("ProductFields") or {}).items()
            if not key.startswith(RESERVED_PRODUCT_FIELD_PREFIX)
        }
        fields["aws/securityhub/FindingId"] = f"{data['ProductArn']}/{data['Id']}"
        fields["aws/securityhub/ProductName"] = data["ProductName"]
        fields["aws/securityhub/CompanyName"] = data["CompanyName"]
        data["ProductFields"] = fields

    # ------------------------------------------------------------------------------------------ GetFindings

    def get_findings(
        self,
        filters: Mapping[str, Any] | None,
        sort_criteria: list[Mapping[str, Any]] | None,
        max_results: int | None,
        next_token: str | None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        limit = _page_size(max_results)
        if next_token:
            cursor_id, offset = _decode_token(next_token)
            keys = self._cursors.get(cursor_id)
            if keys is None:
                raise InvalidInputException("The NextToken is invalid or has expired")
            self._cursors.move_to_end(cursor_id)
        else:
            keys = self._matching_keys(filters, sort_criteria)
            cursor_id, offset = uuid.uuid4().hex, 0
        page_keys = keys[offset : offset + limit]
        hubs = {hub.account_id: hub for hub in self.visible()}
        page = [
            hubs[account].findings[key].data
            for account, key in page_keys
            if account in hubs and key in hubs[account].findings
        ]
        if offset + limit >= len(keys):
            self._cursors.pop(cursor_id, None)
            return page, None
        self._cursors[cursor_id] = keys
        while len(self._cursors) > MAX_OPEN_CURSORS:
            self._cursors.popitem(last=False)
        return page, _encode_token(cursor_id, offset + limit)

    def _matching_keys(
        self, filters: Mapping[str, Any] | None, sort_criteria: list[Mapping[str, Any]] | None
    ) -> list[tuple[str, tuple[str, str]]]:
        try:
            predicate = compile_filters(filters)
            order = compile_sort(sort_criteria)
        except FilterError as problem:
            raise InvalidInputException(str(problem)) from None
        data: dict[tuple[str, tuple[str, str]], dict[str, Any]] = {}
        for hub in self.visible():
            for key, stored in hub.findings.items():
                if predicate(stored.data):
                    data[(hub.account_id, key)] = stored.data
        keys = list(data)
        for field_name, descending in reversed(order):  # stable sorts, last criterion first
            keys.sort(key=lambda k: sort_key_value(data[k], field_name), reverse=descending)
        return keys

    # --------------------------------------------------------------------------------- BatchUpdateFindings

    def batch_update_findings(self, request: Mapping[str, Any]) -> tuple[list[dict], list[dict]]:
        problem = shape_problem(request, "BatchUpdateFindingsRequest", "request")
        if problem is not None:
            raise InvalidInputException(problem)
        identifiers = request["FindingIdentifiers"]
        if not 1 <= len(identifiers) <= MAX_BATCH:
            raise InvalidInputException(f"FindingIdentifiers must contain between 1 and {MAX_BATCH} items")
        updates = {name: value for name, value in request.items() if name != "FindingIdentifiers"}
        if not updates:
            raise InvalidInputException("At least one field to update must be provided")
        _check_update_values(updates)
        now = now_iso()
        processed: list[dict[str, str]] = []
        unprocessed: list[dict[str, Any]] = []
        seen: set[tuple[str, str]] = set()
        hubs = self.visible()
        touched: set[str] = set()
        for identifier in identifiers:
            key = (identifier["ProductArn"], identifier["Id"])
            ident = {"Id": identifier["Id"], "ProductArn": identifier["ProductArn"]}
            if key in seen:
                unprocessed.append(
                    _unprocessed(ident, "DuplicatedFindingIdentifier", "Duplicated finding identifier")
                )
                continue
            seen.add(key)
            # An administrator updates its members' findings too (user guide, "BatchUpdateFindings for
            # customers"); a member only its own: another account's finding is not found.
            owner = next((hub for hub in hubs if key in hub.findings), None)
            if owner is None:
                unprocessed.append(_unprocessed(ident, "FindingNotFound", "Finding Not Found"))
                continue
            _apply_update(owner.findings[key], updates, now)
            touched.add(owner.account_id)
            processed.append(ident)
        for account in touched:
            state(account, self.region_name).changed()
        return processed, unprocessed

    # ------------------------------------------------------------------------------------------- standards

    def batch_enable_standards(self, requests: list[Any]) -> list[dict[str, Any]]:
        """Subscribe to standards by ARN (the standards of controls.STANDARDS); already enabled ones are
        returned as they are. Control findings follow at the next security check."""
        if not isinstance(requests, list) or not 1 <= len(requests) <= 25:
            raise InvalidInputException("StandardsSubscriptionRequests must contain between 1 and 25 items")
        out = []
        for request in requests:
            arn = request.get("StandardsArn") if isinstance(request, Mapping) else None
            standard = controls.standard_id_of_arn(arn) if isinstance(arn, str) else None
            if standard is None or arn != controls.standard_arn(self.partition, self.region_name, standard):
                raise InvalidInputException(f"Invalid StandardsArn {arn}")
            out.append(self.enable_standard(standard))
        return out

    def enable_standard(self, standard: str) -> dict[str, Any]:
        found = self.standards.get(standard)
        if found is None:
            found = self.standards[standard] = {
                "StandardsSubscriptionArn": controls.subscription_arn(
                    self.partition, self.region_name, self.account_id, standard
                ),
                "StandardsArn": controls.standard_arn(self.partition, self.region_name, standard),
                "StandardsInput": {},
                "StandardsStatus": "READY",
                "StandardsControlsUpdatable": "READY_FOR_UPDATES",
            }
        return copy.deepcopy(found)

    def batch_disable_standards(self, arns: list[Any]) -> list[dict[str, Any]]:
        if not isinstance(arns, list) or not 1 <= len(arns) <= 25:
            raise InvalidInputException("StandardsSubscriptionArns must contain between 1 and 25 items")
        by_arn = {sub["StandardsSubscriptionArn"]: standard for standard, sub in self.standards.items()}
        out = []
        for arn in arns:
            if arn not in by_arn:
                raise ResourceNotFoundException(f"Standards subscription {arn} not found")
            sub = self.standards.pop(by_arn[arn])
            out.append({**sub, "StandardsStatus": "DELETING"})
        return out

    def enabled_standards(
        self, arns: list[str] | None, max_results: int | None, next_token: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        limit = _page_size(max_results)
        subs = [copy.deepcopy(s) for s in self.standards.values()]
        if arns:
            subs = [s for s in subs if s["StandardsSubscriptionArn"] in arns]
        offset = _decode_offset(next_token) if next_token else 0
        more = offset + limit < len(subs)
        return subs[offset : offset + limit], (_encode_token("standards", offset + limit) if more else None)

    # ------------------------------------------------------------------------------ security checks

    def run_security_checks(self, now: str | None = None) -> None:
        """Evaluate the root-user controls of this account (and, in the administrator's hub, the stand-in
        controls) against its root user now, as the periodic checks do (controls.py)."""
        if not self.enabled or not self.standards:
            return
        config = _controls_config()
        st = sandbox_state.active()
        now = now or now_iso()
        enabled = list(self.standards)
        findings: list[dict[str, Any]] = []
        account = st.accounts.get(self.account_id) if st is not None else None
        # A suspended or closing account runs no checks (AWS does not say; its Config rules cannot run).
        if st is not None and account is not None and getattr(account, "status", "ACTIVE") == "ACTIVE":
            root = st.root_user(self.account_id)
            summary = root.summary_flags()
            kinds = [d.kind for d in root.mfa_devices]
            for control in controls.ROOT_CONTROLS.values():
                standards = [s for s in enabled if s in control.standards]
                if not standards:
                    continue
                status = controls.evaluate(control.control_id, summary, kinds, config.without_credentials)
                findings.append(
                    controls.control_finding(
                        partition=self.partition, region=self.region_name, account=self.account_id,
                        control_id=control.control_id, title=control.title, description=control.description,
                        status=status, standards=standards, requirements=list(control.requirements),
                        config_rule=control.config_rule, now=now,
                    )
                )  # fmt: skip
        if config.administrator == self.account_id:
            number = 0
            for status in ("PASSED", "FAILED", "WARNING"):
                for _ in range(config.stand_ins.get(status, 0)):
                    number += 1
                    findings.append(
                        controls.control_finding(
                            partition=self.partition, region=self.region_name, account=self.account_id,
                            control_id=f"{controls.STAND_IN_PREFIX}{number}",
                            title=f"Stand-in control {number} of the sandbox", description="A stand-in for "
                            "one of the standard's other controls, with a fixed compliance status.",
                            status=status, standards=enabled, requirements=[], config_rule=None, now=now,
                        )
                    )  # fmt: skip
        for finding in findings:
            self._record_control_finding(finding)
        if findings:
            self.changed()

    def _record_control_finding(self, finding: dict[str, Any]) -> None:
        key = (finding["ProductArn"], finding["Id"])
        updated_ns = timestamp_ns(finding["UpdatedAt"])
        assert updated_ns is not None
        existing = self.findings.get(key)
        if existing is None:
            finding["ProcessedAt"] = finding["UpdatedAt"]
            self.findings[key] = StoredFinding(finding, updated_ns)
            return
        old = existing.data
        data = dict(finding)
        for name in ("FirstObservedAt", "CreatedAt"):
            data[name] = old.get(name, data[name])
        for name in _CUSTOMER_ONLY:  # Note, UserDefinedFields, ...: customers' fields survive a check
            data.pop(name, None)
            if name in old:
                data[name] = old[name]
        status = controls.next_workflow(old, finding)
        data["Workflow"] = {"Status": status}
        data["WorkflowState"] = status
        data["ProcessedAt"] = finding["UpdatedAt"]
        self.findings[key] = StoredFinding(data, max(updated_ns, existing.updated_ns), existing.customer_set)

    # -------------------------------------------------------------------------------------------- insights

    def create_insight(self, name: str, filters: Mapping[str, Any], group_by: str) -> str:
        self._check_insight(name, filters, group_by)
        if len(self.insights) >= MAX_CUSTOM_INSIGHTS:
            raise LimitExceededException(
                f"You have reached the limit of {MAX_CUSTOM_INSIGHTS} custom insights "
                "for this account and Region"
            )
        arn = (
            f"arn:{self.partition}:securityhub:{self.region_name}:{self.account_id}:"
            f"insight/{self.account_id}/custom/{uuid.uuid4()}"
        )
        self.insights[arn] = {
            "InsightArn": arn,
            "Name": name,
            "Filters": copy.deepcopy(dict(filters)),
            "GroupByAttribute": group_by,
        }
        return arn

    def update_insight(
        self, arn: str, name: str | None, filters: Mapping[str, Any] | None, group_by: str | None
    ) -> None:
        insight = self._insight(arn)
        self._check_insight(
            name if name is not None else insight["Name"],
            filters if filters is not None else insight["Filters"],
            group_by if group_by is not None else insight["GroupByAttribute"],
        )
        if name is not None:
            insight["Name"] = name
        if filters is not None:
            insight["Filters"] = copy.deepcopy(dict(filters))
        if group_by is not None:
            insight["GroupByAttribute"] = group_by

    def delete_insight(self, arn: str) -> None:
        self._insight(arn)
        del self.insights[arn]

    def get_insights(
        self, arns: list[str] | None, max_results: int | None, next_token: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        limit = _page_size(max_results)
        selected = [self._insight(arn) for arn in arns] if arns else list(self.insights.values())
        offset = _decode_offset(next_token) if next_token else 0
        page = copy.deepcopy(selected[offset : offset + limit])
        more = offset + limit < len(selected)
        return page, (_encode_token("insights", offset + limit) if more else None)

    def get_insight_results(self, arn: str) -> dict[str, Any]:
        insight = self._insight(arn)
        predicate = compile_filters(insight["Filters"])
        group_by = insight["GroupByAttribute"]
        counts: dict[str, int] = {}
        for stored in self.findings.values():
            if predicate(stored.data):
                for value in set(map(str, field_values(stored.data, group_by))):
                    counts[value] = counts.get(value, 0) + 1
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:MAX_RESULTS]
        return {
            "InsightArn": arn,
            "GroupByAttribute": group_by,
            "ResultValues": [{"GroupByAttributeValue": value, "Count": count} for value, count in ranked],
        }

    def _insight(self, arn: str) -> dict[str, Any]:
        insight = self.insights.get(arn)
        if insight is None:
            raise ResourceNotFoundException(
                f"The request was rejected because the insight {arn} was not found"
            )
        return insight

    @staticmethod
    def _check_insight(name: str, filters: Mapping[str, Any], group_by: str) -> None:
        if not isinstance(name, str) or not name.strip():
            raise InvalidInputException("Insight Name must be a non-empty string")
        if group_by not in string_filter_fields():
            raise InvalidInputException(
                f"GroupByAttribute {group_by} is not a valid finding attribute to group by"
            )
        try:
            compile_filters(filters)
            field_values({}, group_by)
        except FilterError as problem:
            raise InvalidInputException(str(problem)) from None
        except KeyError:
            raise InvalidInputException(
                f"GroupByAttribute {group_by} is not supported by the rootguard sandbox"
            ) from None


def _failure(finding: Any, code: str, message: str) -> dict[str, str]:
    finding_id = finding.get("Id") if isinstance(finding, Mapping) else None
    return {
        "Id": finding_id if isinstance(finding_id, str) else "",
        "ErrorCode": code,
        "ErrorMessage": message,
    }


def _unprocessed(identifier: dict[str, str], code: str, message: str) -> dict[str, Any]:
    return {"FindingIdentifier": identifier, "ErrorCode": code, "ErrorMessage": message}


def _check_update_values(updates: Mapping[str, Any]) -> None:
    for name in ("Confidence", "Criticality"):
        if name in updates and not 0 <= updates[name] <= 100:
            raise InvalidInputException(f"{name} must be between 0 and 100")
    note = updates.get("Note")
    if note is not None and (len(note["Text"]) > 512 or len(note["UpdatedBy"]) > 128):
        raise InvalidInputException("Note.Text must be at most 512 and Note.UpdatedBy at most 128 characters")
    severity = updates.get("Severity")
    if severity is not None:
        if not severity:
            raise InvalidInputException("Severity must set Label, Normalized or Product")
        if "Normalized" in severity and not 0 <= severity["Normalized"] <= 100:
            raise InvalidInputException("Severity.Normalized must be between 0 and 100")


def _apply_update(stored: StoredFinding, updates: Mapping[str, Any], now: str) -> None:
    """BatchUpdateFindings: customer fields change, UpdatedAt does not (API reference)."""
    data = stored.data
    for name, value in updates.items():
        if name == "Note":
            data["Note"] = {"Text": value["Text"], "UpdatedBy": value["UpdatedBy"], "UpdatedAt": now}
        elif name == "Workflow":
            if "Status" in value:
                data["Workflow"] = {"Status": value["Status"]}
        elif name == "Severity":
            severity = dict(data.get("Severity") or {})
            severity.update(value)
            if "Label" in value and "Normalized" not in value:
                severity["Normalized"] = _LABEL_TO_NORMALIZED[value["Label"]]
            elif "Normalized" in value and "Label" not in value:
                severity["Label"] = label_for(value["Normalized"])
            data["Severity"] = severity
        else:
            data[name] = copy.deepcopy(value)
        if name in _PROVIDER_FIELDS:
            stored.customer_set.add(name)


def _page_size(max_results: int | None) -> int:
    if max_results is None:
        return MAX_RESULTS
    if (
        isinstance(max_results, bool)
        or not isinstance(max_results, int)
        or not 1 <= max_results <= MAX_RESULTS
    ):
        raise InvalidInputException(f"MaxResults must be a number between 1 and {MAX_RESULTS}")
    return max_results


def _encode_token(cursor: str, offset: int) -> str:
    raw = json.dumps({"c": cursor, "o": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode_token(token: str) -> tuple[str, int]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(token.encode()))
        cursor, offset = payload["c"], payload["o"]
        if not isinstance(cursor, str) or not isinstance(offset, int) or offset < 0:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise InvalidInputException("The NextToken is invalid or has expired") from None
    return cursor, offset


def _decode_offset(token: str) -> int:
    return _decode_token(token)[1]


securityhub_state = BackendDict(SecurityHubState, "securityhub")


# ------------------------------------------------------------------------------ for tests, demos, seeding


def state(account_id: str, region: str) -> SecurityHubState:
    """The sandbox state of one account's hub in one Region."""
    return securityhub_state[account_id][region]


def enable_hub(account_id: str, region: str) -> None:
    """Subscribe an account to Security Hub in a Region (no-op when already enabled)."""
    hub = state(account_id, region).hub
    if not hub.enabled:
        hub.enable_security_hub(enable_default_standards=False)


def disable_hub(account_id: str, region: str) -> None:
    hub = state(account_id, region).hub
    hub.enabled = False
    hub.enabled_at = None


def hub_enabled(account_id: str, region: str) -> bool:
    return state(account_id, region).enabled


def enable_import_findings_for_product(account_id: str, region: str, product_arn: str) -> str:
    """Accept findings from a product, e.g. ``arn:aws:securityhub:<region>::product/prowler/prowler``.

    Returns the product subscription ARN; enabling an already enabled product is a no-op.
    """
    hub = state(account_id, region)
    existing = hub.product_subscriptions.get(product_arn)
    return existing if existing is not None else hub.enable_import_findings_for_product(product_arn)


def _controls_config() -> controls.ControlsConfig:
    st = sandbox_state.active()
    config = getattr(st, "securityhub", None) if st is not None else None
    return config if isinstance(config, controls.ControlsConfig) else controls.ControlsConfig()


def members_of(account_id: str, region: str) -> list[str]:
    """The Security Hub member accounts an administrator sees in a Region: every other account of the
    sandbox's organization whose hub is enabled there (the organization's accounts are auto-enabled)."""
    config = _controls_config()
    st = sandbox_state.active()
    if st is None or config.administrator != account_id:
        return []
    return [a for a in st.accounts if a != account_id and hub_enabled(a, region)]


def configure_controls(config: controls.ControlsConfig) -> None:
    """Set the running sandbox's administrator, standards and root-control evaluation (seeding does it)."""
    st = sandbox_state.active()
    if st is None:
        raise RuntimeError("no sandbox is running")
    st.securityhub = config


def enable_standards(account_id: str, region: str, standards: list[str]) -> None:
    """Subscribe a hub to standards (ids like ``standards/cis-aws-foundations-benchmark/v/1.4.0`` or
    ``cis-aws-foundations-benchmark/v/1.4.0``)."""
    hub = state(account_id, region)
    for standard in standards:
        hub.enable_standard(controls.STANDARD_ALIASES.get(standard, standard))


def run_security_checks(region: str, accounts: list[str] | None = None) -> None:
    """Run the periodic root-user control checks now in every enabled hub of the Region (or of `accounts`),
    from each account's root user as it is now. Security Hub runs them every 24 hours; tests call this."""
    st = sandbox_state.active()
    everyone = list(st.accounts) if st is not None else []
    for account in accounts if accounts is not None else everyone:
        state(account, region).run_security_checks()


def control_status(account_id: str, region: str, standard: str) -> dict[str, str]:
    """Control id -> status as `account_id` sees them for a standard (an administrator: with its members)."""
    standard = controls.STANDARD_ALIASES.get(standard, standard)
    visible = [s.data for hub in state(account_id, region).visible() for s in hub.findings.values()]
    return controls.control_statuses(visible, standard)


def security_score(account_id: str, region: str, standard: str) -> int | None:
    """The security score (percent) of a standard as `account_id` sees it; None when no control has data."""
    standard = controls.STANDARD_ALIASES.get(standard, standard)
    visible = [s.data for hub in state(account_id, region).visible() for s in hub.findings.values()]
    return controls.security_score(visible, standard)


def findings(account_id: str, region: str) -> list[dict[str, Any]]:
    """Copies of every stored finding of an account and Region, in import order (for tests and demos)."""
    return [copy.deepcopy(stored.data) for stored in state(account_id, region).findings.values()]


def insights(account_id: str, region: str) -> list[dict[str, Any]]:
    return copy.deepcopy(list(state(account_id, region).insights.values()))
