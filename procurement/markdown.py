"""Narrative text (memo sections, descriptions, findings) is Markdown, rendered and then sanitised with an
allow-list before it reaches any template or PDF. Images and raw HTML never survive; links keep only
http(s)/mailto targets and are marked rel="noopener noreferrer nofollow"."""

import markdown as md
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote", "code", "pre", "h3", "h4", "h5",
    "table", "thead", "tbody", "tr", "th", "td", "hr", "a",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str | None) -> SafeString:
    """Markdown to sanitised HTML, safe to mark safe."""
    if not text:
        return SafeString("")
    html = md.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    # Justified: `clean` is nh3's output under the allow-list above (no scripts, styles, images or raw HTML).
    return mark_safe(clean)  # noqa: S308  # nosec
