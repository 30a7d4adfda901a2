"""Numbers as text, both ways: parsing cells exactly and fast, and writing columns of numbers and
class labels as delimited text."""
