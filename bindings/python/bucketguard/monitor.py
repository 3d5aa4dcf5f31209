"""Health monitoring from inside a Python worker: the library's monitor
thread probing a test object and keeping the metrics file current, the
daemon's HTTP endpoints served from a Python thread, and a one-shot check.
"""

import ctypes
import hmac
import http.server
import json
import logging
import threading

from . import _lib
from .client import DEFAULT_METRICS_FILE, Client, split_path
from .errors import UsageError, error_class

logger = logging.getLogger("bucketguard")

_JSON = "application/json"
_PROMETHEUS = "text/plain; version=0.0.4"


def parse_listen(listen):
    """(host, port) of "HOST:PORT", "[v6]:PORT" or a (host, port) pair."""
    if isinstance(listen, (tuple, list)):
        host, port = listen
        return str(host), int(port)
    host, sep, port = str(listen).rpartition(":")
    if not sep or not port.isdigit():
        raise UsageError("listen must be HOST:PORT", result_code=_lib.E_USAGE)
    return host.strip("[]") or "127.0.0.1", int(port)


class _Handler(http.server.BaseHTTPRequestHandler):
    """The daemon's endpoints: /health and /health/fm027 (open; 503 when
    unhealthy), /metrics, /metrics.json and /routes (behind the token when
    one is set)."""

    server_version = "bucketguard-python"
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 - http.server's naming
        self._answer(send_body=True)

    def do_HEAD(self):  # noqa: N802
        self._answer(send_body=False)

    def _answer(self, send_body):
        client = self.server.bg_client
        path = self.path.split("?", 1)[0]
        try:
            if path in ("/health", "/health/fm027"):
                answer = client.health()
                status = 503 if answer["status"] == "unhealthy" else 200
                self._send(status, _JSON, json.dumps(answer), send_body)
            elif not self._authorized():
                self._send(401, _JSON, '{"error":"unauthorized"}',
                           send_body)
            elif path == "/metrics":
                self._send(200, _PROMETHEUS, client.metrics_prometheus(),
                           send_body)
            elif path == "/metrics.json":
                self._send(200, _JSON, json.dumps(client.metrics()),
                           send_body)
            elif path == "/routes":
                self._send(200, _JSON, json.dumps(client.routes()),
                           send_body)
            else:
                self._send(404, _JSON, '{"error":"not found"}', send_body)
        except Exception as e:  # noqa: BLE001 - answer, never crash
            self._send(500, _JSON, json.dumps({"error": type(e).__name__}),
                       send_body)

    def _authorized(self):
        token = self.server.bg_token
        if not token:
            return True
        given = self.headers.get("Authorization", "")
        return given.startswith("Bearer ") and \
            hmac.compare_digest(given[7:].encode(), token.encode())

    def _send(self, status, content_type, text, send_body):
        body = text.encode("utf-8")
        if not body.endswith(b"\n"):
            body += b"\n"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 - base signature
        logger.debug("event=http_request client=%s request=\"%s\"",
                     self.address_string(), format % args)


