"""Tests of the testing kit (``b24botevents.testing``) and its pytest plugin."""
