"""The FastAPI echo bot (``app.py``) and its one command (``run_with_fake.py``).

A package so that the tests import ``fastapi_bot.app`` and uvicorn finds it as
``fastapi_bot.app:create_app_from_env`` (with ``--app-dir examples``); its module names do
not clash with the other examples' when they are type-checked together.
"""
