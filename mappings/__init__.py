"""Compliance and severity mappings for rootguard checks."""

from rootguard.rules import CHECK_IDS

from .loader import (
    CheckMapping,
    MappingError,
    Requirement,
    load_mappings,
    mapping_for,
    parse_mappings,
)
from .severity import credentials_present, severity_for

__all__ = [
    "CHECK_IDS",
    "CheckMapping",
    "MappingError",
    "Requirement",
    "credentials_present",
    "load_mappings",
    "mapping_for",
    "parse_mappings",
    "severity_for",
]
