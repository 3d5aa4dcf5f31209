"""Walks every row of DESIGN.md's "Wire contract of Supabase Storage
(measured)" against bucketguard-emulator and checks what a client sees:
HTTP status, the body's statusCode (a string) and code, and the headers
the row names."""

import hashlib
import json
import os
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emu import Emulator  # noqa: E402

BODY = b"hello world!"  # 12 bytes, as in the contract's Range row
BUCKET_FIELDS = {"id", "name", "owner", "public", "type", "file_size_limit",
                 "allowed_mime_types", "created_at", "updated_at"}
INFO_FIELDS = {"id", "name", "version", "bucket_id", "size", "content_type",
               "cache_control", "etag", "metadata", "last_modified",
               "created_at"}


class Contract(unittest.TestCase):
    """Shared emulator: buckets pub (public) and priv (private), each with
    doc.txt; tests that write use their own keys or buckets."""

    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator(extra_args=[
            "--bucket", "pub:public", "--bucket", "priv",
            "--object", "pub/doc.txt=" + BODY.decode(),
            "--object", "priv/doc.txt=" + BODY.decode(),
            "--rule", "db500: path /object/db/500 -> status 500 InternalError",
            "--rule", "db429: path /object/db/429 -> status 429 SlowDown",
            "--rule", "db503: path /object/db/503 -> status 400 "
                      "ServiceUnavailable",
            "--rule", "db544: path /object/db/544 -> status 544 "
                      "DatabaseTimeout",
        ])
        cls.emu.start()
        cls.svc = Emulator.auth(cls.emu.service)
        cls.anon = Emulator.auth(cls.emu.anon)

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()

    # helpers

    def call(self, method, path, headers=None, body=None):
        return self.emu.request(method, path, headers=headers, body=body)

    def assert_error(self, answer, http, status, code, message=None):
        got_http, headers, body = answer
        self.assertEqual(got_http, http, body)
        doc = json.loads(body)
        self.assertEqual(doc["statusCode"], str(status), body)
        self.assertIsInstance(doc["statusCode"], str)
        self.assertEqual(doc["code"], code, body)
        if message is not None:
            self.assertIn(message, doc["message"], body)
        return doc

    def assert_json(self, answer, http=200):
        got_http, _, body = answer
        self.assertEqual(got_http, http, body)
        return json.loads(body)

    def upload(self, bucket, key, data=BODY, headers=None, method="POST"):
        h = dict(self.svc)
        h.update(headers or {})
        return self.call(method, "/object/%s/%s" % (bucket, key), h, data)

    def make_bucket(self, name, public=False):
        doc = self.assert_json(self.call("POST", "/bucket", self.svc,
                                         {"name": name, "public": public}))
        self.assertEqual(doc, {"name": name})

    # GET /bucket

    def test_bucket_list_with_service_key_returns_every_bucket(self):
        doc = self.assert_json(self.call("GET", "/bucket", self.svc))
        self.assertIn("priv", [b["id"] for b in doc])
        for b in doc:
            self.assertEqual(set(b), BUCKET_FIELDS)

    def test_bucket_list_with_anon_key_is_empty(self):
        self.assertEqual(self.assert_json(self.call("GET", "/bucket",
                                                    self.anon)), [])

    # GET /bucket/{id}

    def test_bucket_get_with_service_key_returns_bucket(self):
        doc = self.assert_json(self.call("GET", "/bucket/priv", self.svc))
        self.assertEqual(doc["id"], "priv")
        self.assertIs(doc["public"], False)
        self.assertEqual(set(doc), BUCKET_FIELDS)

    def test_bucket_get_missing_is_no_such_bucket(self):
        self.assert_error(self.call("GET", "/bucket/nope", self.svc),
                          400, 404, "NoSuchBucket", "Bucket not found")

    def test_bucket_get_with_anon_key_is_no_such_bucket_even_if_it_exists(
            self):
        for bucket in ("priv", "pub"):
            with self.subTest(bucket=bucket):
                self.assert_error(self.call("GET", "/bucket/" + bucket,
                                            self.anon),
                                  400, 404, "NoSuchBucket")

    # POST /bucket

    def test_bucket_create_answers_name_then_conflicts(self):
        self.make_bucket("created")
        self.assert_error(self.call("POST", "/bucket", self.svc,
                                    {"name": "created"}),
                          400, 409, "BucketAlreadyExists")

    def test_bucket_create_refusals(self):
        cases = [
            ("anon key", self.anon, {"name": "x1"}, 403, "AccessDenied"),
            ("bad name", self.svc, {"name": "a/b"}, 400,
             "InvalidBucketName"),
            ("non-ASCII name", self.svc, {"name": "caf\u00e9"}, 400,
             "InvalidBucketName"),
        ]
        for name, headers, body, status, code in cases:
            with self.subTest(name):
                self.assert_error(self.call("POST", "/bucket", headers, body),
                                  400, status, code)

    def test_bucket_create_keeps_public_flag_and_limits(self):
        self.assert_json(self.call("POST", "/bucket", self.svc, {
            "name": "limited", "public": True, "file_size_limit": 5,
            "allowed_mime_types": ["text/*"]}))
        doc = self.assert_json(self.call("GET", "/bucket/limited", self.svc))
        self.assertEqual((doc["public"], doc["file_size_limit"],
                          doc["allowed_mime_types"]), (True, 5, ["text/*"]))
        self.assert_error(self.upload("limited", "big.txt", b"123456",
                                      {"Content-Type": "text/plain"}),
                          400, 413, "EntityTooLarge")
        self.assert_error(self.upload("limited", "a.png", b"1",
                                      {"Content-Type": "image/png"}),
                          400, 415, "InvalidMimeType")
        self.assert_json(self.upload("limited", "ok.txt", b"12345",
                                     {"Content-Type": "text/plain"}))

    # DELETE /bucket/{id}, POST /bucket/{id}/empty

    def test_bucket_delete_non_empty_is_resource_not_empty(self):
        self.make_bucket("full")
        self.assert_json(self.upload("full", "a.txt"))
        self.assert_error(self.call("DELETE", "/bucket/full", self.svc),
                          400, 409, "ResourceNotEmpty")
        self.assert_json(self.call("POST", "/bucket/full/empty", self.svc))
        doc = self.assert_json(self.call("DELETE", "/bucket/full", self.svc))
        self.assertEqual(doc, {"message": "Successfully deleted"})
        self.assert_error(self.call("GET", "/bucket/full", self.svc),
                          400, 404, "NoSuchBucket")

    # POST /object/{b}/{key}

    def test_upload_raw_answers_key_and_id_then_duplicate(self):
        doc = self.assert_json(self.upload("priv", "up/raw.txt"))
        self.assertEqual(doc["Key"], "priv/up/raw.txt")
        self.assertRegex(doc["Id"], r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-"
                                    r"[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        dup = self.assert_error(self.upload("priv", "up/raw.txt"),
                                400, 409, "KeyAlreadyExists")
        self.assertEqual(dup["error"], "Duplicate")

    def test_upload_with_upsert_or_put_replaces(self):
        self.assert_json(self.upload("priv", "up/replace.txt", b"one"))
        self.assert_json(self.upload("priv", "up/replace.txt", b"two",
                                     {"x-upsert": "true"}))
        self.assertEqual(self.call("GET", "/object/priv/up/replace.txt",
                                   self.svc)[2], b"two")
        self.assert_json(self.upload("priv", "up/replace.txt", b"three",
                                     method="PUT"))
        self.assertEqual(self.call("GET", "/object/priv/up/replace.txt",
                                   self.svc)[2], b"three")

    def test_upload_multipart_stores_file_part_and_cache_control(self):
        boundary = "XyZbOuNdArY"
        form = ("--{b}\r\nContent-Disposition: form-data; "
                "name=\"cacheControl\"\r\n\r\n60\r\n"
                "--{b}\r\nContent-Disposition: form-data; name=\"\"; "
                "filename=\"f.json\"\r\nContent-Type: application/json\r\n"
                "\r\n{{\"a\":1}}\r\n--{b}--\r\n").format(b=boundary)
        doc = self.assert_json(self.upload(
            "priv", "up/form.json", form.encode(),
            {"Content-Type": "multipart/form-data; boundary=" + boundary}))
        self.assertEqual(doc["Key"], "priv/up/form.json")
        status, headers, body = self.call("GET", "/object/priv/up/form.json",
                                          self.svc)
        self.assertEqual((status, body), (200, b'{"a":1}'))
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(headers["cache-control"], "max-age=60")

    def test_upload_to_missing_bucket_is_no_such_bucket(self):
        for headers in (self.svc, self.anon):
            with self.subTest(service=headers is self.svc):
                self.assert_error(self.call("POST", "/object/nope/a.txt",
                                            headers, BODY),
                                  400, 404, "NoSuchBucket")

    # GET/HEAD /object/{b}/{key}, /object/authenticated/...

    def test_object_read_headers(self):
        etag = '"%s"' % hashlib.md5(BODY).hexdigest()
        for method in ("GET", "HEAD"):
            for path in ("/object/priv/doc.txt",
                         "/object/authenticated/priv/doc.txt"):
                with self.subTest(method=method, path=path):
                    status, h, body = self.call(method, path, self.svc)
                    self.assertEqual(status, 200)
                    self.assertEqual(body, BODY if method == "GET" else b"")
                    self.assertEqual(h["content-length"], str(len(BODY)))
                    self.assertEqual(h["etag"], etag)
                    self.assertRegex(h["last-modified"],
                                     r"^\w{3}, \d\d \w{3} \d{4} "
                                     r"\d\d:\d\d:\d\d GMT$")
                    self.assertEqual(h["accept-ranges"], "bytes")
                    self.assertEqual(h["cache-control"], "max-age=3600")

    # GET /object/info/{b}/{key}

    def test_object_info_fields(self):
        doc = self.assert_json(self.call("GET", "/object/info/priv/doc.txt",
                                         self.svc))
        self.assertEqual(set(doc), INFO_FIELDS)
        self.assertEqual((doc["name"], doc["bucket_id"], doc["size"]),
                         ("doc.txt", "priv", len(BODY)))
        self.assertEqual(doc["etag"], '"%s"' % hashlib.md5(BODY).hexdigest())

    # missing object

    def test_missing_object_is_no_such_key_everywhere(self):
        cases = [
            ("GET", "/object/priv/missing.txt", None),
            ("GET", "/object/info/priv/missing.txt", None),
            ("POST", "/object/sign/priv/missing.txt", {"expiresIn": 60}),
            ("DELETE", "/object/priv/missing.txt", None),
            ("POST", "/object/move", {"bucketId": "priv",
                                      "sourceKey": "missing.txt",
                                      "destinationKey": "m2.txt"}),
        ]
        for method, path, body in cases:
            with self.subTest(method=method, path=path):
                self.assert_error(self.call(method, path, self.svc, body),
                                  400, 404, "NoSuchKey", "Object not found")

    def test_missing_object_head_has_status_and_length_but_no_body(self):
        status, headers, body = self.call("HEAD", "/object/priv/missing.txt",
                                          self.svc)
        self.assertEqual((status, body), (400, b""))
        self.assertGreater(int(headers["content-length"]), 0)

    # bad tokens

    def bad_tokens(self):
        return {
            "none": {},
            "malformed": {"Authorization": "Bearer not-a-jwt"},
            "stray newline": {"apikey": self.emu.service + "\\n"},
            "quoted": {"Authorization": 'Bearer "%s"' % self.emu.service},
            "expired": Emulator.auth(self.emu.mint("service_role",
                                                   expired=True)),
            "wrongly signed": Emulator.auth(self.emu.mint(
                "service_role", secret="another-secret-another-secret-32")),
        }

    def test_private_bucket_read_with_bad_token_is_no_such_bucket(self):
        for name, headers in self.bad_tokens().items():
            for method, path in (("GET", "/object/priv/doc.txt"),
                                 ("HEAD", "/object/priv/doc.txt"),
                                 ("GET", "/object/info/priv/doc.txt")):
                with self.subTest(token=name, method=method, path=path):
                    answer = self.call(method, path, headers)
                    if method == "HEAD":
                        self.assertEqual(answer[0], 400)
                        continue
                    self.assert_error(answer, 400, 404, "NoSuchBucket",
                                      "Bucket not found")

    def test_bad_token_on_authenticated_routes_is_access_denied(self):
        messages = {"malformed": "Invalid Compact JWS",
                    "quoted": "Invalid Compact JWS",
                    "stray newline": "Invalid Compact JWS",
                    "expired": "exp\" claim timestamp check failed",
                    "wrongly signed": "signature verification failed"}
        tokens = self.bad_tokens()
        for name, message in messages.items():
            for path in ("/object/authenticated/priv/doc.txt", "/bucket"):
                with self.subTest(token=name, path=path):
                    self.assert_error(self.call("GET", path, tokens[name]),
                                      400, 403, "AccessDenied", message)

    def test_valid_anon_token_on_private_object_is_no_such_key(self):
        self.assert_error(self.call("GET", "/object/priv/doc.txt", self.anon),
                          400, 404, "NoSuchKey")

    # GET /object/public/{b}/{key}

    def test_public_route(self):
        status, _, body = self.call("GET", "/object/public/pub/doc.txt")
        self.assertEqual((status, body), (200, BODY))
        for path in ("/object/public/priv/doc.txt",
                     "/object/public/nope/doc.txt"):
            with self.subTest(path=path):
                self.assert_error(self.call("GET", path, self.svc),
                                  400, 404, "NoSuchBucket")

    # Range

    def test_ranges(self):
        cases = [("bytes=0-4", 206, b"hello", "bytes 0-4/12"),
                 ("bytes=-3", 206, b"ld!", "bytes 9-11/12"),
                 ("bytes=6-", 206, b"world!", "bytes 6-11/12"),
                 ("bytes=6-100", 206, b"world!", "bytes 6-11/12")]
        for rng, status, body, content_range in cases:
            with self.subTest(range=rng):
                h = dict(self.svc, Range=rng)
                got = self.call("GET", "/object/priv/doc.txt", h)
                self.assertEqual((got[0], got[2]), (status, body))
                self.assertEqual(got[1]["content-range"], content_range)

    def test_unsatisfiable_ranges_are_real_416(self):
        for rng in ("bytes=12-", "bytes=50-60", "bytes=0-1,3-4"):
            with self.subTest(range=rng):
                answer = self.call("GET", "/object/priv/doc.txt",
                                   dict(self.svc, Range=rng))
                self.assert_error(answer, 416, 416, "InvalidRange")
                self.assertEqual(answer[1]["content-range"], "bytes */12")

    def test_if_none_match_matching_is_304(self):
        etag = self.call("GET", "/object/priv/doc.txt", self.svc)[1]["etag"]
        status, _, body = self.call("GET", "/object/priv/doc.txt",
                                    dict(self.svc, **{"If-None-Match": etag}))
        self.assertEqual((status, body), (304, b""))
        status = self.call("GET", "/object/priv/doc.txt",
                           dict(self.svc, **{"If-None-Match": '"x"'}))[0]
        self.assertEqual(status, 200)

    # POST /object/list/{b}

    def test_list_shows_files_and_folders(self):
        self.make_bucket("listing")
        for key in ("a.txt", "dir/b.txt", "dir/c.txt", "z.txt"):
            self.assert_json(self.upload("listing", key))
        doc = self.assert_json(self.call("POST", "/object/list/listing",
                                         self.svc, {"prefix": ""}))
        self.assertEqual([(r["name"], r["id"] is None) for r in doc],
                         [("a.txt", False), ("dir", True), ("z.txt", False)])
        doc = self.assert_json(self.call("POST", "/object/list/listing",
                                         self.svc, {
                                             "prefix": "dir", "limit": 1,
                                             "offset": 0, "sortBy": {
                                                 "column": "name",
                                                 "order": "desc"}}))
        self.assertEqual([r["name"] for r in doc], ["c.txt"])
        self.assertEqual(doc[0]["metadata"]["size"], len(BODY))

    def test_list_of_missing_bucket_is_empty_and_prefix_is_required(self):
        self.assertEqual(self.assert_json(self.call(
            "POST", "/object/list/nope", self.svc, {"prefix": ""})), [])
        self.assert_error(self.call("POST", "/object/list/priv", self.svc,
                                    {"limit": 10}),
                          400, 400, "InvalidRequest", "prefix")

    # POST /object/sign/{b}/{key}

    def test_sign_and_fetch(self):
        self.assert_json(self.upload("priv", "sign/a%20b.txt"))
        doc = self.assert_json(self.call("POST",
                                         "/object/sign/priv/sign/a%20b.txt",
                                         self.svc, {"expiresIn": 60}))
        url = doc["signedURL"]
        self.assertTrue(url.startswith("/object/sign/priv/sign/a b.txt?"
                                       "token="), url)
        path, _, query = url.partition("?")
        fetch = urllib.parse.quote(path) + "?" + query
        status, _, body = self.call("GET", fetch)
        self.assertEqual((status, body), (200, BODY))

    def test_signed_url_refusals(self):
        signed = self.assert_json(self.call(
            "POST", "/object/sign/priv/doc.txt", self.svc,
            {"expiresIn": 60}))["signedURL"]
        token = signed.split("token=")[1]
        head, payload, sig = token.split(".")
        tampered = "%s.%s.%s" % (head, payload, sig[:-2] +
                                 ("AA" if sig[-2:] != "AA" else "BB"))
        cases = [("tampered", "/object/sign/priv/doc.txt?token=" + tampered,
                  "InvalidJWT"),
                 ("garbage", "/object/sign/priv/doc.txt?token=abc",
                  "InvalidJWT"),
                 ("foreign object", "/object/sign/pub/doc.txt?token=" + token,
                  "InvalidSignature")]
        for name, path, code in cases:
            with self.subTest(name):
                self.assert_error(self.call("GET", path), 400, 400, code)

    def test_batch_sign(self):
        doc = self.assert_json(self.call(
            "POST", "/object/sign/priv", self.svc,
            {"expiresIn": 60, "paths": ["doc.txt", "missing.txt"]}))
        self.assertEqual([(r["path"], r["error"] is None) for r in doc],
                         [("doc.txt", True), ("missing.txt", False)])
        self.assertIsNone(doc[1]["signedURL"])

    # DELETE

    def test_delete_one_and_many(self):
        for key in ("del/a.txt", "del/b.txt", "del/c.txt"):
            self.assert_json(self.upload("priv", key))
        doc = self.assert_json(self.call("DELETE", "/object/priv/del/a.txt",
                                         self.svc))
        self.assertEqual(doc, {"message": "Successfully deleted"})
        doc = self.assert_json(self.call(
            "DELETE", "/object/priv", self.svc,
            {"prefixes": ["del/b.txt", "del/c.txt", "del/none.txt"]}))
        self.assertEqual(sorted(r["name"] for r in doc),
                         ["del/b.txt", "del/c.txt"])
        self.assert_error(self.call("GET", "/object/priv/del/b.txt",
                                    self.svc), 400, 404, "NoSuchKey")

    # copy and move

    def test_copy_and_move(self):
        self.assert_json(self.upload("priv", "cp/src.txt"))
        doc = self.assert_json(self.call("POST", "/object/copy", self.svc, {
            "bucketId": "priv", "sourceKey": "cp/src.txt",
            "destinationKey": "cp/dst.txt", "destinationBucket": "pub"}))
        self.assertEqual(doc["Key"], "pub/cp/dst.txt")
        self.assertEqual(self.call("GET", "/object/public/pub/cp/dst.txt")[2],
                         BODY)
        doc = self.assert_json(self.call("POST", "/object/move", self.svc, {
            "bucketId": "priv", "sourceKey": "cp/src.txt",
            "destinationKey": "cp/moved.txt"}))
        self.assertEqual(doc, {"message": "Successfully moved"})
        self.assert_error(self.call("GET", "/object/priv/cp/src.txt",
                                    self.svc), 400, 404, "NoSuchKey")
        self.assertEqual(self.call("GET", "/object/priv/cp/moved.txt",
                                   self.svc)[2], BODY)

    # no Authorization

    def test_no_authorization_is_invalid_request(self):
        cases = [("GET", "/bucket", None),
                 ("GET", "/bucket/priv", None),
                 ("POST", "/bucket", {"name": "x2"}),
                 ("POST", "/object/list/priv", {"prefix": ""}),
                 ("POST", "/object/sign/priv/doc.txt", {"expiresIn": 60}),
                 ("GET", "/object/authenticated/priv/doc.txt", None)]
        for method, path, body in cases:
            with self.subTest(method=method, path=path):
                self.assert_error(self.call(method, path, {}, body),
                                  400, 400, "InvalidRequest")

    # database failures (reproduced by fault rules)

    def test_database_failures(self):
        cases = [("500", 500, 500, "InternalError"),
                 ("429", 429, 429, "SlowDown"),
                 ("503", 400, 503, "ServiceUnavailable"),
                 ("544", 544, 544, "DatabaseTimeout")]
        for leaf, http, status, code in cases:
            with self.subTest(code=code):
                self.assert_error(self.call("GET", "/object/db/" + leaf,
                                            self.svc), http, status, code)

    # keys

    def test_allowed_key_characters_round_trip(self):
        key = "k/AZaz09_!.*'() &$=@;:+,?-.txt"
        path = "/object/priv/" + urllib.parse.quote(key, safe="/")
        self.assert_json(self.upload("priv", urllib.parse.quote(key,
                                                                safe="/")))
        status, _, body = self.call("GET", path, self.svc)
        self.assertEqual((status, body), (200, BODY))

    def test_invalid_keys_are_invalid_key(self):
        for raw in ("caf%C3%A9.txt", "a~b", "a%23b", "a/./b", "a/../b",
                    "..", "", "a%09b"):
            with self.subTest(key=raw):
                self.assert_error(self.upload("priv", raw), 400, 400,
                                  "InvalidKey")

    def test_encoded_slash_decodes_to_folder(self):
        self.assert_json(self.upload("priv", "enc%2Fslash.txt"))
        status, _, body = self.call("GET", "/object/priv/enc/slash.txt",
                                    self.svc)
        self.assertEqual((status, body), (200, BODY))

    # hosted gateway headers

    def test_every_answer_has_cloudflare_headers(self):
        for method, path in (("GET", "/bucket"), ("GET", "/object/nope/x"),
                             ("GET", "/object/priv/doc.txt")):
            with self.subTest(path=path):
                _, h, _ = self.call(method, path, self.svc)
                self.assertRegex(h["cf-ray"], r"^[0-9a-f]{16}-SJC$")
                self.assertEqual(h["server"], "cloudflare")
                self.assertIn(h["cf-cache-status"],
                              ("DYNAMIC", "MISS", "HIT"))
        self.assertEqual(self.call("GET", "/bucket", self.svc)[1]
                         ["cf-cache-status"], "DYNAMIC")

    def test_repeated_object_get_is_miss_then_hit(self):
        self.assert_json(self.upload("pub", "cache.txt"))
        first = self.call("GET", "/object/public/pub/cache.txt")[1]
        second = self.call("GET", "/object/public/pub/cache.txt")[1]
        self.assertEqual((first["cf-cache-status"],
                          second["cf-cache-status"]), ("MISS", "HIT"))
        self.assertNotEqual(first["cf-ray"], second["cf-ray"])

    def test_secret_key_from_browser_is_401_json(self):
        browser = {"apikey": self.emu.secret,
                   "User-Agent": "Mozilla/5.0 (X11; Linux x86_64)"}
        status, _, body = self.call("GET", "/bucket", browser)
        self.assertEqual(status, 401)
        self.assertIn("message", json.loads(body))
        status, _, _ = self.call("GET", "/bucket", {"apikey": self.emu.secret})
        self.assertEqual(status, 200)

    def test_opaque_keys_map_to_roles(self):
        doc = self.assert_json(self.call("GET", "/bucket",
                                         {"apikey": self.emu.secret}))
        self.assertIn("priv", [b["id"] for b in doc])
        self.assertEqual(self.assert_json(self.call(
            "GET", "/bucket", Emulator.auth(self.emu.publishable))), [])

    def test_storage_prefix_is_served_too(self):
        status, _, body = self.call("GET", "/storage/v1/object/public/pub/"
                                    "doc.txt")
        self.assertEqual((status, body), (200, BODY))

    def test_unknown_route_is_404(self):
        status, _, body = self.call("GET", "/nothing/here", self.svc)
        self.assertEqual(status, 404)
        self.assertEqual(json.loads(body)["statusCode"], "404")


def main():
    result = unittest.main(exit=False, verbosity=2).result
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
