"""bucketguard.Client: the library's client (bg_client) as a Python object.
Every call goes through libbucketguard's engine (routes, failover, retries,
classification) and releases the GIL while it runs, so one client serves
many threads at once."""

import ctypes
import json
import logging
import os
import threading

from . import _lib
from .errors import ConfigError, UsageError, error_class, redact

logger = logging.getLogger("bucketguard")

DEFAULT_METRICS_FILE = "/tmp/fm027_metrics.json"

# Python option names whose library name differs; every other option is
# passed under its own name (retries, delays, attempt_timeout, ...).
OPTION_NAMES = {
    "health_window": "health.window",
    "health_window_seconds": "health.window_seconds",
    "health_healthy_rate": "health.healthy_rate",
    "health_healthy_consecutive": "health.healthy_consecutive",
    "health_degraded_rate": "health.degraded_rate",
    "health_degraded_consecutive": "health.degraded_consecutive",
}

_TO_LIBRARY_LEVEL = (
    (logging.DEBUG, _lib.LOG_DEBUG),
    (logging.INFO, _lib.LOG_INFO),
    (logging.WARNING, _lib.LOG_WARN),
)
_FROM_LIBRARY_LEVEL = {
    _lib.LOG_ERROR: logging.ERROR,
    _lib.LOG_WARN: logging.WARNING,
    _lib.LOG_INFO: logging.INFO,
    _lib.LOG_DEBUG: logging.DEBUG,
}


