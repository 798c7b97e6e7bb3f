"""ACCORD_SMTP_URL → Django's EMAIL_* settings."""

from __future__ import annotations

import pytest

from accord.config import smtp_from_url


def test_smtp_urls() -> None:
    assert smtp_from_url("")["EMAIL_HOST"] == ""
    starttls = smtp_from_url("smtp://alerts%40nw:p%2Fss@mail.example.com?starttls=1")
    assert starttls == {
        "EMAIL_HOST": "mail.example.com",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "alerts@nw",
        "EMAIL_HOST_PASSWORD": "p/ss",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
    }
    implicit = smtp_from_url("smtps://u:p@mail.example.com")
    assert implicit["EMAIL_PORT"] == 465 and implicit["EMAIL_USE_SSL"]
    plain = smtp_from_url("smtp://127.0.0.1:2525")
    assert plain["EMAIL_PORT"] == 2525 and not plain["EMAIL_USE_TLS"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://mail.example.com", "expected smtp://"),
        ("smtps://mail.example.com?starttls=1", "drop starttls"),
    ],
)
def test_bad_smtp_urls_name_the_variable(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as error:
        smtp_from_url(url)
    assert "ACCORD_SMTP_URL" in str(error.value)
