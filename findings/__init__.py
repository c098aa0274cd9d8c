"""ASFF findings: model, schema, builders, Prowler output readers and the Security Hub publisher."""
