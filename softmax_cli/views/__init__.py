"""What tables are asked to show: plain records that workflows fill and ``render`` draws.

They live below both layers so that ``render`` never imports the workflows that call it.
No Rich, no I/O; NumPy only for the arrays they hold. One module per kind of output, so
that a command loads only the records it draws.
"""
