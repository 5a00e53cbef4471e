"""Analysis of one cohort: the second room of the study's flow (it uses :mod:`dttstudy.intake`).

Outcomes (:mod:`~dttstudy.analysis.outcomes`), labs, safety (AEs, time to event), statistics
(:mod:`~dttstudy.analysis.stats`), the study's tables as tidy DataFrames (:mod:`~dttstudy.analysis.tables`), patient
flow, completeness, who was treated where (:mod:`~dttstudy.analysis.centres`) and the check of every
published number (:mod:`~dttstudy.analysis.check`). DataFrame in, DataFrame out; nothing is drawn or written here.
"""