def setting_value(value):
    """The text bg_config_set expects for a Python value: booleans as
    true/false, lists and tuples comma-separated, numbers as written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(setting_value(v) for v in value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return str(value)


def settings_from_options(options):
    """[(library name, text)] for Client keyword options, in order."""
    items = []
    for name, value in options.items():
        if value is None:
            continue
        if name == "settings":
            items.extend((k, setting_value(v)) for k, v in value.items())
            continue
        items.append((OPTION_NAMES.get(name, name), setting_value(value)))
    return items


def library_log_level(level):
    """The bg_log_level that passes the lines a Python level would show."""
    if isinstance(level, str):
        level = logging.getLevelName(level.upper())
        if not isinstance(level, int):
            raise ValueError("unknown log level")
    for threshold, lib_level in _TO_LIBRARY_LEVEL:
        if level <= threshold:
            return lib_level
    return _lib.LOG_ERROR


def split_path(path, bucket=None):
    """(bucket, key) of "bucket/key", or of a key inside bucket when one is
    given. A leading slash is ignored."""
    path = os.fspath(path).lstrip("/")
    if bucket:
        return bucket, path
    head, sep, tail = path.partition("/")
    if not sep or not head or not tail:
        raise UsageError("path %r is not \"bucket/key\"" % path,
                         result_code=_lib.E_USAGE)
    return head, tail


def _log_callback(secrets):
    """A bg_log_fn that hands library lines to the "bucketguard" logger.
    It holds the secrets, not the client, so that no reference cycle keeps
    a forgotten client alive."""
    def on_log(level, line, _userdata):
        try:
            py_level = _FROM_LIBRARY_LEVEL.get(level, logging.ERROR)
            if logger.isEnabledFor(py_level):
                logger.log(py_level, "%s", redact(_field(line), secrets))
        except Exception:  # noqa: BLE001 - must not unwind into C
            pass
    return _lib.LOG_FN(on_log)


def _text(value):
    return value.encode("utf-8") if value is not None else None


def _field(raw):
    return raw.decode("utf-8", "replace")


class Client:
    """A Supabase Storage client carried by libbucketguard.

    Client(url, service_role_key, anon_key=None, **options)

    url is the project URL (https://REF.supabase.co) or the Storage root.
    Options mirror the library's settings (docs/configuration.md); see the
    README for the mapping. Besides them:

    library     path of libbucketguard.so (else found as the README says)
    log_level   lowest level of library lines sent to the "bucketguard"
                logger (default: that logger's effective level now)
    use_env     also read SUPABASE_* and BUCKETGUARD_* variables, before
                the arguments (default True, so BUCKETGUARD_DISABLE works)
    config_file a bucketguard config file, read before everything else
    settings    a dict of raw setting names to values, applied last
                ({"route.edge2.address": "127.0.0.2"})

    Thread-safe. close() (or the with statement) waits for calls in
    progress and frees the client.
    """

    def __init__(self, url, service_role_key, anon_key=None, *,
                 library=None, log_level=None, use_env=True,
                 config_file=None, **options):
        self._handle = None
        self._lib = _lib.load(library)
        self._secrets = tuple(k for k in (service_role_key, anon_key) if k)
        self._cond = threading.Condition()
        self._inflight = 0
        self.url = url
        self.metrics_file = options.get("metrics_file",
                                        DEFAULT_METRICS_FILE)
        if log_level is None:
            log_level = logger.getEffectiveLevel()
        # The library calls this from any thread; the reference kept here
        # keeps the ctypes trampoline alive as long as the client.
        self._log_cb = _log_callback(self._secrets)

        cfg = self._lib.bg_config_new()
        if not cfg:
            raise MemoryError("bg_config_new")
        try:
            self._configure(cfg, url, service_role_key, anon_key,
                            library_log_level(log_level), use_env,
                            config_file, options)
            self._create(cfg)
        finally:
            self._lib.bg_config_free(cfg)

    # construction

    def _configure(self, cfg, url, service_key, anon_key, level, use_env,
                   config_file, options):
        lib = self._lib
        lib.bg_config_set_log(cfg, self._log_cb, None, level)
        if config_file is not None:
            self._config_step(cfg, lib.bg_config_load_file(
                cfg, _text(os.fspath(config_file))), "config_file")
        if use_env:
            self._config_step(cfg, lib.bg_config_load_env(cfg), "env")
        items = [("url", url), ("service_key", service_key)]
        if anon_key:
            items.append(("anon_key", anon_key))
        items += settings_from_options(options)
        for name, value in items:
            if value is None:
                raise ConfigError("%s is required" % name,
                                  result_code=_lib.E_CONFIG)
            self._config_step(cfg, lib.bg_config_set(
                cfg, _text(name), _text(value)), name)
        self._config_step(cfg, lib.bg_config_validate(cfg), "validate")

    def _config_step(self, cfg, rc, what):
        if rc == _lib.OK:
            return
        detail = self._clean(_field(self._lib.bg_config_error(cfg) or b""))
        raise error_class(rc)("configuration (%s): %s" % (what, detail),
                              result_code=rc, detail=detail)

    def _create(self, cfg):
        out = ctypes.c_void_p()
        rc = self._lib.bg_client_new(cfg, ctypes.byref(out))
        if rc != _lib.OK:
            detail = self._clean(_field(self._lib.bg_client_error() or b""))
            raise error_class(rc)("client: %s" % detail, result_code=rc,
                                  detail=detail)
        self._handle = out.value

    def _clean(self, text):
        return redact(text, self._secrets)

    # life cycle

    def close(self):
        """Waits for calls in progress, then frees the client. Calls made
        afterwards raise UsageError. Closing twice is harmless."""
        with self._cond:
            handle, self._handle = self._handle, None
            while self._inflight:
                self._cond.wait()
        if handle:
            self._lib.bg_client_free(handle)

    @property
    def closed(self):
        return self._handle is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        if getattr(self, "_handle", None):
            self.close()

    def __repr__(self):
        state = "closed" if self.closed else "open"
        return "<bucketguard.Client %s %s>" % (redact(str(self.url)),
                                               state)

    # calling the library

    def _enter(self):
        with self._cond:
            if self._handle is None:
                raise UsageError("the client is closed",
                                 result_code=_lib.E_USAGE)
            self._inflight += 1
            return self._handle

    def _leave(self):
        with self._cond:
            self._inflight -= 1
            if self._inflight == 0:
                self._cond.notify_all()

    def _call(self, op, bucket, key, fn, *args):
        """Runs fn(handle, *args, report) and raises on failure."""
        rep = _lib.Report()
        handle = self._enter()
        try:
            rc = fn(handle, *args, ctypes.byref(rep))
        finally:
            self._leave()
        if rc != _lib.OK:
            raise self._error(op, bucket, key, rc, rep)
        return rep

    def _export(self, fn):
        """Runs an exporter fn(handle, &text) and returns the text."""
        out = ctypes.c_void_p()
        handle = self._enter()
        try:
            rc = fn(handle, ctypes.byref(out))
        finally:
            self._leave()
        text = _lib.take_string(self._lib, out.value)
        if rc != _lib.OK:
            raise error_class(rc)(self._lib.bg_strerror(rc).decode(),
                                  result_code=rc)
        return text

    def _error(self, op, bucket, key, rc, rep):
        detail = self._clean(_field(rep.detail))
        code = self._clean(_field(rep.code))
        where = "%s/%s" % (bucket, key) if key else (bucket or "")
        figures = "http_status=%d body_status=%d code=%s route=%s " \
                  "attempts=%d" % (rep.http_status, rep.body_status,
                                   code or "-", _field(rep.route) or "-",
                                   rep.attempts)
        message = "%s %s: %s (%s)" % (op, self._clean(where),
                                      _field(self._lib.bg_strerror(rc)),
                                      figures)
        if detail:
            message += ": " + detail
        return error_class(rc)(
            message, operation=op, bucket=bucket, key=key, result_code=rc,
            http_status=rep.http_status, body_status=rep.body_status,
            code=code, route=_field(rep.route), attempts=rep.attempts,
            rounds=rep.rounds, colo=_field(rep.colo),
            cf_ray=_field(rep.cf_ray), detail=detail)

    # objects

    def exists(self, bucket, key):
        """True when bucket/key exists, False when it does not."""
        found = ctypes.c_int(0)
        self._call("exists", bucket, key, self._lib.bg_exists,
                   _text(bucket), _text(key), ctypes.byref(found))
        return bool(found.value)

    def get(self, bucket, key):
        """The object's content as bytes (NotFoundError when missing)."""
        data = ctypes.c_void_p()
        size = ctypes.c_size_t(0)
        try:
            self._call("get", bucket, key, self._lib.bg_get_mem,
                       _text(bucket), _text(key), ctypes.byref(data),
                       ctypes.byref(size))
            return ctypes.string_at(data.value, size.value) \
                if data.value else b""
        finally:
            if data.value:
                self._lib.bg_free(data.value)

    def download(self, bucket, key, path):
        """Downloads to path atomically (a temporary file in the same
        directory, length checked, fsync, rename; path untouched on
        failure). Returns the number of bytes written."""
        rep = self._call("download", bucket, key, self._lib.bg_get_file,
                         _text(bucket), _text(key),
                         _text(os.fspath(path)))
        return rep.bytes

    def put(self, bucket, key, data, *, upsert=False, content_type=None,
            cache_control=None, use_put=False):
        """Uploads data: bytes-like content, or a str / os.PathLike naming a
        local file (streamed). Without upsert an existing object raises
        ConflictError."""
        opts = _lib.PutOptions(int(bool(upsert)), int(bool(use_put)),
                               _text(content_type), _text(cache_control))
        if isinstance(data, (str, os.PathLike)):
            self._call("put", bucket, key, self._lib.bg_put_file,
                       _text(bucket), _text(key), _text(os.fspath(data)),
                       ctypes.byref(opts))
            return
        content = bytes(data)
        self._call("put", bucket, key, self._lib.bg_put_mem, _text(bucket),
                   _text(key), content, len(content), ctypes.byref(opts))

    def info(self, bucket, key):
        """The object's metadata as a dict (size, content_type, etag...)."""
        return json.loads(self._json_call("info", bucket, key,
                                          self._lib.bg_info, _text(bucket),
                                          _text(key)))

    def list(self, bucket, prefix="", limit=100, offset=0, sort="name",
             descending=False):
        """Objects and folders under prefix, as the server's list of dicts
        (folders have id None)."""
        opts = _lib.ListOptions(_text(prefix), limit, offset, _text(sort),
                                int(bool(descending)))
        return json.loads(self._json_call("list", bucket, None,
                                          self._lib.bg_list, _text(bucket),
                                          ctypes.byref(opts)))

    def remove(self, bucket, keys):
        """Deletes keys (a list, or one key as a str); returns the server's
        list of deleted objects."""
        if isinstance(keys, str):
            keys = [keys]
        array = (ctypes.c_char_p * len(keys))(*[_text(k) for k in keys])
        text = self._json_call("remove", bucket, None, self._lib.bg_remove,
                               _text(bucket), array, len(keys))
        return json.loads(text) if text else []

    def copy(self, bucket, source, destination, to_bucket=None):
        """Copies bucket/source to (to_bucket or bucket)/destination."""
        self._call("copy", bucket, source, self._lib.bg_copy, _text(bucket),
                   _text(source), _text(to_bucket), _text(destination))

    def move(self, bucket, source, destination, to_bucket=None):
        """Moves bucket/source to (to_bucket or bucket)/destination."""
        self._call("move", bucket, source, self._lib.bg_move, _text(bucket),
                   _text(source), _text(to_bucket), _text(destination))

    def sign(self, bucket, key, expires_in=3600):
        """A signed URL valid for expires_in seconds. It is a secret: do not
        log it."""
        return self._json_call("sign", bucket, key, self._lib.bg_sign,
                               _text(bucket), _text(key), int(expires_in))

    def _json_call(self, op, bucket, key, fn, *args):
        out = ctypes.c_void_p()
        try:
            self._call(op, bucket, key, fn, *args, ctypes.byref(out))
        finally:
            text = _lib.take_string(self._lib, out.value)
        return text

    # routes, health and metrics

    def routes(self):
        """The route table: a list of dicts (name, traits, rank, ejection,
        consecutive failures, successes, failures)."""
        return json.loads(self._export(self._lib.bg_routes_json))

    def health(self):
        """The health answer served at /health, as a dict with status,
        details and last_test."""
        return json.loads(self._export(self._lib.bg_health_json))

    def health_now(self):
        """(status, success_rate, consecutive_failures) over the window."""
        rate = ctypes.c_double(0)
        consecutive = ctypes.c_uint(0)
        handle = self._enter()
        try:
            status = self._lib.bg_health_now(handle, ctypes.byref(rate),
                                             ctypes.byref(consecutive))
        finally:
            self._leave()
        return _lib.HEALTH_NAMES[status], rate.value, consecutive.value

    def metrics(self):
        """The metrics document (docs/metrics.md) as a dict."""
        return json.loads(self._export(self._lib.bg_metrics_json))

    def metrics_prometheus(self):
        """The metrics in Prometheus text exposition format."""
        return self._export(self._lib.bg_metrics_prometheus)

    def write_metrics(self, path=None):
        """Writes the metrics document to path (default: the metrics_file
        option, else /tmp/fm027_metrics.json) atomically."""
        target = os.fspath(path or self.metrics_file)
        handle = self._enter()
        try:
            rc = self._lib.bg_metrics_write_file(handle, _text(target))
        finally:
            self._leave()
        if rc != _lib.OK:
            raise error_class(rc)("write_metrics %s: %s" % (
                target, _field(self._lib.bg_strerror(rc))), result_code=rc)


__all__ = ["Client", "DEFAULT_METRICS_FILE", "OPTION_NAMES", "split_path"]
