"""What each app contributes to the kernel, declared on its AppConfig; the kernel imports no app.

An app sets the class attribute `contributions` on its AppConfig:

    class AwardsConfig(AppConfig):
        name = "awards"
        contributions = Contributions(
            urls=(UrlInclude("procedures/", "awards.urls"),),
            navigation=(NavEntry("Award procedures", "awards:procedure_list", order=20),),
            panels="awards.dashboard.panels",
            search=(SearchSource("procedures", "Award procedures", "awards.search.procedures"),),
            ...
        )

Callables and modules are named by dotted string: an AppConfig module is imported before any model, so it
must not import the code it names. The kernel resolves them lazily (`resolve`), and the system check
`procurement.E100` imports every one of them at start-up, so a typo fails `manage.py check`, not a page.

`collect()` walks the installed apps in INSTALLED_APPS order (cached for the life of the process).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from datetime import timedelta
from functools import cache
from importlib import import_module
from typing import Any

from django.apps import apps
from django.core import checks


@dataclass(frozen=True)
class UrlInclude:
    """`path(prefix, include(module))` in the root URLconf."""

    prefix: str  # e.g. "vendors/"
    module: str  # e.g. "vendors.urls"


@dataclass(frozen=True)
class NavEntry:
    """One entry of the navigation; left out when its URL is not routed or the person holds none of `roles`."""

    label: str
    url_name: str
    roles: frozenset[str] = frozenset()  # empty: everyone signed in
    counter: str = ""  # dotted name of (user) -> int, the number shown next to the label (constant queries)
    order: int = 100  # position in the bar, lowest first


@dataclass(frozen=True)
class SearchSource:
    """One kind of record in the global search: `finder(user, terms)` -> list of procurement.search.Hit."""

    key: str
    label: str
    finder: str


@dataclass(frozen=True)
class NotificationKind:
    """What a notification is about; each person may switch each kind on or off per channel."""

    value: str  # stored in the notification rows: never change it
    label: str


@dataclass(frozen=True)
class AuditedModel:
    """A model with a history page, the policy that decides who may read it, and what its timeline merges in.

    - `parts`: dotted name of a tuple of procurement.audit.registry.Part folded into the merged timeline;
    - `notice`: dotted name of (user, obj) -> str, a sentence shown above the timeline ("" for none), e.g.
      why some parts are not listed yet.
    """

    label: str  # "app_label.modelname"
    policy: str  # dotted name of the ObjectPolicy
    parts: str = ""
    notice: str = ""


@dataclass(frozen=True)
class PeriodicJob:
    """A `celery beat` entry: the named task runs every `every`, or once a day when `every` is None."""

    name: str
    task: str  # the Celery task name
    every: timedelta | None = None


@dataclass(frozen=True)
class DemoStep:
    """One step of `manage.py seed_demo`: `step(users=..., stdout=...)`, lowest `order` first. `users` is a
    dict (username -> User) the steps share; the step that creates people adds them to it."""

    order: int
    step: str


@dataclass(frozen=True)
class HookProvider:
    """A higher app filling a hook a lower app declares (e.g. vendors' "vendors.engagements": the procedures and
    contracts that involve a vendor). The lower app asks `collect().providers(hook)` and never imports the higher
    one; the signature of `provider` is the hook's, documented where the hook is declared."""

    hook: str
    provider: str


@dataclass(frozen=True)
class ApiRouter:
    """A django-ninja Router the app adds to the REST API under /api/v1/<prefix> (procurement.api)."""

    prefix: str  # e.g. "vendors/"
    router: str  # dotted name of the ninja Router, e.g. "vendors.api.router"


@dataclass(frozen=True)
class WebhookEvent:
    """An event subscribers may receive by webhook (procurement.webhooks); the value is stored: never change it."""

    value: str  # e.g. "memo.approved"
    label: str


