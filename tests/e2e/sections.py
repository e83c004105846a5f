"""Moving between the sections of the contract page in the browser (issue 18: one section at a time)."""

import re

from playwright.sync_api import expect


def open_section(page, label: str) -> None:
    """Click the tab named `label` and wait until htmx has put its section in place."""
    tabs = page.locator("nav.contract-tabs")
    link = tabs.get_by_role("link", name=re.compile(rf"^{re.escape(label)}\b"))
    link.click()
    expect(tabs.locator('[aria-current="page"]')).to_contain_text(label)
