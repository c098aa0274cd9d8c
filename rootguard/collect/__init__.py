"""Collect the facts of an organization once per run.

from rootguard.collect import collect_facts, CollectConfig
facts = collect_facts(boto3.Session(), CollectConfig(max_workers=16))
"""

from rootguard.collect.config import CollectConfig
from rootguard.collect.errors import CollectError
from rootguard.collect.facts import collect_facts
from rootguard.collect.progress import ProgressCallback
from rootguard.collect.scp import denies_root_without_exemption, denying_statements

__all__ = [
    "CollectConfig",
    "CollectError",
    "ProgressCallback",
    "collect_facts",
    "denies_root_without_exemption",
    "denying_statements",
]
