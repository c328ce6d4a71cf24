"""The project's URLs: one, where Bitrix24 posts the bot's events."""

from __future__ import annotations

from django.urls import re_path

from django_bot.chatbot import views

urlpatterns = [
    # With or without the trailing slash: Bitrix24 follows no redirect (APPEND_SLASH's).
    re_path(r"^bitrix24/events/?$", views.events, name="bitrix24-events"),
]
