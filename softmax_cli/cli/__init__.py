"""The command line: the ``softmax`` group, its shared options and one module per command.

Only this layer knows about Click. Command modules are loaded lazily through ``registry``.
"""
