"""Readers: turn files of any contract format into batches of (row number, raw, record).

Files are streamed in bounded chunks; nothing loads a whole file. A file that cannot be read
at all raises `UnreadableInput` naming the file; a line that cannot be parsed is yielded with
`record = _BAD` and its reason, so the caller quarantines it.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa

from distillguard.errors import UnreadableInput
from distillguard.ingest.normalise import strip_nulls

JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".ndjson", ".ndjson.gz", ".ndjson.zst",
                  ".json", ".json.gz", ".json.zst")
PARQUET_SUFFIXES = (".parquet", ".pq")
CSV_SUFFIXES = (".csv", ".csv.gz")
CHUNK_BYTES = 4 << 20


@dataclass(frozen=True)
class RawRow:
    """One input row: where it came from, its raw text, and its parsed value or parse error."""

    row: int
    raw: str
    record: Any
    error: tuple[str, str] | None = None  # (reason, detail) when the row could not be parsed


def file_format(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    return None


def discover(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """Expand folders into readable files, sorted. Returns (files, skipped files in folders).

    A path given explicitly must exist and have a known format; inside a folder, files of
    unknown format (READMEs, hidden files) are skipped and reported, never silently.
    """
    files: list[Path] = []
    skipped: list[Path] = []
    for p in paths:
        if p.is_dir():
            for f in sorted(x for x in p.rglob("*") if x.is_file()):
                if any(part.startswith((".", "_")) for part in f.relative_to(p).parts):
                    continue
                (files if file_format(f) else skipped).append(f)
        elif p.is_file():
            if file_format(p) is None:
                raise UnreadableInput(f"cannot read {p}: unknown format",
                                      hint="use .jsonl, .jsonl.gz, .jsonl.zst, .parquet or .csv", path=str(p))
            files.append(p)
        else:
            raise UnreadableInput(f"cannot read {p}: no such file or folder",
                                  hint="check the path", path=str(p))
    return files, skipped


def _open_binary(path: Path) -> io.BufferedIOBase:
    name = path.name.lower()
    raw = open(path, "rb")  # noqa: SIM115 - closed by the caller's with-block
    if name.endswith(".gz"):
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    if name.endswith(".zst"):
        return _ZstdReader(raw)  # type: ignore[return-value]
    return raw


class _ZstdReader:
    """Decompress a .zst file frame by frame; a stream that stops inside a frame raises EOFError
    (zstandard's `stream_reader` ends quietly there, and a truncated file would pass as complete)."""

    def __init__(self, raw: io.BufferedIOBase) -> None:
        import zstandard

        self._new = zstandard.ZstdDecompressor().decompressobj
        self._error = zstandard.ZstdError
        self._raw = raw
        self._obj = self._new()
        self._started = False  # whether the current frame has had input

    def read1(self, size: int = 1 << 16) -> bytes:
        while True:
            data = self._raw.read(size)
            if not data:
                if self._started and not self._obj.eof:
                    raise EOFError("the .zst stream ends inside a frame (the file is truncated)")
                return b""
            out = []
            while data:
                if self._obj.eof:  # the next frame starts in this chunk
                    self._obj, self._started = self._new(), False
                self._started = True
                try:
                    out.append(self._obj.decompress(data))
                except self._error as exc:
                    raise ValueError(f"not a valid .zst stream: {exc}") from exc
                data = self._obj.unused_data if self._obj.eof else b""
            if any(out):
                return b"".join(out)

    read = read1

    def __enter__(self) -> _ZstdReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self._raw.close()


def _chunks(fh: io.BufferedIOBase) -> Iterator[bytes]:
    """About CHUNK_BYTES at a time, gathered from small reads: when the stream breaks off (a
    truncated .gz), what was decompressed before the break is yielded before the error."""
    read = getattr(fh, "read1", None) or fh.read
    buf: list[bytes] = []
    size = 0
    while True:
        try:
            piece = read(1 << 16)
        except (OSError, EOFError, ValueError):
            if buf:
                yield b"".join(buf)
            raise
        if not piece:
            break
        buf.append(piece)
        size += len(piece)
        if size >= CHUNK_BYTES:
            yield b"".join(buf)
            buf, size = [], 0
    if buf:
        yield b"".join(buf)


def iter_jsonl(path: Path, batch_rows: int) -> Iterator[list[tuple[int, bytes | str]]]:
    """Yield batches of (line number, raw line); blank lines are skipped (they hold no record).

    Parsing happens later (`parse_line`), in worker processes, so reading stays cheap.
    """
    row = 0
    batch: list[RawRow] = []
    tail = b""
    try:
        with _open_binary(path) as fh:
            for chunk in _chunks(fh):
                lines = (tail + chunk).split(b"\n")
                tail = lines.pop()
                for line in lines:
                    row += 1
                    if line.strip():
                        batch.append((row, line))
                if len(batch) >= batch_rows:
                    yield batch
                    batch = []
            if tail.strip():
                row += 1
                batch.append((row, tail))
    except (OSError, EOFError, ValueError) as exc:
        if row == 0 and not batch:
            raise UnreadableInput(f"cannot read {path}: {exc}",
                                  hint="check that the file is complete and its suffix matches its compression",
                                  path=str(path)) from exc
        # A truncated tail (e.g. a cut-off .gz): keep what was read, then report the rest.
        # A str (not bytes) marks the damage: parse_line turns it into an unreadable_file row.
        batch.append((row + 1, damage_note(path, row, exc)))
    if batch:
        yield batch


def damage_note(path: Path, rows_read: int, exc: BaseException) -> str:
    """The one-line detail of an `unreadable_file` quarantine row."""
    where = f"after line {rows_read}" if rows_read else "from its start"
    return f"{path.name} cannot be read {where} ({type(exc).__name__}: {str(exc)[:160]}); the rest of the file is lost"


def is_damage_marker(entry: Any) -> bool:
    """Whether a batch entry is a reader's note of an unreadable file (see `iter_jsonl`)."""
    return isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[1], str)


