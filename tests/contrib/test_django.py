"""Django specifics: Django's own upload limits never apply to the view."""

from __future__ import annotations

import pytest
from django.test import override_settings

from .bodies import DOC_BODY, DOC_BOT_ID, FORM
from .recording import Recorder


@pytest.mark.usefixtures("django_urlconf")
def test_django_upload_limits_do_not_apply(recorder: Recorder) -> None:
    import django.test

    # request.body / request.POST would refuse this body (RequestDataTooBig).
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=16, DATA_UPLOAD_MAX_NUMBER_FIELDS=2):
        client = django.test.Client(enforce_csrf_checks=True)
        response = client.generic("POST", "/b24/events", DOC_BODY, FORM)
    assert (response.status_code, response.content) == (200, b"ok")
    assert recorder.bot_ids == [DOC_BOT_ID]
