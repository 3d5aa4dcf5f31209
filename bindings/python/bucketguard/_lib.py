"""Finding and loading libbucketguard, and the ctypes declarations of the
part of its public API (include/bucketguard/bucketguard.h) that the binding
uses. Nothing here knows about Python-level objects."""

import ctypes
import ctypes.util
import os
import threading

# bg_result values, in the header's order.
OK = 0
E_USAGE = 1
E_CONFIG = 2
E_NOMEM = 3
E_NOT_FOUND = 4
E_AUTH = 5
E_CONFLICT = 6
E_REJECTED = 7
E_EXHAUSTED = 8
E_DEADLINE = 9
E_BUDGET = 10
E_IO = 11
E_ABORTED = 12
E_INTERNAL = 13

RESULT_NAMES = ("ok", "usage", "config", "nomem", "not_found", "auth",
                "conflict", "rejected", "exhausted", "deadline", "budget",
                "io", "aborted", "internal")

# bg_log_level values.
LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG = 0, 1, 2, 3

# bg_health values.
HEALTH_NAMES = ("healthy", "degraded", "unhealthy")

_HERE = os.path.dirname(os.path.abspath(__file__))
# bindings/python/bucketguard -> the source tree's build/src/lib.
_BUILD_TREE = os.path.normpath(
    os.path.join(_HERE, "..", "..", "..", "build", "src", "lib",
                 "libbucketguard.so"))
ENV_NAMES = ("BUCKETGUARD_LIBRARY", "BG_LIBRARY")


class LibraryNotFound(OSError):
    """No libbucketguard could be loaded from any of the places tried."""


class Report(ctypes.Structure):
    """struct bg_report."""
    _fields_ = [
        ("result", ctypes.c_int),
        ("http_status", ctypes.c_int),
        ("body_status", ctypes.c_int),
        ("code", ctypes.c_char * 40),
        ("route", ctypes.c_char * 40),
        ("attempts", ctypes.c_uint),
        ("rounds", ctypes.c_uint),
        ("duration_us", ctypes.c_int64),
        ("bytes", ctypes.c_uint64),
        ("cf_ray", ctypes.c_char * 48),
        ("colo", ctypes.c_char * 8),
        ("cache_status", ctypes.c_char * 16),
        ("address", ctypes.c_char * 64),
        ("detail", ctypes.c_char * 256),
    ]


class PutOptions(ctypes.Structure):
    """struct bg_put_options."""
    _fields_ = [
        ("upsert", ctypes.c_int),
        ("use_put", ctypes.c_int),
        ("content_type", ctypes.c_char_p),
        ("cache_control", ctypes.c_char_p),
    ]


class ListOptions(ctypes.Structure):
    """struct bg_list_options."""
    _fields_ = [
        ("prefix", ctypes.c_char_p),
        ("limit", ctypes.c_uint),
        ("offset", ctypes.c_uint),
        ("sort_column", ctypes.c_char_p),
        ("descending", ctypes.c_int),
    ]


LOG_FN = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_void_p)

_P = ctypes.c_void_p
_S = ctypes.c_char_p
_I = ctypes.c_int
_U = ctypes.c_uint
_SZ = ctypes.c_size_t
_REP = ctypes.POINTER(Report)
_OUT = ctypes.POINTER(ctypes.c_void_p)

