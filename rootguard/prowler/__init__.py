"""Everything rootguard has to do with Prowler, in one place.

- ``bridge``: inside a Prowler run, facts from Prowler's session and Results -> ``Check_Report_AWS``;
- ``readers``: Prowler's output files (json-ocsf, json-asff) back into Results (no Prowler import);
- ``generate``: the check folders of ``checks/`` and their metadata, written from the rules' specs, and the
  compliance framework files of ``compliance/``, built by ``framework`` from the mappings;
- ``services``: where Prowler's entry points (``prowler.checks.aws``) find the installed check folders.

The check folders themselves are generated files: ``checks/`` in a checkout, ``rootguard/prowler/checks/`` in
an installed package (see :func:`checks_path`).
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def checks_path() -> Path:
    """The folder of Prowler check folders, for ``prowler aws --checks-folder``.

    Installed from a wheel it is ``rootguard/prowler/checks`` inside the package; in a checkout (an editable
    install) it is the repository's ``checks/``."""
    installed = _PACKAGE_DIR / "checks"
    if installed.is_dir():
        return installed
    checkout = _PACKAGE_DIR.parents[1]
    if (checkout / "setup.cfg").is_file() and (checkout / "checks").is_dir():
        return checkout / "checks"
    raise FileNotFoundError(
        "rootguard's Prowler check folders are missing from this installation (rootguard/prowler/checks)"
    )
