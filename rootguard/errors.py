"""Errors a user can cause, each rendered by the CLI as one line with a fitting exit code."""


class UsageError(Exception):
    """A problem with what the user asked for (flags, config, input files): exit 2."""


class AwsSetupError(Exception):
    """A problem on the AWS side that the user can fix (credentials, account type, hub disabled): exit 4."""


class CollectError(AwsSetupError):
    """A collection cannot start: the caller cannot be identified, or the STS endpoint is the global one,
    which rejects sts:AssumeRoot. One line a person can act on."""


class InputError(UsageError):
    """A file given to rootguard that it cannot use (unreadable, not UTF-8, wrong shape): exit 2, one line."""
