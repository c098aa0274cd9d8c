"""Security Hub's published API model, loaded once from botocore.

Shapes, enums and filter names come from botocore's securityhub service model instead of being retyped,
so the sandbox accepts exactly the fields AWS documents for the pinned botocore version.
"""

from __future__ import annotations

from functools import cache

import botocore.session
from botocore.model import ServiceModel, Shape


@cache
def service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("securityhub")


def shape(name: str) -> Shape:
    return service_model().shape_for(name)


@cache
def filter_fields_by_kind() -> dict[str, str]:
    """Every member of ``AwsSecurityFindingFilters`` -> its list shape (``StringFilterList``, ...)."""
    members = shape("AwsSecurityFindingFilters").members
    return {name: member.name for name, member in members.items()}


@cache
def string_filter_fields() -> frozenset[str]:
    return frozenset(name for name, kind in filter_fields_by_kind().items() if kind == "StringFilterList")
