"""rootguard as a user gets it: the wheel and the sdist built from the project's files, the wheel installed into a
fresh virtual environment outside the checkout, first alone and then with its extras, and used from there.

The build runs in Python's isolated build environments with constraints.txt pinning the build backend, and must
print no warning. The fresh environment installs the wheel's dependencies from the same constraints (pip's cache
makes that quick) and shares nothing with the checkout's .venv. From it: the deployment files, the one-line error
of each command that needs a missing extra, then `rootguard demo` with its Prowler step, Prowler with
`--checks-folder "$(rootguard prowler checks-folder)"` and Prowler with `--compliance`, against a sandbox that the
installed package serves.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from rootguard.prowler import framework
from rootguard.rules import CHECK_IDS

ROOT = Path(__file__).resolve().parents[2]
CONSTRAINTS = ROOT / "constraints.txt"
pytestmark = pytest.mark.slow

# What a checkout holds that is not the project (.gitignore's entries), for a checkout without git.
NOT_PROJECT = (
    ".git",
    ".venv",
    "*.egg-info",
    "build",
    "dist",
    "__pycache__",
    "*.pyc",
    ".*_cache",
    ".hypothesis",
)
NOT_PROJECT += ("output", "rootguard-output")
# The environment of the commands run from the fresh install: nothing of the checkout, no AWS credentials.
DROPPED = ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE", "ROOTGUARD_CONFIG")
MISSING = "rootguard: error: {what} needs the {extra} extra ({package} is not installed): pip install 'rootguard[{extra}]'\n"


def project_files() -> list[str]:
    """The project's files, as a fresh clone has them (plus new files not yet committed)."""
    try:
        listed = subprocess.run(
            ["git", "-C", str(ROOT), "ls-files", "--cached", "--others", "--exclude-standard"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (
        OSError,
        subprocess.CalledProcessError,
    ):  # an unpacked sdist: everything but the build's leftovers
        ignore = shutil.ignore_patterns(*NOT_PROJECT)
        listed = []
        for folder, dirs, files in os.walk(ROOT):
            dirs[:] = [d for d in dirs if d not in ignore(folder, dirs)]
            listed += [
                str(Path(folder, f).relative_to(ROOT)) for f in files if f not in ignore(folder, files)
            ]
    return sorted(name for name in listed if (ROOT / name).is_file())


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in DROPPED and not k.startswith("AWS_")}
    return {**env, **extra}


@dataclass
class Install:
    """A virtual environment with the built wheel installed, and a folder outside the checkout to work in."""

    home: Path
    wheel: Path
    sdist: Path
    build_log: str
    core: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)

    @property
    def bin(self) -> Path:
        return self.home / "venv" / "bin"

    def run(
        self, *args: str, env: dict[str, str] | None = None, timeout: int = 900
    ) -> subprocess.CompletedProcess[str]:
        path = f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}"
        return subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            cwd=self.home,
            env=_environment(PATH=path, **(env or {})),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def pip_install(self, requirement: str) -> None:
        proc = self.run("python", "-m", "pip", "install", "--quiet", "-c", str(CONSTRAINTS), requirement)
        assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.fixture(scope="module")
def install(tmp_path_factory: pytest.TempPathFactory) -> Install:
    """Build from a copy of the project's files (a checkout's egg-info would steer setuptools), install the
    wheel alone, and run what must work, or fail in one line, without the extras."""
    home = tmp_path_factory.mktemp("user")
    source, dist = home / "source", home / "dist"
    for name in project_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    build = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(source)],
        cwd=home,
        env=_environment(PIP_CONSTRAINT=str(CONSTRAINTS)),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    subprocess.run([sys.executable, "-m", "venv", str(home / "venv")], check=True, timeout=300)
    inst = Install(home=home, wheel=wheel, sdist=sdist, build_log=build.stdout + build.stderr)
    inst.pip_install(str(wheel))
    for name, args in {
        "version": ("rootguard", "--version"),
        "show": ("rootguard", "deploy", "show", "scanner-policy"),
        "write": ("rootguard", "deploy", "write", "deploy"),
        "demo": ("rootguard", "demo"),
        "serve": ("rootguard", "sandbox", "serve", "--port", "0"),
        "checks-folder": ("rootguard", "prowler", "checks-folder"),
        "freeze": ("python", "-m", "pip", "freeze"),
    }.items():
        inst.core[name] = inst.run(*args, timeout=120)
    return inst


