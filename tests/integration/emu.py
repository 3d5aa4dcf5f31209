"""Test harness for bucketguard-emulator: starts it on a free port with a
keys file in a temporary directory, talks HTTP(S) to any of its edges, and
always stops it. Standard library only.

    from emu import Emulator
    with Emulator(extra_args=["--bucket", "b"]) as e:
        status, headers, body = e.request("GET", "/bucket",
                                          headers=e.auth(e.service))
"""

import http.client
import json
import os
import shutil
import signal
import ssl
import subprocess
import tempfile
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
_REL_BINARY = os.path.join("build", "src", "emulator", "bucketguard-emulator")


def emulator_binary():
    """Path of the emulator: $BG_EMULATOR, else build/ under the source."""
    path = os.environ.get("BG_EMULATOR")
    if path:
        return path
    roots = [os.environ.get("BG_SOURCE_DIR"),
             os.path.dirname(os.path.dirname(_HERE))]
    for root in roots:
        if root and os.access(os.path.join(root, _REL_BINARY), os.X_OK):
            return os.path.join(root, _REL_BINARY)
    raise RuntimeError("bucketguard-emulator not found: set BG_EMULATOR")


def _read_dotenv(path):
    values = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            name, sep, value = line.rstrip("\n").partition("=")
            if sep:
                values[name] = value
    return values


class Emulator:
    """One running emulator. Use as a context manager."""

    START_TIMEOUT = 10.0
    STOP_TIMEOUT = 5.0

    def __init__(self, extra_args=None, listen=None, tls=False):
        self.extra_args = list(extra_args or [])
        self.listen = list(listen or ["127.0.0.1=SJC"])
        self.tls = tls
        self.binary = emulator_binary()
        self.proc = None
        self.tmpdir = None
        self.returncode = None

    # life cycle

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        self.tmpdir = tempfile.mkdtemp(prefix="bg-emu-")
        self.keys_file = os.path.join(self.tmpdir, "keys.env")
        self.stderr_path = os.path.join(self.tmpdir, "stderr.log")
        args = [self.binary, "--port", "0", "--keys-file", self.keys_file]
        for edge in self.listen:
            args += ["--listen", edge]
        if self.tls:
            args += self._make_certificate()
        args += self.extra_args
        try:
            with open(self.stderr_path, "wb") as err:
                self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                             stderr=err)
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _make_certificate(self):
        cert = os.path.join(self.tmpdir, "cert.pem")
        key = os.path.join(self.tmpdir, "key.pem")
        names = ["DNS:localhost"] + ["IP:" + e.rsplit("=", 1)[0]
                                     for e in self.listen]
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
             "-keyout", key, "-out", cert, "-days", "2",
             "-subj", "/CN=localhost",
             "-addext", "subjectAltName=" + ",".join(names)],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.ca_file = cert
        return ["--tls-cert", cert, "--tls-key", key]

    def _wait_ready(self):
        deadline = time.monotonic() + self.START_TIMEOUT
        while not os.path.exists(self.keys_file):
            if self.proc.poll() is not None:
                raise RuntimeError("emulator exited with %d: %s" %
                                   (self.proc.returncode, self.stderr()))
            if time.monotonic() > deadline:
                raise RuntimeError("emulator not ready after %.0f s" %
                                   self.START_TIMEOUT)
            time.sleep(0.02)
        keys = _read_dotenv(self.keys_file)
        self.url = keys["SUPABASE_URL"]
        self.port = int(keys["BG_EMULATOR_PORT"])
        self.anon = keys["SUPABASE_ANON_KEY"]
        self.service = keys["SUPABASE_SERVICE_ROLE_KEY"]
        self.secret = keys["SUPABASE_SECRET_KEY"]
        self.publishable = keys["SUPABASE_PUBLISHABLE_KEY"]

    def stop(self):
        """SIGTERM, then SIGKILL after STOP_TIMEOUT; removes the temp dir.
        Returns the exit status (negative: killed by that signal)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(self.STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.returncode = self.proc.returncode
            self._stderr_text = self.stderr()
        if self.tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None
        return self.returncode

    def stderr(self):
        """The emulator's stderr so far (kept after stop)."""
        if self.tmpdir is None:
            return getattr(self, "_stderr_text", "")
        try:
            with open(self.stderr_path, encoding="utf-8",
                      errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    # requests

    @staticmethod
    def auth(key, apikey=True):
        """Headers carrying key as Bearer (and as apikey)."""
        headers = {"Authorization": "Bearer " + key}
        if apikey:
            headers["apikey"] = key
        return headers

    def connection(self, edge=None, timeout=10.0):
        host = (edge or self.listen[0]).split("=")[0].strip("[]")
        if self.tls:
            context = ssl.create_default_context(cafile=self.ca_file)
            return http.client.HTTPSConnection(host, self.port,
                                               timeout=timeout,
                                               context=context)
        return http.client.HTTPConnection(host, self.port, timeout=timeout)

    def request(self, method, path, headers=None, body=None, edge=None,
                timeout=10.0):
        """One request on a fresh connection to edge (a listen address,
        default the first). body may be bytes, str, or a dict/list sent as
        JSON. Returns (status, headers with lowercase names, body bytes)."""
        headers = dict(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode()
        conn = self.connection(edge, timeout)
        try:
            conn.request(method, path if path.startswith("/") else "/" + path,
                         body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            return (resp.status,
                    {k.lower(): v for k, v in resp.getheaders()}, data)
        finally:
            conn.close()

    def control(self, method, path, body=None):
        """A control request (needs --control); path is relative to
        /__emulator/. Returns (status, body text)."""
        if not path.startswith("/__emulator/"):
            path = "/__emulator/" + path.lstrip("/")
        status, _, data = self.request(method, path, body=body)
        return status, data.decode("utf-8", "replace")

    def stats(self):
        status, text = self.control("GET", "stats")
        if status != 200:
            raise RuntimeError("stats: HTTP %d %s" % (status, text))
        return json.loads(text)

    def mint(self, role="anon", secret=None, exp_in=3600, expired=False,
             ref=None):
        """A JWT from `bucketguard-emulator mint`, signed with secret or
        else with the emulator's own secret."""
        args = [self.binary, "mint", "--role", role]
        if secret is None and "--jwt-secret" in self.extra_args:
            secret = self.extra_args[self.extra_args.index("--jwt-secret")
                                     + 1]
        if secret is not None:
            args += ["--jwt-secret", secret]
        if ref is not None:
            args += ["--ref", ref]
        args += ["--expired"] if expired else ["--exp-in", str(exp_in)]
        return subprocess.run(args, check=True, capture_output=True,
                              text=True, timeout=10).stdout.strip()
