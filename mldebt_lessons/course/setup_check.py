"""Is this machine ready for the course? Checks what the package needs, prints no versions.

Versions differ from laptop to laptop, so the check says only whether each requirement is met:
the output is the same everywhere it passes.

>>> all(row.ok for row in requirement_status())
True
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from importlib import metadata


@dataclass(frozen=True)
class Requirement:
    name: str
    spec: str  # for example ">=8,<9"
    ok: bool
    problem: str = ""


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def _meets(version: str, spec: str) -> bool:
    have = _version_tuple(version)
    for clause in filter(None, (c.strip() for c in spec.split(","))):
        op, bound = re.match(r"(>=|<=|==|<|>)\s*(.+)", clause).groups()
        want = _version_tuple(bound)
        have_cut = have[:len(want)]
        if not {">=": have_cut >= want, "<": have_cut < want, "<=": have_cut <= want,
                ">": have_cut > want, "==": have_cut == want}[op]:
            return False
    return True


def declared_requirements(extras: bool = False) -> list[tuple[str, str]]:
    """(name, version spec) of each dependency the installed package declares."""
    out = []
    for line in metadata.requires("mldebt-lessons") or []:
        name_spec, _, marker = line.partition(";")
        if "extra" in marker and not extras:
            continue
        m = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)", name_spec)
        out.append((m.group(1), m.group(2).strip().strip("()")))
    return out


def requirement_status() -> list[Requirement]:
    """Each declared requirement, and whether the installed version meets it."""
    rows = [Requirement("python", ">=3.10", sys.version_info >= (3, 10),
                        "" if sys.version_info >= (3, 10) else "Python 3.10 or newer is needed")]
    for name, spec in declared_requirements():
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            rows.append(Requirement(name, spec, False, "not installed"))
            continue
        ok = _meets(version, spec)
        rows.append(Requirement(name, spec, ok, "" if ok else f"installed {version}, need {spec}"))
    return rows


def check_setup() -> None:
    """Print one line per requirement, then a verdict."""
    rows = requirement_status()
    for row in rows:
        print(f"{'ok' if row.ok else 'NO'}  {row.name:<14} {row.problem}".rstrip())
    good = all(r.ok for r in rows)
    print("All set: every requirement is met." if good else
          "Something is missing: run `make setup` in the course folder, then restart the kernel.")
