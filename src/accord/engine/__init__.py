"""The pure computation core of Accord: stdlib and NumPy only, no I/O, no clock reads.

Instants are int64 epoch seconds (UTC). Time is always an argument (`as_of`).
"""
