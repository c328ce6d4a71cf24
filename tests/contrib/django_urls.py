"""ROOT_URLCONF of the test Django project; the ``django_client`` fixture fills it in."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
