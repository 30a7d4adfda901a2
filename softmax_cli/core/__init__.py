"""The pure-NumPy core: softmax, sigmoid, losses, the MLP, Adam and the training loop.

Functions take and return arrays and small records. Nothing here reads files, prints, or
imports Click or Rich; it may import only the shared ``errors`` and ``arraytypes``.
"""
