"""Compliance and severity mappings for rootguard checks."""
