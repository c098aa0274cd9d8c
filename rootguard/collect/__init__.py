"""Collect the facts of an organization, each group once per run.

from rootguard.collect import collect_facts, CollectConfig
facts = collect_facts(boto3.Session(), CollectConfig(max_workers=16))
"""

from rootguard.collect.facts import ALL_FACTS, collect_facts
from rootguard.collect.progress import ProgressCallback
from rootguard.collect.scp import denies_root_without_exemption, denying_statements
from rootguard.errors import CollectError
from rootguard.settings import CollectConfig

__all__ = [
    "ALL_FACTS",
    "CollectConfig",
    "CollectError",
    "ProgressCallback",
    "collect_facts",
    "denies_root_without_exemption",
    "denying_statements",
]
