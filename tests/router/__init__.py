"""Tests of ``b24botevents.router``: registration, dispatch and the typed ``Router.on``."""
