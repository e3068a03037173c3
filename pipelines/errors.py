"""Errors a user can fix: bad input, bad config. The CLI prints them as one line, exit code 2."""


class InputError(ValueError):
    """The corpus or a command-line argument cannot be used as given."""


class ConfigError(InputError):
    """A configuration file or override is invalid."""
