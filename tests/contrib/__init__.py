"""Tests of the adapters (``b24botevents.contrib``): one module per adapter, the shared
flow, matrices that run the same cases through every sync and every async adapter, the
docs' examples, and end-to-end runs on real servers on 127.0.0.1."""
