"""Service level of the Prowler entry-point layout (see rootguard.prowler_checks)."""
