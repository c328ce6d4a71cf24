"""Tests of ``b24botevents.dedup``: repeated deliveries run their handlers once."""
