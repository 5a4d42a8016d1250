"""Where a live target's key pair comes from."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.errors import InputError, UsageError
from conformance.signing import Credentials
from conformance.targets import load_credentials

KEY_ID = "QYKEYIDFROMFILE"
SECRET = "s3cr3t-from-file-never-shown"
ENV = {"QINGCLOUD_ACCESS_KEY_ID": "QYKEYIDFROMENV", "QINGCLOUD_SECRET_ACCESS_KEY": "env-secret"}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A qingcloud CLI config.yaml holding the file's key pair, as the CLI writes it."""
    path = tmp_path / "config.yaml"
    path.write_text(
        f"qy_access_key_id: '{KEY_ID}'\nqy_secret_access_key: '{SECRET}'\nzone: 'pek3a'\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def nowhere(tmp_path: Path) -> Path:
    """A config path with no file behind it."""
    return tmp_path / "absent" / "config.yaml"


def test_it_takes_the_pair_from_the_environment(nowhere: Path) -> None:
    assert load_credentials(ENV, nowhere) == Credentials("QYKEYIDFROMENV", "env-secret")


def test_the_environment_wins_over_the_config_file(config: Path) -> None:
    assert load_credentials(ENV, config).access_key_id == "QYKEYIDFROMENV"


def test_it_reads_the_qingcloud_cli_config_file(config: Path) -> None:
    assert load_credentials({}, config) == Credentials(KEY_ID, SECRET)


def test_it_reads_the_config_file_in_the_home_folder_by_default(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    (home / ".qingcloud").mkdir(parents=True)
    config.rename(home / ".qingcloud" / "config.yaml")
    monkeypatch.setenv("HOME", str(home))
    assert load_credentials({}) == Credentials(KEY_ID, SECRET)


def test_empty_variables_count_as_unset(config: Path) -> None:
    empty = {"QINGCLOUD_ACCESS_KEY_ID": "", "QINGCLOUD_SECRET_ACCESS_KEY": ""}
    assert load_credentials(empty, config) == Credentials(KEY_ID, SECRET)


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ("QINGCLOUD_ACCESS_KEY_ID", "QINGCLOUD_SECRET_ACCESS_KEY"),
        ("QINGCLOUD_SECRET_ACCESS_KEY", "QINGCLOUD_ACCESS_KEY_ID"),
    ],
)
def test_only_one_variable_set_is_a_clear_error(config: Path, given: str, missing: str) -> None:
    with pytest.raises(UsageError) as raised:
        load_credentials({given: ENV[given]}, config)
    message = str(raised.value)
    assert message.startswith(f"{given} is set but {missing} is not: set both")
    assert ENV[given] not in message


def test_no_credentials_anywhere_is_one_line_naming_the_endpoint_and_the_remedies(
    nowhere: Path,
) -> None:
    with pytest.raises(UsageError) as raised:
        load_credentials({}, nowhere, url="https://staging.example/iaas/")
    assert str(raised.value) == (
        "no credentials for https://staging.example/iaas/: set QINGCLOUD_ACCESS_KEY_ID and "
        f"QINGCLOUD_SECRET_ACCESS_KEY, or write {nowhere}"
    )


def test_no_credentials_without_a_path_names_the_clis_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(UsageError, match=r"or write ~/\.qingcloud/config\.yaml$"):
        load_credentials({})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            f"qy_access_key_id: {KEY_ID}\nqy_secret_access_key: [{SECRET}\n",
            r"is not valid YAML \(line 3, column 1\)",
        ),
        (f"qy_secret_access_key: '{SECRET}\n", "is not valid YAML"),
        (f"- {SECRET}\n", "is not a mapping"),
        (f"qy_secret_access_key: {SECRET}\n", "has no qy_access_key_id"),
        (f"qy_access_key_id: {KEY_ID}\nqy_secret_access_key: ''\n", "has no qy_secret_access_key"),
        (
            f"qy_access_key_id: {KEY_ID}\nqy_secret_access_key: 0123\n",
            "is not a string; put it in quotes",
        ),
    ],
)
def test_a_malformed_config_file_is_an_input_error_naming_the_file_not_the_secret(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message) as raised:
        load_credentials({}, path)
    assert str(path) in str(raised.value)
    assert "\n" not in str(raised.value)
    assert SECRET not in str(raised.value)


def test_a_config_file_that_is_not_utf8_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_bytes(b"qy_access_key_id: \xff\xfe\n")
    with pytest.raises(InputError, match=f"cannot read {path}: not UTF-8 text"):
        load_credentials({}, path)
