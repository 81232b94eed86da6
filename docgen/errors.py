"""The one exception root of docgen: every expected failure is a DocgenError with a one-line message."""

from __future__ import annotations


class DocgenError(Exception):
    """An expected failure: the CLI prints `error: <message>` and exits non-zero, never a traceback."""

    exit_code = 1


class AssemblyError(DocgenError):
    """The cloud assembly (cdk.out) is missing, truncated or of an unexpected shape."""


class MarkerError(DocgenError):
    """Generated-region markers in a document are missing, duplicated, reordered or hand-edited."""


class CostError(DocgenError):
    """The price catalogue or the usage assumptions cannot price what the design needs."""


class InvocationError(DocgenError):
    """The invocation context (file or flags) or a targets file is not what the specification allows."""
