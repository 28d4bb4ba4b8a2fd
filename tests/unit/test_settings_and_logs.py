"""Every setting is documented in .env.example; logs never carry secrets."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from api.logs import RedactingFormatter
from api.settings import Settings

ENV_EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def env_names() -> set[str]:
    names = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        names.add(alias if isinstance(alias, str) else f"TACIT_{name.upper()}")
    return names


def test_env_example_lists_every_setting() -> None:
    documented = set(re.findall(r"^([A-Z_]+)=", ENV_EXAMPLE.read_text(), re.M))
    assert env_names() == documented


def test_defaults_need_no_account_and_no_key(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    assert not settings.llm_configured and settings.qdrant_url is None
    assert settings.resolved_database_url().startswith("sqlite:///")
    assert settings.llm_timeout_s <= 30


def test_log_lines_mask_tokens_and_keys() -> None:
    formatter = RedactingFormatter("%(message)s")
    record = logging.LogRecord(
        "t",
        logging.INFO,
        __file__,
        1,
        "token=tct_abcdefghijklmnopqrstuvwxyz key=" + "sk-" + "proj1234567890abcdef header=Bearer secret-value",
        None,
        None,
    )
    line = formatter.format(record)
    assert "qrstuvwxyz" not in line and "567890abcdef" not in line and "secret-value" not in line
    assert "tct_abcdefgh***" in line


def test_the_xapi_pseudonym_key_is_the_setting_or_one_kept_in_the_data_folder(tmp_path: Path) -> None:
    from api.bootstrap import _pseudonym_key

    kept = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    first = _pseudonym_key(kept)
    path = tmp_path / "xapi-pseudonym-key"
    assert len(first) >= 48 and path.stat().st_mode & 0o777 == 0o600
    assert _pseudonym_key(kept) == first  # a restart (or another worker) keeps the pseudonyms
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind
    chosen = Settings(_env_file=None, data_dir=tmp_path, xapi_pseudonym_key="shared by every API process")  # type: ignore[call-arg]
    assert _pseudonym_key(chosen) == b"shared by every API process"
