"""Where a live target's key pair comes from: the environment first, then the qingcloud CLI's file.

The environment wins because that is how CI passes secrets; the file is what a developer who already
uses the ``qingcloud`` CLI has. No error message ever quotes a secret: YAML parse errors in
particular are reduced to a line and column, because PyYAML's own message shows the offending text.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from conformance.errors import InputError, UsageError
from conformance.signing import Credentials, Secret

KEY_ID_VARIABLE = "QINGCLOUD_ACCESS_KEY_ID"
SECRET_VARIABLE = "QINGCLOUD_SECRET_ACCESS_KEY"
# The qingcloud CLI's configuration file and the two keys it stores the pair under.
CONFIG_PATH = Path("~/.qingcloud/config.yaml")
KEY_ID_FIELD = "qy_access_key_id"
SECRET_FIELD = "qy_secret_access_key"


def load_credentials(
    env: Mapping[str, str] = os.environ,
    config_path: Path | None = None,
    *,
    url: str | None = None,
) -> Credentials:
    """The key pair for a live target: ``QINGCLOUD_ACCESS_KEY_ID`` and
    ``QINGCLOUD_SECRET_ACCESS_KEY`` from ``env``, else ``config_path`` (the qingcloud CLI's
    ``~/.qingcloud/config.yaml`` by default).

    ``url`` only names the endpoint in the error when there is no pair. Raises ``UsageError`` when
    neither source has a pair or only one variable is set, ``InputError`` (naming the file) when the
    file cannot be read or is not the CLI's format.
    """
    # An empty variable counts as unset: CI expands a secret that is not configured to "".
    # Wrapped as soon as it is read: a traceback that prints this frame's locals shows it redacted.
    key_id, secret = env.get(KEY_ID_VARIABLE, ""), Secret(env.get(SECRET_VARIABLE, ""))
    if key_id and secret:
        return Credentials(key_id, secret)
    if key_id or secret:
        given, missing = (
            (KEY_ID_VARIABLE, SECRET_VARIABLE) if key_id else (SECRET_VARIABLE, KEY_ID_VARIABLE)
        )
        raise UsageError(
            f"{given} is set but {missing} is not: set both, "
            f"or neither to use {_shown(config_path)}"
        )
    path = config_path if config_path is not None else CONFIG_PATH.expanduser()
    if path.is_file():
        return _from_config(path)
    where = f" for {url}" if url else ""
    raise UsageError(
        f"no credentials{where}: set {KEY_ID_VARIABLE} and {SECRET_VARIABLE}, "
        f"or write {_shown(config_path)}"
    )


def _from_config(path: Path) -> Credentials:
    import yaml  # only a live run without the variables pays for it

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        cause = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise InputError(f"cannot read {path}: {cause}") from None
    try:
        document: Any = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        raise InputError(
            f"{path} is not valid YAML{at}; the qingcloud CLI writes "
            f"'{KEY_ID_FIELD}: …' and '{SECRET_FIELD}: …' lines"
        ) from None
    if not isinstance(document, dict):
        raise InputError(
            f"{path} is not a mapping; the qingcloud CLI writes "
            f"'{KEY_ID_FIELD}: …' and '{SECRET_FIELD}: …' lines"
        )
    values: list[str] = []
    for field in (KEY_ID_FIELD, SECRET_FIELD):
        value = document.get(field)
        if value is None or value == "":
            raise InputError(
                f"{path} has no {field}; add it, or set {KEY_ID_VARIABLE} and {SECRET_VARIABLE}"
            )
        if not isinstance(value, str):
            # YAML reads an unquoted all-digit value as a number, losing leading zeros.
            raise InputError(f"{field} in {path} is not a string; put it in quotes")
        values.append(value.strip())
    return Credentials(values[0], values[1])


def _shown(config_path: Path | None) -> str:
    return str(CONFIG_PATH) if config_path is None else str(config_path)
