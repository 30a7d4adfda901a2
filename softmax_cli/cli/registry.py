"""Every subcommand: where its module is, and the one-line summary ``softmax --help`` and
tab completion show, so that listing the commands imports none of them.

A test checks each summary against the command's own docstring.
"""

from __future__ import annotations

from typing import NamedTuple


class CommandEntry(NamedTuple):
    """A command's ``"module:attribute"`` and its summary line."""

    target: str
    summary: str


_MODULES = "softmax_cli.cli.commands"

COMMANDS: dict[str, CommandEntry] = {
    "softmax": CommandEntry(
        f"{_MODULES}.softmax:softmax_command",
        "Turn logits into probabilities: exp(x_i) / sum_j exp(x_j).",
    ),
    "sample": CommandEntry(
        f"{_MODULES}.sample:sample_command",
        "Draw classes from softmax(z / T) with top-k, top-p and min-p.",
    ),
    "sigmoid": CommandEntry(
        f"{_MODULES}.sigmoid:sigmoid_command",
        "Apply the logistic function 1 / (1 + exp(-x)) to every value.",
    ),
    "xent": CommandEntry(
        f"{_MODULES}.xent:xent_command",
        "Cross-entropy: -log p(target), with p = softmax(logits).",
    ),
    "stats": CommandEntry(
        f"{_MODULES}.stats:stats_command",
        "How sure each row is: entropy, perplexity, margin, top-k.",
    ),
    "calibrate": CommandEntry(
        f"{_MODULES}.calibrate:calibrate_command",
        "Fit the temperature that calibrates a classifier's probabilities.",
    ),
    "train-blobs": CommandEntry(
        f"{_MODULES}.train_blobs:train_blobs_command",
        "Train a small softmax classifier on Gaussian blobs, in NumPy.",
    ),
    "train": CommandEntry(
        f"{_MODULES}.train:train_command",
        "Train a softmax classifier on your own CSV, and report how well it does.",
    ),
    "predict": CommandEntry(
        f"{_MODULES}.predict:predict_command",
        "Predict classes with a model saved by train or train-blobs.",
    ),
    "compare": CommandEntry(
        f"{_MODULES}.compare:compare_command",
        "Compare two models' distributions: KL, JS, top class, perplexities.",
    ),
    "completion": CommandEntry(
        f"{_MODULES}.completion:completion_command",
        "Print the tab-completion script for a shell.",
    ),
}
