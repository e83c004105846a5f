"""PDF renders: the app's path next to bare WeasyPrint on the identical HTML, and the worker's memory.

``python -m tests.bench.pdf --out FILE [--renders 100]`` against the database in DATABASE_URL:

- app path = what the worker does for a document row: the kind's ``build_context`` and source hash, the
  template, WeasyPrint through the restricted URL fetcher, and for the handoff pack the zip with its data files;
- bare = ``weasyprint.HTML(string=html).write_pdf()`` on the very HTML the app produced (same fetcher, so the
  stylesheet is the same; without it WeasyPrint could not load the project's CSS at all);
- RSS of this process (it plays the worker) after the first memo render and after ``--renders`` renders.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from types import SimpleNamespace


def rss_mib() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _sources():
    from awards.models import DecisionMemo
    from contracts.models import Contract

    memo = DecisionMemo.objects.filter(status=DecisionMemo.Status.APPROVED).order_by("pk").first() \
        or DecisionMemo.objects.order_by("pk").first()
    contract = Contract.objects.order_by("pk").first()
    return memo, contract


def _timed(fn, repeat: int) -> tuple[list[float], object]:
    times, last = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        last = fn()
        times.append((time.perf_counter() - start) * 1000)
    return times, last


def bench_kind(key: str, source, repeat: int) -> dict:
    from django.template.loader import render_to_string
    from django.utils import timezone
    from weasyprint import HTML

    from procurement.documents.fetcher import BASE_URL, SafeURLFetcher
    from procurement.documents.registry import get_kind
    from procurement.documents.services import document_context, produce

    spec = get_kind(key)

    def app_render():
        context = spec.build_context(source)
        doc = SimpleNamespace(version=1, source_hash=spec.hash_source(source), requested_at=timezone.now())
        return produce(spec, source, doc, context)

    context = spec.build_context(source)
    doc = SimpleNamespace(version=1, source_hash=spec.hash_source(source), requested_at=timezone.now())
    html = render_to_string(spec.template, document_context(doc, spec, source, context))

    def bare_render():
        return HTML(string=html, base_url=BASE_URL, url_fetcher=SafeURLFetcher()).write_pdf()

    app_render()  # warm caches (fonts, templates) so neither side pays the first-render cost
    bare_render()
    app_times, bare_times = [], []
    content, pages = b"", 0
    for _ in range(repeat):  # interleaved, so machine noise hits both sides alike
        t, (content, pages) = _timed(app_render, 1)
        app_times += t
        t, _pdf = _timed(bare_render, 1)
        bare_times += t
    return {"kind": key, "source": str(source), "pages": pages, "bytes": len(content), "html_bytes": len(html),
            "app_ms": statistics.median(app_times), "bare_ms": statistics.median(bare_times),
            "app_best_ms": min(app_times), "bare_best_ms": min(bare_times),
            "ratio": statistics.median(app_times) / statistics.median(bare_times)}


def bench_rss(key: str, source, renders: int) -> dict:
    from django.utils import timezone

    from procurement.documents.registry import get_kind
    from procurement.documents.services import produce

    spec = get_kind(key)

    def render():
        context = spec.build_context(source)
        doc = SimpleNamespace(version=1, source_hash=spec.hash_source(source), requested_at=timezone.now())
        produce(spec, source, doc, context)

    render()
    gc.collect()
    first = rss_mib()
    for _ in range(renders - 1):
        render()
    gc.collect()
    after = rss_mib()
    return {"kind": key, "renders": renders, "rss_first_mib": first, "rss_after_mib": after,
            "ratio": after / first}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--renders", type=int, default=100)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings")
    import django

    django.setup()
    from awards.memo_documents import MEMO_KIND
    from contracts.handoff import KIND as PACK_KIND

    memo, contract = _sources()
    result: dict = {}
    started = time.perf_counter()
    import weasyprint  # noqa: F401 - import cost kept out of the first render's figure

    result["import_s"] = time.perf_counter() - started
    result["rss_before_mib"] = rss_mib()
    if memo is not None:
        result["memo"] = bench_kind(MEMO_KIND, memo, args.repeat)
    if contract is not None:
        result["pack"] = bench_kind(PACK_KIND, contract, max(2, args.repeat // 2))
    if memo is not None:
        result["rss"] = bench_rss(MEMO_KIND, memo, args.renders)
    with open(args.out, "w") as handle:
        json.dump(result, handle, indent=2)
    for key in ("memo", "pack"):
        if key in result:
            r = result[key]
            print(f"  {key}: app {r['app_ms']:.0f} ms, bare {r['bare_ms']:.0f} ms (x{r['ratio']:.2f}), "
                  f"{r['pages']} pages, {r['bytes'] / 1024:.0f} KiB")
    if "rss" in result:
        r = result["rss"]
        print(f"  RSS after 1 render {r['rss_first_mib']:.0f} MiB, after {r['renders']}: {r['rss_after_mib']:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
