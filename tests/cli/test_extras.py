"""A command that needs an extra that is not installed says which, in one line, exit 2: never a traceback.

The real thing (a wheel installed without extras) is tests/packaging/test_wheel_install.py; here the extras'
packages are hidden from the running interpreter.
"""

from __future__ import annotations

import importlib.util

import pytest

from rootguard.cli import extras, main


@pytest.fixture
def without(monkeypatch: pytest.MonkeyPatch):
    """Hide some top-level packages from `find_spec`, as if their extra were not installed."""
    hidden: set[str] = set()
    real = importlib.util.find_spec
    monkeypatch.setattr(
        extras.importlib.util, "find_spec", lambda name, *a: None if name in hidden else real(name, *a)
    )
    return hidden


@pytest.mark.parametrize(
    ("argv", "package", "extra"),
    [
        (["demo", "--no-prowler"], "moto", "sandbox"),
        (["sandbox", "serve", "--port", "0"], "moto", "sandbox"),
        (["prowler", "checks-folder"], "prowler", "prowler"),
    ],
)
def test_missing_extra_is_one_line_naming_it(
    argv: list[str], package: str, extra: str, without: set[str], capsys: pytest.CaptureFixture[str]
) -> None:
    without.add(package)
    assert main(argv) == 2
    out = capsys.readouterr()
    command = " ".join(["rootguard", *argv[:2]]) if argv[0] != "demo" else "rootguard demo"
    assert out.err == (
        f"rootguard: error: {command} needs the {extra} extra ({package} is not installed): "
        f"pip install 'rootguard[{extra}]'\n"
    )
    assert out.out == ""


def test_an_import_of_an_extra_deeper_down_gets_the_same_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from rootguard.cli import demo

    def run(**_: object) -> int:
        raise ModuleNotFoundError("No module named 'werkzeug'", name="werkzeug")

    monkeypatch.setattr(demo, "run", run)
    assert main(["demo"]) == 2
    assert capsys.readouterr().err == (
        "rootguard: error: rootguard demo needs the sandbox extra (werkzeug is not installed): "
        "pip install 'rootguard[sandbox]'\n"
    )


def test_a_missing_module_of_rootguard_itself_stays_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    from rootguard.cli import demo

    def run(**_: object) -> int:
        raise ModuleNotFoundError("No module named 'rootguard.nowhere'", name="rootguard.nowhere")

    monkeypatch.setattr(demo, "run", run)
    with pytest.raises(ModuleNotFoundError):
        main(["demo"])