def parse_line(row: int, line: bytes | str, from_parquet: bool = False) -> RawRow:
    """Parse one JSONL line; a line that is no JSON object text comes back with its error.

    `from_parquet` marks a Parquet row rendered as JSON (every schema field present, null where
    the row has none; normalisation reads a null member as an absent one); its raw text is left
    to `raw_text`, as for any Parquet row.
    """
    if from_parquet:
        return RawRow(row, "", load_duckdb_json(line))
    if isinstance(line, str):  # the reader's note of a file it could not read (to its end)
        return RawRow(row, "", None, ("unreadable_file", line))
    if line.endswith(b"\r"):
        line = line[:-1]
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return RawRow(row, line.decode("utf-8", "replace"), None, ("not_utf8", f"byte {exc.start} is not UTF-8"))
    try:
        return RawRow(row, text, orjson.loads(line))
    except orjson.JSONDecodeError as exc:
        return RawRow(row, text, None, ("invalid_json", f"not JSON: {str(exc)[:80]}"))


def load_duckdb_json(text: bytes | str) -> Any:
    """Parse JSON that DuckDB's `to_json` wrote (it writes NaN/Infinity bare, as `json` reads them)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        import json

        return json.loads(text)


def iter_parquet(path: Path, batch_rows: int) -> Iterator[list[RawRow]] | Iterator[list[tuple[int, bytes, bool]]]:
    """Yield batches of Parquet rows.

    Plain schemas (strings, numbers, booleans, structs, lists, maps) are rendered to one JSON
    text per row by DuckDB, in C++, and parsed like JSONL lines in the worker processes: about
    3x cheaper than building Python objects from Arrow here, in the one reading process. Other
    schemas (timestamps, binary, decimals...) or a file DuckDB cannot render take the Arrow path.
    A map that repeats a key keeps its last value, as a JSON object read from JSONL does.
    """
    pf = _open_parquet(path)
    done = 0
    if _plain(pf.schema_arrow):
        try:
            yield from _iter_parquet_json(path, batch_rows)
            return
        except QueryStopped as stop:  # e.g. duplicate map keys: go on from that row with Arrow
            done = stop.rows_done
    yield from _iter_parquet_arrow(pf, batch_rows, skip=done)


def iter_parquet_from(path: Path, skip: int, batch_rows: int = 20_000) -> Iterator[list[RawRow]]:
    """Yield a Parquet file's rows after the first `skip`, as records built from Arrow."""
    yield from _iter_parquet_arrow(_open_parquet(path), batch_rows, skip=skip)


def _open_parquet(path: Path) -> Any:
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except (OSError, pa.ArrowException) as exc:
        raise UnreadableInput(f"cannot read {path}: not a readable Parquet file ({exc})",
                              hint="check that the file is complete", path=str(path)) from exc


class QueryStopped(Exception):
    """DuckDB failed part-way through a file's query; `rows_done` rows were already yielded."""

    def __init__(self, rows_done: int) -> None:
        super().__init__(rows_done)
        self.rows_done = rows_done


