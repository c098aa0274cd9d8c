"""setup.cfg lists every package explicitly (findings/, mappings/ and deploy/ are mapped into rootguard): a folder
missing from the list would silently be missing from the wheel, and a data-only folder that is not listed makes
setuptools warn ("Package would be ignored") and guess."""

from __future__ import annotations

import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Where each top-level folder installs (setup.cfg's package_dir; checks/ has its own generated entries).
ROOTS = {
    "rootguard": ROOT / "rootguard",
    "rootguard.deploy": ROOT / "deploy",
    "rootguard.findings": ROOT / "findings",
    "rootguard.mappings": ROOT / "mappings",
}
NOT_INSTALLED = {"__pycache__"}


def _cfg() -> configparser.ConfigParser:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    return cfg


def _listed(section: str, option: str) -> list[str]:
    return [line.strip() for line in _cfg()[section][option].splitlines() if line.strip()]


def _folders_with_files(package: str, folder: Path) -> set[str]:
    out = set()
    for path in [folder, *folder.rglob("*")]:
        if not path.is_dir() or NOT_INSTALLED & set(path.relative_to(ROOT).parts):
            continue
        if any(child.is_file() for child in path.iterdir()):
            out.add(".".join([package, *path.relative_to(folder).parts]))
    return out


def test_every_folder_that_holds_files_is_a_listed_package() -> None:
    on_disk = set().union(*(_folders_with_files(pkg, folder) for pkg, folder in ROOTS.items()))
    on_disk |= {f"rootguard.prowler.checks.{p.name}" for p in (ROOT / "checks").iterdir() if p.is_dir()}
    assert on_disk == set(_listed("options", "packages"))


def test_package_dir_maps_every_top_level_folder() -> None:
    mapped = dict(line.split(" = ") for line in _listed("options", "package_dir"))
    for package, folder in ROOTS.items():
        assert mapped[package] == folder.name


def test_every_data_file_is_covered_by_package_data() -> None:
    """A file that is neither Python nor matched by package_data would be left out of the wheel."""
    import fnmatch

    patterns: dict[str, list[str]] = {}
    for key, value in _cfg()["options.package_data"].items():
        patterns[key] = [p.strip() for p in value.split(",") if p.strip()]
    mapped = dict(line.split(" = ") for line in _listed("options", "package_dir"))
    missing = []
    for package in _listed("options", "packages"):
        folder = ROOT / mapped.get(package, package.replace(".", "/"))
        if package not in mapped:
            parent = max((p for p in mapped if package.startswith(p + ".")), key=len)
            folder = ROOT / mapped[parent] / Path(*package[len(parent) + 1 :].split("."))
        for path in folder.iterdir():
            if path.is_dir() or path.suffix == ".py" or path.name.endswith(".pyc"):
                continue
            globs = patterns.get(package, []) + patterns.get("*", [])
            if path.name == "README.md":  # ships anyway: include_package_data takes it from MANIFEST.in
                continue
            if not any(fnmatch.fnmatch(path.name, g) for g in globs):
                missing.append(str(path.relative_to(ROOT)))
    assert not missing, f"not in package_data: {missing}"
