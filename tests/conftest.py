"""Shared pytest set-up: the sandbox fixtures (`sandbox_factory`, `demo_sandbox`)."""

pytest_plugins = ["rootguard.sandbox.pytest_plugin"]
