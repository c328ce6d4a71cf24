"""Tests of ``b24botevents.models``: model shape, secrets, doc examples, robustness."""
