"""Which Security Hub CSPM a finding belongs to: an account in a Region, read from the finding itself.

Kept apart from targets.py (routing and clients) so that the spool, which checks that an entry names the hub
it will be replayed into, can use it without importing the routing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_PRODUCT_ARN = re.compile(
    r"^arn:(?P<partition>[a-z0-9-]+):securityhub:(?P<region>[a-z0-9-]+):\d{0,12}:product/"
)


@dataclass(frozen=True, order=True)
class Target:
    """One Security Hub: an account in a Region."""

    account_id: str
    region: str
    partition: str = "aws"

    def __str__(self) -> str:
        return f"account {self.account_id} in {self.region}"


def target_of(finding: dict[str, Any]) -> Target | None:
    """The hub a finding must be imported into: its AwsAccountId in the Region of its ProductArn."""
    account = finding.get("AwsAccountId")
    arn = finding.get("ProductArn")
    if not isinstance(account, str) or not isinstance(arn, str):
        return None
    match = _PRODUCT_ARN.match(arn)
    if match is None or not re.fullmatch(r"\d{12}", account):
        return None
    return Target(account, match["region"], match["partition"])
