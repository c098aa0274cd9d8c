"""Publishing rootguard's ASFF findings to Security Hub CSPM: paced, retried, archived, nothing lost.

    from rootguard.securityhub import Publisher, PublishSettings

One module per job: publisher (orchestration), report (PublishReport, its summary line, the hub-off error),
targets (where a finding goes, clients per hub, AssumeRole for per-member placement), existing (the earlier
findings, read with GetFindings), archive (the sweep of resolved findings), batching (100 findings, 6 MB),
send (BatchImportFindings in rounds), pacing (token buckets per hub), retry (backoff and rounds), outcome
(per-finding bookkeeping), spool (the file of what did not land), dryrun (the ASFF file of a dry run) and
insights (the dashboards). The ASFF findings themselves come from rootguard.findings.
"""

from rootguard.securityhub.insights import setup_insights
from rootguard.securityhub.publisher import Publisher, publish
from rootguard.securityhub.report import PublishReport, SecurityHubNotEnabledError
from rootguard.settings import PublishSettings

__all__ = [
    "PublishReport",
    "PublishSettings",
    "Publisher",
    "SecurityHubNotEnabledError",
    "publish",
    "setup_insights",
]
