"""Tests of ``b24botevents.convert``: coercion, wire paths in errors, inputs, ``to_dict``."""