def stream_query(con: Any, query: str, params: dict[str, Any], batch_rows: int) -> Iterator[pa.RecordBatch]:
    """A DuckDB query's record batches, in order; `QueryStopped` (rows done) if DuckDB fails."""
    import duckdb

    done = 0
    try:
        rel = con.sql(query, params=params)
        fetch = getattr(rel, "to_arrow_reader", None) or rel.fetch_arrow_reader  # duckdb 2.0 / 1.x names
        reader = fetch(batch_rows)
    except duckdb.Error as exc:
        raise QueryStopped(0) from exc
    while True:
        try:
            rb = reader.read_next_batch()
        except StopIteration:
            return
        except (duckdb.Error, pa.ArrowException) as exc:
            raise QueryStopped(done) from exc
        yield rb
        done += rb.num_rows


def _plain(schema: pa.Schema) -> bool:
    def ok(t: pa.DataType) -> bool:
        if pa.types.is_struct(t):
            return all(ok(t.field(i).type) for i in range(t.num_fields))
        if pa.types.is_list(t) or pa.types.is_large_list(t):
            return ok(t.value_type)
        if pa.types.is_map(t):
            return pa.types.is_string(t.key_type) and ok(t.item_type)
        return (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_integer(t)
                or pa.types.is_floating(t) or pa.types.is_boolean(t) or pa.types.is_null(t))
    return all(ok(f.type) for f in schema)


def _iter_parquet_json(path: Path, batch_rows: int) -> Iterator[list[tuple[int, bytes, bool]]]:
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # its bar writes to stdout
    try:
        con.execute("SET preserve_insertion_order = true")
        row = 0
        for rb in stream_query(con, "SELECT to_json(t) AS j FROM read_parquet($p) t", {"p": str(path)}, batch_rows):
            lines = rb.column(0).to_pylist()  # the reader's batches hold at most batch_rows rows
            yield [(row + i + 1, line.encode("utf-8"), True) for i, line in enumerate(lines)]
            row += len(lines)
    finally:
        con.close()


def _iter_parquet_arrow(pf: Any, batch_rows: int, skip: int = 0) -> Iterator[list[RawRow]]:
    row = 0
    for rb in pf.iter_batches(batch_size=batch_rows):
        if row + rb.num_rows <= skip:
            row += rb.num_rows
            continue
        if row < skip:
            rb = rb.slice(skip - row)
            row = skip
        out = []
        try:
            records = rb.to_pylist(maps_as_pydicts="strict")
        except (KeyError, TypeError, ValueError, pa.ArrowException):  # duplicate map keys: keep pairs
            records = rb.to_pylist()
        for rec in records:
            row += 1
            out.append(RawRow(row, "", strip_nulls(rec)))
        yield out


def iter_csv(path: Path, batch_rows: int) -> Iterator[list[RawRow]]:
    import pyarrow.csv as pcsv

    import csv

    try:
        with (gzip.open(path, "rt", encoding="utf-8", newline="") if path.name.lower().endswith(".gz")
              else open(path, encoding="utf-8", newline="")) as fh:
            header = next(csv.reader(fh), None)
        if not header:
            raise UnreadableInput(f"cannot read {path}: the CSV file is empty",
                                  hint="the first line must be a header", path=str(path))
        reader = pcsv.open_csv(
            path,
            read_options=pcsv.ReadOptions(block_size=1 << 22),
            convert_options=pcsv.ConvertOptions(strings_can_be_null=True,
                                                column_types={n: pa.string() for n in header}),
        )
    except (OSError, UnicodeDecodeError, pa.ArrowException) as exc:
        raise UnreadableInput(f"cannot read {path}: not a readable CSV file ({exc})",
                              hint="the first line must be a header; the text must be UTF-8", path=str(path)) from exc
    row = 1  # the header is line 1
    for rb in reader:
        out = []
        for rec in rb.to_pylist():
            row += 1
            out.append(RawRow(row, "", {k: v for k, v in rec.items() if v is not None}))
        for i in range(0, len(out), batch_rows):
            yield out[i:i + batch_rows]


def iter_rows(path: Path, batch_rows: int = 20_000) -> Iterator[list[RawRow]] | Iterator[list[tuple[int, bytes | str]]]:
    """Yield batches of rows from one file of any supported format."""
    fmt = file_format(path)
    if fmt == "jsonl":
        return iter_jsonl(path, batch_rows)
    if fmt == "parquet":
        return iter_parquet(path, batch_rows)
    if fmt == "csv":
        return iter_csv(path, batch_rows)
    raise UnreadableInput(f"cannot read {path}: unknown format", path=str(path))


def raw_text(item: RawRow) -> str:
    """The record untouched: the JSONL line, or the Parquet/CSV row rendered as JSON."""
    if item.raw:
        return item.raw
    return orjson.dumps(item.record, default=str).decode()
