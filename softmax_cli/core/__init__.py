"""The pure-NumPy core: the calculator (softmax, sigmoid, losses, uncertainty, sampling,
calibration) and the trainer (the MLP, Adam, L-BFGS and the training loop).

Functions take and return arrays and small records. Nothing here reads files, prints, or
imports Click or Rich; it may import only the shared ``errors`` and ``arraytypes``.
"""
