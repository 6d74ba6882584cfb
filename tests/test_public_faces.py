"""Each package's ``__all__`` is its public face, as httpx checks its own
(``tests/test_exported_members.py``): every name listed exists, and every polbot name the
package binds without an underscore is listed.

What a package imports from the standard library or its dependencies for its own use
(``Path``, ``Protocol``) is not polbot's face and may stay unlisted; a polbot object it
merely uses is imported under its module (``from polbot import errors``) instead.
"""

from __future__ import annotations
import __future__

import importlib
import pkgutil
import types

import pytest

import polbot

PACKAGES = [
    "polbot",
    *(info.name for info in pkgutil.walk_packages(polbot.__path__, "polbot.") if info.ispkg),
]


def _is_polbots(value: object) -> bool:
    """Defined in polbot: a class or function of a polbot module, or a value without a
    defining module (a constant, a registry) bound by the package itself."""
    module = getattr(value, "__module__", None)
    return module is None or module == "polbot" or module.startswith("polbot.")


def test_every_package_is_found() -> None:
    assert {"polbot.channels", "polbot.commands", "polbot.runtime", "polbot.server"} <= set(
        PACKAGES
    )


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_the_public_face(name: str) -> None:
    package = importlib.import_module(name)
    exported = getattr(package, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    assert len(set(exported)) == len(exported), f"{name}.__all__ lists a name twice"
    missing = [member for member in exported if not hasattr(package, member)]
    assert missing == [], f"{name}.__all__ lists what it does not have"
    unlisted = sorted(
        member
        for member, value in vars(package).items()
        if not member.startswith("_")
        and member != "TYPE_CHECKING"
        and not isinstance(value, types.ModuleType | __future__._Feature)
        and _is_polbots(value)
        and member not in exported
    )
    assert unlisted == [], f"{name} binds public names it does not export"
