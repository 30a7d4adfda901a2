"""How far one model's distributions are from another's (``softmax compare``): per-row
divergences of a block of rows, and running sums over blocks that add up, with the
summary (means, standard errors, percentiles) they give."""
