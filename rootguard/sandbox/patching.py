"""Changes to moto's classes and modules, applied together and undone together.

The sandbox extends moto the way moto is built: methods on a service's response class, wrappers around a few
backend methods, and its request pipeline and speed-ups on moto's core. Each such change is a :class:`Patch`
(set this attribute of this class or module to this value). A :class:`PatchSet` applies its patches when a
sandbox starts, remembering what each attribute held (or that it held nothing), and puts every attribute back
when the sandbox stops: outside a running sandbox, moto is moto, whatever ran in the process before.

Patches are built once and reused, so starting and stopping a sandbox costs a few dozen attribute
assignments.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_ABSENT = object()  # the attribute was not in the owner's own namespace (inherited, or not there at all)


@dataclass(frozen=True)
class Patch:
    """Set `owner.name` (owner: a class or a module) to `value` while the sandbox runs."""

    owner: Any
    name: str
    value: Any


class PatchSet:
    """Patches applied in order and undone in reverse order; apply, undo, apply again."""

    def __init__(self, patches: Iterable[Patch]) -> None:
        self.patches = tuple(patches)
        seen: set[tuple[int, str]] = set()
        for patch in self.patches:
            key = (id(patch.owner), patch.name)
            if key in seen:  # the second would remember the first's value as the original
                raise ValueError(f"{patch.owner!r}.{patch.name} is patched twice")
            seen.add(key)
        self._originals: list[Any] | None = None

    @property
    def applied(self) -> bool:
        return self._originals is not None

    def apply(self) -> None:
        """Set every attribute, remembering what each held; all or nothing."""
        if self._originals is not None:
            raise RuntimeError("these patches are already applied")
        originals: list[Any] = []
        try:
            for patch in self.patches:
                original = vars(patch.owner).get(patch.name, _ABSENT)
                setattr(patch.owner, patch.name, patch.value)
                originals.append(original)  # only once set: a failed patch has nothing to put back
        except BaseException:
            self._restore(originals)
            raise
        self._originals = originals

    def undo(self) -> None:
        """Put back what every attribute held before :meth:`apply` (no-op when not applied)."""
        if self._originals is not None:
            originals, self._originals = self._originals, None
            self._restore(originals)

    def _restore(self, originals: list[Any]) -> None:
        # The raw namespace entry goes back (a staticmethod, classmethod or property object as moto defined
        # it); an attribute the owner did not define itself is removed, so the inherited one shows again.
        for patch, original in reversed(list(zip(self.patches, originals, strict=False))):
            if original is _ABSENT:
                delattr(patch.owner, patch.name)
            else:
                setattr(patch.owner, patch.name, original)
