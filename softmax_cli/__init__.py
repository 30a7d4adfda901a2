"""softmax-cli: softmax, sigmoid and cross-entropy on the command line."""

__version__ = "0.1.0"
