"""A 25 MB evidence file uploaded and downloaded through nginx and a web instance, stored on S3: memory stays flat.

``python -m tests.bench.upload --out FILE [--mb 25]`` on the database in DATABASE_URL, with S3_BUCKET set:

1. one web instance (one gunicorn gthread worker, so the process that handles the requests is known) behind
   nginx (tests/cluster.py); a signed-in session for ``bench-lead``, who owns vendors;
2. a 1 MB upload and download first, so the imports and the S3 client are in place before measuring;
3. the worker's resident memory (VmRSS) is read from /proc, its peak (VmHWM) reset, the 25 MB file uploaded
   through the evidence form, the peak read; reset again, the file downloaded, the peak read;
4. growth = peak minus the resident memory before; the download's bytes must be the upload's (sha256).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import time
from pathlib import Path

MB = 1000 * 1000


def _upload(browser, base: str, vendor, name: str, content: bytes) -> int:
    """The evidence form of `vendor`, as a person fills it in; returns the new evidence's id."""
    from django.urls import reverse
    from django.utils import timezone

    from vendors.models import Evidence, EvidenceKind

    before = set(Evidence.objects.filter(vendor=vendor).values_list("pk", flat=True))
    response = browser.post_form(base, reverse("vendors:evidence_upload", args=[vendor.pk]), {
        "title": f"Benchmark upload {name}", "kind": EvidenceKind.SECURITY_CERTIFICATION,
        "source": Evidence.Source.THIRD_PARTY_ATTESTATION, "effective_date": timezone.localdate().isoformat(),
        "valid_until": ""}, files={"file": (name, content, "application/pdf")})
    if response.status != 302:
        errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]+)<', response.text)
        raise RuntimeError(f"upload of {name} answered {response.status}: {errors or response.text[:500]}")
    (new,) = set(Evidence.objects.filter(vendor=vendor).values_list("pk", flat=True)) - before
    return new


def _download(browser, base: str, vendor, evidence_id: int):
    from django.urls import reverse

    response = browser.get(base, reverse("vendors:evidence_download", args=[vendor.pk, evidence_id]))
    if response.status != 200:
        raise RuntimeError(f"download of evidence {evidence_id} answered {response.status}: {response.text[:300]}")
    return response


def _pdf(size: int) -> bytes:
    head, tail = b"%PDF-1.7\n", b"\n%%EOF\n"
    return head + os.urandom(size - len(head) - len(tail)) + tail


def measure(size_mb: int) -> dict:
    from procurement.accounts.models import User
    from tests.bench.load import session_cookie
    from tests.cluster import Browser, Cluster, memory_kib, reset_peak
    from vendors.models import Vendor

    lead = User.objects.get(username="bench-lead")
    vendor = Vendor.objects.filter(owner=lead).order_by("pk").first()
    static_root = os.environ.get("STATIC_ROOT")
    result: dict = {"file_mb": size_mb, "vendor": vendor.pk}
    with Cluster(dict(os.environ), web=1, workers=0, proxy=True, gunicorn_workers=1, threads=4,
                 static_root=Path(static_root) if static_root else None) as cluster:
        browser = Browser()
        name, _, value = session_cookie("bench-lead").partition("=")
        browser.cookies[name] = value
        base = cluster.url
        (pid,) = cluster.webs[0].worker_pids()
        warm = _pdf(1 * MB)
        warm_id = _upload(browser, base, vendor, "warm-up.pdf", warm)
        if _download(browser, base, vendor, warm_id).body != warm:
            raise RuntimeError("the warm-up download differs from its upload")

        content = _pdf(size_mb * MB)
        digest = hashlib.sha256(content).hexdigest()
        before = memory_kib(pid)["VmRSS"]
        result["peak_resettable"] = reset_peak(pid)
        started = time.perf_counter()
        evidence_id = _upload(browser, base, vendor, "large-report.pdf", content)
        result["upload_s"] = time.perf_counter() - started
        upload_peak = memory_kib(pid)["VmHWM"]
        reset_peak(pid)
        started = time.perf_counter()
        download = _download(browser, base, vendor, evidence_id)
        result["download_s"] = time.perf_counter() - started
        download_peak = memory_kib(pid)["VmHWM"]
        after = memory_kib(pid)["VmRSS"]
    result.update(
        rss_before_mb=before * 1024 / MB, upload_peak_mb=upload_peak * 1024 / MB,
        download_peak_mb=download_peak * 1024 / MB, rss_after_mb=after * 1024 / MB,
        upload_growth_mb=(upload_peak - before) * 1024 / MB, download_growth_mb=(download_peak - before) * 1024 / MB,
        same_bytes=download.body == content, sha256_matches=download.sha256 == digest)
    result["growth_mb"] = max(result["upload_growth_mb"], result["download_growth_mb"])
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--mb", type=int, default=25)
    args = parser.parse_args(argv)
    if not os.environ.get("S3_BUCKET"):
        print("S3_BUCKET is not set: the upload benchmark measures storage on S3 (.ci/with-services starts one).",
              file=sys.stderr)
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings")
    import django

    django.setup()
    result = measure(args.mb)
    with open(args.out, "w") as handle:
        json.dump(result, handle, indent=2)
    r = result
    print(f"  {args.mb} MB evidence: RSS {r['rss_before_mb']:.0f} MB before; peak +{r['upload_growth_mb']:.1f} MB "
          f"on upload ({r['upload_s']:.1f} s), +{r['download_growth_mb']:.1f} MB on download ({r['download_s']:.1f} s);"
          f" same bytes: {r['same_bytes']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
