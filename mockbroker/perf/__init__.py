"""Measurement helpers for load, latency and soak runs: percentiles and histograms (``stats``), consistency
checks after a load run (``consistency``), process resource sampling and leak verdicts (``resources``), text
tables (``report``) and matplotlib charts (``charts``).

Nothing here imports Locust (it patches the interpreter through gevent); locustfiles import these helpers, not the
other way round. The engine never imports this package.
"""
