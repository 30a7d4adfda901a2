"""Input and output as data: values given as arguments, CSV text, ``.npy`` arrays, target
files and model files to arrays, and arrays back into CSV, TSV, JSON Lines and ``.npy``.

``sources`` opens what the user gave; the jobs are subpackages: number text (``text``),
reading streams in blocks (``streaming``), target classes (``targets``) and file formats
(``formats``). May import ``core`` and the shared modules; never Click, Rich or ``render``.
"""
