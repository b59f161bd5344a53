"""The CIO office's portfolio: ranked cases, the value-feasibility chart, totals, exports, the
decision log, the compliance dashboard and the executive summary."""
