"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py 'mpp.wsgi:app'`.

Threaded workers (no eventlet/gevent monkey-patching): every open WebSocket (a display board,
a counter console, a citizen's status page) holds one thread, so size `threads` for the
screens of the hall plus concurrent requests. Several workers need MPP_REDIS_URL so that
Socket.IO events reach clients connected to any worker; clients use the WebSocket transport
only, so no sticky sessions are needed. Run `mpp migrate` once before starting workers.
"""

import os

bind = os.environ.get("MPP_BIND", "127.0.0.1:8080")
workers = int(os.environ.get("MPP_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("MPP_THREADS", "200"))
timeout = 0  # long-lived WebSocket requests must not be killed
graceful_timeout = 10
keepalive = 30
accesslog = "-"
errorlog = "-"
control_socket_disable = True
