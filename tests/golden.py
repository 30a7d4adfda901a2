"""The article's figures, used as golden values throughout the tests (kept in one place)."""

ARTICLE_LOGITS = (0.7, 1.5, 4.8)
ARTICLE_PROBS = (0.01573172, 0.03501159, 0.94925668)

ANIMAL_LABELS = ("dog", "cat", "boat", "airplane")
ANIMAL_SCORES = (-3.44, 1.16, -0.81, 3.91)
ANIMAL_PROBS_4DP = (0.0006, 0.0596, 0.0083, 0.9315)
AIRPLANE_LOSS_4DP = 0.0709
