"""Tests of the ``b24botevents`` command line (``b24botevents.cli``)."""
