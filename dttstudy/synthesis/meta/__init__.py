"""Random-effects pooling of single proportions, in three rooms:

* :mod:`~dttstudy.synthesis.meta.result` — :class:`PooledProportion`, the pooled result every model returns;
* :mod:`~dttstudy.synthesis.meta.models` — :func:`pool_proportions`: the binomial-normal GLMM and the
  inverse-variance models (REML, DL, PM; logit or Freeman-Tukey), with the methods and references;
* :mod:`~dttstudy.synthesis.meta.derived` — what is computed from them: per-study proportions and weights
  (:func:`study_proportions`, :func:`study_weights`), subgroups (:func:`pool_by_subgroup`) and leave-one-out
  (:func:`leave_one_out`).
"""
from .derived import SubgroupResult, leave_one_out, pool_by_subgroup, study_proportions, study_weights
from .models import METHODS, PI_METHODS, TRANSFORMS, pool_proportions, transform_proportions
from .result import PooledProportion

__all__ = [
    "PooledProportion",
    "SubgroupResult",
    "pool_proportions",
    "study_proportions",
    "study_weights",
    "pool_by_subgroup",
    "leave_one_out",
    "transform_proportions",
    "METHODS",
    "TRANSFORMS",
    "PI_METHODS",
]
