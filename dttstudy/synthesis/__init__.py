"""Evidence synthesis: the third room of the study's flow (it uses intake and analysis). It computes and returns
data; it draws nothing and writes no file except through a function the caller names (``write_summary``).

* pooling proportions: :mod:`~dttstudy.synthesis.meta` (the result object, the models, the derived analyses),
  :mod:`~dttstudy.synthesis.glmm.fit` (binomial-normal GLMM), :mod:`~dttstudy.synthesis.heterogeneity` (tau^2, I^2);
* the published literature: :mod:`~dttstudy.synthesis.literature`, the table behind a forest plot
  (:mod:`~dttstudy.synthesis.forest`) and sensitivity analyses (:mod:`~dttstudy.synthesis.sensitivity`);
* centres pooled from aggregate summaries: :mod:`~dttstudy.synthesis.multicentre.export` (at each centre) with
  :mod:`~dttstudy.synthesis.disclosure` (small-cell and complementary suppression) beside it, and
  :mod:`~dttstudy.synthesis.multicentre.pooling` (at the coordinating centre); :mod:`~dttstudy.synthesis.multicentre`
  gathers their names.

The figures and reports of these results are in :mod:`dttstudy.reporting`.
"""
