"""Tests of ``b24botevents.stores``: one contract suite per protocol, over every backend."""
