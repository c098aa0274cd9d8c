"""Collect the facts of an organization once per run."""
