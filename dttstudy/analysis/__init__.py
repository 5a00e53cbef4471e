"""Analysis of one cohort: outcomes, labs, safety, statistics, tables, patient flow, completeness."""
