"""File formats: CSV rows, ``.npy`` arrays, CSV tables, model files, files of targets paired with
the rows, and the writers of rows and reports."""
