"""An echo bot scaled out over Celery: a receiver queues verified events, workers run them.

``receiver`` verifies every Bitrix24 request and queues it; ``worker`` is the Celery app
(``celery -A celery_bot.worker worker``); ``handlers`` is the one ``Router`` both import;
``exactly_once`` commits a handler's Redis effects with the event's done mark. See
README.md. A package so that ``celery -A`` and the tests import it by name.
"""