# name: (restype, argtypes). Strings returned for the caller to free are
# declared as void pointers so that they can be handed back to bg_free.
_SIGNATURES = {
    "bg_strerror": (_S, [_I]),
    "bg_config_new": (_P, []),
    "bg_config_free": (None, [_P]),
    "bg_config_set": (_I, [_P, _S, _S]),
    "bg_config_load_env": (_I, [_P]),
    "bg_config_load_file": (_I, [_P, _S]),
    "bg_config_validate": (_I, [_P]),
    "bg_config_error": (_S, [_P]),
    "bg_config_set_log": (None, [_P, LOG_FN, _P, _I]),
    "bg_client_new": (_I, [_P, _OUT]),
    "bg_client_free": (None, [_P]),
    "bg_client_error": (_S, []),
    "bg_free": (None, [_P]),
    "bg_exists": (_I, [_P, _S, _S, ctypes.POINTER(_I), _REP]),
    "bg_info": (_I, [_P, _S, _S, _OUT, _REP]),
    "bg_get_mem": (_I, [_P, _S, _S, _OUT, ctypes.POINTER(_SZ), _REP]),
    "bg_get_file": (_I, [_P, _S, _S, _S, _REP]),
    "bg_put_mem": (_I, [_P, _S, _S, ctypes.c_char_p, _SZ,
                        ctypes.POINTER(PutOptions), _REP]),
    "bg_put_file": (_I, [_P, _S, _S, _S, ctypes.POINTER(PutOptions), _REP]),
    "bg_remove": (_I, [_P, _S, ctypes.POINTER(_S), _SZ, _OUT, _REP]),
    "bg_list": (_I, [_P, _S, ctypes.POINTER(ListOptions), _OUT, _REP]),
    "bg_copy": (_I, [_P, _S, _S, _S, _S, _REP]),
    "bg_move": (_I, [_P, _S, _S, _S, _S, _REP]),
    "bg_sign": (_I, [_P, _S, _S, _U, _OUT, _REP]),
    "bg_route_count": (_SZ, [_P]),
    "bg_routes_json": (_I, [_P, _OUT]),
    "bg_health_now": (_I, [_P, ctypes.POINTER(ctypes.c_double),
                           ctypes.POINTER(_U)]),
    "bg_metrics_json": (_I, [_P, _OUT]),
    "bg_health_json": (_I, [_P, _OUT]),
    "bg_metrics_prometheus": (_I, [_P, _OUT]),
    "bg_metrics_write_file": (_I, [_P, _S]),
    "bg_monitor_start": (_I, [_P, _S, _S, ctypes.c_double, _S, _OUT]),
    "bg_monitor_stop": (None, [_P]),
    "bg_health_check": (_I, [_P, _S, _S, _OUT]),
}

_loaded = {}
_lock = threading.Lock()


def candidates(path=None):
    """The places tried, in order: path, $BUCKETGUARD_LIBRARY,
    $BG_LIBRARY, the source tree's build directory, the system's
    library search (ctypes.util.find_library), libbucketguard.so.0."""
    found = []
    if path:
        return [os.fspath(path)]
    for name in ENV_NAMES:
        if os.environ.get(name):
            found.append(os.environ[name])
    if os.path.exists(_BUILD_TREE):
        found.append(_BUILD_TREE)
    system = ctypes.util.find_library("bucketguard")
    if system:
        found.append(system)
    found.append("libbucketguard.so.0")
    return found


def _declare(lib):
    for name, (restype, argtypes) in _SIGNATURES.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes


def load(path=None):
    """The loaded library (a ctypes.CDLL, so calls release the GIL).
    Raises LibraryNotFound naming every place tried."""
    with _lock:
        key = os.fspath(path) if path else None
        if key in _loaded:
            return _loaded[key]
        tried = []
        for candidate in candidates(path):
            try:
                lib = ctypes.CDLL(candidate)
                _declare(lib)
            except (OSError, AttributeError) as e:
                tried.append("%s (%s)" % (candidate, e))
                continue
            _loaded[key] = lib
            return lib
        raise LibraryNotFound(
            "libbucketguard not found; pass library=PATH or set "
            "BUCKETGUARD_LIBRARY. Tried: " + "; ".join(tried))


def take_string(lib, ptr):
    """Copies the NUL-terminated string at ptr into a str and frees it with
    bg_free. None when ptr is NULL."""
    if not ptr:
        return None
    try:
        return ctypes.string_at(ptr).decode("utf-8", "replace")
    finally:
        lib.bg_free(ptr)
