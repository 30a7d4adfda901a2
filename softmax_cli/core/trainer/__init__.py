"""The trainer: the MLP, its objectives, Adam and L-BFGS training, preprocessing, splits, metrics
and what a run found."""
