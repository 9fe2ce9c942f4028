"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py 'mpp.wsgi:app'`.

The same serving model as `mpp run` (mpp.server.gunicorn_options): gevent workers, in which
every request and every open WebSocket (a board, a console, a citizen's status page) is a
greenlet, so an idle socket costs memory, not a thread. One worker holds up to
MPP_CONNECTIONS sockets (default 10,000); see docs/serving.md for the figures. Several
workers (or hosts) need MPP_REDIS_URL so that Socket.IO events reach clients connected to
any of them; clients use the WebSocket transport only, so no sticky sessions are needed.
Run `mpp migrate` once before starting workers. The systemd unit raises the open-file limit
(LimitNOFILE): each socket is a file.
"""

import os

from mpp.server import gunicorn_options

_options = gunicorn_options(
    host="", port=0, connections=int(os.environ.get("MPP_CONNECTIONS", "10000")),
    workers=int(os.environ.get("MPP_WORKERS", "2")))

bind = os.environ.get("MPP_BIND", "127.0.0.1:8080")
workers = _options["workers"]
worker_class = _options["worker_class"]
worker_connections = _options["worker_connections"]
timeout = _options["timeout"]
graceful_timeout = 10
keepalive = _options["keepalive"]
accesslog = "-"
errorlog = "-"
control_socket_disable = True
