"""softmax-tool: softmax, sigmoid and cross-entropy on the command line (`softmax`)."""

__version__ = "0.1.0"
