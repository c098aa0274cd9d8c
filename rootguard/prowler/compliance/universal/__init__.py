"""The framework in Prowler's universal ``ComplianceFramework`` form (``prowler.compliance.universal``).

Kept apart from ``aws/``: Prowler's legacy loader would reject this form. Generated.
"""
