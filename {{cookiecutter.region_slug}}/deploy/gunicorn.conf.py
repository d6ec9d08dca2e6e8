"""Gunicorn settings: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`, run from the region folder.

nginx (deploy/nginx.conf) proxies to the address below; the environment may
override it (EOFFICE_BIND, EOFFICE_WORKERS, EOFFICE_TIMEOUT).
"""

import multiprocessing
import os

bind = os.environ.get("EOFFICE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("EOFFICE_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# PDF rendering and spreadsheet imports can take a while; nginx waits 120 s.
timeout = int(os.environ.get("EOFFICE_TIMEOUT", "110"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never grows without bound.
max_requests = 1000
max_requests_jitter = 100
# Only nginx on this machine may set X-Forwarded-* headers.
forwarded_allow_ips = "127.0.0.1,::1"
# Logs go to stdout/stderr: systemd's journal keeps them (journalctl -u eoffice).
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("EOFFICE_LOG_LEVEL", "info")
proc_name = "eoffice"
