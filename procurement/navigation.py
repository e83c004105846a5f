"""Navigation by role. An entry whose URL is not routed yet is simply left out."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from procurement.accounts.roles import Role, roles_of


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    roles: frozenset[str]  # empty: everyone signed in
    counter: str = ""  # a key of COUNTERS: the number shown next to the label


ENTRIES: tuple[NavEntry, ...] = (
    NavEntry("My work", "home", frozenset(), counter="work"),
    NavEntry("Vendors", "vendors:list", frozenset()),
    NavEntry("Award procedures", "awards:procedure_list", frozenset()),
    NavEntry("Contracts", "contracts:list", frozenset()),
    NavEntry(
        "Audit trail",
        "audit:log",
        frozenset({Role.AUDITOR}),
    ),
    NavEntry("Notifications", "notifications:inbox", frozenset(), counter="unread"),
)


def _work_count(user) -> int:
    from procurement.dashboard import work_count

    return work_count(user)


def _unread_count(user) -> int:
    from procurement.notifications.selectors import unread_count

    return unread_count(user)


# Each counter runs a constant number of queries, whatever the person's workload.
COUNTERS = {"work": _work_count, "unread": _unread_count}


def navigation_for(user, current_path: str = "") -> list[dict]:
    if not getattr(user, "is_authenticated", False):
        return []
    held = roles_of(user)
    items = []
    for entry in ENTRIES:
        if entry.roles and not (held & entry.roles) and not user.is_superuser:
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        active = current_path == url if url == "/" else current_path.startswith(url)
        count = COUNTERS[entry.counter](user) if entry.counter else None
        items.append({"label": entry.label, "url": url, "active": active, "count": count})
    return items
