"""Where Prowler's entry points find rootguard's installed checks, for any Prowler service.

Prowler (``prowler.checks.aws`` entry points) expects a plugin check at
``<root>.services.<service>.<check_id>.<check_id>`` and reads the metadata file beside that module. The check
folders are flat (``checks/<check_id>/``, as ``prowler --checks-folder`` wants them), so this package resolves
``rootguard.prowler.services.<service>`` to a namespace package whose search path is that flat folder:
``rootguard.prowler.services.iam.<check_id>`` is ``<checks folder>/<check_id>/``. A check of a new Prowler
service needs nothing here.
"""

from __future__ import annotations

import sys
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

from rootguard.prowler import checks_path

__path__: list[str] = []  # nothing is found the ordinary way; _ServiceFinder answers for the services


class _ServiceFinder(MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Any = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        parent, _, service = fullname.rpartition(".")
        if parent != __name__ or not service.isidentifier():
            return None
        spec = ModuleSpec(fullname, None, is_package=True)
        spec.submodule_search_locations = [str(checks_path())]
        return spec


if not any(isinstance(finder, _ServiceFinder) for finder in sys.meta_path):
    sys.meta_path.append(_ServiceFinder())
