"""The benchmark suite behind ``make bench`` (issue 12): a seeded enterprise-scale dataset and the measurements.

- ``procurement.bench.seed``: the data (``manage.py seed_scale``);
- ``procurement.bench.pages``: page latency and query counts with the Django test client;
- ``procurement.bench.pdf``: memo and handoff-pack renders next to bare WeasyPrint, worker RSS;
- ``procurement.bench.load``: gunicorn under wrk;
- ``python -m procurement.bench``: runs everything, prints the table, writes var/bench/results.json.

See docs/performance.md for the figures and how to read them.
"""
