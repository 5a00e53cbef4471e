"""Data in: the first room of the study's flow; it imports no other room.

* :mod:`~dttstudy.intake.schema` — the cohort contract (tables, columns, codes, agents), declared once;
* :mod:`~dttstudy.intake.cohort` — reading a centre's CSV files or workbook and validating them
  (:class:`~dttstudy.intake.cohort.Cohort`, ``load_cohort``, ``validate``), with
  :mod:`~dttstudy.intake.normalise` (spellings read as codes), :mod:`~dttstudy.intake.privacy` (identifiers and
  dates refused at the door) and :mod:`~dttstudy.intake.validation` (the report that lists every problem);
* :mod:`~dttstudy.intake.templates` — what a centre is given to fill in: empty files, the template workbook and
  the data dictionary;
* :mod:`~dttstudy.intake.synth` — synthetic, schema-valid cohorts (no patient data).
"""