@pytest.fixture(scope="module")
def full(install: Install) -> Install:
    """The same environment once the extras are installed too."""
    install.pip_install(f"{install.wheel}[prowler,sandbox]")
    return install


@pytest.fixture(scope="module")
def served(full: Install) -> Iterator[dict[str, str]]:
    """The demo organization, served by the installed package; its environment variables."""
    log = full.home / "sandbox.log"  # a file, not a pipe: the server logs every request
    with log.open("w") as errors:
        proc = subprocess.Popen(
            [str(full.bin / "rootguard"), "sandbox", "serve", "--port", "0"],
            cwd=full.home,
            env=_environment(),
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
    env: dict[str, str] = {}
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # the exports, then "# ready"; the server prints nothing more on stdout
            if line.startswith("export "):
                name, _, value = line[len("export ") :].strip().partition("=")
                env[name] = value.strip("'")
            if line.strip() == "# ready":
                break
        assert "AWS_ENDPOINT_URL" in env, log.read_text()[-3000:]
        yield env
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# ---------------------------------------------------------------------------------------------- the build


def test_the_build_prints_no_warning(install: Install) -> None:
    warnings = [line for line in install.build_log.splitlines() if re.search(r"warn", line, re.IGNORECASE)]
    assert not warnings, "\n".join(warnings)


def test_the_sdist_carries_every_project_file(install: Install) -> None:
    with tarfile.open(install.sdist) as tar:
        prefix = f"{install.sdist.name.removesuffix('.tar.gz')}/"
        shipped = {m.name.removeprefix(prefix) for m in tar.getmembers() if m.isfile()}
    missing = sorted(set(project_files()) - shipped)
    assert not missing, f"add these to MANIFEST.in: {missing}"
    assert not [name for name in shipped if "__pycache__" in name or name.endswith(".pyc")]


def test_the_wheel_carries_what_users_are_sent_to(install: Install) -> None:
    names = set(zipfile.ZipFile(install.wheel).namelist())
    policies = {f"rootguard/deploy/policies/{p.name}" for p in (ROOT / "deploy" / "policies").glob("*.json")}
    templates = {f"rootguard/deploy/{p.name}" for p in (ROOT / "deploy").glob("*.yaml")}
    checks = {f"rootguard/prowler/checks/{cid}/{cid}.metadata.json" for cid in CHECK_IDS}
    frameworks = {
        f"rootguard/prowler/compliance/{form}/{framework.FILE_NAME}" for form in ("aws", "universal")
    }
    assert policies and templates and policies | templates | checks | frameworks <= names
    assert {"rootguard/findings/schema/asff.schema.json", "rootguard/sandbox/scenarios/demo.yaml"} <= names
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    assert not [name for name in names if "__pycache__" in name or name.startswith(("tests/", "checks/"))]
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(install.wheel).read(entry_points).decode()
    assert "[prowler.compliance]\naws = rootguard.prowler.compliance.aws" in text
    assert "[prowler.compliance.universal]\nrootguard = rootguard.prowler.compliance.universal" in text


# ------------------------------------------------------------------------------------ the core, alone


def test_the_core_installs_no_extra(install: Install) -> None:
    freeze = install.core["freeze"].stdout.splitlines()  # "name==version" or "rootguard @ file:///..."
    installed = {re.split(r"[ =@]", line)[0].lower() for line in freeze}
    assert "rootguard" in installed and "boto3" in installed
    assert not installed & {"prowler", "moto", "flask", "werkzeug"}


def test_the_core_hands_out_the_deploy_files(install: Install) -> None:
    assert install.core["version"].returncode == 0
    show = install.core["show"]
    assert show.returncode == 0, show.stderr
    assert show.stdout == (ROOT / "deploy" / "policies" / "scanner-policy.json").read_text()
    json.loads(show.stdout)
    assert install.core["write"].returncode == 0, install.core["write"].stderr
    written = install.home / "deploy"
    for source in [*(ROOT / "deploy").glob("*.yaml"), *(ROOT / "deploy" / "policies").glob("*.json")]:
        assert (written / source.relative_to(ROOT / "deploy")).read_text() == source.read_text()


@pytest.mark.parametrize(
    ("name", "what", "extra", "package"),
    [
        ("demo", "rootguard demo", "sandbox", "moto"),
        ("serve", "rootguard sandbox serve", "sandbox", "moto"),
        ("checks-folder", "rootguard prowler checks-folder", "prowler", "prowler"),
    ],
)
def test_a_missing_extra_is_one_line(
    install: Install, name: str, what: str, extra: str, package: str
) -> None:
    proc = install.core[name]
    assert proc.returncode == 2
    assert proc.stderr == MISSING.format(what=what, extra=extra, package=package)
    assert proc.stdout == ""


# ------------------------------------------------------------------------------------- with the extras


def test_checks_folder_is_the_installed_check_folders(full: Install) -> None:
    proc = full.run("rootguard", "prowler", "checks-folder")
    assert proc.returncode == 0, proc.stderr
    folder = Path(proc.stdout.strip())
    assert folder.is_relative_to(full.home / "venv") and folder.parts[-3:] == (
        "rootguard",
        "prowler",
        "checks",
    )
    assert sorted(p.name for p in folder.iterdir()) == sorted(CHECK_IDS)


def test_the_demo_runs_its_prowler_step(full: Install) -> None:
    proc = full.run("rootguard", "demo", "--output-dir", "demo-output")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Prowler is not installed" not in proc.stdout
    assert re.search(r"Prowler and the standalone scan agree on (\d+) of \1 results", proc.stdout), (
        proc.stdout
    )


def test_prowler_runs_the_printed_checks_folder(full: Install, served: dict[str, str]) -> None:
    folder = full.run("rootguard", "prowler", "checks-folder").stdout.strip()
    out = full.home / "prowler-checks-folder"
    proc = full.run(
        "prowler", "aws", "--checks-folder", folder, "--checks", *CHECK_IDS,
        "--output-formats", "json-ocsf", "-o", str(out), "-F", "prowler", "--no-banner",
        env=served,
    )  # fmt: skip
    assert proc.returncode == 3, proc.stdout[-3000:] + proc.stderr[-3000:]  # 3: the demo has FAILs
    findings = json.loads((out / "prowler.ocsf.json").read_text())
    assert {f["metadata"]["event_code"] for f in findings} == set(CHECK_IDS)
    assert sorted(p.name for p in Path(folder).iterdir()) == sorted(CHECK_IDS), (
        "Prowler left something behind"
    )


def test_prowler_compliance_prints_the_table_and_writes_the_csv(
    full: Install, served: dict[str, str]
) -> None:
    out = full.home / "prowler-compliance"
    proc = full.run(
        "prowler", "aws", "--compliance", framework.NAME,
        "-o", str(out), "-F", "prowler", "--no-banner", "--no-color",
        env=served,
    )  # fmt: skip
    assert proc.returncode == 3, proc.stdout[-3000:] + proc.stderr[-3000:]
    print(proc.stdout[proc.stdout.find("Compliance Status of") :])  # shown with -s: the table a user sees
    table = proc.stdout[proc.stdout.find(f"Framework {framework.NAME.upper()} Results:") :]
    assert table, proc.stdout[-3000:]
    assert re.search(r"CIS AWS Foundations Benchmark v7\.0\.0/2\.1\.1\s*│\s*FAIL\(\d+\)", table), table
    rows = list(csv.DictReader((out / "compliance" / f"prowler_{framework.NAME}.csv").open(), delimiter=";"))
    assert {row["CHECKID"] for row in rows} == set(CHECK_IDS)
    cis = {row["CHECKID"]: row["STATUS"] for row in rows if row["REQUIREMENTS_ID"].endswith("v7.0.0/2.1.1")}
    assert cis["iam_org_root_credentials_management_enabled"] == "PASS"
    assert cis["organizations_scps_allow_root_sessions"] == "FAIL"
