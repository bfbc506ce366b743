"""The static HTML analyst report: `build_report(results, store, out)`; see docs/report.md."""

from distillguard.outputs.report.report import ReportResult, build_report, safe_name

__all__ = ["ReportResult", "build_report", "safe_name"]
