"""Tests of ``b24botevents.dispatcher``: ``handle``/``ahandle``, async dispatch, properties."""
