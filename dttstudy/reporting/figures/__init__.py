"""Figures for print: one theme (Okabe–Ito palette, print-size fonts), labelled axes with units, n per group,
exact confidence intervals, censor marks and risk tables, months on a shared 0/3/6/9… grid.

Every function returns a matplotlib Figure and attaches the caption it proposes for the report
(:func:`figure_caption`); saving (PNG at 300 dpi + SVG, deterministic) is :func:`dttstudy.reporting.report.save_figure`.
The functions live in one module per concern and are gathered here:

* :func:`swimmer_plot` — course of DTT per patient (:mod:`dttstudy.reporting.figures.swimmer`);
* :func:`response_plot` — response rates by month with CIs and n/N (:mod:`dttstudy.reporting.figures.response`);
* :func:`paired_lab_plot` — each marker's trajectories, median with IQR, declared reference limit; :func:`lab_change_plot` —
  change from baseline by group, dots and median (IQR) (:mod:`dttstudy.reporting.figures.labs`);
* :func:`km_plot`, :func:`cumulative_incidence_plot` — time to event with risk tables
  (:mod:`dttstudy.reporting.figures.survival`);
* :func:`patient_flow_plot` — CONSORT-style flow of the denominators (:mod:`dttstudy.reporting.figures.flow`);
* :func:`forest_plot` — published studies, this cohort and the pooled estimate
  (:mod:`dttstudy.reporting.figures.forest`); :func:`forest_by_centre`, :func:`km_life_table_plot` — the pooled
  multicentre figures (:mod:`dttstudy.reporting.figures.multicentre`);
* :func:`set_theme`, :func:`theme`, :data:`OKABE_ITO`, :func:`month_grid` — the shared look
  (:mod:`dttstudy.reporting.figures.theme`).
"""
from __future__ import annotations

from .flow import patient_flow_plot
from .forest import forest_plot
from .multicentre import forest_by_centre, km_life_table_plot
from .labs import lab_change_plot, mean_ci, paired_lab_plot, trajectories
from .response import response_plot
from .survival import cumulative_incidence_plot, km_plot
from .swimmer import swimmer_plot
from .theme import (AGENT_NAMES, OKABE_ITO, agent_codes_text, figure_caption, month_grid, set_theme,
                            theme)

__all__ = ["swimmer_plot", "response_plot", "paired_lab_plot", "km_plot", "cumulative_incidence_plot",
           "patient_flow_plot", "forest_plot", "forest_by_centre", "km_life_table_plot", "lab_change_plot",
           "set_theme", "theme", "figure_caption", "month_grid", "OKABE_ITO", "AGENT_NAMES", "agent_codes_text",
           "mean_ci", "trajectories"]
