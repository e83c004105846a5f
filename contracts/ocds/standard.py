"""The OCDS 1.1.5 standard, read offline: where its files are, and how a package is checked against them.

Baton ships the standard's files unmodified in `contracts/ocds/standard/ocds-1.1.5/` (release-schema.json,
release-package-schema.json, the dereferenced release schema, codelists/*.csv), so packages are checked offline
on any machine. The environment variable BATON_OCDS_SCHEMA_DIR, then the setting of the same name, may point at
another copy instead. A copy that is incomplete makes `standard_dir()` raise StandardNotFound with a sentence
saying where it looked, so a test or the export command fails loudly instead of skipping the check.

`problems(package)` answers every way a package departs from the standard, as sentences:

- schema errors: the release package schema (JSON Schema Draft 4, as the schema declares) with a format checker
  (date-time, and uri checked here because jsonschema's own uri check needs a package Baton does not install).
  The package schema refers to the release schema by its published URL; a `referencing` registry maps that URL
  to the local file, so nothing is fetched from the network;
- codelist violations: every field the release schema marks with a `codelist` (closed or open) must hold a code
  of that codelist's CSV. The fields are found by walking the dereferenced release schema beside the data, so a
  codelist-typed field is checked wherever it appears (tag, statuses, method, categories, party roles,
  documentType, milestone type and status, every currency...).

The tests and `manage.py ocds_export` both use this module.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

STANDARD = "ocds-1.1.5"
ENV = "BATON_OCDS_SCHEMA_DIR"
REQUIRED_FILES = ("release-schema.json", "release-package-schema.json", "dereferenced-release-schema.json",
                  "codelists")


class StandardNotFound(RuntimeError):
    """The OCDS 1.1.5 schema and codelists are nowhere Baton looks for them."""


def _complete(path: Path) -> bool:
    return path.is_dir() and all((path / name).exists() for name in REQUIRED_FILES)


PACKAGED = Path(__file__).resolve().parent / "standard" / STANDARD


def standard_dir() -> Path:
    """The directory holding the OCDS 1.1.5 schema and codelists (StandardNotFound when it is incomplete)."""
    configured = os.environ.get(ENV) or getattr(settings, ENV, None)
    if configured:
        path = Path(configured).expanduser()
        if _complete(path):
            return path.resolve()
        raise StandardNotFound(
            f"{ENV} is set to {path}, but that directory does not hold the OCDS 1.1.5 schema and codelists "
            f"({', '.join(REQUIRED_FILES)}).")
    if _complete(PACKAGED):
        return PACKAGED
    raise StandardNotFound(
        f"The OCDS 1.1.5 schema was not found: {PACKAGED} is missing or incomplete. Restore it from the repository, "
        f"or set {ENV} to the directory holding release-package-schema.json and codelists/.")


@cache
def _loaded(directory: str) -> Standard:
    from jsonschema import Draft4Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    base = Path(directory)
    release = json.loads((base / "release-schema.json").read_text(encoding="utf-8"))
    package = json.loads((base / "release-package-schema.json").read_text(encoding="utf-8"))
    dereferenced = json.loads((base / "dereferenced-release-schema.json").read_text(encoding="utf-8"))
    registry = Registry().with_resource(release["id"], Resource.from_contents(release, default_specification=DRAFT4))
    checker = FormatChecker(formats=())
    checker.checkers = dict(Draft4Validator.FORMAT_CHECKER.checkers)
    checker.checks("uri", raises=ValueError)(_is_absolute_uri)
    Draft4Validator.check_schema(package)
    validator = Draft4Validator(package, registry=registry, format_checker=checker)
    codelists = {}
    for path in sorted((base / "codelists").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            codelists[path.name] = frozenset(row["Code"] for row in csv.DictReader(handle))
    return Standard(validator=validator, release_schema=dereferenced, codelists=codelists)


def _is_absolute_uri(value) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    if not parts.scheme or not (parts.netloc or parts.scheme in ("mailto", "urn")) or any(c.isspace() for c in value):
        raise ValueError(f"{value!r} is not an absolute URI")
    return True


@dataclass(frozen=True)
class Standard:
    validator: object
    release_schema: dict
    codelists: dict[str, frozenset[str]]

    def schema_errors(self, package: dict) -> list[str]:
        errors = sorted(self.validator.iter_errors(package), key=lambda e: list(e.absolute_path))
        return [f"{_pointer(error.absolute_path)}: {error.message}" for error in errors]

    def codelist_violations(self, package: dict) -> list[str]:
        found: list[str] = []
        for index, release in enumerate(package.get("releases") or []):
            self._walk(release, self.release_schema, f"/releases/{index}", found)
        return found

    def checked_codes(self, package: dict) -> int:
        """How many codelist-typed values the package holds (what codelist_violations looked at)."""
        counted: list[str] = []
        for index, release in enumerate(package.get("releases") or []):
            self._walk(release, self.release_schema, f"/releases/{index}", counted, count=True)
        return len(counted)

    def _walk(self, data, schema: dict, path: str, found: list[str], count: bool = False) -> None:
        if not isinstance(schema, dict) or data is None:
            return
        codelist = schema.get("codelist")
        if codelist:
            values = data if isinstance(data, list) else [data]
            for value in values:
                if count:
                    found.append(path)
                elif value not in self.codelists.get(codelist, ()):
                    kind = "open" if schema.get("openCodelist") else "closed"
                    found.append(f"{path}: {value!r} is not a code of the {kind} codelist {codelist}")
            return
        if isinstance(data, dict):
            properties = schema.get("properties") or {}
            for key, value in data.items():
                if key in properties:
                    self._walk(value, properties[key], f"{path}/{key}", found, count)
        elif isinstance(data, list):
            items = schema.get("items")
            for index, value in enumerate(data):
                self._walk(value, items, f"{path}/{index}", found, count)


def _pointer(parts) -> str:
    return "/" + "/".join(str(part) for part in parts) if parts else "(package)"


def load() -> Standard:
    """The standard, loaded once per directory (StandardNotFound when it is nowhere)."""
    return _loaded(str(standard_dir()))


def problems(package: dict) -> list[str]:
    """Every schema error and codelist violation of a release package, as sentences (empty: it is valid)."""
    standard = load()
    return standard.schema_errors(package) + standard.codelist_violations(package)
