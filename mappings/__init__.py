"""Compliance mappings for rootguard checks: ASFF Types and the framework requirements each check relates to."""

from .loader import CheckMapping, MappingError, Requirement, load_mappings, mapping_for, parse_mappings

__all__ = ["CheckMapping", "MappingError", "Requirement", "load_mappings", "mapping_for", "parse_mappings"]
