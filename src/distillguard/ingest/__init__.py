"""Ingest: contract records in any format -> the canonical Parquet store (+ quarantine)."""

from distillguard.ingest.run import IngestReport, KindCounts, ingest_paths

__all__ = ["IngestReport", "KindCounts", "ingest_paths"]
