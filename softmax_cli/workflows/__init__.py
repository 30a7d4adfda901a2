"""One module per use case: stream rows from ``io`` through ``core`` into a writer or a
table; the calculator's and the trainer's, as in ``core``.

May import ``io``, ``render`` and ``core``; never Click.
"""
