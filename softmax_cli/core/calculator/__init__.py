"""The calculator: softmax, log-softmax, sigmoid, losses, uncertainty, sampling and calibration on
arrays."""
