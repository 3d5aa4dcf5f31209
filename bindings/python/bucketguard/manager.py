"""Enhancing an existing storage manager in place: its blob_exists(path)
and get_file(path) are replaced by bucketguard-backed methods of the same
shape (coroutine functions stay coroutine functions), and can be put back
for a rollback."""

import asyncio
import inspect
import logging

from .client import Client, split_path

logger = logging.getLogger("bucketguard")

METHODS = ("blob_exists", "get_file")
_ORIGINALS = "_bucketguard_originals"


def _replacement(client, name, bucket, is_async, original):
    """A method that answers name(path) through client, sync or async."""
    def call(path):
        b, k = split_path(path, bucket)
        if name == "blob_exists":
            return client.exists(b, k)
        return client.get(b, k)

    if is_async:
        async def method(path):
            # The library call blocks; it runs in a worker thread so that
            # the event loop keeps serving while routes are retried.
            return await asyncio.to_thread(call, path)
    else:
        def method(path):
            return call(path)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = ("%s(path) through bucketguard; path is %s." %
                      (name, "a key in bucket %r" % bucket if bucket
                       else '"bucket/key"'))
    method.__wrapped__ = original
    return method


def _originals_of(manager):
    """{name: (set on the instance, instance value, is coroutine)}."""
    own = getattr(manager, "__dict__", {})
    originals = {}
    for name in METHODS:
        fn = getattr(manager, name, None)
        if not callable(fn):
            raise TypeError("%s has no %s() method" %
                            (type(manager).__name__, name))
        originals[name] = (name in own, own.get(name),
                           inspect.iscoroutinefunction(fn))
    return originals


def enhance_storage_manager(manager, base_url, service_role_key,
                            anon_key=None, *, bucket=None, **options):
    """Replaces manager.blob_exists(path) and manager.get_file(path) with
    bucketguard-backed versions and returns manager.

    path is "bucket/key", or a key inside bucket when bucket is given.
    blob_exists returns a bool; get_file returns the object's bytes and
    raises NotFoundError (a StorageError) when it is missing. When the
    original is a coroutine function the replacement is one too, and runs
    the blocking call in a worker thread (asyncio.to_thread).

    The client (bucketguard.Client, built from base_url, the keys and
    options) is attached as manager.bucketguard. One info line is logged
    on the "bucketguard" logger. Raises ValueError when manager is already
    enhanced, TypeError when it lacks one of the methods.
    """
    if _ORIGINALS in getattr(manager, "__dict__", {}):
        raise ValueError("%s is already enhanced by bucketguard" %
                         type(manager).__name__)
    originals = _originals_of(manager)
    client = Client(base_url, service_role_key, anon_key, **options)
    try:
        for name, (_, _, is_async) in originals.items():
            setattr(manager, name,
                    _replacement(client, name, bucket, is_async,
                                 getattr(manager, name)))
        manager.bucketguard = client
        setattr(manager, _ORIGINALS, originals)
    except BaseException:
        _put_back(manager, originals)
        client.close()
        raise

    modes = ",".join("%s:%s" % (n, "async" if a else "sync")
                     for n, (_, _, a) in originals.items())
    logger.info("event=storage_manager_enhanced manager=%s methods=%s "
                "routes=%d", type(manager).__name__, modes,
                len(client.routes()))
    return manager


def _put_back(manager, originals):
    for name, (own, value, _) in originals.items():
        if own:
            setattr(manager, name, value)
        elif name in getattr(manager, "__dict__", {}):
            delattr(manager, name)


def restore_storage_manager(manager):
    """Puts the original blob_exists and get_file back, removes
    manager.bucketguard and closes that client (after the calls in
    progress end). A manager that is not enhanced is left as it is.
    Returns manager."""
    originals = getattr(manager, "__dict__", {}).get(_ORIGINALS)
    if originals is None:
        return manager
    _put_back(manager, originals)
    delattr(manager, _ORIGINALS)
    client = manager.__dict__.pop("bucketguard", None)
    if client is not None:
        client.close()
    logger.info("event=storage_manager_restored manager=%s",
                type(manager).__name__)
    return manager
