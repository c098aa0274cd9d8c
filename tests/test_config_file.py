"""rootguard.yaml (rootguard.config.load_config) and the shared YAML helpers: one-line errors naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError, field_validator

from rootguard.files import field_path, read_yaml, validation_message
from rootguard.settings import Config, ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rootguard.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_and_an_empty_file_give_the_defaults(tmp_path: Path) -> None:
    assert load_config(None) == Config()
    assert load_config(write(tmp_path, "")) == Config()


def test_settings_are_read(tmp_path: Path) -> None:
    cfg = load_config(
        write(tmp_path, "max_workers: 8\nexcluded_accounts: ['123456789012']\nsecurityhub: {burst: 5}\n")
    )
    assert cfg.max_workers == 8 and cfg.excluded_accounts == ["123456789012"] and cfg.securityhub.burst == 5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "allowed_delegated_admins: ['12']\n",
            "allowed_delegated_admins[0]: '12' is not a 12-digit account id",
        ),
        ("max_workers: 0\n", "max_workers: Input should be greater than or equal to 1"),
        ("retry_budget_seconds: 0\n", "retry_budget_seconds: Input should be greater than or equal to 1"),
        ("max_attempts: 21\n", "max_attempts: Input should be less than or equal to 20"),
        ("max_attempts: true\n", "max_attempts: Input should be a valid integer"),
        ("securityhub: {burst: 0}\n", "securityhub.burst: Input should be greater than or equal to 1"),
        ("no_such_setting: 1\n", "no_such_setting: Extra inputs are not permitted"),
        ("- a\n- b\n", "the top level must be a mapping of settings"),
        ("max_workers: [1,\n", "line 2 is not valid YAML"),
    ],
)
def test_errors_are_one_line_and_name_the_field(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    message = str(err.value)
    assert expected in message and "\n" not in message
    assert message.startswith(str(tmp_path / "rootguard.yaml"))


def test_retry_settings_reach_the_collection(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, "max_attempts: 2\nretry_budget_seconds: 30\n"))
    collect = cfg.collect_config(region=None)
    assert (collect.max_attempts, collect.retry_budget_s) == (2, 30)


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "missing.yaml")


def test_field_path_reads_like_the_file() -> None:
    assert field_path(("accounts", 3, "root", "password")) == "accounts[3].root.password"
    assert field_path(()) == "(top level)"


def test_validation_message_is_one_line_without_pydantic_prefixes() -> None:
    class Model(BaseModel):
        n: int

        @field_validator("n")
        @classmethod
        def _positive(cls, value: int) -> int:
            if value < 0:
                raise ValueError("must not be\n  negative")
            return value

    with pytest.raises(ValidationError) as err:
        Model(n=-1)
    assert validation_message(err.value) == "n: must not be negative"


def test_read_yaml_raises_the_callers_error(tmp_path: Path) -> None:
    class MyError(Exception):
        pass

    path = write(tmp_path, "a: [\n")
    with pytest.raises(MyError, match="is not valid YAML"):
        read_yaml(path, MyError)
