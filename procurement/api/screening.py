"""Input the database cannot store is refused before any endpoint runs (every router, the OCDS one included).

PostgreSQL text cannot hold a NUL character, and a lone UTF-16 surrogate (legal in JSON: "\\ud800") cannot be
encoded to UTF-8: either would reach the database as an error (a 500). The API answers 422 instead, naming
where the bad character was.
"""

from __future__ import annotations

import json
from urllib.parse import unquote


class UnstorableInput(Exception):
    def __init__(self, where: str):
        super().__init__(f"The {where} contains a character Baton cannot store (NUL or an unpaired surrogate).")
        self.where = where


def _bad(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def screen(request) -> None:
    if _bad(request.path) or _bad(unquote(request.path_info)):
        raise UnstorableInput("address")
    if any(_bad(key) or any(_bad(v) for v in values) for key, values in request.GET.lists()):
        raise UnstorableInput("query string")
    if request.method not in ("GET", "HEAD") and request.body:
        try:
            data = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            return  # not JSON: the operation's own parser answers 400
        if any(_bad(text) for text in _strings(data)):
            raise UnstorableInput("request body")
