"""Evidence synthesis: pooling published cohorts (GLMM, inverse-variance), forest plots, sensitivity analyses, and pooling centres from aggregate summaries."""
