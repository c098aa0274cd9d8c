"""Publishing rootguard's ASFF findings to Security Hub CSPM: paced, retried, nothing lost."""

from rootguard.securityhub.insights import setup_insights
from rootguard.securityhub.publisher import (
    Publisher,
    PublishReport,
    SecurityHubNotEnabledError,
    publish,
)
from rootguard.settings import PublishSettings

__all__ = [
    "PublishReport",
    "PublishSettings",
    "Publisher",
    "SecurityHubNotEnabledError",
    "publish",
    "setup_insights",
]
