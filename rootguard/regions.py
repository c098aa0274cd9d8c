"""What a home Region name must look like, without asking botocore (the settings and rules import this).

rootguard.aws adds a "did you mean" from botocore's list of Regions when it checks a name a person typed.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

# Two to four letters, one or more dash-separated words, a number: us-east-1, us-gov-west-1, ap-southeast-7,
# eusc-de-east-1. A Region newer than any list rootguard knows still passes.
_REGION = re.compile(r"^[a-z]{2,4}(-[a-z]+)+-\d+$")
GLOBAL_REGION = "aws-global"


def region_problem(region: str, known: Sequence[str] = ()) -> str | None:
    """Why `region` cannot be a home Region, or None when it can; `known` Region names feed a suggestion."""
    if region == GLOBAL_REGION:
        return (
            "aws-global selects the global STS endpoint, which rejects sts:AssumeRoot; "
            "use a Region such as us-east-1"
        )
    if _REGION.match(region):
        return None
    close = difflib.get_close_matches(region, known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]}?" if close else "a Region looks like us-east-1"
    return f"{region!r} is not an AWS Region name ({hint})"
