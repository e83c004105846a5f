"""Navigation by role, from the entries the apps contribute (`Contributions.navigation`). An entry whose URL
is not routed yet is simply left out."""

from django.urls import NoReverseMatch, reverse

from procurement.accounts.roles import roles_of
from procurement.contributions import NavEntry, collect, resolve

__all__ = ["NavEntry", "entries", "navigation_for"]


def entries() -> list[NavEntry]:
    """Every app's entries (`Contributions.navigation`), by their `order`."""
    return collect().navigation


def navigation_for(user, current_path: str = "") -> list[dict]:
    if not getattr(user, "is_authenticated", False):
        return []
    held = roles_of(user)
    items = []
    for entry in entries():
        if entry.roles and not (held & entry.roles) and not user.is_superuser:
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        active = current_path == url if url == "/" else current_path.startswith(url)
        # Each counter runs a constant number of queries, whatever the person's workload.
        count = resolve(entry.counter)(user) if entry.counter else None
        items.append({"label": entry.label, "url": url, "active": active, "count": count})
    return items
