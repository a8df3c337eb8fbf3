"""Errors a user can act on: one line of text and an exit code, never a traceback."""

from __future__ import annotations

# Exit codes, documented in docs/cli.md.
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_MISSING = 3  # runtime or model missing / unusable
EXIT_GENERATION = 4  # llama-cli failed while answering
EXIT_NETWORK = 5  # download or web failure
EXIT_INTERRUPTED = 130


class NeuroError(Exception):
    """A failure explained in one line, with the exit code the CLI should return."""

    exit_code = EXIT_FAILURE

    def __init__(self, message: str, *, hint: str | None = None, exit_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class UsageError(NeuroError):
    exit_code = EXIT_USAGE


class MissingError(NeuroError):
    """The runtime or a model is missing, or cannot be used."""

    exit_code = EXIT_MISSING


class GenerationError(NeuroError):
    exit_code = EXIT_GENERATION


class NetworkError(NeuroError):
    exit_code = EXIT_NETWORK
