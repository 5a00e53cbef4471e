"""Report: journal tables, figures, the notebooks' helpers, report.html, Word/Excel, the pipeline."""
