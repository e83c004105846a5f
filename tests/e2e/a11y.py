"""axe-core in the browser: inject the npm package's script into the page under test and report violations.

`assert_accessible(page)` fails with a readable list (rule, impact, help, the first offending elements) when
axe finds any violation of impact serious or critical. The script comes from node_modules (installed by
`npm ci`), never from a CDN.

Baton's Content Security Policy allows scripts only from its own origin, so `add_script_tag(path=...)` (an
inline script) is refused by the browser. Rather than switch the CSP off for these tests, Playwright answers a
same-origin URL with the axe file and the page loads it with `add_script_tag(url=...)`: the policy stays
enforced exactly as in production.
"""

from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

AXE_SCRIPT = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")
# WCAG 2.x A and AA rules plus axe's best practices (landmarks, headings, regions).
RUN_OPTIONS = {"resultTypes": ["violations"],
               "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}


AXE_PATH = "/__e2e__/axe.min.js"


def _axe_url(page) -> str:
    """A same-origin URL that Playwright answers with node_modules' axe-core (routed once per page)."""
    if not getattr(page, "_baton_axe_routed", False):
        page.route(f"**{AXE_PATH}", lambda route: route.fulfill(path=str(AXE_SCRIPT),
                                                                content_type="application/javascript"))
        page._baton_axe_routed = True
    parts = urlsplit(page.url)
    return f"{parts.scheme}://{parts.netloc}{AXE_PATH}"


def axe_violations(page, *, impacts: tuple[str, ...] = BLOCKING_IMPACTS) -> list[dict]:
    """Violations of `impacts` on the page as it is now (axe is injected once per document)."""
    if not AXE_SCRIPT.exists():
        raise AssertionError(f"{AXE_SCRIPT} is missing: run `npm ci` first.")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(url=_axe_url(page))
    result = page.evaluate("options => window.axe.run(document, options)", RUN_OPTIONS)
    return [v for v in result["violations"] if v.get("impact") in impacts]


def describe(violations: list[dict], *, max_nodes: int = 3) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:max_nodes]:
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {', '.join(map(str, node['target']))}: {summary[:300]}")
        if len(violation["nodes"]) > max_nodes:
            lines.append(f"    … and {len(violation['nodes']) - max_nodes} more")
    return "\n".join(lines)


def assert_accessible(page, where: str = "") -> None:
    """No serious or critical axe violation on the current page."""
    violations = axe_violations(page)
    assert not violations, f"axe on {where or page.url}:\n{describe(violations)}"


def assert_no_horizontal_scroll(page, where: str = "") -> None:
    """The page itself never scrolls sideways (wide tables scroll inside their own wrapper)."""
    widths = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{where or page.url} scrolls sideways: {widths[0]}px wide in {widths[1]}px"
