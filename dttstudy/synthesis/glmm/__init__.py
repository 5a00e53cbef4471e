"""The binomial–normal generalised linear mixed model for pooling single proportions, in one room:

* :mod:`.fit` — the model fitted by maximum likelihood with adaptive Gauss–Hermite quadrature
  (:func:`fit_glmm`, as R ``lme4::glmer(nAGQ = 7)`` behind ``metafor::rma.glmm(measure = "PLO")``);
* :mod:`.inference` — what follows from a fit: the population-averaged proportion, binomial and predictive tail
  probabilities.

The pooling interface turns a fit into the :class:`~dttstudy.synthesis.meta.result.PooledProportion` every model
family returns (:mod:`dttstudy.synthesis.meta.glmm_model`, ``pool_proportions(method="GLMM")``).
"""
from __future__ import annotations

from .fit import GLMMFit, fit_glmm

__all__ = ["GLMMFit", "fit_glmm"]