@dataclass(frozen=True)
class PolicyTable:
    """A policy table the app keeps (issue 21), changed only by a policy administrator on its page, each change a
    new procurement.PolicyVersion (procurement.policy_tables).

    - `snapshot`: dotted name of () -> JSON-able, the table as it stands now: read from the app's rows for a
      table kept in rows (committees, the approval matrix, ...), the shipped default for a table kept only in its
      versions (the tiering rules, ...), which it returns when no version exists yet;
    - `url_name`: the page where the table is read and changed.
    """

    key: str  # stored in PolicyVersion.table and in every pin: never change it
    label: str
    description: str
    snapshot: str
    url_name: str
    order: int = 100


@dataclass(frozen=True)
class Contributions:
    urls: tuple[UrlInclude, ...] = ()
    navigation: tuple[NavEntry, ...] = ()
    panels: str = ""  # dotted (user) -> list[dict]: the app's panels on the home page
    work_count: str = ""  # dotted (user) -> int: the app's share of "My work (n)"
    search: tuple[SearchSource, ...] = ()
    calendar: tuple[str, ...] = ()  # dotted (user) -> list[procurement.icalendar.CalendarEvent]
    notification_kinds: tuple[NotificationKind, ...] = ()
    audited: tuple[AuditedModel, ...] = ()
    jobs: tuple[PeriodicJob, ...] = ()
    document_kinds: tuple[str, ...] = ()  # modules that register document kinds when imported
    demo: tuple[DemoStep, ...] = ()
    hooks: tuple[HookProvider, ...] = ()
    api: tuple[ApiRouter, ...] = ()
    webhook_events: tuple[WebhookEvent, ...] = ()
    policy_tables: tuple[PolicyTable, ...] = ()


@dataclass(frozen=True)
class Contribution:
    """One app's contributions, with the app that declared them."""

    app_label: str
    contributions: Contributions


@dataclass(frozen=True)
class Registry:
    """Everything every installed app contributes, in INSTALLED_APPS order."""

    by_app: tuple[Contribution, ...] = field(default_factory=tuple)

    def _each(self, name: str) -> Iterator[tuple[str, Any]]:
        for entry in self.by_app:
            value = getattr(entry.contributions, name)
            if isinstance(value, tuple):
                for item in value:
                    yield entry.app_label, item
            elif value:
                yield entry.app_label, value

    def all(self, name: str) -> list:
        return [item for _, item in self._each(name)]

    @property
    def urls(self) -> list[UrlInclude]:
        return self.all("urls")

    @property
    def navigation(self) -> list[NavEntry]:
        return sorted(self.all("navigation"), key=lambda entry: entry.order)

    @property
    def search(self) -> list[SearchSource]:
        return self.all("search")

    @property
    def notification_kinds(self) -> list[NotificationKind]:
        return self.all("notification_kinds")

    @property
    def audited(self) -> dict[str, AuditedModel]:
        return {model.label: model for model in self.all("audited")}

    @property
    def jobs(self) -> list[PeriodicJob]:
        return self.all("jobs")

    @property
    def demo(self) -> list[DemoStep]:
        return sorted(self.all("demo"), key=lambda step: step.order)

    @property
    def api(self) -> list[ApiRouter]:
        return self.all("api")

    @property
    def webhook_events(self) -> list[WebhookEvent]:
        return self.all("webhook_events")

    @property
    def policy_tables(self) -> dict[str, PolicyTable]:
        return {table.key: table for table in sorted(self.all("policy_tables"), key=lambda t: t.order)}

    def providers(self, hook: str) -> list:
        """The callables every app contributes to `hook`, in INSTALLED_APPS order (resolved)."""
        return [resolve(item.provider) for item in self.all("hooks") if item.hook == hook]


@cache
def collect() -> Registry:
    """The contributions of every installed app (cached; `collect.cache_clear()` after changing apps)."""
    found = []
    for config in apps.get_app_configs():
        declared = getattr(config, "contributions", None)
        if isinstance(declared, Contributions):
            found.append(Contribution(config.label, declared))
    return Registry(tuple(found))


