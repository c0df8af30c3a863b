"""HTML reports: the builder, the index page, and where reports go."""

from opinion.report.builder import Report, format_interval, format_pct, write_index
from opinion.report.paths import analyses_dir, report_path, reports_dir

__all__ = ["Report", "analyses_dir", "format_interval", "format_pct", "report_path",
           "reports_dir", "write_index"]
