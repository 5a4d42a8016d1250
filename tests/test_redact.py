"""Which names hold a credential: by their parts, in any letter case and naming style."""

from __future__ import annotations

import pytest

from conformance.redact import (
    REDACTED,
    redact_assignments,
    redact_json_fields,
    redact_query,
    secret_name,
)

SECRET_NAMES = (
    "access_key_id",
    "Access_Key_ID",
    "ACCESS_KEY_ID",
    "accessKeyId",
    "signature",
    "SIGNATURE",
    "Signature",
    " signature",
    "secret_access_key",
    "X-Api-Signature",
    "X-Auth-Token",
    "X-Secret-Key",
    "X-API-KEY",
    "XApiKey",
    "apikey",
    "Authorization",
    "Proxy-Authorization",
    "Cookie",
    "Set-Cookie",
    "token",
    "login_passwd",
    "password",
    "session_id",
    "credentials",
)
PLAIN_NAMES = (
    "Content-Type",
    "Content-Length",
    "Keep-Alive",
    "monkey",
    "keypair_ids",
    "signature_method",
    "Signature-Version",
    "time_stamp",
    "WWW-Authenticate",
    "action",
    "jobs.1",
    "job_id",
    "",
)


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_a_name_with_a_credential_part_holds_a_credential(name: str) -> None:
    assert secret_name(name)


@pytest.mark.parametrize("name", PLAIN_NAMES)
def test_a_name_without_one_does_not(name: str) -> None:
    assert not secret_name(name)


def test_a_query_keeps_every_byte_but_the_values_even_after_a_semicolon() -> None:
    clean, found = redact_query("a=1;Signature=x%2B&%61ccess_key_id=QY&signature_method=H&b")

    assert clean == f"a=1;Signature={REDACTED}&%61ccess_key_id={REDACTED}&signature_method=H&b"
    assert [item.name for item in found] == ["Signature", "access_key_id"]
    assert redact_query(clean) == (clean, [])


def test_an_echoed_query_in_free_text_is_redacted() -> None:
    clean, found = redact_assignments("bad request: 'action=X&signature=a%2Bb%3D&zone=pek3a'")

    assert clean == f"bad request: 'action=X&signature={REDACTED}&zone=pek3a'"
    assert [(item.name, item.old) for item in found] == [("signature", "a%2Bb%3D")]


def test_json_fields_are_redacted_at_any_depth_strings_and_scalars() -> None:
    text = '{"a":{"Token": "t\\"x", "n": 1}, "api_key": 12345, "signature_method": "HmacSHA256"}'

    clean, found = redact_json_fields(text)

    assert clean == (
        f'{{"a":{{"Token": "{REDACTED}", "n": 1}}, "api_key": "{REDACTED}", '
        '"signature_method": "HmacSHA256"}'
    )
    assert [item.name for item in found] == ["Token", "api_key"]


def test_a_query_percent_encoded_inside_another_is_redacted_too() -> None:
    once = "next=%2Fiaas%2F%3Faction%3DX%26Signature%3Da%252Bb%253D%26zone%3Dpek3a"
    twice = "u=%252Fiaas%253Faccess_key_id%253DAKID0042%2526z%253D1"

    assert redact_assignments(once)[0] == (
        f"next=%2Fiaas%2F%3Faction%3DX%26Signature%3D{REDACTED}%26zone%3Dpek3a"
    )
    assert (
        redact_assignments(twice)[0] == f"u=%252Fiaas%253Faccess_key_id%253D{REDACTED}%2526z%253D1"
    )