def resolve(dotted: str) -> Any:
    """The attribute a dotted name names: "package.module.attribute"."""
    module_name, _, attribute = dotted.rpartition(".")
    return getattr(import_module(module_name), attribute)


# --- the system check ----------------------------------------------------------------------------------------

# Per field (or per field of an entry): is the dotted name a module, or an attribute of a module?
_MODULE_FIELDS = {"urls.module", "document_kinds"}


def _dotted_names(contributions: Contributions) -> Iterator[tuple[str, str]]:
    """(where, dotted name) for every name a Contributions holds."""
    for spec in fields(contributions):
        value = getattr(contributions, spec.name)
        if isinstance(value, str):
            if value:
                yield spec.name, value
            continue
        for item in value:
            if isinstance(item, str):
                yield spec.name, item
                continue
            for name in ("module", "counter", "finder", "policy", "parts", "notice", "step", "provider", "router",
                         "snapshot"):
                dotted = getattr(item, name, "")
                if dotted:
                    yield f"{spec.name}.{name}", dotted


def _importable(where: str, dotted: str) -> str:
    """'' when `dotted` resolves, else what went wrong."""
    try:
        if where in _MODULE_FIELDS:
            import_module(dotted)
            return ""
        module_name, _, attribute = dotted.rpartition(".")
        if not module_name:
            return "it is not a dotted name"
        module = import_module(module_name)
        if not hasattr(module, attribute):
            return f"module {module_name} has no attribute {attribute!r}"
        return ""
    except ImportError as exc:
        return f"{type(exc).__name__}: {exc}"


def _check_timeline_parts(config, declared: Contributions) -> list[checks.CheckMessage]:
    """The policies and gates a merged timeline's parts name (procurement.audit.registry.Part) import too."""
    errors = []
    for model in declared.audited:
        if not model.parts or _importable("audited.parts", model.parts):
            continue  # reported above
        for part in resolve(model.parts):
            for what, dotted in (("policy", part.policy), ("gate", part.gate)):
                problem = _importable(what, dotted) if dotted else ""
                if problem:
                    errors.append(checks.Error(
                        f"App {config.label!r} contributes a timeline part {part.label!r} of {model.label!r} whose "
                        f"{what} {dotted!r} cannot be imported ({problem}).", obj=config, id="procurement.E100"))
    return errors


def check_contributions(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every dotted name every app contributes imports; notification kinds and search keys are unique."""
    errors: list[checks.CheckMessage] = []
    configs = app_configs if app_configs is not None else apps.get_app_configs()
    for config in configs:
        declared = getattr(config, "contributions", None)
        if declared is None:
            continue
        if not isinstance(declared, Contributions):
            errors.append(checks.Error(f"{config.label}: AppConfig.contributions is not a Contributions.",
                                       obj=config, id="procurement.E101"))
            continue
        for where, dotted in _dotted_names(declared):
            problem = _importable(where, dotted)
            if problem:
                errors.append(checks.Error(
                    f"App {config.label!r} contributes {where} {dotted!r}, which cannot be imported ({problem}).",
                    hint="Fix the dotted name on the app's AppConfig.contributions.", obj=config,
                    id="procurement.E100"))
        errors.extend(_check_timeline_parts(config, declared))
    registry = collect() if app_configs is None else Registry(tuple(
        Contribution(c.label, c.contributions) for c in configs
        if isinstance(getattr(c, "contributions", None), Contributions)))
    for what, values in (("notification kind", [k.value for k in registry.notification_kinds]),
                         ("search source", [s.key for s in registry.search]),
                         ("periodic job", [j.name for j in registry.jobs]),
                         ("audited model", [a.label for a in registry.all("audited")]),
                         ("policy table", [t.key for t in registry.all("policy_tables")])):
        seen: set[str] = set()
        for value in values:
            if value in seen:
                errors.append(checks.Error(f"Two apps contribute the {what} {value!r}.", id="procurement.E102"))
            seen.add(value)
    return errors
