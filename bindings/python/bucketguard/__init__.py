"""bucketguard for Python: a ctypes binding over libbucketguard that keeps
Supabase Storage calls working across misbehaving network paths, can
enhance an existing storage manager in place, and reports health."""

import logging

from ._lib import LibraryNotFound
from .client import DEFAULT_METRICS_FILE, OPTION_NAMES, Client
from .errors import (AuthError, ConfigError, ConflictError, ExhaustedError,
                     NotFoundError, RejectedError, StorageError, UsageError)
from .manager import enhance_storage_manager, restore_storage_manager
from .monitor import Monitor, health_check

__version__ = "0.1.0"

# A library leaves output to the application: without a handler configured
# there, library lines are dropped rather than printed by logging's
# last-resort handler.
logging.getLogger("bucketguard").addHandler(logging.NullHandler())

__all__ = [
    "AuthError", "Client", "ConfigError", "ConflictError",
    "DEFAULT_METRICS_FILE", "ExhaustedError", "LibraryNotFound", "Monitor",
    "NotFoundError", "OPTION_NAMES", "RejectedError", "StorageError",
    "UsageError", "enhance_storage_manager", "health_check",
    "restore_storage_manager",
]
