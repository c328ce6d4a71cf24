"""Tests of ``b24botevents.verify``: ``application_token`` checks in ``handle``/``ahandle``."""
