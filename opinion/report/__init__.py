"""HTML reports (and their JSON twins): the builder, the index page, and where reports go."""

from opinion.formatting import format_interval, format_pct
from opinion.report.builder import ConvergenceGateError, Report, mark_analysis_start, write_index
from opinion.report.paths import analyses_dir, report_path, reports_dir

__all__ = ["ConvergenceGateError", "Report", "analyses_dir", "format_interval", "format_pct",
           "mark_analysis_start", "report_path", "reports_dir", "write_index"]
