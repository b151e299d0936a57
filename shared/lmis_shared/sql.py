"""Statements with a service's schema in them.

A schema name cannot be a bind parameter, so it is spliced into the text; it comes from
settings or tests, never from a request, and `quoted_schema` accepts plain identifiers only.
"""

from __future__ import annotations

from lmis_shared.migrations import quoted_schema


def in_schema(statement: str, schema: str) -> str:
    """`statement` with every `{s}` replaced by the quoted schema name."""
    return statement.replace("{s}", quoted_schema(schema))


def versioned_upsert(table: str, columns: tuple[str, ...], *, same_version: bool = False) -> str:
    """An upsert of one read-model row into `{s}.<table>`, keyed by `columns[0]`, with a
    `version` column: a row is only ever replaced by a newer version (`same_version=True`: or
    the same one again, as a rebuild writes it), never by an older one, so a late writer cannot
    undo a command's row. `table` and `columns` are the caller's constants, never a request's;
    the values are bind parameters `$1..$n` in `columns` order."""
    key, rest = columns[0], columns[1:]
    compare = "<=" if same_version else "<"
    return (
        f"insert into {{s}}.{table} ({', '.join(columns)})"  # noqa: S608
        f" values ({', '.join(f'${i}' for i in range(1, len(columns) + 1))})"
        f" on conflict ({key}) do update set {', '.join(f'{c} = excluded.{c}' for c in rest)}"
        f" where {table}.version {compare} excluded.version"
    )
