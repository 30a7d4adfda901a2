"""The trainer's use cases: train, train-blobs and predict."""
