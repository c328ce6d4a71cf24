"""Tests of ``b24botevents.wire``: the form/JSON decoders and ``http_build_query``."""
