"""The calculator's use cases: softmax, sigmoid, xent, stats, sample and calibrate over streams of
rows."""
