"""One module per use case: stream rows from ``io`` through ``core`` into a writer or a table.

May import ``io``, ``render`` and ``core``; never Click.
"""
