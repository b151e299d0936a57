"""Statements with a service's schema in them.

A schema name cannot be a bind parameter, so it is spliced into the text; it comes from
settings or tests, never from a request, and `quoted_schema` accepts plain identifiers only.
"""

from __future__ import annotations

from lmis_shared.migrations import quoted_schema


def in_schema(statement: str, schema: str) -> str:
    """`statement` with every `{s}` replaced by the quoted schema name."""
    return statement.replace("{s}", quoted_schema(schema))
