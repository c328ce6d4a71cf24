"""A Bitrix24 chat bot as a Flask app: the app factory (``app.py``) and its one command
(``run_with_fake.py``).

A package so that ``flask --app flask_bot.app``, ``waitress-serve --call
flask_bot.app:create_app`` and the tests import it by one name (run from the directory
that holds ``flask_bot/``).
"""
