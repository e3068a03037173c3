"""The analyst report: report.html, report.md and the headline they share."""
