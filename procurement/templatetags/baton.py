from django import template

from procurement.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    """{{ memo.recommendation|markdown }} — sanitised HTML from Markdown."""
    return render_markdown(text)


@register.simple_tag(takes_context=True)
def query_without(context, *names):
    """The current query string without the given parameters (for sort and pagination links)."""
    params = context["request"].GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()
