"""The ``chatbot`` app's config."""

from __future__ import annotations

from django.apps import AppConfig


class ChatbotConfig(AppConfig):
    name = "django_bot.chatbot"

    def ready(self) -> None:
        # Build the bot when the process starts (a missing setting fails here, not at the
        # first event Bitrix24 sends).
        from . import bot  # noqa: F401
