"""The naive multi-route baseline of the benchmark, as BENCH.md describes
the first fix people write: for every call, try five header variants in
order, each with a brand-new httpx client (a new connection, no reuse), GET
the whole object even to test existence, accept only 200, no delay between
variants. The monitor probe ("probe") is one variant, one new client per
probe. Runs on Debian's python3-httpx; prints the sample lines bench/run
reads: "# peer=..." then start_ms lat_us ok attempts bad per request.
"""

import argparse
import itertools
import sys
import threading
import time
import urllib.parse

import httpx

BROWSER_UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
              "(KHTML, like Gecko) Chrome/124.0 Safari/537.36")
DEFAULTS = ("Accept", "Accept-Encoding", "Connection", "User-Agent")
# The five variants: the client's default profile, another library's
# User-Agent, a browser's, Connection: close, and the minimal headers.
VARIANTS = [{}, {"User-Agent": "supabase-py/2.3.0"},
            {"User-Agent": BROWSER_UA}, {"Connection": "close"}, None]


def read_env(path):
    values = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            name, sep, value = line.rstrip("\n").partition("=")
            if sep:
                values[name] = value
    return values


class Naive:
    def __init__(self, args, key):
        self.args = args
        self.auth = {"Authorization": "Bearer " + key, "apikey": key}
        self.verify = args.cacert or True
        base = urllib.parse.urlsplit(args.url)
        self.path = "/storage/v1/object/%s/%s" % (args.bucket, args.object)
        # Round-robin DNS, one lookup per new connection (bad-edge).
        hosts = args.addresses.split(",") if args.addresses else [None]
        self.hosts = itertools.cycle(hosts)
        self.lock = threading.Lock()
        self.base = base

    def url(self):
        with self.lock:
            host = next(self.hosts)
        netloc = self.base.netloc
        if host:
            netloc = "%s:%d" % (host, self.base.port)
        return "%s://%s%s" % (self.base.scheme, netloc, self.path)

    def one(self, variant):
        """One GET with a brand-new client; the body, or None."""
        try:
            with httpx.Client(verify=self.verify, timeout=30.0) as client:
                if variant is None:
                    for name in DEFAULTS:
                        del client.headers[name]
                    headers = dict(self.auth)
                else:
                    headers = dict(self.auth, **variant)
                response = client.get(self.url(), headers=headers)
                if response.status_code == 200:
                    return response.content
        except httpx.HTTPError:
            pass
        return None

    def call(self):
        """(ok, attempts) for one call of the configured op."""
        variants = VARIANTS[:1] if self.args.op == "probe" else VARIANTS
        for attempts, variant in enumerate(variants, 1):
            body = self.one(variant)
            if body is not None:
                if self.args.op == "file":
                    with open(self.args.out, "wb") as f:
                        f.write(body)
                return True, attempts
        return False, len(variants)


def worker(naive, args, index, t0, samples):
    for k, i in enumerate(range(index, args.count, args.threads)):
        start = t0 + k * args.interval
        delay = start - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        start = time.monotonic()
        if start - t0 >= args.duration:
            break
        ok, attempts = naive.call()
        lat = time.monotonic() - start
        samples[i] = ((start - t0) * 1e3, int(lat * 1e6), int(ok), attempts)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--env-file", required=True)
    p.add_argument("--url")
    p.add_argument("--bucket", default="bench")
    p.add_argument("--object", default="obj")
    p.add_argument("--op", choices=["exists", "get", "file", "probe"],
                   default="get")
    p.add_argument("--out")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--interval", type=float, default=0.0)
    p.add_argument("--duration", type=float, default=3600.0)
    p.add_argument("--cacert")
    p.add_argument("--addresses", help="round-robin host addresses")
    args = p.parse_args()
    env = read_env(args.env_file)
    args.url = args.url or env["SUPABASE_URL"]
    naive = Naive(args, env["SUPABASE_SERVICE_ROLE_KEY"])

    samples = [None] * args.count
    t0 = time.monotonic()
    threads = [threading.Thread(target=worker,
                                args=(naive, args, t, t0, samples))
               for t in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out = ["# peer=naive op=%s threads=%d wall_s=%.6f t0_mono=%.6f" %
           (args.op, args.threads, time.monotonic() - t0, t0)]
    out += ["%.3f %d %d %d -1" % s for s in samples if s is not None]
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
