"""Errors a user can cause, each rendered by the CLI as one line with a fitting exit code."""


class UsageError(Exception):
    """A problem with what the user asked for (flags, config, input files): exit 2."""


class AwsSetupError(Exception):
    """A problem on the AWS side that the user can fix (credentials, account type, hub disabled): exit 4."""
