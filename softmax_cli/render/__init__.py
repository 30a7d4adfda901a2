"""Output for people: Rich tables, the training report and progress, matplotlib plots.

May import ``core`` and the shared modules; never Click or ``io``. Importing this package
costs nothing: Rich is imported by the modules that draw.
"""
