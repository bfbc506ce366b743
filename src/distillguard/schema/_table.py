"""Tiny helpers to declare a table schema whose every field carries a description."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    description: str


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]

    @property
    def schema(self) -> pa.Schema:
        return pa.schema(
            [pa.field(c.name, c.type, metadata={"description": c.description}) for c in self.columns]
        )

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def markdown(self) -> str:
        """Render the table as a Markdown reference (docs are generated from this)."""
        lines = [f"### `{self.name}`", "", "| column | type | description |", "|---|---|---|"]
        lines += [f"| `{c.name}` | `{c.type}` | {c.description} |" for c in self.columns]
        return "\n".join(lines)


def col(name: str, type_: pa.DataType, description: str) -> Column:
    return Column(name, type_, description)


def table(name: str, *columns: Column) -> Table:
    return Table(name, tuple(columns))
