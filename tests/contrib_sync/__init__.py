"""Tests of the synchronous adapters: plain WSGI, Flask and Django, in process and over HTTP."""