class Monitor:
    """Probes test_path ("bucket/key") every interval seconds through its
    own client (the library's monitor thread), writes metrics_file after
    each probe (None: no file), and when listen is given ("HOST:PORT",
    port 0 for any) serves the daemon's endpoints from a Python thread.

    Monitor(base_url, service_role_key, test_path, interval=60.0,
            metrics_file="/tmp/fm027_metrics.json", listen=None,
            anon_key=None, token=None, **client_options)

    token, when set, is required as "Authorization: Bearer TOKEN" on every
    endpoint except /health. Use start() and stop(), or a with statement
    (started on entry, closed on exit).
    """

    def __init__(self, base_url, service_role_key, test_path,
                 interval=60.0, metrics_file=DEFAULT_METRICS_FILE,
                 listen=None, anon_key=None, token=None, **options):
        self.bucket, self.key = split_path(test_path)
        self.interval = float(interval)
        self.metrics_file = metrics_file
        self.listen = listen
        self.address = None
        self._token = token
        self._monitor = None
        self._server = None
        self._server_thread = None
        self._lock = threading.Lock()
        if metrics_file:
            options["metrics_file"] = metrics_file
        self.client = Client(base_url, service_role_key, anon_key, **options)

    def start(self, interval=None):
        """Starts probing (every interval seconds, default the one given
        at construction) and the HTTP endpoints when listen was given."""
        with self._lock:
            if self._monitor is not None:
                raise UsageError("the monitor is already running",
                                 result_code=_lib.E_USAGE)
            if interval is not None:
                self.interval = float(interval)
            if self.listen is not None:
                self._serve(parse_listen(self.listen))
            try:
                self._start_thread()
            except BaseException:
                self._stop_server()
                raise
        return self

    def _start_thread(self):
        out = ctypes.c_void_p()
        lib = self.client._lib
        handle = self.client._enter()  # held until stop(): no early free
        path = self.metrics_file.encode() if self.metrics_file else None
        rc = lib.bg_monitor_start(handle, self.bucket.encode(),
                                  self.key.encode(), self.interval, path,
                                  ctypes.byref(out))
        if rc != _lib.OK:
            self.client._leave()
            raise error_class(rc)("monitor: %s" %
                                  lib.bg_strerror(rc).decode(),
                                  result_code=rc)
        self._monitor = out.value

    def _serve(self, address):
        server = http.server.ThreadingHTTPServer(address, _Handler)
        server.daemon_threads = True
        server.bg_client = self.client
        server.bg_token = self._token
        self._server = server
        self.address = server.server_address[:2]
        self._server_thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.2},
            name="bucketguard-http", daemon=True)
        self._server_thread.start()
        logger.info("event=monitor_listening address=%s:%d",
                    self.address[0], self.address[1])

    @property
    def url(self):
        """http://HOST:PORT of the endpoints, None when not serving."""
        if self.address is None:
            return None
        host = self.address[0]
        if ":" in host:
            host = "[%s]" % host
        return "http://%s:%d" % (host, self.address[1])

    def _stop_server(self):
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._server_thread.join(5)
        self._server = self._server_thread = None

    def stop(self):
        """Stops the endpoints and the probing thread (at most one probe's
        time); the metrics file is written a last time. The client stays
        usable for health() and metrics() until close()."""
        with self._lock:
            self._stop_server()
            if self._monitor is None:
                return
            monitor, self._monitor = self._monitor, None
            self.client._lib.bg_monitor_stop(monitor)
            self.client._leave()

    @property
    def running(self):
        return self._monitor is not None

    def health(self):
        """The health answer (/health) as a dict."""
        return self.client.health()

    def metrics(self):
        """The metrics document as a dict."""
        return self.client.metrics()

    def close(self):
        """stop(), then frees the client."""
        self.stop()
        self.client.close()

    def __enter__(self):
        if not self.running:
            self.start()
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def health_check(base_url, service_role_key, test_path, anon_key=None,
                 **options):
    """Probes test_path ("bucket/key") once through a new client and
    returns the health answer as a dict ({"status", "details",
    "last_test"}). An unhealthy answer is returned, not raised; a bad
    configuration raises ConfigError."""
    bucket, key = split_path(test_path)
    with Client(base_url, service_role_key, anon_key, **options) as client:
        out = ctypes.c_void_p()
        handle = client._enter()
        try:
            rc = client._lib.bg_health_check(handle, bucket.encode(),
                                             key.encode(), ctypes.byref(out))
        finally:
            client._leave()
        text = _lib.take_string(client._lib, out.value)
        if text is None:
            raise error_class(rc)("health check: %s" %
                                  client._lib.bg_strerror(rc).decode(),
                                  result_code=rc)
        return json.loads(text)
