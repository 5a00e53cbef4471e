"""Data in: the cohort contract, reading and validating a centre's files, templates, synthetic cohorts."""
