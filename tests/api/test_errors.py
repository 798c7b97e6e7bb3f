"""Unexpected failures answer like every other API error: JSON, and logged."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accord import api
from accord.accounts.services import create_api_token

pytestmark = pytest.mark.django_db


def test_a_server_error_is_json_and_logged(
    client: Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _, token = create_api_token(User.objects.create_superuser("root"), name="t")

    def broken(user: object) -> None:
        raise RuntimeError("the role table is on fire")

    monkeypatch.setattr(api, "role_of", broken)  # a defect anywhere behind an endpoint
    with caplog.at_level(logging.ERROR, logger="accord.api"):
        response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 500
    assert response.json() == {"detail": "internal error; it has been logged on the server"}
    (record,) = [r for r in caplog.records if r.name == "accord.api"]
    assert "GET /api/v1/me" in record.getMessage()
    assert "on fire" in str(record.exc_info[1])
