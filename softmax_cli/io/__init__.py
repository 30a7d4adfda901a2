"""Input and output as data: values given as arguments, CSV text and model files to arrays,
and arrays back into CSV, TSV and JSON Lines.

May import ``core`` and the shared modules; never Click, Rich or ``render``.
"""
