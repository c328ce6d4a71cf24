"""A Bitrix24 chat bot in a Django project: ``settings``, ``urls``, ``wsgi`` and one app,
``chatbot`` (the bot, and the view that receives its events).

A package so that ``DJANGO_SETTINGS_MODULE=django_bot.settings``, ``django_bot.wsgi``
and the tests name it by one name (run from the directory that holds ``django_bot/``).
"""
