"""What a reader sees: the fourth room of the study's flow (it uses every room before it).

* journal tables: :mod:`~dttstudy.reporting.display` (the table object and one module per family of tables),
  :mod:`~dttstudy.reporting.labels` (labels and number formats), :mod:`~dttstudy.reporting.render` (tidy tables as
  CSV, Markdown, HTML, LaTeX, Excel) and :mod:`~dttstudy.reporting.documents` (Word and Excel documents);
* figures: :mod:`~dttstudy.reporting.figures` gathers the ``figures_*`` modules, the forest plots
  (:mod:`~dttstudy.reporting.figures.forest`) and the multicentre figures
  (:mod:`~dttstudy.reporting.figures.multicentre`) included;
* the notebooks' helpers (:mod:`~dttstudy.reporting.report`), report.html (:mod:`~dttstudy.reporting.report_html`),
  the report folder's rules (:mod:`~dttstudy.reporting.outputs`), the ``reproduce`` pipeline
  (:mod:`~dttstudy.reporting.pipeline`) and the pooled multicentre report (:mod:`~dttstudy.reporting.pooled_report`).
"""
