"""The benchmark suite behind ``make bench`` (issue 12): a seeded enterprise-scale dataset and the measurements.

- ``tests.bench.seed``: the data (``python -m tests.bench.seed_scale``);
- ``tests.bench.pages``: page latency and query counts with the Django test client;
- ``tests.bench.pdf``: memo and handoff-pack renders next to bare WeasyPrint, worker RSS;
- ``tests.bench.load``: gunicorn under wrk;
- ``tests.bench.scoring``: the pure scoring engine at the large procedure's size;
- ``python -m tests.bench``: runs everything, prints the table, writes var/bench/results.json.

See docs/performance.md for the figures and how to read them.
"""
