"""Opt-in remediation of centralized root access: dry run by default, every step logged.

```python
from rootguard.remediate import AuditLog, apply_plan, plan_delete_root_credentials

log = AuditLog("rootguard-remediation.jsonl")
plan = plan_delete_root_credentials(session, ["666666666661"], "us-east-1")     # reads only
outcome = apply_plan(session, plan, "us-east-1", log, apply=False)              # dry run: logs, changes nothing
outcome = apply_plan(session, plan, "us-east-1", log, apply=True)               # deletes, then re-audits
```
"""

from rootguard.remediate.apply import apply_plan, planned_steps
from rootguard.remediate.audit_log import AuditLog, AuditRecord
from rootguard.remediate.enable import enable_centralized_root
from rootguard.remediate.errors import Refusal, RemediationError, mask, redact
from rootguard.remediate.models import (
    AccountOutcome,
    AccountPlan,
    AccountPlanStatus,
    AccountResultStatus,
    CredentialKind,
    EnableOutcome,
    PasswordRecoveryOutcome,
    PlannedCredential,
    RemediationOutcome,
    RemediationPlan,
    Step,
    StepStatus,
)
from rootguard.remediate.password import allow_password_recovery
from rootguard.remediate.plan import plan_delete_root_credentials

__all__ = [
    "AccountOutcome",
    "AccountPlan",
    "AccountPlanStatus",
    "AccountResultStatus",
    "AuditLog",
    "AuditRecord",
    "CredentialKind",
    "EnableOutcome",
    "PasswordRecoveryOutcome",
    "PlannedCredential",
    "Refusal",
    "RemediationError",
    "RemediationOutcome",
    "RemediationPlan",
    "Step",
    "StepStatus",
    "allow_password_recovery",
    "apply_plan",
    "enable_centralized_root",
    "mask",
    "plan_delete_root_credentials",
    "planned_steps",
    "redact",
]
