"""Tests for flickroauth, run against a stand-in Flickr on 127.0.0.1.

The stand-in (``FakeFlickr``) plays Flickr's OAuth and REST endpoints at
Flickr's paths. It rebuilds every signature from the raw request it
received, with the small RFC 5849 implementation below (the ``ref_*``
functions), written for these tests and never borrowed from the module
under test; ``test_stand_in_*`` prove it on the published vectors first.
It reads uploads as a stream (``read_multipart``), so a large file never
sits whole in the test process. ``OtherProvider`` is a second, smaller
stand-in that is not Flickr, for ``OAuth1Client`` on its own.

Nothing here reaches any host but 127.0.0.1: an autouse fixture refuses
every other address, and every server binds port 0 and stops by itself.
"""

from __future__ import annotations

import base64
import collections
import datetime
import decimal
import email.message
import email.parser
import email.policy
import email.utils
import enum
import gc
import hashlib
import hmac
import html
import http.cookies
import http.server
import json
import logging
import math
import os
import queue
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import ssl
import stat
import struct
import subprocess
import sys
import textwrap
import threading
import time
import traceback
import tracemalloc
import types
import urllib.error
import urllib.parse
import urllib.request
import warnings
import webbrowser
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import flickroauth as fo

VECTORS_PATH = (
    Path(__file__).resolve().parent.parent
    / "shared"
    / "vectors"
    / "oauth1_published.json"
)

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

PROXY_VARIABLES = (
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
)


# --------------------------------------------------------------------------
# An independent RFC 5849 (section 3.4) for the stand-in and the tests.
# --------------------------------------------------------------------------

UNRESERVED = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
)


def ref_encode(value):
    """RFC 5849 3.6: UTF-8 bytes, each but the unreserved ones as %XX."""
    if isinstance(value, str):
        value = value.encode("utf-8")

    return "".join(
        chr(byte) if byte in UNRESERVED else f"%{byte:02X}" for byte in value
    )


def ref_form_decode(text):
    """The (name, value) pairs of application/x-www-form-urlencoded text."""
    pairs = []
    for part in text.split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append(
                (
                    urllib.parse.unquote_plus(name),
                    urllib.parse.unquote_plus(value),
                )
            )

    return pairs


def ref_parse_authorization(value):
    """The pairs of an ``OAuth k="v", ...`` header (RFC 5849 3.5.1).

    Returns None when the header is not an OAuth one or is malformed.
    """
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "oauth":
        return None

    pairs = []
    for item in rest.split(","):
        item = item.strip()
        if not item:
            continue

        match = re.fullmatch(r'([^\s="]+)\s*=\s*"([^"]*)"', item)
        if match is None:
            return None

        pairs.append(
            (
                urllib.parse.unquote(match.group(1)),
                urllib.parse.unquote(match.group(2)),
            )
        )

    return pairs


def ref_authorization(pairs, realm=None):
    """An Authorization header value for the pairs (RFC 5849 3.5.1)."""
    items = []
    if realm is not None:
        items.append(f'realm="{realm}"')

    items.extend(f'{ref_encode(n)}="{ref_encode(v)}"' for n, v in pairs)
    return "OAuth " + ", ".join(items)


def ref_base_string_uri(scheme, host, path):
    """RFC 5849 3.4.1.2 from a scheme, a Host header and the request path."""
    host = host.lower()
    default_port = {"http": ":80", "https": ":443"}[scheme]
    if host.endswith(default_port):
        host = host[: -len(default_port)]

    return "{}://{}{}".format(scheme, host, path or "/")


def ref_normalize(pairs):
    """RFC 5849 3.4.1.3.2: encode, sort by name then value, join."""
    encoded = sorted((ref_encode(n), ref_encode(v)) for n, v in pairs)
    return "&".join("{}={}".format(*pair) for pair in encoded)


def ref_base_string(method, uri, pairs):
    """RFC 5849 3.4.1.1: method, base string URI, normalized parameters."""
    return "&".join(
        (method.upper(), ref_encode(uri), ref_encode(ref_normalize(pairs)))
    )


def ref_hmac_sha1(base_string, consumer_secret, token_secret=""):
    """RFC 5849 3.4.2, base64 of HMAC-SHA1 keyed with both secrets."""
    key = ref_encode(consumer_secret or "") + "&"
    key += ref_encode(token_secret or "")
    digest = hmac.new(
        key.encode("ascii"), base_string.encode("utf-8"), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def ref_read_request(method, target, headers, body, scheme="http"):
    """Everything RFC 5849 signs, read back from one raw HTTP request.

    ``headers`` maps lower-case names to values. The parameters come from
    the Authorization header (without realm), the query and a form body
    (3.4.1.3.1); ``oauth_signature`` is set apart, duplicates are kept.
    """
    path, _, query = target.partition("?")
    header_pairs = []
    header = headers.get("authorization")
    if header:
        parsed = ref_parse_authorization(header)
        if parsed is None:
            raise ValueError("malformed Authorization header")

        header_pairs = [(n, v) for n, v in parsed if n != "realm"]

    query_pairs = ref_form_decode(query)
    content_type = headers.get("content-type", "").split(";")[0]
    body_pairs = []
    if body and content_type.strip().lower() == (
        "application/x-www-form-urlencoded"
    ):
        body_pairs = ref_form_decode(body.decode("utf-8", "replace"))

    every = header_pairs + query_pairs + body_pairs
    signed = [(n, v) for n, v in every if n != "oauth_signature"]
    uri = ref_base_string_uri(scheme, headers.get("host", ""), path)
    return {
        "header": header_pairs,
        "query": query_pairs,
        "body": body_pairs,
        "params": signed,
        "signatures": [v for n, v in every if n == "oauth_signature"],
        "uri": uri,
        "base_string": ref_base_string(method, uri, signed),
    }


def ref_signature_matches(received, base_string, consumer_secret, secret):
    """Constant-time check of a received HMAC-SHA1 signature."""
    expected = ref_hmac_sha1(base_string, consumer_secret, secret)
    return hmac.compare_digest(
        expected.encode("ascii"),
        received.encode("utf-8", "surrogateescape"),
    )


def ref_sign(
    method,
    url,
    consumer_key,
    consumer_secret,
    token="",
    token_secret="",
    params=(),
    extra_oauth=(),
    clock_offset=0,
):
    """Sign a request the way a correct client would, for stand-in tests.

    Returns (url, headers, body) with the OAuth parameters in the header
    and ``params`` in a form body (or nothing for GET).
    """
    parts = urllib.parse.urlsplit(url)
    oauth = [
        ("oauth_consumer_key", consumer_key),
        ("oauth_nonce", secrets.token_hex(16)),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", str(int(time.time() + clock_offset))),
        ("oauth_version", "1.0"),
    ]
    if token:
        oauth.append(("oauth_token", token))

    oauth.extend(extra_oauth)
    query = ref_form_decode(parts.query)
    uri = ref_base_string_uri(parts.scheme, parts.netloc, parts.path)
    base = ref_base_string(method, uri, oauth + query + list(params))
    oauth.append(
        ("oauth_signature", ref_hmac_sha1(base, consumer_secret, token_secret))
    )
    headers = {"Authorization": ref_authorization(oauth)}
    body = None
    if params:
        body = "&".join(
            f"{ref_encode(n)}={ref_encode(v)}" for n, v in params
        ).encode("ascii")
        headers["Content-Type"] = "application/x-www-form-urlencoded"

    return url, headers, body


# --------------------------------------------------------------------------
# The published vectors.
# --------------------------------------------------------------------------


def _load_vectors():
    try:
        with open(VECTORS_PATH, encoding="utf-8") as file:
            return json.load(file)

    except FileNotFoundError:
        return None


VECTORS = _load_vectors()


def vectors(kind, signature_method=None):
    """pytest params, one per vector entry, each named after its entry."""
    if VECTORS is None:
        reason = f"published vectors not found at {VECTORS_PATH}"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason))]

    return [
        pytest.param(entry, id=entry["name"])
        for entry in VECTORS
        if entry["kind"] == kind
        and (
            signature_method is None
            or entry.get("signature_method") == signature_method
        )
    ]


def vector_named(name):
    """One vector entry by name; skips the test when the file is missing."""
    if VECTORS is None:
        pytest.skip(f"published vectors not found at {VECTORS_PATH}")

    for entry in VECTORS:
        if entry["name"] == name:
            return entry

    raise LookupError(name)


def vector_raw_request(entry):
    """The raw HTTP request a correct client sends for a vector entry."""
    parts = urllib.parse.urlsplit(entry["url"])
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query

    oauth = list(map(tuple, entry["oauth_params"]))
    oauth.append(("oauth_signature", entry["expected_signature"]))
    headers = {
        "host": parts.netloc,
        "authorization": ref_authorization(oauth, entry.get("realm")),
    }
    body = None
    if entry.get("body") is not None:
        body = entry["body"].encode("utf-8")
        headers["content-type"] = entry["content_type"]

    return parts.scheme, target, headers, body


# --------------------------------------------------------------------------
# The stand-in Flickr.
# --------------------------------------------------------------------------

Reply = collections.namedtuple(
    "Reply", "status content_type body headers delay drop cut"
)

PERM_LEVELS = {"none": 0, "read": 1, "write": 2, "delete": 3}

HTML_502 = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>Bad Gateway</h1><p>The stand-in is having a bad day."
    b"</p></body></html>\n"
)


class _MultipartPart:
    """One part of a multipart body, taken in as it streams past."""

    def __init__(self, head, keep):
        message = email.parser.HeaderParser(policy=email.policy.HTTP)
        headers = message.parsestr(head.decode("utf-8"))
        name = headers.get_param("name", header="content-disposition")
        self.name = email.utils.collapse_rfc2231_value(name) if name else None
        self.filename = headers.get_filename()
        self.keep = keep
        self.size = 0
        self.digest = hashlib.sha256()
        self.kept = []

    def feed(self, data):
        if not data:
            return

        self.size += len(data)
        self.digest.update(data)
        if self.size <= self.keep:
            self.kept.append(data)
        elif self.filename is None:
            raise ValueError(f"form field {self.name!r} is too long")
        else:
            self.kept = None

    def finish(self, result):
        data = None if self.kept is None else b"".join(self.kept)
        if self.filename is None:
            result["fields"].append((self.name, data.decode("utf-8")))
            return

        result["files"][self.name] = (self.filename, data)
        result["digests"][self.name] = (self.size, self.digest.hexdigest())


def read_multipart(content_type, stream, length, keep=1 << 20):
    """Read a multipart/form-data body (RFC 7578) from a stream, in chunks.

    Text fields are kept; a file is hashed as it passes and kept only up
    to ``keep`` bytes, so a large upload never sits whole in the
    stand-in's memory. Returns a dict: ``fields`` [(name, text)],
    ``files`` {name: (filename, bytes or None when larger than keep)},
    ``digests`` {name: (size, sha256 hex)}, ``read`` (bytes consumed),
    ``closed`` (the closing delimiter was seen) and ``epilogue``.
    """
    header = email.message.Message()
    header["Content-Type"] = content_type
    boundary = header.get_param("boundary")
    if not boundary:
        raise ValueError("multipart body without a boundary")

    delimiter = b"\r\n--" + boundary.encode("ascii")
    result = {
        "fields": [],
        "files": {},
        "digests": {},
        "read": 0,
        "closed": False,
        "epilogue": b"",
    }
    state = {"buffer": b"\r\n", "left": length}  # first delimiter: CRLF--

    def more():
        if state["left"] <= 0:
            return False

        chunk = stream.read(min(65536, state["left"]))
        if not chunk:
            return False

        state["left"] -= len(chunk)
        result["read"] += len(chunk)
        state["buffer"] += chunk
        return True

    part = None
    while True:
        buffer = state["buffer"]
        at = buffer.find(delimiter)
        if at < 0:
            safe = len(buffer) - len(delimiter) + 1
            if part is not None and safe > 0:
                part.feed(buffer[:safe])
                state["buffer"] = buffer[safe:]

            if not more():
                raise ValueError("multipart body ends before its last part")

            continue

        if part is not None:
            part.feed(buffer[:at])
            part.finish(result)

        state["buffer"] = buffer[at + len(delimiter) :]
        while len(state["buffer"]) < 2 and more():
            pass

        if state["buffer"].startswith(b"--"):
            while more():
                pass

            result["closed"] = True
            result["epilogue"] = state["buffer"][2:]
            return result

        while state["buffer"].find(b"\r\n\r\n") < 0:
            if len(state["buffer"]) > 65536 or not more():
                raise ValueError("a part's headers never end")

        head, _, state["buffer"] = state["buffer"].partition(b"\r\n\r\n")
        if not head.startswith(b"\r\n") and head:
            raise ValueError("garbage after a multipart delimiter")

        part = _MultipartPart(head[2:], keep)


def new_token():
    """A token in the shape Flickr's have: 72157...-hex."""
    return f"72157{secrets.randbelow(10**12):012d}-{secrets.token_hex(8)}"


def hidden_input(name, value):
    return (
        f'<input type="hidden" name="{html.escape(name)}" '
        f'value="{html.escape(value)}">\n'
    )


def reply(
    status, content_type, body, headers=(), delay=0.0, drop=False, cut=False
):
    if isinstance(body, str):
        body = body.encode("utf-8")

    return Reply(status, content_type, body, tuple(headers), delay, drop, cut)


def form_reply(status, pairs):
    body = "&".join(f"{ref_encode(n)}={ref_encode(v)}" for n, v in pairs)
    return reply(status, "text/plain; charset=utf-8", body)


def html_reply(status, title, inner):
    page = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>\n"
        f"<body>\n{inner}\n</body></html>\n"
    )
    return reply(status, "text/html; charset=utf-8", page)


def element(tag, text=None, children=(), **attrs):
    node = ET.Element(tag, {k: str(v) for k, v in attrs.items()})
    node.text = text
    node.extend(children)
    return node


LIST_CHILDREN = {"photos": "photo", "photoset": "photo"}


def element_to_json(node):
    """Flickr's JSON shape: attributes as keys, text as ``_content``.

    Lists of photos stay lists even with one item, as Flickr sends them.
    """
    out = dict(node.attrib)
    for child in node:
        value = element_to_json(child)
        if LIST_CHILDREN.get(node.tag) == child.tag:
            out.setdefault(child.tag, []).append(value)
        elif child.tag not in out:
            out[child.tag] = value
        elif isinstance(out[child.tag], list):
            out[child.tag].append(value)
        else:
            out[child.tag] = [out[child.tag], value]

    if node.text is not None and node.text.strip():
        out["_content"] = node.text

    return out


class _StandInServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    fake = None

    def handle_error(self, request, client_address):
        self.fake.errors.append(traceback.format_exc())


class FakeFlickrHandler(http.server.BaseHTTPRequestHandler):
    """Hands each raw request to the FakeFlickr and writes its reply."""

    protocol_version = "HTTP/1.1"
    server_version = "StandInFlickr/1.0"
    # Headers and body go out in two writes; without TCP_NODELAY the
    # second waits for the client's delayed ACK, 40 ms a reply.
    disable_nagle_algorithm = True
    timeout = 10

    def log_message(self, format, *args):
        self.server.fake.log.append(format % args)

    def date_time_string(self, timestamp=None):
        if timestamp is None:
            timestamp = self.server.fake.now()

        return email.utils.formatdate(timestamp, usegmt=True)

    def do_GET(self):
        self.answer()

    def do_POST(self):
        self.answer()

    def answer(self):
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        headers = {k.lower(): v for k, v in self.headers.items()}
        multipart = None
        if headers.get("content-type", "").startswith("multipart/"):
            body = b""
            try:
                multipart = read_multipart(
                    headers["content-type"], self.rfile, length
                )
            except ValueError as error:
                multipart = {"error": str(error)}
                self.close_connection = True
        else:
            body = self.rfile.read(length) if length else b""

        with fake.lock:
            hang_up = fake.hang_up_after_reply
            fake.hang_up_after_reply = False

        answer = fake.handle(
            self.command,
            self.path,
            headers,
            body,
            self.client_address[1],
            multipart,
        )
        if answer.delay:
            fake.stopping.wait(answer.delay)

        if answer.drop:
            self.close_connection = True
            return

        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            length = len(answer.body) + (1000 if answer.cut else 0)
            self.send_header("Content-Length", str(length))
            for name, value in answer.headers:
                self.send_header(name, value)

            self.end_headers()
            self.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

        if hang_up or answer.cut:
            self.close_connection = True


class FakeFlickr:
    """Flickr's OAuth and REST endpoints on 127.0.0.1, port 0.

    State is plain attributes so tests can set the scene: ``clock_offset``
    (seconds added to the stand-in's clock), ``deny`` (the user refuses at
    the authorize page), ``pretend_host`` (sign as if the Host header
    said this), ``consumers``, ``access_tokens``, ``upload_limit`` (bytes
    a user may upload, then error 6), ``upload_broken`` (error 3),
    ``gates`` (path -> threading.Event a request there waits for, ten
    seconds at most), ``repeat_last_page`` (a page past the last one gets
    the last one again, as Flickr's search does), ``claimed_pages``
    (the page count a list claims, stale as Flickr's can be),
    ``make_secret(kind)`` and ``make_verifier(callback)`` (the secrets it
    hands out, so a test can look for them). ``script()`` queues canned
    replies; ``requests`` records every request seen.
    """

    API_KEY = "stand-in-api-key"
    API_SECRET = "stand-in-secret"
    WINDOW = 300
    # Flickr recognises a file by its content; the stand-in, by its name.
    MEDIA_TYPES = frozenset(
        {".jpg", ".jpeg", ".png", ".gif", ".tif", ".heic", ".mp4", ".mov"}
    )

    def __init__(self, tls=None):
        self.consumers = {self.API_KEY: self.API_SECRET}
        self.clock_offset = 0.0
        self.hang_up_after_reply = False
        self.deny = False
        self.pretend_host = None
        self.make_secret = lambda kind: secrets.token_hex(8)
        self.make_verifier = None
        self.request_tokens = {}
        self.callbacks = []
        self.access_tokens = {}
        self.nonces = set()
        self.requests = []
        self.scripted = []
        self.log = []
        self.errors = []
        self.user = {
            "nsid": "12345678@N01",
            "username": "stand in user",
            "fullname": "Zo\u00eb Stand-In",
            "path_alias": "standin",
        }
        self.uploads = []
        self.uploaded_bytes = 0
        self.upload_limit = None
        self.upload_broken = False
        self.gates = {}
        self.repeat_last_page = False
        self.claimed_pages = None
        self.gallery = [(str(n), f"Photo number {n}") for n in range(1, 8)]
        self.photos = {
            "1": {"title": "Public sunset", "public": True},
            "2": {"title": "Private notes", "public": False},
        }
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.server = _StandInServer(("127.0.0.1", 0), FakeFlickrHandler)
        self.server.fake = self
        self.port = self.server.server_address[1]
        self.scheme = "http"
        if tls is not None:
            self.scheme = "https"
            self.server.socket = tls.wrap_socket(
                self.server.socket, server_side=True
            )

        self.base_url = f"{self.scheme}://127.0.0.1:{self.port}"
        # stop() waits for the serving loop to look up: a short poll keeps
        # each test's teardown short.
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.01},
            daemon=True,
        )
        self.thread.start()

    def stop(self):
        if self.stopping.is_set():
            return

        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def now(self):
        return time.time() + self.clock_offset

    def url(self, path):
        return self.base_url + path

    # What tests use to set the scene and look back.

    def script(
        self,
        path="/services/rest/",
        status=502,
        body=HTML_502,
        content_type="text/html",
        headers=(),
        delay=0.0,
        drop=False,
        cut=False,
        times=1,
    ):
        """Answer the next ``times`` requests under ``path`` like this.

        ``drop`` hangs up without a reply, ``cut`` promises more body than
        it sends, ``delay`` waits that many seconds first. ``body`` may be
        a function of the request's record (with its base string read).
        """
        canned = reply(status, content_type, body, headers, delay, drop, cut)
        with self.lock:
            self.scripted.extend([(path, canned)] * times)

    def grant(self, perms="write", user=None):
        """An access token the stand-in knows, as if a flow had run."""
        token = new_token()
        secret = self.make_secret("access")
        HANDED_OUT.append(secret)
        with self.lock:
            self.access_tokens[token] = {
                "secret": secret,
                "perms": perms,
                "consumer": self.API_KEY,
                "user": dict(user or self.user),
                "revoked": False,
            }

        return token, secret

    def revoke(self, token):
        self.access_tokens[token]["revoked"] = True

    def calls(self, flickr_method=None):
        """Recorded REST requests, optionally of one Flickr method."""
        return [
            r
            for r in self.requests
            if r["path"] == "/services/rest/"
            and (
                flickr_method is None
                or r.get("flickr_method") == flickr_method
            )
        ]

    def at(self, path):
        return [r for r in self.requests if r["path"] == path]

    # The server side.

    def handle(self, method, target, headers, body, peer=None, multipart=None):
        record = {
            "peer": peer,
            "method": method,
            "target": target,
            "path": urllib.parse.urlsplit(target).path,
            "headers": headers,
            "body": body,
            "multipart": multipart,
            "time": time.time(),
        }
        canned = None
        with self.lock:
            self.requests.append(record)
            gate = self.gates.get(record["path"])
            for index, (prefix, queued) in enumerate(self.scripted):
                if record["path"].startswith(prefix):
                    del self.scripted[index]
                    record["scripted"] = True
                    canned = queued
                    break

        if canned is not None:
            if callable(canned.body):
                self.read_signed(record)
                body = canned.body(record)
                if isinstance(body, str):
                    body = body.encode("utf-8")

                canned = canned._replace(body=body)

            return canned

        if gate is not None:
            gate.wait(10)

        routes = {
            "/services/oauth/request_token": self.request_token,
            "/services/oauth/authorize": self.authorize,
            "/services/oauth/access_token": self.access_token,
            "/services/rest/": self.rest,
            "/services/rest": self.rest,
            "/services/upload/": self.upload,
            "/services/replace/": self.replace,
        }
        route = routes.get(record["path"])
        if route is None:
            return html_reply(404, "Not found", "<p>Page not found.</p>")

        return route(record)

    def read_signed(self, record):
        """Parse the OAuth side of a request into the record."""
        headers = dict(record["headers"])
        if self.pretend_host is not None:
            headers["host"] = self.pretend_host

        read = ref_read_request(
            record["method"],
            record["target"],
            headers,
            record["body"],
            self.scheme,
        )
        record.update(read)
        record["oauth"] = {
            n: v for n, v in read["params"] if n.startswith("oauth_")
        }
        record["nonce"] = record["oauth"].get("oauth_nonce")
        return read

    def check_oauth(self, record, required, secret_of):
        """Check a token endpoint request; return a refusal or None."""
        try:
            read = self.read_signed(record)
        except ValueError:
            return self.problem(record, 400, "parameter_rejected")

        oauth = record["oauth"]
        names = [n for n, _ in read["params"] if n.startswith("oauth_")]
        if len(read["signatures"]) > 1 or len(names) != len(set(names)):
            return self.problem(record, 400, "parameter_rejected")

        needed = [
            "oauth_consumer_key",
            "oauth_signature_method",
            "oauth_timestamp",
            "oauth_nonce",
        ] + list(required)
        absent = [n for n in needed if n not in oauth]
        if not read["signatures"]:
            absent.insert(0, "oauth_signature")

        if absent:
            return self.problem(
                record,
                400,
                "parameter_absent",
                [("oauth_parameters_absent", "&".join(absent))],
            )

        consumer_secret = self.consumers.get(oauth["oauth_consumer_key"])
        if consumer_secret is None:
            return self.problem(record, 401, "consumer_key_unknown")

        if oauth["oauth_signature_method"] != "HMAC-SHA1":
            return self.problem(record, 400, "signature_method_rejected")

        if oauth.get("oauth_version", "1.0") != "1.0":
            return self.problem(record, 400, "version_rejected")

        refusal = self.check_timestamp(record, oauth["oauth_timestamp"])
        if refusal is not None:
            return refusal

        token_secret = secret_of(oauth.get("oauth_token"))
        if token_secret is None:
            return self.problem(record, 401, "token_rejected")

        if not ref_signature_matches(
            read["signatures"][0],
            read["base_string"],
            consumer_secret,
            token_secret,
        ):
            return self.problem(
                record,
                401,
                "signature_invalid",
                [("debug_sbs", read["base_string"])],
            )

        nonce = (oauth["oauth_consumer_key"], oauth["oauth_nonce"])
        with self.lock:
            if nonce in self.nonces:
                return self.problem(record, 401, "nonce_used")

            self.nonces.add(nonce)

        return None

    def check_timestamp(self, record, timestamp):
        now = int(self.now())
        if not timestamp.isdigit() or abs(int(timestamp) - now) > self.WINDOW:
            window = f"{now - self.WINDOW}-{now + self.WINDOW}"
            return self.problem(
                record,
                401,
                "timestamp_refused",
                [("oauth_acceptable_timestamps", window)],
            )

        return None

    def problem(self, record, status, problem, extra=()):
        record["problem"] = problem
        return form_reply(status, [("oauth_problem", problem)] + list(extra))

    def request_token(self, record):
        refusal = self.check_oauth(
            record, ["oauth_callback"], lambda token: ""
        )
        if refusal is not None:
            return refusal

        callback = record["oauth"]["oauth_callback"]
        scheme = urllib.parse.urlsplit(callback).scheme
        if callback != "oob" and scheme not in ("http", "https"):
            return self.problem(record, 400, "parameter_rejected")

        token = new_token()
        secret = self.make_secret("request")
        HANDED_OUT.append(secret)
        with self.lock:
            self.callbacks.append(callback)
            self.request_tokens[token] = {
                "secret": secret,
                "callback": callback,
                "consumer": record["oauth"]["oauth_consumer_key"],
                "verifier": None,
                "perms": None,
            }

        return form_reply(
            200,
            [
                ("oauth_callback_confirmed", "true"),
                ("oauth_token", token),
                ("oauth_token_secret", secret),
            ],
        )

    def authorize(self, record):
        """Flickr's consent page: GET shows it, POST is the user's answer.

        The page submits itself, so a headless browser needs no clicks.
        """
        if record["method"] == "POST":
            fields = dict(ref_form_decode(record["body"].decode("ascii")))
        else:
            fields = dict(ref_form_decode(record["target"].partition("?")[2]))

        token = fields.get("oauth_token", "")
        perms = fields.get("perms", "")
        pending = self.request_tokens.get(token)
        if pending is None:
            return html_reply(
                400, "Oops", "<p>Oops! The OAuth token is not valid.</p>"
            )

        if perms not in ("read", "write", "delete"):
            return html_reply(
                400, "Oops", "<p>Oops! Those permissions are not valid.</p>"
            )

        if record["method"] != "POST":
            return html_reply(
                200,
                "Stand-in Flickr: authorize",
                f"<p>The app would like {html.escape(perms)} access "
                "to your account.</p>\n"
                '<form method="post" action="/services/oauth/authorize">\n'
                + hidden_input("oauth_token", token)
                + hidden_input("perms", perms)
                + '<button type="submit">OK, I\'ll authorize it</button>\n'
                "</form>\n<script>document.forms[0].submit();</script>",
            )

        callback = pending["callback"]
        if self.deny:
            if callback == "oob":
                return html_reply(
                    200, "Refused", "<p>You did not authorize the app.</p>"
                )

            answer = [
                ("oauth_token", token),
                ("oauth_problem", "user_refused"),
            ]
        else:
            if self.make_verifier is not None:
                verifier = self.make_verifier(callback)
            elif callback == "oob":
                verifier = "-".join(
                    f"{secrets.randbelow(1000):03d}" for _ in range(3)
                )
            else:
                verifier = secrets.token_hex(8)

            HANDED_OUT.append(verifier)
            with self.lock:
                pending["verifier"] = verifier
                pending["perms"] = perms

            if callback == "oob":
                return html_reply(
                    200,
                    "Stand-in Flickr: your code",
                    '<p>Enter this code in the app: <span id="verifier">'
                    f"{verifier}</span></p>",
                )

            answer = [("oauth_token", token), ("oauth_verifier", verifier)]

        joiner = "&" if "?" in callback else "?"
        location = callback + joiner + urllib.parse.urlencode(answer)
        return reply(
            302,
            "text/html; charset=utf-8",
            f'<a href="{html.escape(location)}">continue</a>',
            [("Location", location)],
        )

    def access_token(self, record):
        def secret_of(token):
            pending = self.request_tokens.get(token)
            return None if pending is None else pending["secret"]

        refusal = self.check_oauth(
            record, ["oauth_token", "oauth_verifier"], secret_of
        )
        if refusal is not None:
            return refusal

        oauth = record["oauth"]
        with self.lock:
            pending = self.request_tokens.get(oauth["oauth_token"])
            if pending is None:
                return self.problem(record, 401, "token_rejected")

            if pending["verifier"] is None or not hmac.compare_digest(
                pending["verifier"].encode(),
                oauth["oauth_verifier"].encode("utf-8", "surrogateescape"),
            ):
                return self.problem(record, 401, "verifier_invalid")

            del self.request_tokens[oauth["oauth_token"]]

        token, secret = self.grant(pending["perms"])
        user = self.user
        return form_reply(
            200,
            [
                ("fullname", user["fullname"]),
                ("oauth_token", token),
                ("oauth_token_secret", secret),
                ("user_nsid", user["nsid"]),
                ("username", user["username"]),
            ],
        )

    def rest(self, record):
        """Flickr's REST endpoint: XML, JSON or JSONP; errors as stat=fail."""
        try:
            read = self.read_signed(record)
        except ValueError:
            return self.rest_fail(record, {}, 96, "Invalid signature")

        params = collections.OrderedDict()
        for name, value in read["query"] + read["body"]:
            if name != "oauth_signature":
                params[name] = value

        record["params"] = params
        record["flickr_method"] = params.get("method")
        oauth = dict(read["header"]) if read["header"] else params
        record["perms"] = "none"
        key = oauth.get("oauth_consumer_key") or params.get("api_key")
        if not key:
            return self.rest_fail(
                record, params, 100, "Invalid API Key (Key has invalid format)"
            )

        if key not in self.consumers:
            return self.rest_fail(
                record, params, 100, "Invalid API Key (Key not found)"
            )

        grant = None
        if read["signatures"]:
            token = oauth.get("oauth_token")
            secret = ""
            if token:
                grant = self.access_tokens.get(token)
                if grant is None or grant["revoked"]:
                    record["problem"] = "token_rejected"
                    return self.rest_fail(
                        record, params, 98, "Invalid auth token"
                    )

                secret = grant["secret"]

            if oauth.get("oauth_signature_method") != "HMAC-SHA1" or not (
                ref_signature_matches(
                    read["signatures"][0],
                    read["base_string"],
                    self.consumers[key],
                    secret,
                )
            ):
                record["problem"] = "signature_invalid"
                return self.rest_fail(record, params, 96, "Invalid signature")

            timestamp = oauth.get("oauth_timestamp", "")
            if self.check_timestamp(record, timestamp) is not None:
                return self.rest_fail(record, params, 96, "Invalid signature")

            nonce = (key, oauth.get("oauth_nonce"))
            with self.lock:
                if nonce in self.nonces:
                    record["problem"] = "nonce_used"
                    return self.rest_fail(
                        record, params, 96, "Invalid signature"
                    )

                self.nonces.add(nonce)

            if grant is not None:
                record["perms"] = grant["perms"]

        handler = getattr(
            self, "m_" + str(params.get("method")).replace(".", "_"), None
        )
        if handler is None:
            return self.rest_fail(
                record,
                params,
                112,
                'Method "{}" not found'.format(params.get("method")),
            )

        result = handler(record, params, grant)
        if isinstance(result, tuple):
            return self.rest_fail(record, params, *result)

        return self.rest_ok(params, result)

    def needs(self, record, perms):
        if PERM_LEVELS[record["perms"]] >= PERM_LEVELS[perms]:
            return None

        return (
            99,
            "Insufficient permissions. Method requires {} privileges; "
            "{} granted.".format(perms, record["perms"]),
        )

    def m_flickr_test_login(self, record, params, grant):
        refusal = self.needs(record, "read")
        if refusal is not None:
            return refusal

        user = grant["user"]
        return [
            element(
                "user",
                children=[element("username", user["username"])],
                id=user["nsid"],
                path_alias=user["path_alias"],
            )
        ]

    def m_flickr_test_echo(self, record, params, grant):
        return [
            element(name, value)
            for name, value in params.items()
            if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", name)
        ]

    def m_flickr_auth_oauth_checkToken(self, record, params, grant):
        checked = self.access_tokens.get(params.get("oauth_token", ""))
        if checked is None or checked["revoked"]:
            return (98, "Invalid auth token")

        user = checked["user"]
        return [
            element(
                "oauth",
                children=[
                    element("token", params["oauth_token"]),
                    element("perms", checked["perms"]),
                    element(
                        "user",
                        nsid=user["nsid"],
                        username=user["username"],
                        fullname=user["fullname"],
                    ),
                ],
            )
        ]

    def m_flickr_photos_getInfo(self, record, params, grant):
        photo_id = params.get("photo_id", "")
        photo = self.photos.get(photo_id)
        if photo is None:
            return (1, "Photo not found")

        if not photo["public"] and self.needs(record, "read") is not None:
            return (1, "Photo not found")

        return [
            element(
                "photo",
                children=[
                    element("title", photo["title"]),
                    element("owner", nsid=self.user["nsid"]),
                ],
                id=photo_id,
                ispublic=int(photo["public"]),
            )
        ]

    def m_flickr_photos_setMeta(self, record, params, grant):
        return self.needs(record, "write") or []

    def m_flickr_photos_delete(self, record, params, grant):
        return self.needs(record, "delete") or []

    def paged(self, container, params, **attrs):
        """One page of the stand-in's gallery, as Flickr pages lists."""
        per_page = int(params.get("per_page", "100"))
        page = int(params.get("page", "1"))
        pages = max(1, -(-len(self.gallery) // per_page))
        if self.repeat_last_page:
            page = min(page, pages)

        start = (page - 1) * per_page
        pages = self.claimed_pages or pages
        photos = [
            element("photo", id=photo_id, title=title)
            for photo_id, title in self.gallery[start : start + per_page]
        ]
        return [
            element(
                container,
                children=photos,
                page=page,
                pages=pages,
                perpage=per_page,
                total=len(self.gallery),
                **attrs,
            )
        ]

    def m_flickr_photos_search(self, record, params, grant):
        return self.paged("photos", params)

    def m_flickr_people_getPhotos(self, record, params, grant):
        return self.needs(record, "read") or self.paged("photos", params)

    def m_flickr_photosets_getPhotos(self, record, params, grant):
        return self.paged("photoset", params, id=params.get("photoset_id"))

    def m_flickr_groups_pools_getPhotos(self, record, params, grant):
        return self.paged("photos", params)

    def upload(self, record):
        return self.take_photo(record, replace=False)

    def replace(self, record):
        return self.take_photo(record, replace=True)

    def take_photo(self, record, replace):
        """Flickr's upload API: multipart, every field but the photo
        signed, OAuth parameters as form fields or in the header, and
        the upload errors Flickr documents (2-6, 96-99)."""
        parsed = record["multipart"] or {}
        if "error" in parsed:
            record["error_code"] = 3
            return self.rest_fail(record, {}, 3, "General upload failure")

        fields = parsed.get("fields", [])
        files = parsed.get("files", {})
        headers = dict(record["headers"])
        header_pairs = []
        if "authorization" in headers:
            header_pairs = ref_parse_authorization(headers["authorization"])
            header_pairs = [(n, v) for n, v in header_pairs if n != "realm"]

        every = header_pairs + fields
        signed = [(n, v) for n, v in every if n != "oauth_signature"]
        signatures = [v for n, v in every if n == "oauth_signature"]
        uri = ref_base_string_uri(self.scheme, headers["host"], record["path"])
        base = ref_base_string("POST", uri, signed)
        oauth = {n: v for n, v in signed if n.startswith("oauth_")}
        record.update(
            fields=fields,
            files=files,
            digests=parsed.get("digests", {}),
            base_string=base,
        )
        if not signatures:
            return self.rest_fail(record, {}, 97, "Missing signature")

        grant = self.access_tokens.get(oauth.get("oauth_token", ""))
        if grant is None or grant["revoked"]:
            return self.rest_fail(record, {}, 98, "Invalid auth token")

        consumer_secret = self.consumers.get(oauth.get("oauth_consumer_key"))
        if (
            consumer_secret is None
            or len(signatures) != 1
            or not ref_signature_matches(
                signatures[0], base, consumer_secret, grant["secret"]
            )
        ):
            return self.rest_fail(record, {}, 96, "Invalid signature")

        if self.check_timestamp(record, oauth.get("oauth_timestamp", "")):
            return self.rest_fail(record, {}, 96, "Invalid signature")

        nonce = (oauth["oauth_consumer_key"], oauth.get("oauth_nonce"))
        with self.lock:
            if nonce in self.nonces:
                return self.rest_fail(record, {}, 96, "Invalid signature")

            self.nonces.add(nonce)

        record["perms"] = grant["perms"]
        refusal = self.needs(record, "write")
        if refusal is not None:
            return self.rest_fail(record, {}, *refusal)

        if "photo" not in files:
            return self.rest_fail(record, {}, 2, "No photo specified")

        size = record["digests"]["photo"][0]
        if size == 0:
            return self.rest_fail(record, {}, 4, "Filesize was zero")

        suffix = os.path.splitext(files["photo"][0] or "")[1].lower()
        if suffix not in self.MEDIA_TYPES:
            return self.rest_fail(record, {}, 5, "Filetype was not recognised")

        with self.lock:
            if self.upload_broken:
                return self.rest_fail(record, {}, 3, "General upload failure")

            limit = self.upload_limit
            if limit is not None and self.uploaded_bytes + size > limit:
                return self.rest_fail(
                    record, {}, 6, "User exceeded upload limit"
                )

            self.uploaded_bytes += size
            self.uploads.append(record)
            photo_id = dict(fields).get("photo_id") or str(
                1000 + len(self.uploads)
            )

        if replace:
            answer = element(
                "photoid", photo_id, secret="abc123", originalsecret="def456"
            )
        else:
            answer = element("photoid", photo_id)

        return self.rest_ok({}, [answer])

    def rest_ok(self, params, children):
        rsp = element("rsp", children=children, stat="ok")
        return self.rest_reply(params, rsp)

    def rest_fail(self, record, params, code, message):
        record["error_code"] = code
        rsp = element(
            "rsp",
            children=[element("err", code=code, msg=message)],
            stat="fail",
        )
        return self.rest_reply(params, rsp)

    @staticmethod
    def rest_reply(params, rsp):
        if params.get("format") != "json":
            body = '<?xml version="1.0" encoding="utf-8" ?>\n'
            body += ET.tostring(rsp, encoding="unicode") + "\n"
            return reply(200, "text/xml; charset=utf-8", body)

        if rsp.get("stat") == "ok":
            data = element_to_json(rsp)
            data = {k: v for k, v in data.items() if k != "stat"}
            data["stat"] = "ok"
        else:
            err = rsp.find("err")
            data = {
                "stat": "fail",
                "code": int(err.get("code")),
                "message": err.get("msg"),
            }

        text = json.dumps(data, ensure_ascii=False)
        if params.get("nojsoncallback") != "1":
            text = f"jsonFlickrApi({text})"

        return reply(200, "application/json; charset=utf-8", text)


# --------------------------------------------------------------------------
# Fixtures and helpers shared by the tests.
# --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch, tmp_path):
    """Refuse every address but loopback, and keep HOME in tmp_path.

    Yields the list of refused hosts; a test whose code tried to reach
    one fails at teardown even when the code swallowed the error.
    """
    refused = []
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect

    def is_loopback(host):
        if isinstance(host, bytes):
            host = host.decode("ascii", "replace")

        return host is None or host in LOOPBACK_HOSTS

    def getaddrinfo(host, *args, **kwargs):
        if not is_loopback(host):
            refused.append(host)
            raise socket.gaierror(
                socket.EAI_NONAME, f"tests reach 127.0.0.1 only, not {host!r}"
            )

        return real_getaddrinfo(host, *args, **kwargs)

    def connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and (
            not is_loopback(address[0])
        ):
            refused.append(address[0])
            raise ConnectionRefusedError(
                f"tests reach 127.0.0.1 only, not {address[0]!r}"
            )

        return real_connect(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)

    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    yield refused

    assert refused == [], "the code tried to reach a host other than loopback"


#: Every secret and verifier the stand-ins handed out in this test.
HANDED_OUT = []


def secret_forms(secret):
    """A secret as it may show: raw, percent-encoded once or twice, or
    form-encoded; and for the distinctive ones of ``distinctive()``, the
    random hex at either end, which a piece cut from any form holds."""
    forms = {
        secret,
        ref_encode(secret),
        ref_encode(ref_encode(secret)),
        urllib.parse.quote_plus(secret),
    }
    core = re.match(r"([0-9a-f]{12})-", secret)
    if core:
        forms.add(core.group(1))

    return forms


def assert_secrets_hidden(texts, secrets_):
    for text in texts:
        for secret in secrets_:
            for form in secret_forms(secret):
                assert form not in text, (
                    f"a secret ({form!r}) shows in: {text[:2000]}"
                )


@pytest.fixture(autouse=True)
def debug_log():
    """Every test runs with flickroauth logging at DEBUG into a handler on
    the root logger; a record that shows the stand-in's consumer secret,
    or any secret or verifier a stand-in handed out, fails the test.
    Yields the formatted records."""
    records = []
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(formatter.format(record))

    handler = Keep(logging.DEBUG)
    root = logging.getLogger()
    logger = logging.getLogger(fo.__name__)
    level = logger.level
    root.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    HANDED_OUT.clear()
    try:
        yield records
    finally:
        root.removeHandler(handler)
        logger.setLevel(level)

    assert_secrets_hidden(records, [FakeFlickr.API_SECRET, *HANDED_OUT])


@pytest.fixture
def fake():
    server = FakeFlickr()
    try:
        yield server
    finally:
        server.stop()

    broken = [e for e in server.errors if "ConnectionResetError" not in e]
    assert broken == [], "the stand-in itself failed:\n" + "\n".join(broken)


OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(url, data=None, headers=None, timeout=10):
    """GET (or POST ``data``) a 127.0.0.1 URL: (status, final url, text)."""
    host = urllib.parse.urlsplit(url).hostname
    if host != "127.0.0.1":
        raise AssertionError(f"the tests visit 127.0.0.1 only, not {url!r}")

    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with OPENER.open(request, timeout=timeout) as response:
            text = response.read().decode("utf-8")
            return response.status, response.geturl(), text

    except urllib.error.HTTPError as error:
        with error:
            text = error.read().decode("utf-8", "replace")
            return error.code, error.geturl(), text


def consent_form(url):
    """Open the authorize page; return the consent form's action and data."""
    status, page_url, page = fetch(url)
    assert status == 200, page

    form = re.search(r'<form method="post" action="([^"]*)"', page)
    assert form is not None, page

    fields = re.findall(
        r'<input type="hidden" name="([^"]*)" value="([^"]*)"', page
    )
    data = urllib.parse.urlencode(
        [(html.unescape(n), html.unescape(v)) for n, v in fields]
    ).encode("ascii")
    action = urllib.parse.urljoin(page_url, html.unescape(form.group(1)))
    return action, data


def play_user(url):
    """Be the person in the browser: open the authorize URL, say yes.

    Submits the consent form as a browser would and follows the redirect;
    returns (status, final url, page text) of the last page.
    """
    return fetch(*consent_form(url))


class _DoNotFollow(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def consent_location(url):
    """Say yes at the authorize page; return where the browser is sent.

    The redirect is not followed: a web app's callback is not local.
    """
    action, data = consent_form(url)
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _DoNotFollow
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        opener.open(action, data=data, timeout=10)

    with caught.value as error:
        assert error.code == 302
        return error.headers["Location"]


def verifier_on(page):
    match = re.search(r'<span id="verifier">([^<]+)</span>', page)
    assert match is not None, page
    return match.group(1)


def signed_fetch(fake, method, path, **kwargs):
    """A hand-signed request to the stand-in, made with ``ref_sign``."""
    url, headers, body = ref_sign(method, fake.url(path), **kwargs)
    if method == "POST" and body is None:
        body = b""

    return fetch(url, data=body, headers=headers)


# --------------------------------------------------------------------------
# The stand-in proves its own RFC 5849 on the published vectors.
# --------------------------------------------------------------------------


@pytest.mark.parametrize("entry", vectors("request", "HMAC-SHA1"))
def test_stand_in_verifies_published_request(entry):
    scheme, target, headers, body = vector_raw_request(entry)

    read = ref_read_request(entry["method"], target, headers, body, scheme)

    assert read["uri"] == entry["expected_base_string_uri"]
    assert (
        ref_normalize(read["params"])
        == (entry["expected_normalized_parameters"])
    )
    assert read["base_string"] == entry["expected_signature_base_string"]
    assert read["signatures"] == [entry["expected_signature"]]
    assert ref_signature_matches(
        read["signatures"][0],
        read["base_string"],
        entry["consumer_secret"],
        entry["token_secret"],
    )


@pytest.mark.parametrize("entry", vectors("request", "HMAC-SHA1"))
def test_stand_in_refuses_a_tampered_published_request(entry):
    scheme, target, headers, body = vector_raw_request(entry)
    read = ref_read_request(entry["method"], target, headers, body, scheme)

    tampered = ref_base_string(
        entry["method"], read["uri"], read["params"] + [("x", "1")]
    )
    assert not ref_signature_matches(
        read["signatures"][0],
        tampered,
        entry["consumer_secret"],
        entry["token_secret"],
    )
    assert not ref_signature_matches(
        read["signatures"][0],
        read["base_string"],
        (entry["consumer_secret"] or "") + "x",
        entry["token_secret"],
    )


def test_stand_in_rfc_published_signature_is_the_erratum_one():
    entry = vector_named("rfc5849-3.4.1.1-base-string-example")

    base = entry["expected_signature_base_string"]
    secrets_ = entry["consumer_secret"], entry["token_secret"]

    assert ref_hmac_sha1(base, *secrets_) == "r6/TJjbCOr97/+UU0NsvSne7s5g="
    assert ref_hmac_sha1(base, *secrets_) != entry["published_signature"]


@pytest.mark.parametrize("entry", vectors("hmac_sha1_primitive"))
def test_stand_in_hmac_primitive(entry):
    got = ref_hmac_sha1(
        entry["base_string"], entry["consumer_secret"], entry["token_secret"]
    )

    assert got == entry["expected_signature"]


@pytest.mark.parametrize("entry", vectors("percent_encoding"))
def test_stand_in_percent_encoding(entry):
    for raw, encoded in entry["cases"]:
        assert ref_encode(raw) == encoded, raw


@pytest.mark.parametrize("entry", vectors("normalize_parameters"))
def test_stand_in_normalize(entry):
    for form, normalized in entry["cases"]:
        assert ref_normalize(ref_form_decode(form)) == normalized, form


@pytest.mark.parametrize("entry", vectors("base_string"))
def test_stand_in_base_string(entry):
    parts = urllib.parse.urlsplit(entry["url"])
    uri = ref_base_string_uri(parts.scheme, parts.netloc, parts.path)

    got = ref_base_string(
        entry["method"], uri, ref_form_decode(entry["params_form"])
    )

    assert got == entry["expected_signature_base_string"]


# --------------------------------------------------------------------------
# The stand-in behaves as Flickr does.
# --------------------------------------------------------------------------


def test_stand_in_oauth_dance_with_a_hand_signed_client(fake):
    status, _, text = signed_fetch(
        fake,
        "POST",
        "/services/oauth/request_token",
        consumer_key=fake.API_KEY,
        consumer_secret=fake.API_SECRET,
        extra_oauth=[("oauth_callback", "oob")],
    )
    assert status == 200, text
    answer = dict(ref_form_decode(text))
    assert answer["oauth_callback_confirmed"] == "true"

    token = answer["oauth_token"]
    authorize = fake.url(
        f"/services/oauth/authorize?oauth_token={token}&perms=write"
    )
    status, _, page = play_user(authorize)
    assert status == 200
    verifier = verifier_on(page)

    status, _, text = signed_fetch(
        fake,
        "POST",
        "/services/oauth/access_token",
        consumer_key=fake.API_KEY,
        consumer_secret=fake.API_SECRET,
        token=token,
        token_secret=answer["oauth_token_secret"],
        extra_oauth=[("oauth_verifier", verifier)],
    )
    assert status == 200, text
    assert "user_nsid=12345678%40N01" in text.split("&")
    access = dict(ref_form_decode(text))
    assert access["fullname"] == fake.user["fullname"]
    assert fake.access_tokens[access["oauth_token"]]["perms"] == "write"

    status, _, text = signed_fetch(
        fake,
        "POST",
        "/services/rest/",
        consumer_key=fake.API_KEY,
        consumer_secret=fake.API_SECRET,
        token=access["oauth_token"],
        token_secret=access["oauth_token_secret"],
        params=[
            ("method", "flickr.test.login"),
            ("format", "json"),
            ("nojsoncallback", "1"),
        ],
    )
    assert json.loads(text)["user"]["id"] == "12345678@N01"


def test_stand_in_refuses_a_bad_signature_with_its_base_string(fake):
    status, _, text = signed_fetch(
        fake,
        "POST",
        "/services/oauth/request_token",
        consumer_key=fake.API_KEY,
        consumer_secret="not-the-secret",
        extra_oauth=[("oauth_callback", "oob")],
    )

    assert status == 401
    answer = dict(ref_form_decode(text))
    assert answer["oauth_problem"] == "signature_invalid"
    seen = fake.at("/services/oauth/request_token")[-1]
    assert answer["debug_sbs"] == seen["base_string"]
    assert answer["debug_sbs"].startswith(
        "POST&" + ref_encode(fake.url("/services/oauth/request_token")) + "&"
    )


@pytest.mark.parametrize(
    ("offset", "problem"),
    [(20 * 60, "timestamp_refused"), (-20 * 60, "timestamp_refused")],
)
def test_stand_in_refuses_a_skewed_clock(fake, offset, problem):
    fake.clock_offset = offset

    status, _, text = signed_fetch(
        fake,
        "POST",
        "/services/oauth/request_token",
        consumer_key=fake.API_KEY,
        consumer_secret=fake.API_SECRET,
        extra_oauth=[("oauth_callback", "oob")],
    )

    assert status == 401
    assert dict(ref_form_decode(text))["oauth_problem"] == problem


def test_stand_in_date_header_follows_its_own_clock(fake):
    fake.clock_offset = 20 * 60

    request = urllib.request.Request(fake.url("/nowhere"))
    try:
        OPENER.open(request, timeout=5)
    except urllib.error.HTTPError as error:
        with error:
            date = email.utils.parsedate_to_datetime(error.headers["Date"])

    assert abs(date.timestamp() - (time.time() + 20 * 60)) < 5


def test_stand_in_refuses_a_replayed_nonce(fake):
    url, headers, body = ref_sign(
        "POST",
        fake.url("/services/oauth/request_token"),
        fake.API_KEY,
        fake.API_SECRET,
        extra_oauth=[("oauth_callback", "oob")],
    )

    first = fetch(url, data=body or b"", headers=headers)
    second = fetch(url, data=body or b"", headers=headers)

    assert first[0] == 200
    assert second[0] == 401
    assert dict(ref_form_decode(second[2]))["oauth_problem"] == "nonce_used"


def test_stand_in_rest_errors_in_xml_json_and_jsonp(fake):
    token, secret = fake.grant("read")
    common = {
        "consumer_key": fake.API_KEY,
        "consumer_secret": fake.API_SECRET,
        "token": token,
    }

    _, _, xml_text = signed_fetch(
        fake,
        "POST",
        "/services/rest/",
        token_secret="wrong",
        params=[("method", "flickr.test.login")],
        **common,
    )
    _, _, json_text = signed_fetch(
        fake,
        "POST",
        "/services/rest/",
        token_secret=secret,
        params=[
            ("method", "flickr.photos.setMeta"),
            ("format", "json"),
            ("nojsoncallback", "1"),
        ],
        **common,
    )
    _, _, jsonp_text = signed_fetch(
        fake,
        "POST",
        "/services/rest/",
        token_secret=secret,
        params=[("method", "flickr.photos.getInfo"), ("format", "json")],
        **common,
    )

    err = ET.fromstring(xml_text.encode()).find("err")
    assert (err.get("code"), err.get("msg")) == ("96", "Invalid signature")
    assert json.loads(json_text)["code"] == 99
    assert jsonp_text.startswith("jsonFlickrApi({")
    assert json.loads(jsonp_text[len("jsonFlickrApi(") : -1])["code"] == 1


def test_stand_in_plays_scripted_failures(fake):
    fake.script(status=502)

    status, _, page = fetch(fake.url("/services/rest/?method=x"))
    again, _, _ = fetch(fake.url("/services/rest/?method=x"))

    assert status == 502
    assert "Bad Gateway" in page
    assert again == 200


class _Trickle:
    """A stream that hands out a few bytes per read, as a slow socket."""

    def __init__(self, data, seed):
        self.data = data
        self.at = 0
        self.sizes = [1 + (seed * 7 + n * 13) % 9 for n in range(64)]

    def read(self, size):
        step = min(size, self.sizes[self.at % len(self.sizes)])
        chunk = self.data[self.at : self.at + step]
        self.at += len(chunk)
        return chunk


def hand_multipart(boundary, fields, filename, data):
    """A multipart/form-data body built by hand, as RFC 7578 shows."""
    out = b""
    for name, value in fields:
        out += (
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="{name}"\r\n\r\n{value}\r\n'
        ).encode()

    out += (
        f"--{boundary}\r\nContent-Disposition: form-data; "
        f'name="photo"; filename="{filename}"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    return out + data + f"\r\n--{boundary}--\r\n".encode("ascii")


@pytest.mark.parametrize("seed", range(4))
def test_stand_in_reads_multipart_however_the_bytes_arrive(seed):
    boundary = "b0undary"
    data = b"\r\n--b0undar\r\nx--b0undary--" + bytes(range(256)) * 3 + b"\r\n"
    body = hand_multipart(
        boundary,
        [("title", "Zo\u00eb"), ("tags", "a b")],
        "\u00e9t\u00e9.jpg",
        data,
    )

    got = read_multipart(
        f"multipart/form-data; boundary={boundary}",
        _Trickle(body, seed),
        len(body),
        keep=len(data),
    )

    assert got["fields"] == [("title", "Zo\u00eb"), ("tags", "a b")]
    assert got["files"] == {"photo": ("\u00e9t\u00e9.jpg", data)}
    assert got["digests"]["photo"] == (
        len(data),
        hashlib.sha256(data).hexdigest(),
    )
    assert got["closed"] and got["epilogue"] == b"\r\n"
    assert got["read"] == len(body)


def hand_upload(fake, token, secret, fields, data, sign_photo=False):
    """Upload by hand: OAuth fields in the body, signed over the fields
    (and, when asked, wrongly over the photo too)."""
    oauth = [
        ("oauth_consumer_key", fake.API_KEY),
        ("oauth_nonce", secrets.token_hex(16)),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", str(int(time.time()))),
        ("oauth_token", token),
        ("oauth_version", "1.0"),
    ]
    signed = list(fields) + oauth
    if sign_photo:
        signed.append(("photo", data.decode("latin-1")))

    uri = ref_base_string_uri(
        "http", f"127.0.0.1:{fake.port}", "/services/upload/"
    )
    base = ref_base_string("POST", uri, signed)
    oauth.append(
        ("oauth_signature", ref_hmac_sha1(base, fake.API_SECRET, secret))
    )
    body = hand_multipart("xyz", list(fields) + oauth, "a.jpg", data)
    return fetch(
        fake.url("/services/upload/"),
        data=body,
        headers={"Content-Type": "multipart/form-data; boundary=xyz"},
    )


def test_stand_in_upload_signature_leaves_the_photo_out(fake):
    token, secret = fake.grant("write")

    good = hand_upload(fake, token, secret, [("title", "t")], b"jpeg")
    bad = hand_upload(
        fake, token, secret, [("title", "t")], b"jpeg", sign_photo=True
    )

    assert "<photoid>1001</photoid>" in good[2]
    assert 'code="96"' in bad[2]
    assert len(fake.uploads) == 1


# --------------------------------------------------------------------------
# Helpers for the tests of the module.
# --------------------------------------------------------------------------

MODULE_FILE = str(Path(fo.__file__).resolve())

TLS_CLIENT_HELLO = (
    bytes.fromhex("160301002e0100002a0303")
    + bytes(range(32))
    + bytes.fromhex("000002002f0100")
)


def make_flickr(fake, tmp_path=None, **kwargs):
    """A FlickrAPI aimed at the stand-in; tokens under tmp_path or RAM."""
    if tmp_path is None:
        kwargs.setdefault("store_token", False)
    else:
        kwargs.setdefault("token_cache_location", str(tmp_path / "tokens"))

    flickr = fo.FlickrAPI(fake.API_KEY, fake.API_SECRET, **kwargs)
    flickr.set_base_url(fake.base_url)
    return flickr


def granted(fake, perms="write"):
    """A FlickrAccessToken the stand-in knows, as a finished flow leaves."""
    token, secret = fake.grant(perms)
    user = fake.user
    return fo.FlickrAccessToken(
        token,
        secret,
        perms,
        user["fullname"],
        user["username"],
        user["nsid"],
    )


def disk_token(fake, tmp_path, lookup_key=""):
    """What a fresh OAuthTokenCache reads from the test's token file."""
    cache = fo.OAuthTokenCache(
        fake.API_KEY, lookup_key, str(tmp_path / "tokens")
    )
    return cache.token


def poke(port, data):
    """Send raw bytes to 127.0.0.1:port, half-close, return the reply."""
    chunks = []
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        if data:
            sock.sendall(data)

        sock.shutdown(socket.SHUT_WR)
        while True:
            try:
                chunk = sock.recv(4096)
            except (ConnectionResetError, socket.timeout):
                break

            if not chunk:
                break

            chunks.append(chunk)

    return b"".join(chunks)


def send_strays(port):
    """What browsers and the network throw at a local port, and a fake."""
    host = b"Host: 127.0.0.1:%d\r\n" % port
    return [
        poke(port, b"GET /favicon.ico HTTP/1.1\r\n" + host + b"\r\n"),
        poke(
            port, b"GET / HTTP/1.1\r\n" + host + b"Purpose: prefetch\r\n\r\n"
        ),
        poke(port, b"\x00\xff\xfe not http at all \r\n\r\n"),
        poke(port, TLS_CLIENT_HELLO),
        poke(port, b""),
        poke(
            port,
            b"GET /?oauth_token=another-flow&oauth_verifier=stolen "
            b"HTTP/1.1\r\n" + host + b"\r\n",
        ),
    ]


def assert_port_closed(port):
    """Nothing listens on the port any more, and it can be bound again."""
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()

    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
        probe.listen(1)
    finally:
        probe.close()


def callback_port_for(fake, authorize_url):
    query = dict(ref_form_decode(urllib.parse.urlsplit(authorize_url).query))
    callback = fake.request_tokens[query["oauth_token"]]["callback"]
    return urllib.parse.urlsplit(callback).port


class BrowserUser:
    """Stands in for ``webbrowser``: the person says yes at Flickr.

    ``before(url)`` runs first (stray requests, say); ``act=False`` is a
    person who walked away. Errors are kept for the test to show.
    """

    def __init__(self, before=None, act=True):
        self.before = before
        self.act = act
        self.opened = []
        self.pages = []
        self.errors = []

    def open(self, url, new=0, autoraise=True):
        self.opened.append(url)
        if not self.act:
            return True

        try:
            if self.before is not None:
                self.before(url)

            self.pages.append(play_user(url))
        except Exception:
            self.errors.append(traceback.format_exc())
            raise

        return True


def use_browser(monkeypatch, user):
    for name in ("open", "open_new", "open_new_tab"):
        monkeypatch.setattr(webbrowser, name, user.open)


class TerminalUser:
    """Stands in for standing input: reads the URL the program showed,
    visits it, and types the code Flickr shows."""

    def __init__(self, capsys):
        self.capsys = capsys
        self.shown = ""
        self.typed = []

    def readline(self, *args):
        captured = self.capsys.readouterr()
        self.shown += captured.out + captured.err
        match = re.search(
            r"http://127\.0\.0\.1:\d+/services/oauth/authorize\?\S+",
            self.shown,
        )
        if match is None:
            return ""

        _, _, page = play_user(match.group(0))
        self.typed.append(verifier_on(page))
        return self.typed[-1] + "\n"


def client_request_timeout(elapsed, limit):
    assert elapsed < limit, f"took {elapsed:.1f} s, the timeout was ignored"


# --------------------------------------------------------------------------
# RFC 5849 in the module: every published vector is a case of its own.
# --------------------------------------------------------------------------


def signed_pairs(entry):
    """Body and oauth_* pairs: what signature_base_string takes."""
    pairs = list(map(tuple, entry["body_params_signed"]))
    return pairs + list(map(tuple, entry["oauth_params"]))


@pytest.mark.parametrize("entry", vectors("request"))
def test_vector_base_string_uri(entry):
    assert (
        fo.base_string_uri(entry["url"]) == entry["expected_base_string_uri"]
    )


@pytest.mark.parametrize("entry", vectors("request"))
def test_vector_normalized_parameters(entry):
    pairs = list(map(tuple, entry["query_params"])) + signed_pairs(entry)

    got = fo.normalized_parameters(pairs)

    assert got == entry["expected_normalized_parameters"]


@pytest.mark.parametrize("entry", vectors("request"))
def test_vector_signature_base_string(entry):
    got = fo.signature_base_string(
        entry["method"], entry["url"], signed_pairs(entry)
    )

    assert got == entry["expected_signature_base_string"]


@pytest.mark.parametrize("entry", vectors("request"))
def test_vector_signing_key(entry):
    got = fo.signing_key(
        entry["consumer_secret"] or "", entry["token_secret"] or ""
    )

    assert got == entry["expected_signing_key"]


@pytest.mark.parametrize("entry", vectors("request", "HMAC-SHA1"))
def test_vector_hmac_sha1_signature(entry):
    got = fo.hmac_sha1_signature(
        entry["expected_signature_base_string"],
        entry["consumer_secret"] or "",
        entry["token_secret"] or "",
    )

    assert got == entry["expected_signature"]


@pytest.mark.parametrize("entry", vectors("request", "HMAC-SHA256"))
def test_vector_hmac_sha256_signature(entry):
    got = fo.hmac_sha256_signature(
        entry["expected_signature_base_string"],
        entry["consumer_secret"] or "",
        entry["token_secret"] or "",
    )

    assert got == entry["expected_signature"]


@pytest.mark.parametrize("entry", vectors("request", "PLAINTEXT"))
def test_vector_plaintext_signature(entry):
    got = fo.plaintext_signature(
        entry["consumer_secret"] or "", entry["token_secret"] or ""
    )

    assert got == entry["expected_signature"]


def client_vectors():
    """HMAC-SHA1 https vectors whose oauth_* set is what a client sends:
    consumer key, nonce, method, timestamp, version 1.0, maybe a token,
    callback or verifier."""
    usual = {
        "oauth_consumer_key",
        "oauth_nonce",
        "oauth_signature_method",
        "oauth_timestamp",
        "oauth_version",
        "oauth_token",
        "oauth_callback",
        "oauth_verifier",
    }
    picked = []
    for param in vectors("request", "HMAC-SHA1"):
        entry = param.values[0]
        if entry is None:
            return [param]

        oauth = dict(map(tuple, entry["oauth_params"]))
        if (
            entry["url"].startswith("https://")
            and set(oauth) <= usual
            and oauth.get("oauth_version") == "1.0"
            and oauth["oauth_timestamp"].isdigit()
        ):
            picked.append(param)

    return picked


@pytest.mark.parametrize("entry", client_vectors())
def test_vector_through_oauth1client_sign(entry):
    oauth = dict(map(tuple, entry["oauth_params"]))
    extra = [
        (n, oauth[n])
        for n in ("oauth_callback", "oauth_verifier")
        if n in oauth
    ]
    client = fo.OAuth1Client(
        oauth["oauth_consumer_key"],
        entry["consumer_secret"],
        oauth.get("oauth_token"),
        entry["token_secret"] or "",
        nonce_factory=lambda: oauth["oauth_nonce"],
        clock=lambda: int(oauth["oauth_timestamp"]) + 0.75,
    )

    signed = client.sign(
        entry["method"],
        entry["url"],
        list(map(tuple, entry["body_params_signed"])) or None,
        oauth_extra=extra or None,
    )

    header = dict(ref_parse_authorization(signed.headers["Authorization"]))
    assert header["oauth_signature"] == entry["expected_signature"]
    assert header["oauth_nonce"] == oauth["oauth_nonce"]
    assert header["oauth_timestamp"] == oauth["oauth_timestamp"]
    if entry.get("body") is not None:
        assert signed.body == entry["body"].encode("ascii")


@pytest.mark.parametrize("entry", vectors("hmac_sha1_primitive"))
def test_vector_hmac_primitive(entry):
    got = fo.hmac_sha1_signature(
        entry["base_string"], entry["consumer_secret"], entry["token_secret"]
    )

    assert got == entry["expected_signature"]


@pytest.mark.parametrize("entry", vectors("percent_encoding"))
def test_vector_percent_encoding(entry):
    for raw, encoded in entry["cases"]:
        assert fo.percent_encode(raw) == encoded, raw
        assert fo.percent_encode(raw.encode("utf-8")) == encoded, raw


@pytest.mark.parametrize("entry", vectors("normalize_parameters"))
def test_vector_normalize_table(entry):
    for form, normalized in entry["cases"]:
        assert fo.normalized_parameters(ref_form_decode(form)) == normalized


@pytest.mark.parametrize("entry", vectors("base_string"))
def test_vector_concatenate(entry):
    got = fo.signature_base_string(
        entry["method"], entry["url"], ref_form_decode(entry["params_form"])
    )

    assert got == entry["expected_signature_base_string"]
    assert got != entry["published_base_string"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://EXAMPLE.COM:80/r%20v/X?id=123", "http://example.com/r%20v/X"),
        ("https://www.example.net:8080/?q=1", "https://www.example.net:8080/"),
        ("https://Example.COM:443", "https://example.com/"),
        ("http://example.com:443/a#frag", "http://example.com:443/a"),
        (
            "http://127.0.0.1:8080/services/rest/",
            "http://127.0.0.1:8080/services/rest/",
        ),
    ],
    ids=[
        "rfc5849-3.4.1.2-first",
        "rfc5849-3.4.1.2-second",
        "default-https-port-empty-path",
        "https-port-kept-on-http",
        "loopback-stand-in",
    ],
)
def test_base_string_uri_rules(url, expected):
    assert fo.base_string_uri(url) == expected


def test_normalized_parameters_keeps_duplicates_sorted_by_value():
    pairs = [("a", "z"), ("a", "b"), ("a", "b"), ("A", "c")]

    assert fo.normalized_parameters(pairs) == "A=c&a=b&a=b&a=z"
    assert (
        fo.normalized_parameters(dict([("b", "2"), ("a", "1")])) == "a=1&b=2"
    )


def test_signature_base_string_query_plus_is_a_space():
    base = fo.signature_base_string(
        "get", "https://example.com/p?q=a+b&r=%2B", [("s", "c d")]
    )

    assert base == (
        "GET&https%3A%2F%2Fexample.com%2Fp&q%3Da%2520b%26r%3D%252B%26s%3Dc%2520d"
    )


def test_authorization_header_encodes_values_and_puts_realm_first():
    value = fo.authorization_header(
        [("oauth_consumer_key", "k y"), ("oauth_signature", "a+b/c=")],
        realm="Photos",
    )

    assert value.startswith('OAuth realm="Photos", ')
    assert 'oauth_signature="a%2Bb%2Fc%3D"' in value
    assert ref_parse_authorization(value) == [
        ("realm", "Photos"),
        ("oauth_consumer_key", "k y"),
        ("oauth_signature", "a+b/c="),
    ]


# --------------------------------------------------------------------------
# The client: nonce, timestamp, where the parameters go, transport rules.
# --------------------------------------------------------------------------


def test_nonce_has_128_bits_and_never_repeats():
    nonces = [fo.generate_nonce() for _ in range(500)]

    assert len(set(nonces)) == len(nonces)
    alphabet = set("".join(nonces))
    if alphabet <= set("0123456789abcdef"):
        bits_per_char = 4
    else:
        bits_per_char = math.log2(len(UNRESERVED))

    assert min(len(n) for n in nonces) * bits_per_char >= 128
    assert all(ref_encode(n) == n for n in nonces), "nonce needs encoding"


def test_timestamp_is_whole_seconds_now():
    stamp = fo.generate_timestamp()

    assert stamp.isdigit()
    assert abs(int(stamp) - time.time()) < 5


def test_nonce_and_clock_are_injectable():
    client = fo.OAuth1Client(
        "key",
        "secret",
        nonce_factory=lambda: "pinned-nonce",
        clock=lambda: 1300000000.99,
    )

    signed = client.sign("GET", "https://api.example.com/services/rest/")

    header = dict(ref_parse_authorization(signed.headers["Authorization"]))
    assert header["oauth_nonce"] == "pinned-nonce"
    assert header["oauth_timestamp"] == "1300000000"


@pytest.mark.parametrize("signature_type", ["header", "query", "body"])
def test_each_signature_type_verifies_at_the_stand_in(fake, signature_type):
    client = fo.OAuth1Client(
        fake.API_KEY, fake.API_SECRET, signature_type=signature_type
    )

    response = client.request(
        "POST",
        fake.url("/services/rest/"),
        [
            ("method", "flickr.test.echo"),
            ("format", "json"),
            ("nojsoncallback", "1"),
            ("greeting", "h\u00e9llo w+rld"),
        ],
    )

    assert response.status == 200
    data = json.loads(response.body)
    assert data["stat"] == "ok", data
    assert data["greeting"]["_content"] == "h\u00e9llo w+rld"
    seen = fake.calls("flickr.test.echo")[-1]
    where = {
        "header": seen["header"],
        "query": seen["query"],
        "body": seen["body"],
    }
    carrying = [
        k
        for k, v in where.items()
        if any(n == "oauth_signature" for n, _ in v)
    ]
    assert carrying == [signature_type]


def test_flickr_calls_sign_in_the_authorization_header(fake):
    flickr = make_flickr(fake, token=granted(fake))

    flickr.test.login()

    seen = fake.calls("flickr.test.login")[-1]
    assert seen["headers"]["authorization"].startswith("OAuth ")
    assert [n for n, _ in seen["header"]].count("oauth_signature") == 1
    assert not any(
        n.startswith("oauth_") for n, _ in seen["query"] + seen["body"]
    )
    assert seen["method"] == "POST"


def test_every_request_has_a_fresh_nonce_and_integer_timestamp(fake):
    flickr = make_flickr(fake, token=granted(fake))

    for number in range(10):
        flickr.test.echo(n=str(number))

    seen = fake.calls("flickr.test.echo")
    nonces = [r["nonce"] for r in seen]
    assert len(set(nonces)) == 10
    for record in seen:
        stamp = record["oauth"]["oauth_timestamp"]
        assert stamp.isdigit()
        assert abs(int(stamp) - record["time"]) < 5


def test_user_agent_names_flickroauth_and_its_version(fake):
    flickr = make_flickr(fake)

    flickr.test.echo()

    agent = fake.calls()[-1]["headers"]["user-agent"]
    assert "flickroauth" in agent
    assert fo.__version__ in agent


@pytest.mark.parametrize(
    "url",
    [
        "http://flickr.example.invalid/services/rest/",
        "http://api.flickr.com.example.invalid:80/services/rest/",
        "ftp://flickr.example.invalid/",
    ],
)
def test_plain_http_refused_unless_loopback(loopback_only, url):
    client = fo.OAuth1Client("key", "secret")

    with pytest.raises((ValueError, fo.FlickrError)):
        client.request("GET", url)

    with pytest.raises((ValueError, fo.FlickrError)):
        fo.Transport().request("GET", url)

    assert loopback_only == [], "it tried to connect before refusing"


def test_plain_http_to_localhost_is_allowed(fake):
    flickr = make_flickr(fake)
    flickr.set_base_url(f"http://localhost:{fake.port}")

    rsp = flickr.test.echo(format="parsed-json", word="hi")

    assert rsp["word"]["_content"] == "hi"
    assert fake.calls()[-1]["headers"]["host"] == f"localhost:{fake.port}"


def test_base_url_to_a_remote_http_host_is_refused(loopback_only):
    flickr = fo.FlickrAPI("key", "secret", store_token=False)

    with pytest.raises((ValueError, fo.FlickrError)):
        flickr.set_base_url("http://flickr.example.invalid")

    assert loopback_only == []


def test_default_endpoints_are_flickrs_https_urls():
    assert fo.FlickrAPI.REQUEST_TOKEN_URL == (
        "https://www.flickr.com/services/oauth/request_token"
    )
    assert fo.FlickrAPI.AUTHORIZE_URL == (
        "https://www.flickr.com/services/oauth/authorize"
    )
    assert fo.FlickrAPI.ACCESS_TOKEN_URL == (
        "https://www.flickr.com/services/oauth/access_token"
    )
    assert fo.FlickrAPI.REST_URL == "https://api.flickr.com/services/rest/"
    assert fo.FlickrAPI.UPLOAD_URL == "https://up.flickr.com/services/upload/"
    assert (
        fo.FlickrAPI.REPLACE_URL == "https://up.flickr.com/services/replace/"
    )


def test_set_base_url_points_all_six_endpoints(fake):
    flickr = make_flickr(fake)

    assert flickr.REST_URL == fake.url("/services/rest/")
    assert flickr.UPLOAD_URL == fake.url("/services/upload/")
    assert flickr.REPLACE_URL == fake.url("/services/replace/")
    assert flickr.REQUEST_TOKEN_URL == fake.url(
        "/services/oauth/request_token"
    )
    assert flickr.AUTHORIZE_URL == fake.url("/services/oauth/authorize")
    assert flickr.ACCESS_TOKEN_URL == fake.url("/services/oauth/access_token")
    assert fo.FlickrAPI.REST_URL.startswith("https://api.flickr.com/")


def test_endpoints_overridable_on_a_subclass(fake):
    class Local(fo.FlickrAPI):
        REST_URL = fake.url("/services/rest/")

    flickr = Local(fake.API_KEY, fake.API_SECRET, store_token=False)

    assert (
        flickr.test.echo(format="parsed-json", a="1")["a"]["_content"] == "1"
    )


def test_constructor_timeout_bounds_a_call(fake):
    flickr = make_flickr(fake, timeout=0.5)
    fake.script(status=200, delay=5)

    started = time.monotonic()
    with pytest.raises(fo.RequestTimeout) as caught:
        flickr.test.echo()

    client_request_timeout(time.monotonic() - started, 3)
    assert isinstance(caught.value, fo.TransportError)
    assert isinstance(caught.value, fo.FlickrError)


def test_per_call_timeout_bounds_a_call(fake):
    flickr = make_flickr(fake)
    fake.script(status=200, delay=5)

    started = time.monotonic()
    with pytest.raises(fo.RequestTimeout):
        flickr.test.echo(timeout=0.5)

    client_request_timeout(time.monotonic() - started, 3)


def test_oauth1client_timeouts(fake):
    fake.script(status=200, delay=5, times=2)
    url = fake.url("/services/rest/")

    started = time.monotonic()
    with pytest.raises(fo.RequestTimeout):
        fo.OAuth1Client(fake.API_KEY, fake.API_SECRET, timeout=0.5).request(
            "POST", url, [("method", "flickr.test.echo")]
        )

    with pytest.raises(fo.RequestTimeout):
        fo.OAuth1Client(fake.API_KEY, fake.API_SECRET).request(
            "POST", url, [("method", "flickr.test.echo")], timeout=0.5
        )

    client_request_timeout(time.monotonic() - started, 5)


def test_connection_refused_is_a_transport_error(fake):
    flickr = make_flickr(fake)
    fake.stop()

    with pytest.raises(fo.TransportError) as caught:
        flickr.test.echo()

    assert not isinstance(caught.value, fo.RequestTimeout)
    assert caught.value.url.startswith(fake.url("/services/rest/"))


# --------------------------------------------------------------------------
# The OAuth endpoints, and how their refusals reach the caller.
# --------------------------------------------------------------------------


def test_request_token_passes_oob_and_urls_through(fake):
    flickr = make_flickr(fake)

    flickr.get_request_token(oauth_callback="oob")
    flickr.get_request_token(oauth_callback="https://app.example/back?x=1")

    assert fake.callbacks == ["oob", "https://app.example/back?x=1"]


def test_auth_url_names_token_and_perms(fake):
    flickr = make_flickr(fake)
    flickr.get_request_token(oauth_callback="oob")

    url = flickr.auth_url(perms="delete")

    parts = urllib.parse.urlsplit(url)
    query = dict(ref_form_decode(parts.query))
    assert url.startswith(fake.url("/services/oauth/authorize?"))
    assert query["perms"] == "delete"
    assert query["oauth_token"] in fake.request_tokens


@pytest.mark.parametrize("perms", ["admin", "READ", "", "read,write"])
def test_auth_url_refuses_unknown_perms(fake, perms):
    flickr = make_flickr(fake)
    flickr.get_request_token(oauth_callback="oob")

    with pytest.raises(ValueError):
        flickr.auth_url(perms=perms)


def test_wrong_secret_gives_signature_invalid_with_debug_sbs(fake):
    flickr = fo.FlickrAPI(fake.API_KEY, "not-the-secret", store_token=False)
    flickr.set_base_url(fake.base_url)

    with pytest.raises(fo.OAuthError) as caught:
        flickr.get_request_token(oauth_callback="oob")

    error = caught.value
    seen = fake.at("/services/oauth/request_token")[-1]
    assert error.status == 401
    assert error.oauth_problem == "signature_invalid"
    assert error.debug_sbs == seen["base_string"]
    assert error.base_string == seen["base_string"]
    assert error.mismatch_at is None
    assert error.endpoint == fake.url("/services/oauth/request_token")
    assert "not-the-secret" not in str(error)
    assert isinstance(error, fo.FlickrError)


def test_base_string_mismatch_is_located(fake):
    fake.pretend_host = "www.flickr.com"
    flickr = make_flickr(fake)

    with pytest.raises(fo.OAuthError) as caught:
        flickr.get_request_token(oauth_callback="oob")

    error = caught.value
    prefix = os.path.commonprefix([error.base_string, error.debug_sbs])
    assert error.oauth_problem == "signature_invalid"
    assert "127.0.0.1" in error.base_string
    assert "www.flickr.com" in error.debug_sbs
    assert error.mismatch_at == len(prefix)


def test_unknown_consumer_key(fake):
    flickr = fo.FlickrAPI("some-other-key", fake.API_SECRET, store_token=False)
    flickr.set_base_url(fake.base_url)

    with pytest.raises(fo.OAuthError) as caught:
        flickr.get_request_token(oauth_callback="oob")

    assert caught.value.oauth_problem == "consumer_key_unknown"


def test_reused_nonce_is_refused(fake):
    client = fo.OAuth1Client(
        fake.API_KEY, fake.API_SECRET, nonce_factory=lambda: "same-nonce"
    )
    url = fake.url("/services/oauth/request_token")
    client.fetch_request_token(url, callback="oob")

    with pytest.raises(fo.OAuthError) as caught:
        client.fetch_request_token(url, callback="oob")

    assert caught.value.oauth_problem == "nonce_used"


def test_unknown_request_token_is_rejected_and_verifier_hidden(fake):
    flickr = make_flickr(fake)
    flickr.get_request_token(oauth_callback="oob")
    fake.request_tokens.clear()

    with pytest.raises(fo.OAuthError) as caught:
        flickr.get_access_token("871-349-562")

    assert caught.value.oauth_problem == "token_rejected"
    assert "871-349-562" not in str(caught.value)


def test_wrong_verifier_is_refused_and_not_echoed(fake):
    flickr = make_flickr(fake)
    flickr.get_request_token(oauth_callback="oob")
    play_user(flickr.auth_url("read"))

    with pytest.raises(fo.OAuthError) as caught:
        flickr.get_access_token("999-888-777")

    error = caught.value
    assert error.oauth_problem == "verifier_invalid"
    for text in (str(error), error.debug_sbs or "", error.base_string or ""):
        assert "999-888-777" not in text
    assert flickr.token_cache.token is None


@pytest.mark.parametrize("skew", [20 * 60, -20 * 60], ids=["ahead", "behind"])
def test_skewed_server_clock_is_followed(fake, skew):
    fake.clock_offset = skew
    flickr = make_flickr(fake)

    flickr.get_request_token(oauth_callback="oob")

    problems = [
        r.get("problem") for r in fake.at("/services/oauth/request_token")
    ]
    assert problems == ["timestamp_refused", None]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("oauth_token=t&oauth_token_secret=s", 200),
        ("oauth_callback_confirmed=true&oauth_token=t", 200),
        ("oauth_callback_confirmed=true&oauth_token_secret=s", 200),
        ("", 200),
        ("<html><body>Sign in to Yahoo</body></html>", 200),
        (b"oauth_token=\xff\xfe&oauth_token_secret=s", 200),
        (
            "oauth_callback_confirmed=true&oauth_token=t&oauth_token=u"
            "&oauth_token_secret=s",
            200,
        ),
    ],
    ids=[
        "callback-not-confirmed",
        "no-secret",
        "no-token",
        "empty-body",
        "html-page",
        "not-utf8",
        "token-twice",
    ],
)
def test_malformed_request_token_reply_is_a_response_error(fake, body, status):
    fake.script(
        path="/services/oauth/request_token",
        status=status,
        body=body,
        content_type="text/plain",
    )
    flickr = make_flickr(fake)

    with pytest.raises(fo.ResponseError) as caught:
        flickr.get_request_token(oauth_callback="oob")

    assert caught.value.status == status
    assert isinstance(caught.value, fo.FlickrError)


def test_request_token_endpoint_5xx_is_a_flickr_error_with_status(fake):
    fake.script(path="/services/oauth/request_token", status=502)
    flickr = make_flickr(fake)

    with pytest.raises(fo.FlickrError) as caught:
        flickr.get_request_token(oauth_callback="oob")

    assert caught.value.status == 502


def test_access_token_reply_without_user_nsid_stores_nothing(fake, tmp_path):
    flickr = make_flickr(fake, tmp_path)
    flickr.get_request_token(oauth_callback="oob")
    _, _, page = play_user(flickr.auth_url("read"))
    fake.script(
        path="/services/oauth/access_token",
        status=200,
        body="oauth_token=t&oauth_token_secret=s&username=u",
        content_type="text/plain",
    )

    with pytest.raises(fo.ResponseError):
        flickr.get_access_token(verifier_on(page))

    assert flickr.token_cache.token is None
    assert disk_token(fake, tmp_path) is None


# --------------------------------------------------------------------------
# The local callback server.
# --------------------------------------------------------------------------


def test_callback_server_survives_strays_then_takes_its_callback(
    caplog, capsys
):
    caplog.set_level(logging.DEBUG)

    with fo.CallbackServer() as server:
        port = server.port
        assert server.url == f"http://127.0.0.1:{port}/"
        server.expect("the-right-token")
        idle = socket.create_connection(("127.0.0.1", port), timeout=5)
        try:
            strays = send_strays(port)
            status, _, page = fetch(
                server.url + "?oauth_token=the-right-token"
                "&oauth_verifier=5d1b96a26b494074"
            )
            verifier = server.wait(timeout=10)
        finally:
            idle.close()

    assert verifier == "5d1b96a26b494074"
    assert status == 200
    assert "close" in page.lower()
    assert not strays[-1].startswith(b"HTTP/1.0 200"), "took another flow"
    assert_port_closed(port)
    captured = capsys.readouterr()
    for text in (caplog.text, captured.err, captured.out):
        assert "5d1b96a26b494074" not in text
        assert "stolen" not in text


def test_callback_server_refusal_becomes_authorization_denied():
    with fo.CallbackServer() as server:
        server.expect("tok")
        status, _, page = fetch(
            server.url + "?oauth_token=tok&oauth_problem=user_refused"
        )

        with pytest.raises(fo.AuthorizationDenied) as caught:
            server.wait(timeout=5)

    assert status == 200
    assert "close" in page.lower()
    assert isinstance(caught.value, fo.FlickrError)
    assert_port_closed(server.port)


def test_callback_without_verifier_is_a_denial():
    with fo.CallbackServer() as server:
        server.expect("tok")
        fetch(server.url + "?oauth_token=tok")

        with pytest.raises(fo.AuthorizationDenied):
            server.wait(timeout=5)


def test_callback_wait_times_out():
    with fo.CallbackServer() as server:
        server.expect("tok")
        started = time.monotonic()

        with pytest.raises(fo.CallbackTimeout) as caught:
            server.wait(timeout=0.3)

    assert time.monotonic() - started < 3
    assert caught.value.timeout == pytest.approx(0.3)
    assert "timed out" in str(caught.value)
    assert isinstance(caught.value, fo.FlickrError)
    assert_port_closed(server.port)


def test_callback_server_close_releases_the_port():
    server = fo.CallbackServer()
    port = server.port

    server.close()
    server.close()

    assert_port_closed(port)


# --------------------------------------------------------------------------
# The whole flows: browser with the local callback, and out of band.
# --------------------------------------------------------------------------


def test_browser_flow_end_to_end(fake, tmp_path, monkeypatch, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    user = BrowserUser(
        before=lambda url: send_strays(callback_port_for(fake, url))
    )
    use_browser(monkeypatch, user)
    flickr = make_flickr(fake, tmp_path)

    flickr.authenticate_via_browser(perms="write", timeout=20)

    assert user.errors == []
    assert len(user.opened) == 1
    opened = urllib.parse.urlsplit(user.opened[0])
    assert user.opened[0].startswith(fake.url("/services/oauth/authorize?"))
    assert dict(ref_form_decode(opened.query))["perms"] == "write"
    status, final_url, page = user.pages[0]
    assert status == 200
    assert "close" in page.lower()

    callback = urllib.parse.urlsplit(fake.callbacks[-1])
    assert callback.hostname == "127.0.0.1"
    assert_port_closed(callback.port)

    token = flickr.token_cache.token
    assert token.token in fake.access_tokens
    assert fake.access_tokens[token.token]["perms"] == "write"
    assert token.access_level == "write"
    assert token.user_nsid == "12345678@N01"
    assert token.username == fake.user["username"]
    assert token.fullname == fake.user["fullname"]
    assert disk_token(fake, tmp_path) == token

    again = make_flickr(fake, tmp_path)
    assert again.token_valid("write") is True
    login = again.test.login(format="parsed-json")
    assert login["user"]["id"] == "12345678@N01"


def test_browser_flow_logs_no_secret(
    fake, tmp_path, monkeypatch, caplog, capsys
):
    caplog.set_level(logging.DEBUG)
    use_browser(monkeypatch, BrowserUser())
    flickr = make_flickr(fake, tmp_path)

    flickr.authenticate_via_browser(perms="read", timeout=20)
    flickr.test.login()

    exchange = fake.at("/services/oauth/access_token")[-1]
    verifier = exchange["oauth"]["oauth_verifier"]
    token = flickr.token_cache.token
    captured = capsys.readouterr()
    assert caplog.text, "expected DEBUG logging from flickroauth"
    for text in (caplog.text, captured.err, captured.out):
        assert fake.API_SECRET not in text
        assert token.token_secret not in text
        assert verifier not in text, "the verifier shows in the log"


def test_browser_flow_skipped_when_token_already_valid(
    fake, tmp_path, monkeypatch
):
    user = BrowserUser()
    use_browser(monkeypatch, user)
    flickr = make_flickr(fake, tmp_path)
    flickr.token_cache.token = granted(fake, "delete")

    flickr.authenticate_via_browser(perms="write", timeout=20)

    assert user.opened == []
    assert fake.at("/services/oauth/request_token") == []


def test_browser_flow_denied(fake, tmp_path, monkeypatch):
    fake.deny = True
    use_browser(monkeypatch, BrowserUser())
    flickr = make_flickr(fake, tmp_path)

    with pytest.raises(fo.AuthorizationDenied):
        flickr.authenticate_via_browser(perms="read", timeout=20)

    assert flickr.token_cache.token is None
    assert fake.at("/services/oauth/access_token") == []
    assert_port_closed(urllib.parse.urlsplit(fake.callbacks[-1]).port)


def test_browser_flow_times_out_when_nobody_comes_back(
    fake, tmp_path, monkeypatch
):
    user = BrowserUser(act=False)
    use_browser(monkeypatch, user)
    flickr = make_flickr(fake, tmp_path)
    started = time.monotonic()

    with pytest.raises(fo.CallbackTimeout):
        flickr.authenticate_via_browser(perms="read", timeout=0.5)

    assert time.monotonic() - started < 5
    assert len(user.opened) == 1
    assert_port_closed(urllib.parse.urlsplit(fake.callbacks[-1]).port)


def test_console_flow_reads_the_verifier_from_stdin(
    fake, tmp_path, monkeypatch, capsys
):
    def no_server(*args, **kwargs):
        raise AssertionError("the out-of-band flow started a local server")

    monkeypatch.setattr(fo, "CallbackServer", no_server)
    terminal = TerminalUser(capsys)
    monkeypatch.setattr(sys, "stdin", terminal)
    flickr = make_flickr(fake, tmp_path)

    flickr.authenticate_console(perms="delete")

    assert fake.callbacks == ["oob"]
    assert len(terminal.typed) == 1
    token = flickr.token_cache.token
    assert token.access_level == "delete"
    assert fake.access_tokens[token.token]["perms"] == "delete"
    assert disk_token(fake, tmp_path) == token


def test_console_flow_with_no_code_typed(fake, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "stdin", _EmptyInput())
    flickr = make_flickr(fake, tmp_path)

    with pytest.raises(fo.FlickrError):
        flickr.authenticate_console(perms="read")

    assert flickr.token_cache.token is None


class _EmptyInput:
    def readline(self, *args):
        return ""


# --------------------------------------------------------------------------
# Tokens and their caches.
# --------------------------------------------------------------------------

FLICKRAPI_SCHEMA = (
    "CREATE TABLE oauth_cache_db_version (version int not null)",
    "CREATE TABLE oauth_tokens ("
    " api_key varchar(64) not null,"
    " lookup_key varchar(64) not null default '',"
    " oauth_token varchar(64) not null,"
    " oauth_token_secret varchar(64) not null,"
    " access_level varchar(6) not null,"
    " fullname varchar(255) not null,"
    " username varchar(255) not null,"
    " user_nsid varchar(64) not null,"
    " PRIMARY KEY(api_key, lookup_key))",
)


def write_flickrapi_file(directory, rows):
    """A token file as flickrapi 2.x leaves it, built by raw SQL."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    filename = directory / "oauth-tokens.sqlite"
    conn = sqlite3.connect(str(filename))
    try:
        with conn:
            for statement in FLICKRAPI_SCHEMA:
                conn.execute(statement)

            conn.execute(
                "INSERT INTO oauth_cache_db_version (version) VALUES (?)",
                ("1",),
            )
            conn.executemany(
                "INSERT INTO oauth_tokens VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
    finally:
        conn.close()

    return filename


def read_like_flickrapi(filename, api_key, lookup_key):
    conn = sqlite3.connect(str(filename))
    try:
        version = conn.execute(
            "SELECT version FROM oauth_cache_db_version"
        ).fetchall()
        row = conn.execute(
            "SELECT oauth_token, oauth_token_secret, access_level, "
            "fullname, username, user_nsid FROM oauth_tokens "
            "WHERE api_key=? and lookup_key=?",
            (api_key, lookup_key),
        ).fetchone()
        columns = conn.execute("PRAGMA table_info(oauth_tokens)").fetchall()
    finally:
        conn.close()

    return version, row, columns


def test_access_token_repr_hides_the_secret():
    token = fo.FlickrAccessToken(
        "72157-abc", "s3cr3t-value", "write", "Zo\u00eb", "zoe", "1@N01"
    )

    assert "s3cr3t-value" not in repr(token)
    assert "s3cr3t-value" not in str(token)
    assert "72157-abc" in repr(token)


def test_access_token_dict_round_trip():
    token = fo.FlickrAccessToken(
        "72157-abc", "s3cr3t", "delete", "Zo\u00eb", "zoe", "1@N01"
    )

    data = token.to_dict()

    assert data["token_secret"] == "s3cr3t"
    assert fo.FlickrAccessToken.from_dict(data) == token
    assert json.loads(json.dumps(data)) == data


def test_simple_token_cache():
    cache = fo.SimpleTokenCache()
    token = fo.FlickrAccessToken("t", "s", "read")

    assert cache.token is None
    cache.token = token
    assert cache.token == token
    del cache.token
    assert cache.token is None
    cache.token = token
    cache.forget()
    assert cache.token is None


def test_oauth_token_cache_round_trip_and_modes(tmp_path):
    where = tmp_path / "fresh" / "flickr"
    cache = fo.OAuthTokenCache("key-1", "", str(where))
    token = fo.FlickrAccessToken(
        "72157-abc", "s3cr3t", "write", "Zo\u00eb", "zoe", "1@N01"
    )

    assert cache.token is None
    cache.token = token

    assert Path(cache.filename) == where / "oauth-tokens.sqlite"
    assert stat.S_IMODE(os.stat(cache.filename).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(where).st_mode) == 0o700
    assert fo.OAuthTokenCache("key-1", "", str(where)).token == token
    assert fo.OAuthTokenCache("key-2", "", str(where)).token is None
    assert fo.OAuthTokenCache("key-1", "alice", str(where)).token is None

    cache.forget()
    assert cache.token is None
    assert fo.OAuthTokenCache("key-1", "", str(where)).token is None


def test_oauth_token_cache_default_location_is_home_dot_flickr(tmp_path):
    cache = fo.OAuthTokenCache("key-1")
    cache.token = fo.FlickrAccessToken("t", "s", "read")

    home = Path(os.environ["HOME"])
    assert Path(cache.filename) == home / ".flickr" / "oauth-tokens.sqlite"
    assert Path(cache.filename).exists()


def test_oauth_token_cache_reads_a_file_flickrapi_wrote(tmp_path):
    where = tmp_path / "flickrapi"
    write_flickrapi_file(
        where,
        [
            ("key-1", "", "tok-a", "sec-a", "read", "A", "a", "1@N01"),
            ("key-1", "bob", "tok-b", "sec-b", "delete", "B", "bob", "2@N01"),
            ("key-2", "", "tok-c", "sec-c", "write", "C", "c", "3@N01"),
        ],
    )

    default = fo.OAuthTokenCache("key-1", "", str(where)).token
    bob = fo.OAuthTokenCache("key-1", "bob", str(where)).token
    other = fo.OAuthTokenCache("key-2", "", str(where)).token

    assert default == fo.FlickrAccessToken(
        "tok-a", "sec-a", "read", "A", "a", "1@N01"
    )
    assert (bob.token, bob.token_secret, bob.access_level) == (
        "tok-b",
        "sec-b",
        "delete",
    )
    assert other.user_nsid == "3@N01"


def test_oauth_token_cache_writes_what_flickrapi_reads(tmp_path):
    where = tmp_path / "shared"
    cache = fo.OAuthTokenCache("key-1", "carol", str(where))

    cache.token = fo.FlickrAccessToken(
        "tok", "sec", "write", "Carol C", "carol", "4@N01"
    )

    version, row, columns = read_like_flickrapi(
        where / "oauth-tokens.sqlite", "key-1", "carol"
    )
    assert version == [(1,)]
    assert row == ("tok", "sec", "write", "Carol C", "carol", "4@N01")
    assert [c[1] for c in columns] == [
        "api_key",
        "lookup_key",
        "oauth_token",
        "oauth_token_secret",
        "access_level",
        "fullname",
        "username",
        "user_nsid",
    ]
    assert [c[1] for c in columns if c[5]] == ["api_key", "lookup_key"]


def test_oauth_token_cache_writes_into_a_flickrapi_file(tmp_path):
    where = tmp_path / "flickrapi"
    filename = write_flickrapi_file(
        where, [("key-1", "", "old", "old-s", "read", "", "", "1@N01")]
    )

    fo.OAuthTokenCache("key-1", "", str(where)).token = fo.FlickrAccessToken(
        "new", "new-s", "write", "", "", "1@N01"
    )

    _, row, _ = read_like_flickrapi(filename, "key-1", "")
    assert row[:3] == ("new", "new-s", "write")


def test_store_token_false_and_token_arg_touch_no_disk(fake, tmp_path):
    home = Path(os.environ["HOME"])
    token = granted(fake)

    in_memory = fo.FlickrAPI(fake.API_KEY, fake.API_SECRET, token=token)
    no_store = fo.FlickrAPI(fake.API_KEY, fake.API_SECRET, store_token=False)
    for flickr in (in_memory, no_store):
        flickr.set_base_url(fake.base_url)

    assert in_memory.token_cache.token == token
    assert in_memory.test.login(format="parsed-json")["stat"] == "ok"
    no_store.get_request_token(oauth_callback="oob")
    _, _, page = play_user(no_store.auth_url("read"))
    no_store.get_access_token(verifier_on(page))
    assert no_store.token_cache.token is not None
    assert not (home / ".flickr").exists()
    assert list(home.iterdir()) == []


def test_username_is_the_lookup_key(fake, tmp_path):
    alice = make_flickr(fake, tmp_path, username="alice")
    alice.token_cache.token = granted(fake, "read")

    assert make_flickr(fake, tmp_path).token_cache.token is None
    assert disk_token(fake, tmp_path, "alice") == alice.token_cache.token


# --------------------------------------------------------------------------
# token_valid, on every kind of answer.
# --------------------------------------------------------------------------


@pytest.fixture
def signed_in(fake, tmp_path):
    flickr = make_flickr(fake, tmp_path, timeout=0.5)
    token = granted(fake, "write")
    flickr.token_cache.token = token
    return flickr, token


def test_token_valid_compares_granted_perms(fake, signed_in):
    flickr, token = signed_in

    assert flickr.token_valid("read") is True
    assert flickr.token_valid("write") is True
    assert flickr.token_valid("delete") is False

    checks = fake.calls("flickr.auth.oauth.checkToken")
    assert len(checks) == 3
    assert all(c["params"]["oauth_token"] == token.token for c in checks)


def test_token_valid_without_token_asks_nobody(fake, tmp_path):
    flickr = make_flickr(fake, tmp_path)

    assert flickr.token_valid() is False
    assert fake.requests == []


def test_token_valid_forgets_a_token_flickr_calls_invalid(
    fake, signed_in, tmp_path
):
    flickr, token = signed_in
    fake.revoke(token.token)

    assert flickr.token_valid("read") is False

    assert flickr.token_cache.token is None
    assert disk_token(fake, tmp_path) is None
    assert fake.calls("flickr.auth.oauth.checkToken")[-1]["error_code"] == 98


def break_refused(fake):
    fake.stop()


def break_timeout(fake):
    fake.script(status=200, delay=5)


def break_502(fake):
    fake.script(status=502)


def break_503_json(fake):
    fake.script(
        status=503,
        body='{"stat":"fail","code":105,'
        '"message":"Service currently unavailable"}',
        content_type="application/json",
    )


def break_dropped(fake):
    fake.script(drop=True, times=2)


def break_signature(fake):
    fake.consumers[fake.API_KEY] = "rotated-secret"


@pytest.mark.parametrize(
    "break_it",
    [
        break_refused,
        break_timeout,
        break_502,
        break_503_json,
        break_dropped,
        break_signature,
    ],
    ids=[
        "connection-refused",
        "timeout",
        "http-502-html",
        "http-503",
        "connection-dropped",
        "error-96",
    ],
)
def test_token_valid_keeps_the_token_on_other_failures(
    fake, signed_in, tmp_path, break_it
):
    flickr, token = signed_in
    break_it(fake)

    with pytest.raises(fo.FlickrError):
        flickr.token_valid("read")

    assert flickr.token_cache.token == token
    assert disk_token(fake, tmp_path) == token


# --------------------------------------------------------------------------
# Calling Flickr: formats, errors, parameters, the response cache.
# --------------------------------------------------------------------------


def test_format_etree(fake):
    flickr = make_flickr(fake)

    rsp = flickr.test.echo(format="etree", word="hi")

    assert isinstance(rsp, ET.Element)
    assert rsp.tag == "rsp"
    assert rsp.get("stat") == "ok"
    assert rsp.find("word").text == "hi"
    assert rsp.find("method").text == "flickr.test.echo"


def test_format_parsed_json(fake):
    flickr = make_flickr(fake)

    rsp = flickr.test.echo(format="parsed-json", word="hi")

    assert rsp["stat"] == "ok"
    assert rsp["word"] == {"_content": "hi"}
    sent = fake.calls("flickr.test.echo")[-1]["params"]
    assert (sent["format"], sent["nojsoncallback"]) == ("json", "1")


def test_format_json_is_raw_bytes(fake):
    flickr = make_flickr(fake)

    rsp = flickr.test.echo(format="json", word="hi")

    assert isinstance(rsp, bytes)
    assert not rsp.startswith(b"jsonFlickrApi(")
    assert json.loads(rsp.decode("utf-8"))["word"]["_content"] == "hi"


def test_format_rest_is_raw_xml_bytes(fake):
    flickr = make_flickr(fake)

    rsp = flickr.test.echo(format="rest", word="hi")

    assert isinstance(rsp, bytes)
    assert ET.fromstring(rsp).find("word").text == "hi"
    assert fake.calls("flickr.test.echo")[-1]["params"].get(
        "format", "rest"
    ) == ("rest")


def test_default_format_comes_from_the_constructor(fake):
    flickr = make_flickr(fake, format="parsed-json")

    assert flickr.test.echo(word="hi")["word"]["_content"] == "hi"
    assert isinstance(flickr.test.echo(word="hi", format="rest"), bytes)


def test_unknown_format_is_refused(fake):
    with pytest.raises(ValueError):
        make_flickr(fake, format="yaml")

    with pytest.raises(ValueError):
        make_flickr(fake).test.echo(format="yaml")

    assert fake.requests == []


@pytest.mark.parametrize("fmt", ["etree", "parsed-json", "json", "rest"])
def test_stat_fail_raises_flickr_error_in_every_format(fake, fmt):
    flickr = make_flickr(fake)

    with pytest.raises(fo.FlickrError) as caught:
        flickr.photos.getInfo(photo_id="404", format=fmt)

    error = caught.value
    assert error.code == 1
    assert "Photo not found" in str(error)
    assert isinstance(error, fo.FlickrAPIError)
    assert error.method == "flickr.photos.getInfo"


@pytest.mark.parametrize("fmt", ["etree", "parsed-json", "json", "rest"])
def test_insufficient_perms_is_error_99(fake, fmt):
    flickr = make_flickr(fake, token=granted(fake, "read"))

    with pytest.raises(fo.FlickrAPIError) as caught:
        flickr.photos.setMeta(photo_id="1", title="x", format=fmt)

    assert caught.value.code == 99


def test_revoked_token_is_error_98_on_a_call(fake):
    token = granted(fake, "read")
    flickr = make_flickr(fake, token=token)
    fake.revoke(token.token)

    with pytest.raises(fo.FlickrAPIError) as caught:
        flickr.test.login()

    assert caught.value.code == 98


def test_unicode_and_typed_parameters_survive_signing(fake):
    flickr = make_flickr(fake, token=granted(fake))
    title = "Zo\u00eb's \u5566 photo & co = 1+2 \U0001f600 ~%"

    rsp = flickr.test.echo(
        format="parsed-json", title=title, per_page=5, flag=True
    )

    assert rsp["stat"] == "ok"
    assert rsp["title"]["_content"] == title
    assert rsp["per_page"]["_content"] == "5"
    assert rsp["flag"]["_content"] == "1"


def test_private_photo_needs_the_token(fake):
    flickr = make_flickr(fake, token=granted(fake, "read"))
    anonymous = make_flickr(fake)

    info = flickr.photos.getInfo(photo_id="2", format="parsed-json")

    assert info["photo"]["title"]["_content"] == "Private notes"
    with pytest.raises(fo.FlickrAPIError):
        anonymous.photos.getInfo(photo_id="2")


def test_underscore_names_are_not_forwarded(fake):
    flickr = make_flickr(fake)

    with pytest.raises(AttributeError):
        getattr(flickr, "_private_thing")  # noqa: B009
    with pytest.raises(AttributeError):
        getattr(flickr.photos, "_hidden")  # noqa: B009
    assert getattr(flickr, "__wrapped__", None) is None
    assert not hasattr(flickr.photos, "__call_me__")

    assert fake.requests == []


def test_dotted_names_become_the_flickr_method(fake):
    flickr = make_flickr(fake)

    flickr.photos.getInfo(photo_id="1")

    assert fake.calls()[-1]["flickr_method"] == "flickr.photos.getInfo"
    assert fake.calls()[-1]["params"]["photo_id"] == "1"


def test_response_cache_keys_on_the_whole_request(fake):
    first_token = granted(fake, "read")
    flickr = make_flickr(
        fake, token=first_token, cache=True, format="parsed-json"
    )

    one = flickr.test.echo(word="a")
    two = flickr.test.echo(word="a")
    flickr.test.echo(word="b")
    flickr.token_cache.token = granted(fake, "read")
    flickr.test.echo(word="a")

    assert one == two
    assert [r["params"]["word"] for r in fake.calls("flickr.test.echo")] == [
        "a",
        "b",
        "a",
    ]


def test_without_cache_every_call_goes_out(fake):
    flickr = make_flickr(fake)

    flickr.test.echo(word="a")
    flickr.test.echo(word="a")

    assert len(fake.calls("flickr.test.echo")) == 2


@pytest.mark.parametrize(
    ("fmt", "status", "body", "content_type"),
    [
        ("etree", 200, HTML_502, "text/html"),
        ("parsed-json", 200, HTML_502, "text/html"),
        ("etree", 200, b"", "text/xml"),
        ("parsed-json", 200, b"", "application/json"),
        ("etree", 200, b"<html/>", "text/xml"),
        ("parsed-json", 200, b'{"photo": {}}', "application/json"),
        ("etree", 200, b"<rsp stat='ok'><unclosed></rsp>", "text/xml"),
        ("etree", 200, b"\xff\xfe<rsp/>", "text/xml"),
        ("etree", 502, HTML_502, "text/html"),
        ("json", 500, b'{"stat":"ok"}', "application/json"),
        ("etree", 200, b'<photo id="1"/>', "text/xml"),
        ("parsed-json", 200, b"Service unavailable", "text/plain"),
    ],
    ids=[
        "html-as-xml",
        "html-as-json",
        "empty-xml",
        "empty-json",
        "xml-not-rsp",
        "json-without-stat",
        "broken-xml",
        "not-utf8",
        "http-502",
        "http-500-json",
        "xml-other-root",
        "plain-text",
    ],
)
def test_unreadable_rest_replies_are_response_errors(
    fake, fmt, status, body, content_type
):
    flickr = make_flickr(fake)
    fake.script(status=status, body=body, content_type=content_type)

    with pytest.raises(fo.ResponseError) as caught:
        flickr.photos.getInfo(photo_id="1", format=fmt)

    assert caught.value.status == status


# --------------------------------------------------------------------------
# Uploads and paged lists.
# --------------------------------------------------------------------------

PHOTO_BYTES = bytes(range(256)) * 300 + b"\r\n--not-a-boundary--\r\n"


@pytest.fixture
def photo_file(tmp_path):
    path = tmp_path / "sunset \u00e9t\u00e9.jpg"
    path.write_bytes(PHOTO_BYTES)
    return path


def test_upload_sends_the_file_and_signed_fields(fake, photo_file):
    flickr = make_flickr(fake, token=granted(fake, "write"))
    progress = []

    rsp = flickr.upload(
        str(photo_file),
        title="Zo\u00eb's sunset",
        is_public=0,
        progress=lambda sent, total: progress.append((sent, total)),
    )

    assert rsp.find("photoid").text == "1001"
    seen = fake.uploads[-1]
    fields = dict(seen["fields"])
    assert fields["title"] == "Zo\u00eb's sunset"
    assert fields["is_public"] == "0"
    assert seen["files"]["photo"] == (photo_file.name, PHOTO_BYTES)
    assert progress[-1][0] == progress[-1][1]


def test_upload_title_defaults_to_the_file_name(fake, photo_file):
    flickr = make_flickr(fake, token=granted(fake, "write"))

    rsp = flickr.upload(str(photo_file), format="parsed-json")

    assert rsp["photoid"]["_content"] == "1001"
    assert dict(fake.uploads[-1]["fields"])["title"] == photo_file.name


def test_upload_from_an_open_file(fake, photo_file):
    flickr = make_flickr(fake, token=granted(fake, "write"))

    with open(photo_file, "rb") as fileobj:
        rsp = flickr.upload("holiday.jpg", fileobj=fileobj, format="rest")

    assert b"<photoid>1001</photoid>" in rsp
    assert fake.uploads[-1]["files"]["photo"] == ("holiday.jpg", PHOTO_BYTES)


def test_replace_names_the_photo(fake, photo_file):
    flickr = make_flickr(fake, token=granted(fake, "write"))

    rsp = flickr.replace(str(photo_file), photo_id="42", format="parsed-json")

    assert rsp["photoid"]["_content"] == "42"
    seen = fake.uploads[-1]
    assert seen["path"] == "/services/replace/"
    assert dict(seen["fields"])["photo_id"] == "42"


def test_upload_with_read_permission_is_error_99(fake, photo_file):
    flickr = make_flickr(fake, token=granted(fake, "read"))

    with pytest.raises(fo.FlickrAPIError) as caught:
        flickr.upload(str(photo_file))

    assert caught.value.code == 99
    assert fake.uploads == []


def test_upload_of_a_missing_file(fake, tmp_path):
    flickr = make_flickr(fake, token=granted(fake, "write"))

    with pytest.raises((ValueError, fo.FlickrError)):
        flickr.upload(str(tmp_path / "no-such.jpg"))

    assert fake.requests == []


@pytest.mark.parametrize("fmt", ["etree", "parsed-json"])
def test_walk_fetches_every_page(fake, fmt):
    flickr = make_flickr(fake, format=fmt)

    photos = list(flickr.walk(per_page=3, tags="sunset"))

    ids = [p.get("id") for p in photos]
    assert ids == [str(n) for n in range(1, 8)]
    calls = fake.calls("flickr.photos.search")
    assert [c["params"]["page"] for c in calls] == ["1", "2", "3"]
    assert all(c["params"]["tags"] == "sunset" for c in calls)


def test_walk_set_and_walk_user(fake):
    flickr = make_flickr(fake, token=granted(fake, "read"))

    in_set = list(flickr.walk_set("72157", per_page=4))
    mine = list(flickr.walk_user(per_page=7))

    assert len(in_set) == 7
    assert len(mine) == 7
    assert fake.calls("flickr.photosets.getPhotos")[0]["params"][
        "photoset_id"
    ] == ("72157")
    assert fake.calls("flickr.people.getPhotos")[0]["params"]["user_id"] == (
        "me"
    )


# --------------------------------------------------------------------------
# The command line, run as a user runs it.
# --------------------------------------------------------------------------


def cli_env(fake, **extra):
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
    env.update(
        FLICKR_API_KEY=fake.API_KEY,
        FLICKR_API_SECRET=fake.API_SECRET,
        PYTHONIOENCODING="utf-8",
    )
    env.update(extra)
    return env


def run_cli(fake, *args, env=None, stdin="", base_url=None, timeout=60):
    command = [sys.executable, MODULE_FILE]
    command += ["--base-url", base_url or fake.base_url, *args]
    return subprocess.run(
        command,
        input=stdin,
        capture_output=True,
        text=True,
        env=env or cli_env(fake),
        cwd=os.environ["HOME"],
        timeout=timeout,
    )


def home_cache_token(fake):
    home = Path(os.environ["HOME"])
    return fo.OAuthTokenCache(fake.API_KEY, "", str(home / ".flickr")).token


def assert_one_line_error(result):
    assert result.returncode != 0
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_cli_call_prints_only_json(fake):
    token = granted(fake, "read")
    write_flickrapi_file(
        Path(os.environ["HOME"]) / ".flickr",
        [
            (
                fake.API_KEY,
                "",
                token.token,
                token.token_secret,
                "read",
                token.fullname,
                token.username,
                token.user_nsid,
            )
        ],
    )

    login = run_cli(fake, "call", "flickr.test.login")
    echo = run_cli(fake, "call", "flickr.test.echo", "title=Zo\u00eb & co=1")

    assert login.returncode == 0, login.stderr
    assert json.loads(login.stdout)["user"]["id"] == "12345678@N01"
    assert echo.returncode == 0, echo.stderr
    assert json.loads(echo.stdout)["title"]["_content"] == "Zo\u00eb & co=1"


def test_cli_login_out_of_band_reads_the_code_from_stdin(fake):
    command = [
        sys.executable,
        MODULE_FILE,
        "--base-url",
        fake.base_url,
        "login",
        "--perms",
        "write",
        "--no-browser",
    ]
    proc = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(fake),
        cwd=os.environ["HOME"],
    )
    shown = []
    reader = threading.Thread(
        target=lambda: shown.extend(iter(proc.stderr.readline, "")),
        daemon=True,
    )
    reader.start()
    try:
        deadline = time.monotonic() + 30
        url = None
        while url is None and time.monotonic() < deadline:
            match = re.search(
                r"http://127\.0\.0\.1:\d+/services/oauth/authorize\?\S+",
                "".join(shown),
            )
            url = match and match.group(0)
            time.sleep(0.05)

        assert url, "no authorize URL shown: " + "".join(shown)
        _, _, page = play_user(url)
        proc.stdin.write(verifier_on(page) + "\n")
        proc.stdin.close()
        returncode = proc.wait(timeout=30)
        reader.join(5)
        out = proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

        proc.stdout.close()
        proc.stderr.close()

    assert returncode == 0, "".join(shown)
    assert "Traceback" not in "".join(shown)
    assert out == ""
    token = home_cache_token(fake)
    assert token.access_level == "write"
    assert fake.access_tokens[token.token]["perms"] == "write"


@pytest.mark.parametrize(
    "args",
    [["--help"], ["login", "--help"], ["call", "--help"]],
    ids=["main", "login", "call"],
)
def test_cli_help(fake, args):
    result = run_cli(fake, *args)

    assert result.returncode == 0
    assert "usage:" in result.stdout.lower()
    assert fake.requests == []


def test_cli_error_without_api_key(fake):
    env = cli_env(fake)
    del env["FLICKR_API_KEY"]

    result = run_cli(fake, "call", "flickr.test.echo", env=env)

    assert_one_line_error(result)
    assert "FLICKR_API_KEY" in result.stderr or "api-key" in result.stderr


def test_cli_error_from_flickr(fake):
    result = run_cli(fake, "call", "flickr.no.such.method")

    assert_one_line_error(result)
    assert "112" in result.stderr


def test_cli_error_on_a_bad_parameter(fake):
    result = run_cli(fake, "call", "flickr.test.echo", "no-equals-sign")

    assert_one_line_error(result)


def test_cli_error_when_nothing_listens(fake):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()

    result = run_cli(
        fake, "call", "flickr.test.echo", base_url=f"http://127.0.0.1:{port}"
    )

    assert_one_line_error(result)


def test_cli_refuses_a_remote_plain_http_base_url(fake):
    result = run_cli(
        fake,
        "call",
        "flickr.test.echo",
        base_url="http://flickr.example.invalid",
    )

    assert_one_line_error(result)


def test_cli_login_with_no_code_typed(fake):
    result = run_cli(fake, "login", "--no-browser", stdin="")

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert home_cache_token(fake) is None


# --------------------------------------------------------------------------
# Under python -O, and in a real browser.
# --------------------------------------------------------------------------

UNDER_O = """
import sys
import flickroauth as fo

key, secret, base = sys.argv[1:4]
flickr = fo.FlickrAPI(key, secret, store_token=False, base_url=base)
results = [str(__debug__)]
for bad in (
    lambda: flickr.auth_url("admin"),
    lambda: fo.FlickrAccessToken("", "secret"),
    lambda: fo.OAuth1Client("k", "s", signature_method="RSA-SHA1"),
    lambda: flickr.call("flickr.test.echo", format="yaml"),
):
    try:
        bad()
        results.append("accepted")
    except ValueError:
        results.append("ValueError")

flickr.get_request_token("oob")
try:
    flickr.get_access_token("000-000-000")
except fo.OAuthError as error:
    results.append(error.oauth_problem)

print(" ".join(results))
"""


def test_checks_hold_under_python_dash_O(fake):
    env = cli_env(fake, PYTHONPATH=str(Path(MODULE_FILE).parent))

    result = subprocess.run(
        [
            sys.executable,
            "-O",
            "-c",
            textwrap.dedent(UNDER_O),
            fake.API_KEY,
            fake.API_SECRET,
            fake.base_url,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=os.environ["HOME"],
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "ValueError",
        "ValueError",
        "ValueError",
        "ValueError",
        "verifier_invalid",
    ]


CHROMIUM = shutil.which("chromium")


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium is not installed (Debian package chromium; "
    ".ci/run installs it): the real-browser flow cannot run here",
)
def test_real_browser_login_through_headless_chromium(fake, tmp_path):
    profile = tmp_path / "chromium-profile"
    dom = tmp_path / "last-page.html"
    log = tmp_path / "chromium.log"
    wrapper = tmp_path / "headless-browser"
    done = tmp_path / "browser-exited"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'timeout 60 "{CHROMIUM}" --headless --no-sandbox --disable-gpu'
        " --disable-quic --no-first-run --disable-background-networking"
        " --disable-component-update --disable-sync"
        f' --user-data-dir="{profile}" --dump-dom "$1"'
        f' >"{dom}" 2>"{log}"\n'
        "status=$?\n"
        f'echo "$status" >"{done}"\n'
        'exit "$status"\n'
    )
    wrapper.chmod(0o755)
    started = time.monotonic()

    result = run_cli(
        fake,
        "login",
        "--perms",
        "write",
        "--wait",
        "60",
        env=cli_env(fake, BROWSER=str(wrapper)),
        timeout=120,
    )

    deadline = time.monotonic() + 60
    while not done.exists() and time.monotonic() < deadline:
        time.sleep(0.05)

    browser_log = log.read_text(errors="replace") if log.exists() else ""
    assert result.returncode == 0, result.stderr + browser_log[-2000:]
    assert done.exists(), "chromium did not exit"
    assert time.monotonic() - started < 110
    visits = fake.at("/services/oauth/authorize")
    assert [v["method"] for v in visits] == ["GET", "POST"]
    assert "Chrome" in visits[0]["headers"]["user-agent"]
    assert "close this tab" in dom.read_text().lower()
    token = home_cache_token(fake)
    assert token.access_level == "write"
    assert fake.access_tokens[token.token]["perms"] == "write"

    call = run_cli(fake, "call", "flickr.test.login")
    assert json.loads(call.stdout)["user"]["id"] == "12345678@N01"


# --------------------------------------------------------------------------
# Connections, clocks, TLS.
# --------------------------------------------------------------------------


def test_calls_reuse_one_kept_alive_connection(fake):
    flickr = make_flickr(fake)

    for number in range(3):
        flickr.test.echo(n=str(number))

    assert len({r["peer"] for r in fake.calls()}) == 1


def test_a_kept_connection_the_server_dropped_is_reopened(fake):
    flickr = make_flickr(fake)
    flickr.test.echo(n="1")
    fake.hang_up_after_reply = True
    flickr.test.echo(n="2")

    rsp = flickr.test.echo(n="3", format="parsed-json")

    assert rsp["n"]["_content"] == "3"
    peers = [r["peer"] for r in fake.calls()]
    assert peers[0] == peers[1] != peers[2]


@pytest.mark.parametrize("skew", [20 * 60, -20 * 60], ids=["ahead", "behind"])
def test_rest_calls_follow_a_skewed_server_clock(fake, skew):
    fake.clock_offset = skew
    flickr = make_flickr(fake, token=granted(fake, "read"))

    login = flickr.test.login(format="parsed-json")
    flickr.test.echo()

    assert login["user"]["id"] == "12345678@N01"
    problems = [r.get("problem") for r in fake.calls()]
    assert problems == ["timestamp_refused", None, None]


def test_upload_follows_a_skewed_server_clock(fake, photo_file):
    fake.clock_offset = 20 * 60
    flickr = make_flickr(fake, token=granted(fake, "write"))

    rsp = flickr.upload(str(photo_file), format="json")

    assert json.loads(rsp)["photoid"]["_content"] == "1001"
    assert len(fake.at("/services/upload/")) == 2
    assert fake.uploads[-1]["files"]["photo"][1] == PHOTO_BYTES


def test_jsonp_wrapped_reply_is_understood(fake):
    fake.script(
        status=200,
        body='jsonFlickrApi({"stat":"ok","word":{"_content":"hi"}})',
        content_type="text/javascript",
    )

    rsp = make_flickr(fake).test.echo(format="parsed-json")

    assert rsp["word"]["_content"] == "hi"


@pytest.fixture
def tls_fake(tmp_path):
    """The stand-in over HTTPS, with a certificate made for the test."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a test certificate")

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes"]
        + ["-keyout", str(key), "-out", str(cert), "-days", "2"]
        + ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    server = FakeFlickr(tls=context)
    try:
        yield server, cert
    finally:
        server.stop()


def test_https_certificate_is_verified(tls_fake):
    fake, _ = tls_fake
    flickr = make_flickr(fake)

    with pytest.raises(fo.TransportError) as caught:
        flickr.test.echo()

    assert "certificate" in str(caught.value).lower()
    assert fake.calls() == []


def test_https_with_a_trusted_private_ca(tls_fake):
    fake, cert = tls_fake
    context = ssl.create_default_context(cafile=str(cert))
    flickr = fo.FlickrAPI(
        fake.API_KEY,
        fake.API_SECRET,
        token=granted(fake, "read"),
        transport=fo.Transport(ssl_context=context),
    )
    flickr.set_base_url(fake.base_url)

    rsp = flickr.test.login(format="parsed-json")

    assert rsp["user"]["id"] == "12345678@N01"
    assert fake.calls()[-1]["uri"].startswith("https://127.0.0.1:")


# --------------------------------------------------------------------------
# Input checks: wrong arguments fail early and clearly.
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timeout", "error"),
    [
        (0, ValueError),
        (-1, ValueError),
        (float("nan"), ValueError),
        ("5", TypeError),
        (True, TypeError),
    ],
)
def test_bad_timeouts_are_refused(fake, timeout, error):
    with pytest.raises(error):
        fo.FlickrAPI("key", "secret", store_token=False, timeout=timeout)

    with pytest.raises(error):
        make_flickr(fake).test.echo(timeout=timeout)

    assert fake.requests == []


def test_bad_client_arguments_are_refused():
    with pytest.raises(ValueError):
        fo.OAuth1Client("k", "s", signature_method="RSA-SHA1")
    with pytest.raises(ValueError):
        fo.OAuth1Client("k", "s", signature_type="cookie")
    with pytest.raises(ValueError):
        fo.OAuth1Client("k", "s", realm='say "hi"')
    with pytest.raises((TypeError, ValueError)):
        fo.FlickrAPI("", "secret", store_token=False)
    with pytest.raises(TypeError):
        fo.FlickrAPI("k", "s", token=("token", "secret"))
    with pytest.raises(ValueError):
        fo.OAuth1Client("k", "s", signature_type="body").sign(
            "GET", "https://api.example.com/"
        )


@pytest.mark.parametrize(
    "url", ["ftp://example.com/", "http://example.com:99999/", "/relative"]
)
def test_base_string_uri_refuses_what_is_not_an_http_url(url):
    with pytest.raises(ValueError):
        fo.base_string_uri(url)


def test_base_string_uri_of_ipv6_literals():
    assert fo.base_string_uri("http://[::1]:8080/x?y") == "http://[::1]:8080/x"
    assert fo.base_string_uri("https://[2001:DB8::1]:443") == (
        "https://[2001:db8::1]/"
    )


def ref_check_signed(signed, consumer_secret, token_secret, digest):
    """Recompute a SignedRequest's signature from its raw parts."""
    parts = urllib.parse.urlsplit(signed.url)
    headers = {k.lower(): v for k, v in signed.headers.items()}
    headers["host"] = parts.netloc
    target = parts.path + ("?" + parts.query if parts.query else "")
    read = ref_read_request(
        signed.method, target, headers, signed.body, parts.scheme
    )
    key = ref_encode(consumer_secret) + "&" + ref_encode(token_secret)
    mac = hmac.new(key.encode(), read["base_string"].encode(), digest)
    return read["signatures"] == [base64.b64encode(mac.digest()).decode()]


def test_hmac_sha256_and_plaintext_clients():
    sha256 = fo.OAuth1Client(
        "k", "c s", "t", "t&s", signature_method="HMAC-SHA256"
    ).sign("POST", "https://api.example.com/x?a=1", [("b", "2 3")])
    plain = fo.OAuth1Client(
        "k", "c s", "t", "t&s", signature_method="PLAINTEXT"
    ).sign("GET", "https://api.example.com/x")

    assert ref_check_signed(sha256, "c s", "t&s", hashlib.sha256)
    header = dict(ref_parse_authorization(plain.headers["Authorization"]))
    assert header["oauth_signature"] == "c%20s&t%26s"
    assert header["oauth_signature_method"] == "PLAINTEXT"


def test_parameter_values_are_sent_as_flickr_text(fake):
    flickr = make_flickr(fake, format="parsed-json")

    rsp = flickr.test.echo(
        raw=b"caf\xc3\xa9", tags=["a b", "c"], skip=None, ratio=2.5
    )

    assert rsp["raw"]["_content"] == "caf\u00e9"
    assert rsp["tags"]["_content"] == "a b,c"
    assert rsp["ratio"]["_content"] == "2.5"
    assert "skip" not in rsp


def test_parameter_values_that_cannot_be_sent(fake):
    flickr = make_flickr(fake)

    with pytest.raises(ValueError):
        flickr.test.echo(raw=b"\xff\xfe")
    with pytest.raises(TypeError):
        flickr.test.echo(options={"a": 1})

    assert fake.requests == []


# --------------------------------------------------------------------------
# More of the flows: web apps, no browser, the callback server's edges.
# --------------------------------------------------------------------------


def test_web_app_flow_across_two_instances(fake):
    first = make_flickr(fake)
    first.get_request_token(oauth_callback="https://app.example/cb?s=1")
    url = first.auth_url("write")
    state = first.export_request_token()

    location = consent_location(url)
    answer = dict(ref_form_decode(urllib.parse.urlsplit(location).query))
    second = make_flickr(fake)
    second.import_request_token(json.loads(json.dumps(state)))
    second.get_access_token(answer["oauth_verifier"])

    assert location.startswith("https://app.example/cb?s=1&")
    token = second.token_cache.token
    assert token.access_level == "write"
    web = make_flickr(
        fake, token=fo.FlickrAccessToken.from_dict(token.to_dict())
    )
    assert web.test.login(format="parsed-json")["user"]["id"] == (
        "12345678@N01"
    )


def test_import_request_token_refuses_a_broken_state(fake):
    flickr = make_flickr(fake)

    with pytest.raises(ValueError):
        flickr.export_request_token()
    with pytest.raises(ValueError):
        flickr.import_request_token({"oauth_token": "t"})


@pytest.mark.parametrize("how", ["returns-false", "raises"])
def test_url_is_shown_when_no_browser_opens(
    fake, tmp_path, monkeypatch, capsys, how
):
    shown = []

    def person_reading_the_terminal():
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            shown.append(capsys.readouterr().err)
            match = re.search(
                r"http://127\.0\.0\.1:\d+/services/oauth/authorize\?\S+",
                "".join(shown),
            )
            if match:
                play_user(match.group(0))
                return

            time.sleep(0.05)

    def no_browser(url, *args, **kwargs):
        threading.Thread(target=person_reading_the_terminal).start()
        if how == "raises":
            raise webbrowser.Error("could not locate runnable browser")

        return False

    for name in ("open", "open_new", "open_new_tab"):
        monkeypatch.setattr(webbrowser, name, no_browser)
    flickr = make_flickr(fake, tmp_path)

    flickr.authenticate_via_browser(perms="read", timeout=20)

    assert flickr.token_cache.token.access_level == "read"


def test_callback_server_on_another_path():
    with pytest.raises(ValueError):
        fo.CallbackServer(path="callback")

    with fo.CallbackServer(path="/flickr/callback") as server:
        server.expect("tok")
        assert server.url.endswith("/flickr/callback")
        assert "open" in repr(server)
        stray, _, _ = fetch(
            server.url.replace("/flickr/callback", "/")
            + "?oauth_token=tok&oauth_verifier=wrong-path"
        )
        head = poke(server.port, b"HEAD /flickr/callback HTTP/1.0\r\n\r\n")
        fetch(server.url + "?oauth_token=tok&oauth_verifier=right-path")
        late, _, _ = fetch(server.url + "?oauth_token=tok&oauth_verifier=late")

        assert server.wait(timeout=5) == "right-path"

    assert stray != 200
    assert head.startswith(b"HTTP/1.0 200")
    assert late != 200
    assert "closed" in repr(server)


# --------------------------------------------------------------------------
# Token files that are not what they should be.
# --------------------------------------------------------------------------


def test_unreadable_token_file_is_a_token_cache_error(tmp_path):
    where = tmp_path / "broken"
    where.mkdir(mode=0o700)
    filename = where / "oauth-tokens.sqlite"
    filename.write_bytes(b"this is not an SQLite database\n" * 200)
    filename.chmod(0o600)
    cache = fo.OAuthTokenCache("key-1", "", str(where))

    with pytest.raises(fo.TokenCacheError) as reading:
        _ = cache.token
    with pytest.raises(fo.TokenCacheError):
        cache.token = fo.FlickrAccessToken("t", "s", "read")

    assert reading.value.path == str(filename)
    assert filename.read_bytes() == b"this is not an SQLite database\n" * 200


def test_newer_token_file_version_is_refused_and_left_alone(tmp_path):
    where = tmp_path / "future"
    filename = write_flickrapi_file(
        where, [("key-1", "", "t", "s", "read", "", "", "1@N01")]
    )
    conn = sqlite3.connect(str(filename))
    with conn:
        conn.execute("UPDATE oauth_cache_db_version SET version = 2")
    conn.close()
    before = filename.read_bytes()
    cache = fo.OAuthTokenCache("key-1", "", str(where))

    with pytest.raises(fo.TokenCacheError):
        _ = cache.token
    with pytest.raises(fo.TokenCacheError):
        cache.token = fo.FlickrAccessToken("t2", "s2", "read")

    assert filename.read_bytes() == before


def test_malformed_token_row_is_a_token_cache_error(tmp_path):
    where = tmp_path / "odd"
    write_flickrapi_file(
        where, [("key-1", "", "t", "s", "superuser", "", "", "1@N01")]
    )

    with pytest.raises(fo.TokenCacheError):
        _ = fo.OAuthTokenCache("key-1", "", str(where)).token


def test_wide_permissions_left_by_another_tool_are_tightened(tmp_path):
    where = tmp_path / "wide"
    filename = write_flickrapi_file(
        where, [("key-1", "", "t", "s", "read", "", "", "1@N01")]
    )
    where.chmod(0o755)
    filename.chmod(0o644)

    assert fo.OAuthTokenCache("key-1", "", str(where)).token.token == "t"

    assert stat.S_IMODE(filename.stat().st_mode) == 0o600
    assert stat.S_IMODE(where.stat().st_mode) == 0o700


def test_token_cache_setter_and_entries(tmp_path):
    where = tmp_path / "tokens"
    cache = fo.OAuthTokenCache("key-1", "", str(where))

    with pytest.raises(TypeError):
        cache.token = ("t", "s")
    cache.token = fo.FlickrAccessToken("t", "s", "read", "", "ann", "1@N01")
    fo.OAuthTokenCache(
        "key-1", "bob", str(where)
    ).token = fo.FlickrAccessToken("u", "s2", "write", "", "bob", "2@N01")
    entries = cache.entries()
    cache.token = None

    assert [e["lookup_key"] for e in entries] == ["", "bob"]
    assert "s2" not in json.dumps(entries)
    assert cache.token is None
    assert fo.OAuthTokenCache("key-1", "bob", str(where)).token.token == "u"


def test_cli_whoami_tokens_and_logout(fake):
    token = granted(fake, "read")
    write_flickrapi_file(
        Path(os.environ["HOME"]) / ".flickr",
        [
            (fake.API_KEY, "", token.token, token.token_secret, "read")
            + ("Ann", "ann", "1@N01"),
            (fake.API_KEY, "bob", "tok-b", "sec-b", "write")
            + ("Bob", "bob", "2@N01"),
        ],
    )

    whoami = run_cli(fake, "whoami")
    tokens = run_cli(fake, "tokens")
    logout = run_cli(fake, "logout")
    after = run_cli(fake, "whoami")

    assert whoami.returncode == 0
    assert json.loads(whoami.stdout)["user_nsid"] == "1@N01"
    assert token.token_secret not in whoami.stdout
    assert [e["lookup_key"] for e in json.loads(tokens.stdout)] == ["", "bob"]
    assert "sec-b" not in tokens.stdout
    assert logout.returncode == 0
    assert after.returncode != 0
    assert home_cache_token(fake) is None


# --------------------------------------------------------------------------
# Odds and ends a user meets.
# --------------------------------------------------------------------------


def test_no_secret_in_any_repr(fake, tmp_path):
    token = granted(fake, "write")
    flickr = make_flickr(fake, token=token)
    client = fo.OAuth1Client(fake.API_KEY, fake.API_SECRET, "t", "tok-secret")
    signed = client.sign("POST", fake.url("/services/rest/"), [("a", "1")])
    response = client.request("POST", fake.url("/services/rest/"))
    cache = fo.OAuthTokenCache(fake.API_KEY, "", str(tmp_path / "t"))
    cache.token = token

    shown = [
        repr(x)
        for x in (
            flickr,
            flickr.photos.getInfo,
            flickr.token_cache,
            client,
            signed,
            response,
            client.transport,
            cache,
            cache.token,
            fo.SimpleTokenCache(token),
        )
    ]

    for text in shown:
        for secret in (fake.API_SECRET, token.token_secret, "tok-secret"):
            assert secret not in text, text


def test_reply_cut_short_is_a_transport_error(fake):
    fake.script(status=200, body=b"<?xml", content_type="text/xml", cut=True)

    with pytest.raises(fo.TransportError) as caught:
        make_flickr(fake).test.echo()

    assert "short" in str(caught.value)


def test_get_request_carries_its_parameters_in_the_signed_query(fake):
    client = fo.OAuth1Client(fake.API_KEY, fake.API_SECRET)

    response = client.request(
        "GET",
        fake.url("/services/rest/?format=json&nojsoncallback=1"),
        [("method", "flickr.test.echo"), ("q", "a b+c")],
    )

    assert json.loads(response.body)["q"]["_content"] == "a b+c"
    seen = fake.calls()[-1]
    assert seen["method"] == "GET"
    assert ("q", "a b+c") in seen["query"]


def test_transport_without_keep_alive_closes_each_connection(fake):
    flickr = fo.FlickrAPI(
        fake.API_KEY,
        fake.API_SECRET,
        store_token=False,
        transport=fo.Transport(keep_alive=False),
    )
    flickr.set_base_url(fake.base_url)

    flickr.test.echo()
    flickr.test.echo()

    seen = fake.calls()
    assert [r["headers"].get("connection") for r in seen] == ["close"] * 2
    assert seen[0]["peer"] != seen[1]["peer"]


def test_client_steps_out_of_order_are_value_errors():
    client = fo.OAuth1Client("key", "secret")

    with pytest.raises(ValueError):
        client.authorization_url("https://www.flickr.com/services/oauth/x")
    with pytest.raises(ValueError):
        client.fetch_access_token("https://www.flickr.com/x", "123")
    with pytest.raises(TypeError):
        fo.FlickrAPI(12345, "secret", store_token=False)


def test_access_token_checks():
    token = fo.FlickrAccessToken("t", "s", "write")

    assert token.has_level("read") and token.has_level("write")
    assert not token.has_level("delete")
    assert token != ("t", "s", "write")
    with pytest.raises(ValueError):
        fo.FlickrAccessToken("t", "s", "admin")
    with pytest.raises(ValueError):
        fo.FlickrAccessToken.from_dict({"token": "t"})
    with pytest.raises(ValueError):
        fo.FlickrAccessToken.from_dict(dict(token.to_dict(), extra="x"))
    with pytest.raises(TypeError):
        fo.FlickrAccessToken.from_dict([("token", "t")])


def test_token_valid_with_a_reply_lacking_perms(fake, signed_in, tmp_path):
    flickr, token = signed_in
    fake.script(
        status=200,
        body='{"stat":"ok","oauth":{"token":{"_content":"x"}}}',
        content_type="application/json",
    )

    with pytest.raises(fo.ResponseError):
        flickr.token_valid("read")

    assert disk_token(fake, tmp_path) == token


def test_console_flow_skipped_when_token_already_valid(
    fake, tmp_path, monkeypatch
):
    monkeypatch.setattr(sys, "stdin", _EmptyInput())
    flickr = make_flickr(fake, tmp_path)
    flickr.token_cache.token = granted(fake, "read")

    flickr.authenticate_console(perms="read")

    assert fake.at("/services/oauth/request_token") == []


def test_waiting_for_the_browser_can_be_cancelled(fake, tmp_path, monkeypatch):
    flickr = make_flickr(fake, tmp_path)
    use_browser(monkeypatch, BrowserUser(act=False))
    timer = threading.Timer(0.3, flickr.cancel_authentication)
    timer.start()
    started = time.monotonic()

    try:
        with pytest.raises(fo.AuthorizationDenied):
            flickr.authenticate_via_browser(perms="read", timeout=20)
    finally:
        timer.cancel()

    assert time.monotonic() - started < 10
    assert_port_closed(urllib.parse.urlsplit(fake.callbacks[-1]).port)


def test_walk_over_an_empty_list(fake):
    fake.gallery = []

    assert list(make_flickr(fake).walk()) == []
    assert len(fake.calls("flickr.photos.search")) == 1


def test_empty_token_file_reads_as_no_token_and_takes_one(tmp_path):
    where = tmp_path / "empty"
    where.mkdir(mode=0o700)
    (where / "oauth-tokens.sqlite").touch(mode=0o600)
    half = tmp_path / "half"
    conn = sqlite3.connect(str(write_flickrapi_file(half, [])))
    with conn:
        conn.execute("DROP TABLE oauth_tokens")
    conn.close()

    for directory in (where, half):
        cache = fo.OAuthTokenCache("key-1", "", str(directory))
        assert cache.token is None
        cache.token = fo.FlickrAccessToken("t", "s", "read")
        assert fo.OAuthTokenCache("key-1", "", str(directory)).token.token == (
            "t"
        )


def test_cli_upload(fake, photo_file):
    token = granted(fake, "write")
    write_flickrapi_file(
        Path(os.environ["HOME"]) / ".flickr",
        [
            (fake.API_KEY, "", token.token, token.token_secret, "write")
            + (token.fullname, token.username, token.user_nsid)
        ],
    )

    result = run_cli(fake, "upload", str(photo_file), "title=From the CLI")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["photoid"]["_content"] == "1001"
    assert dict(fake.uploads[-1]["fields"])["title"] == "From the CLI"
    assert fake.uploads[-1]["files"]["photo"][1] == PHOTO_BYTES


def test_token_location_that_is_a_file(tmp_path):
    where = tmp_path / "not-a-directory"
    where.write_text("x")
    cache = fo.OAuthTokenCache("key-1", "", str(where))

    with pytest.raises(fo.TokenCacheError) as writing:
        cache.token = fo.FlickrAccessToken("t", "s", "read")
    with pytest.raises(fo.TokenCacheError):
        _ = cache.token

    assert str(where) in writing.value.path


@pytest.mark.parametrize(
    "checked", [True, False], ids=["seen-closed", "found-on-write"]
)
def test_upload_is_resent_whole_after_a_dropped_kept_connection(
    fake, photo_file, monkeypatch, checked
):
    # Seen closed before reuse, the connection is simply replaced; found
    # dead while sending, the multipart body starts over on a new one.
    if not checked:
        monkeypatch.setattr(fo, "_readable", lambda sock: False)
    flickr = make_flickr(fake, token=granted(fake, "write"))
    flickr.test.echo()
    fake.hang_up_after_reply = True
    flickr.test.echo()

    rsp = flickr.upload(str(photo_file), format="parsed-json")

    assert rsp["photoid"]["_content"] == "1001"
    assert fake.uploads[-1]["files"]["photo"][1] == PHOTO_BYTES


# -- packaging (issue 3) ------------------------------------------------------


def _can_build():
    try:
        import build  # noqa: F401
        import setuptools  # noqa: F401
        import wheel  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(
    not _can_build(),
    reason="needs the 'build', 'setuptools' and 'wheel' packages, which "
    ".ci/run installs for its coverage run (the tests need only pytest)",
)
def test_wheel_and_sdist_hold_the_module_and_licence(tmp_path):
    import tarfile
    import zipfile

    here = Path(__file__).resolve().parent
    source = tmp_path / "src"
    source.mkdir()
    for name in (
        "flickroauth.py",
        "README.md",
        "LICENSE",
        "setup.cfg",
        "pyproject.toml",
    ):
        shutil.copy(here / name, source / name)
    out = tmp_path / "dist"

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--no-isolation",
            "--outdir",
            str(out),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    version = fo.__version__
    (wheel_path,) = out.glob("*.whl")
    (sdist_path,) = out.glob("*.tar.gz")
    assert wheel_path.name == f"flickroauth-{version}-py3-none-any.whl"
    assert sdist_path.name == f"flickroauth-{version}.tar.gz"

    with zipfile.ZipFile(wheel_path) as wheel_zip:
        names = wheel_zip.namelist()
        info = f"flickroauth-{version}.dist-info/"
        payload = [n for n in names if not n.startswith(info)]
        assert payload == ["flickroauth.py"]
        assert f"{info}licenses/LICENSE" in names or f"{info}LICENSE" in names
        metadata = wheel_zip.read(f"{info}METADATA").decode()
        module = wheel_zip.read("flickroauth.py")
    assert module == (here / "flickroauth.py").read_bytes()
    assert f"\nVersion: {version}\n" in metadata
    assert "Requires-Dist" not in metadata

    with tarfile.open(sdist_path) as sdist:
        members = {
            m.name.split("/", 1)[1]
            for m in sdist.getmembers()
            if "/" in m.name
        }
    assert {
        "flickroauth.py",
        "LICENSE",
        "README.md",
        "setup.cfg",
        "pyproject.toml",
    } <= members


# -- kept connections over TLS, reply sizes (issue 6 fixes) -------------------


@pytest.mark.parametrize(
    "checked", [True, False], ids=["seen-closed", "found-on-write"]
)
def test_https_kept_connection_the_server_closed_is_reopened(
    tls_fake, monkeypatch, checked
):
    # A kept TLS connection the server closed is either seen closed
    # before reuse, or found dead on the first write (an SSL EOF on some
    # Pythons); either way the call goes through on a new connection.
    fake, cert = tls_fake
    if not checked:
        monkeypatch.setattr(fo, "_readable", lambda sock: False)
    context = ssl.create_default_context(cafile=str(cert))
    flickr = make_flickr(fake, transport=fo.Transport(ssl_context=context))
    flickr.test.echo(n="1")
    fake.hang_up_after_reply = True
    flickr.test.echo(n="2")
    time.sleep(0.1)  # let the server's close arrive

    rsp = flickr.test.echo(n="3", format="parsed-json")

    assert rsp["n"]["_content"] == "3"
    peers = [r["peer"] for r in fake.calls()]
    assert peers[0] == peers[1] != peers[2]


def _one_shot_server(payload):
    """A raw server on 127.0.0.1 that sends ``payload`` to one client."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)

    def serve():
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(10)
            conn.recv(65536)
            conn.sendall(payload)
        listener.close()

    threading.Thread(target=serve, daemon=True).start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}/services/rest/"


def test_chunked_and_read_to_close_replies_are_read_whole():
    body = b'<rsp stat="ok"><n>' + b"x" * 200_000 + b"</n></rsp>"
    chunks = b"".join(
        b"%x\r\n%s\r\n" % (len(body[i : i + 7000]), body[i : i + 7000])
        for i in range(0, len(body), 7000)
    )
    chunked = _one_shot_server(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        + chunks
        + b"0\r\n\r\n"
    )
    to_close = _one_shot_server(b"HTTP/1.0 200 OK\r\n\r\n" + body)

    for url in (chunked, to_close):
        resp = fo.Transport(timeout=10).request("GET", url)
        assert resp.status == 200
        assert resp.body == body


def test_a_reply_over_the_size_limit_is_refused(monkeypatch):
    monkeypatch.setattr(fo, "MAX_RESPONSE_BYTES", 1000)
    declared = _one_shot_server(
        b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + b"x" * 5000
    )
    undeclared = _one_shot_server(b"HTTP/1.0 200 OK\r\n\r\n" + b"x" * 5000)

    for url in (declared, undeclared):
        with pytest.raises(fo.ResponseError) as caught:
            fo.Transport(timeout=10).request("GET", url)
        assert "larger than 1000 bytes" in str(caught.value)


def test_benchmark_quick_run_works():
    # Proves the benchmark runs and reports every figure of issue 6; it
    # asserts nothing about speed (the figures go in the README).
    script = Path(__file__).resolve().parent / "benchmarks"
    script = script / "bench_flickroauth.py"

    done = subprocess.run(
        [sys.executable, str(script), "--quick", "--strict"],
        capture_output=True,
        text=True,
        timeout=240,
        stdin=subprocess.DEVNULL,
    )

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for heading in (
        "1. import",
        "2. signing",
        "3. sequential signed REST calls",
        "4. upload of a",
        "5. token cache",
    ):
        assert heading in done.stdout
    assert "FAILED" not in done.stdout


# --------------------------------------------------------------------------
# Issue 5, uploads: multipart, signed without the photo, streamed.
# --------------------------------------------------------------------------


def assert_whole_multipart(seen, data):
    """The stand-in got one complete multipart body, as long as promised,
    whose photo is exactly ``data``."""
    parsed = seen["multipart"]
    assert seen["headers"]["content-type"].startswith(
        "multipart/form-data; boundary="
    )
    assert "transfer-encoding" not in seen["headers"]
    assert seen["headers"]["content-length"] == str(parsed["read"])
    assert parsed["closed"] and parsed["epilogue"] == b"\r\n"
    assert parsed["digests"]["photo"] == (
        len(data),
        hashlib.sha256(data).hexdigest(),
    )


def test_upload_sends_non_ascii_fields_and_the_exact_bytes(fake, tmp_path):
    folder = tmp_path / "\u6771\u4eac"
    folder.mkdir()
    path = folder / "Zo\u00eb's \u00e9t\u00e9 \u6771\u4eac.jpg"
    path.write_bytes(PHOTO_BYTES)
    flickr = make_flickr(fake, token=granted(fake, "write"))

    rsp = flickr.upload(
        str(path),
        title="\u00c9t\u00e9 \u00e0 \u6771\u4eac",
        tags='caf\u00e9 "new york" \u6771\u4eac',
        description="line one\r\nline two & more",
        is_public=1,
    )

    assert rsp.find("photoid").text == "1001"
    seen = fake.uploads[-1]
    assert seen["path"] == "/services/upload/"
    assert_whole_multipart(seen, PHOTO_BYTES)
    assert seen["files"]["photo"] == (path.name, PHOTO_BYTES)
    fields = dict(seen["fields"])
    assert fields["title"] == "\u00c9t\u00e9 \u00e0 \u6771\u4eac"
    assert fields["tags"] == 'caf\u00e9 "new york" \u6771\u4eac'
    assert fields["description"] == "line one\r\nline two & more"
    assert fields["is_public"] == "1"
    assert "photo" not in fields
    assert {"oauth_signature", "oauth_token", "oauth_nonce"} <= set(fields)


@pytest.mark.parametrize("how", ["path", "fileobj"])
def test_upload_title_defaults_to_the_base_name(fake, tmp_path, how):
    path = tmp_path / "caf\u00e9 \u6771\u4eac.jpeg"
    path.write_bytes(PHOTO_BYTES)
    flickr = make_flickr(fake, token=granted(fake, "write"))

    if how == "path":
        flickr.upload(str(path))
        expected = path.name
    else:
        with open(path, "rb") as fileobj:
            flickr.upload("albums/2024/b\u00e9b\u00e9.jpg", fileobj=fileobj)
        expected = "b\u00e9b\u00e9.jpg"

    seen = fake.uploads[-1]
    assert dict(seen["fields"])["title"] == expected
    assert seen["files"]["photo"] == (expected, PHOTO_BYTES)


@pytest.mark.parametrize("fmt", ["etree", "parsed-json", "json", "rest"])
def test_upload_reply_comes_in_the_instance_format(fake, photo_file, fmt):
    flickr = make_flickr(fake, token=granted(fake, "write"), format=fmt)

    rsp = flickr.upload(str(photo_file))

    if fmt == "etree":
        assert rsp.tag == "rsp" and rsp.get("stat") == "ok"
        assert rsp.find("photoid").text == "1001"
    elif fmt == "parsed-json":
        assert rsp["stat"] == "ok"
        assert rsp["photoid"]["_content"] == "1001"
    elif fmt == "json":
        assert isinstance(rsp, bytes)
        assert json.loads(rsp)["photoid"]["_content"] == "1001"
    else:
        assert isinstance(rsp, bytes)
        assert ET.fromstring(rsp).find("photoid").text == "1001"


def _general_failure(fake, flickr, tmp_path):
    fake.upload_broken = True
    return PHOTO_BYTES, "a.jpg"


def _zero_size(fake, flickr, tmp_path):
    return b"", "empty.jpg"


def _unknown_type(fake, flickr, tmp_path):
    return PHOTO_BYTES, "notes.txt"


def _over_the_limit(fake, flickr, tmp_path):
    fake.upload_limit = len(PHOTO_BYTES) - 1
    return PHOTO_BYTES, "big.jpg"


def _revoked(fake, flickr, tmp_path):
    fake.revoke(flickr.token_cache.token.token)
    return PHOTO_BYTES, "a.jpg"


def _read_only(fake, flickr, tmp_path):
    flickr.token_cache.token = granted(fake, "read")
    return PHOTO_BYTES, "a.jpg"


@pytest.mark.parametrize(
    "code, message, scene",
    [
        (3, "General upload failure", _general_failure),
        (4, "Filesize was zero", _zero_size),
        (5, "Filetype was not recognised", _unknown_type),
        (6, "User exceeded upload limit", _over_the_limit),
        (98, "Invalid auth token", _revoked),
        (99, "Insufficient permissions", _read_only),
    ],
)
def test_upload_errors_are_flickr_api_errors(
    fake, tmp_path, code, message, scene
):
    for fmt in ("etree", "parsed-json", "json", "rest"):
        flickr = make_flickr(fake, token=granted(fake, "write"), format=fmt)
        data, name = scene(fake, flickr, tmp_path)
        path = tmp_path / name
        path.write_bytes(data)

        with pytest.raises(fo.FlickrAPIError) as caught:
            flickr.upload(str(path))

        assert isinstance(caught.value, fo.FlickrError)
        assert caught.value.code == code, fmt
        assert message in str(caught.value)

    assert fake.uploads == []


def test_replace_sends_photo_id_to_the_replace_url(fake, tmp_path):
    path = tmp_path / "n\u00e9w.jpg"
    path.write_bytes(PHOTO_BYTES[::-1])
    flickr = make_flickr(
        fake, token=granted(fake, "write"), format="parsed-json"
    )

    rsp = flickr.replace(str(path), photo_id=4242)

    assert rsp["photoid"] == {
        "_content": "4242",
        "secret": "abc123",
        "originalsecret": "def456",
    }
    seen = fake.uploads[-1]
    assert seen["path"] == "/services/replace/"
    assert dict(seen["fields"])["photo_id"] == "4242"
    assert "title" not in dict(seen["fields"])
    assert_whole_multipart(seen, PHOTO_BYTES[::-1])


def write_big_file(path, megabytes):
    """A file of distinct 1 MiB blocks, written a block at a time; its
    SHA-256."""
    digest = hashlib.sha256()
    with open(path, "wb") as file:
        for n in range(megabytes):
            block = hashlib.sha256(b"%d" % n).digest() * (1 << 15)
            digest.update(block)
            file.write(block)

    return digest.hexdigest()


def test_a_64_mb_upload_streams_in_constant_memory(fake, tmp_path):
    import tracemalloc

    size = 64 << 20
    path = tmp_path / "holiday video.mp4"
    digest = write_big_file(path, size >> 20)
    flickr = make_flickr(fake, token=granted(fake, "write"))
    flickr.test.echo()  # connection and lazy imports made before measuring

    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        rsp = flickr.upload(str(path), title="Holiday")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert rsp.find("photoid").text == "1001"
    seen = fake.uploads[-1]
    assert seen["digests"]["photo"] == (size, digest)
    assert seen["files"]["photo"] == ("holiday video.mp4", None)
    assert int(seen["headers"]["content-length"]) == seen["multipart"]["read"]
    assert int(seen["headers"]["content-length"]) > size
    growth = peak - before
    assert growth < 4 << 20, f"memory grew by {growth} bytes"


def test_replies_are_read_up_to_the_limit_and_no_further(fake, monkeypatch):
    monkeypatch.setattr(fo, "MAX_RESPONSE_BYTES", 200_000)
    fits = b'<rsp stat="ok"><x>' + b"a" * 199_970 + b"</x></rsp>"
    fake.script(status=200, body=fits, content_type="text/xml")
    fake.script(status=200, body=fits + b" " * 40, content_type="text/xml")
    flickr = make_flickr(fake, format="rest")

    assert flickr.test.echo() == fits
    with pytest.raises(fo.ResponseError) as caught:
        flickr.test.echo()

    assert "larger than 200000 bytes" in str(caught.value)


# --------------------------------------------------------------------------
# Issue 5, pagination: lazy walkers in every format.
# --------------------------------------------------------------------------

WALKERS = {
    "walk": (
        "flickr.photos.search",
        lambda f, **kw: f.walk(tags="sunset", **kw),
        {"tags": "sunset"},
    ),
    "walk_set": (
        "flickr.photosets.getPhotos",
        lambda f, **kw: f.walk_set("72157", **kw),
        {"photoset_id": "72157"},
    ),
    "walk_user": (
        "flickr.people.getPhotos",
        lambda f, **kw: f.walk_user(**kw),
        {"user_id": "me"},
    ),
    "data_walker": (
        "flickr.groups.pools.getPhotos",
        lambda f, **kw: f.data_walker(
            "flickr.groups.pools.getPhotos", group_id="34427469@N00", **kw
        ),
        {"group_id": "34427469@N00"},
    ),
}

FORMATS = ["etree", "parsed-json", "json", "rest"]


def item_id(item, fmt):
    """A walked photo's id: Elements for XML formats, dicts for JSON."""
    if fmt in ("json", "parsed-json"):
        assert isinstance(item, dict), item
        return item["id"]

    assert ET.iselement(item), item
    return item.get("id")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("walker", sorted(WALKERS))
def test_walkers_page_lazily_in_every_format(fake, walker, fmt):
    method, start, sent = WALKERS[walker]
    flickr = make_flickr(fake, token=granted(fake, "read"), format=fmt)

    photos = start(flickr, per_page=3)
    asked_before = len(fake.calls(method))
    first = next(photos)
    asked_for_first = len(fake.calls(method))
    rest = list(photos)

    assert asked_before == 0
    assert asked_for_first == 1
    ids = [item_id(p, fmt) for p in [first] + rest]
    assert ids == [str(n) for n in range(1, 8)]
    calls = fake.calls(method)
    assert [c["params"]["page"] for c in calls] == ["1", "2", "3"]
    for call in calls:
        assert call["params"]["per_page"] == "3"
        for name, value in sent.items():
            assert call["params"][name] == value


@pytest.mark.parametrize("fmt", FORMATS)
def test_walk_stops_after_the_last_page_flickr_would_repeat(fake, fmt):
    fake.gallery = fake.gallery[:6]
    fake.repeat_last_page = True
    flickr = make_flickr(fake, format=fmt)

    ids = [item_id(p, fmt) for p in flickr.walk(per_page=3)]

    assert ids == ["1", "2", "3", "4", "5", "6"]
    pages = [c["params"]["page"] for c in fake.calls("flickr.photos.search")]
    assert pages == ["1", "2"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_walk_stops_on_an_empty_page(fake, fmt):
    fake.claimed_pages = 9  # a stale count: pages 4 to 9 are empty
    flickr = make_flickr(fake, format=fmt)

    ids = [item_id(p, fmt) for p in flickr.walk(per_page=3)]

    assert ids == [str(n) for n in range(1, 8)]
    pages = [c["params"]["page"] for c in fake.calls("flickr.photos.search")]
    assert pages == ["1", "2", "3", "4"]


def test_walk_yields_the_total_flickr_counts_across_pages(fake):
    fake.gallery = [(str(n), f"Photo {n}") for n in range(1, 251)]
    flickr = make_flickr(fake, format="parsed-json")

    total = int(flickr.photos.search(per_page=1)["photos"]["total"])
    ids = [p["id"] for p in flickr.walk(per_page=100)]

    assert total == 250
    assert len(ids) == total
    assert len(set(ids)) == total
    walked = fake.calls("flickr.photos.search")[1:]
    assert [c["params"]["page"] for c in walked] == ["1", "2", "3"]


@pytest.mark.parametrize("fmt", ["etree", "parsed-json"])
def test_walking_a_method_that_returns_no_list(fake, fmt):
    flickr = make_flickr(fake, token=granted(fake, "write"), format=fmt)

    with pytest.raises(fo.ResponseError) as caught:
        next(flickr.data_walker("flickr.photos.setMeta", photo_id="1"))

    assert "flickr.photos.setMeta" in str(caught.value)
    assert "no list" in str(caught.value)


def test_upload_from_a_stream_that_cannot_seek(fake):
    flickr = make_flickr(fake, token=granted(fake, "write"))
    read_end, write_end = os.pipe()
    os.write(write_end, PHOTO_BYTES[:1000])
    os.close(write_end)

    with open(read_end, "rb") as pipe:
        with pytest.raises(ValueError) as caught:
            flickr.upload("piped.jpg", fileobj=pipe)

    assert "seekable" in str(caught.value)
    assert fake.requests == []


# --------------------------------------------------------------------------
# Issue 5, web applications: the callback in another process, and the
# README's wsgiref app run as written.
# --------------------------------------------------------------------------

FINISH_IN_ANOTHER_PROCESS = """
import json
import sys

import flickroauth as fo

key, secret, base = sys.argv[1:4]
message = json.load(sys.stdin)
flickr = fo.FlickrAPI(key, secret, store_token=False, base_url=base)
flickr.import_request_token(message["state"])
flickr.get_access_token(message["verifier"])
print(json.dumps(flickr.token_cache.token.to_dict()))
"""


def test_request_token_state_finishes_in_another_process(fake):
    first = make_flickr(fake)
    first.get_request_token(oauth_callback="http://127.0.0.1:9/callback")
    url = first.auth_url("delete")
    state = first.export_request_token()
    first.close()
    location = consent_location(url)
    verifier = dict(ref_form_decode(urllib.parse.urlsplit(location).query))[
        "oauth_verifier"
    ]

    child = subprocess.run(
        [
            sys.executable,
            "-c",
            FINISH_IN_ANOTHER_PROCESS,
            fake.API_KEY,
            fake.API_SECRET,
            fake.base_url,
        ],
        input=json.dumps({"state": state, "verifier": verifier}),
        capture_output=True,
        text=True,
        env=cli_env(fake, PYTHONPATH=str(Path(MODULE_FILE).parent)),
        cwd=os.environ["HOME"],
        timeout=60,
    )

    assert type(state) is dict
    assert sorted(state) == ["oauth_token", "oauth_token_secret", "perms"]
    assert all(type(value) is str for value in state.values())
    assert state["perms"] == "delete"
    assert child.returncode == 0, child.stderr
    data = json.loads(child.stdout)
    assert all(type(value) is str for value in data.values())
    token = fo.FlickrAccessToken.from_dict(data)
    assert token.access_level == "delete"
    assert token.user_nsid == fake.user["nsid"]
    assert token.fullname == fake.user["fullname"]
    web = make_flickr(fake, token=token, format="parsed-json")
    assert web.test.login()["user"]["id"] == fake.user["nsid"]
    assert fake.access_tokens[token.token]["perms"] == "delete"


README_FILE = Path(MODULE_FILE).parent / "README.md"


def readme_block(marker):
    """The Python code block that follows ``marker`` in README.md."""
    text = README_FILE.read_text(encoding="utf-8")
    _, found, after = text.partition(marker)
    assert found, f"README.md has no {marker}"
    match = re.match(r"\s*```python\n(.*?)\n```", after, re.S)
    assert match is not None, f"no python block after {marker}"
    return match.group(1)


@pytest.fixture
def readme_wsgi_app(fake, monkeypatch):
    """The README's wsgiref app, exec'd from README.md as written and
    served on 127.0.0.1 by wsgiref; yields its base URL."""
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format, *args):
            pass

    monkeypatch.setenv("FLICKR_API_KEY", fake.API_KEY)
    monkeypatch.setenv("FLICKR_API_SECRET", fake.API_SECRET)
    monkeypatch.setenv("FLICKR_BASE_URL", fake.base_url)
    code = compile(
        readme_block("<!-- wsgi-example -->"), "README.md:wsgi", "exec"
    )
    namespace = {"__name__": "readme_wsgi_example"}
    exec(code, namespace)
    server = make_server(
        "127.0.0.1", 0, namespace["app"], handler_class=QuietHandler
    )
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        daemon=True,
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def browse(url, cookie=None):
    """One request as a browser makes it, redirects not followed:
    (status, headers, text)."""
    assert url.startswith("http://127.0.0.1:"), url
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _DoNotFollow
    )
    request = urllib.request.Request(
        url, headers={"Cookie": cookie} if cookie else {}
    )
    try:
        with opener.open(request, timeout=10) as response:
            text = response.read().decode("utf-8")
            return response.status, response.headers, text

    except urllib.error.HTTPError as error:
        with error:
            text = error.read().decode("utf-8", "replace")
            return error.code, error.headers, text


def session_cookie(headers):
    """The ``name=value`` to send back for the app's Set-Cookie."""
    jar = http.cookies.SimpleCookie(headers["Set-Cookie"])
    assert jar["sid"]["httponly"]
    return f"sid={jar['sid'].value}"


def test_readme_wsgi_app_signs_a_user_in(fake, readme_wsgi_app):
    app = readme_wsgi_app
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        status, headers, _ = browse(app + "/")
        assert (status, headers["Location"]) == (302, "/login")
        cookie = session_cookie(headers)

        status, headers, _ = browse(app + "/login", cookie)
        assert status == 302
        authorize = headers["Location"]
        assert authorize.startswith(fake.url("/services/oauth/authorize?"))
        assert fake.callbacks == [app + "/callback"]

        callback = consent_location(authorize)
        assert callback.startswith(app + "/callback?oauth_token=")
        status, headers, _ = browse(callback, cookie)
        assert (status, headers["Location"]) == (302, "/")

        status, headers, page = browse(app + "/", cookie)
        assert status == 200
        assert page == f"Hello, {fake.user['username']}!"
        assert headers["Content-Type"].startswith("text/plain")
        stranger, headers, _ = browse(app + "/")
        assert (stranger, headers["Location"]) == (302, "/login")
        gc.collect()

    to_flickr = f"'127.0.0.1', {fake.port})"
    leaked = [str(w.message) for w in caught if to_flickr in str(w.message)]
    assert leaked == [], "the app leaves connections to Flickr open"


def test_readme_wsgi_app_refuses_a_callback_for_another_token(
    fake, readme_wsgi_app
):
    app = readme_wsgi_app
    _, headers, _ = browse(app + "/login")
    cookie = session_cookie(headers)
    real = consent_location(headers["Location"])
    verifier = dict(ref_form_decode(urllib.parse.urlsplit(real).query))[
        "oauth_verifier"
    ]
    forged = (
        app
        + "/callback?"
        + urllib.parse.urlencode(
            {"oauth_token": new_token(), "oauth_verifier": verifier}
        )
    )

    status, _, page = browse(forged, cookie)
    no_session, _, _ = browse(real)

    assert status == 400
    assert page == "unexpected callback"
    assert no_session == 400
    assert fake.at("/services/oauth/access_token") == []


def test_readme_wsgi_app_when_the_user_declines(fake, readme_wsgi_app):
    app = readme_wsgi_app
    fake.deny = True
    _, headers, _ = browse(app + "/login")
    cookie = session_cookie(headers)

    status, _, page = browse(consent_location(headers["Location"]), cookie)

    assert status == 403
    assert page == "authorization declined"
    assert fake.at("/services/oauth/access_token") == []


def test_every_python_block_in_the_readme_compiles():
    text = README_FILE.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)\n```", text, re.S)

    for number, block in enumerate(blocks):
        compile(block, f"README.md python block {number}", "exec")

    assert len(blocks) >= 6  # quick start ... wsgi, Django, tkinter, OAuth1


# --------------------------------------------------------------------------
# Issue 5, desktop programs: the sign-in runs off the UI thread and the UI
# thread cancels it, as the README's tkinter window does.
# --------------------------------------------------------------------------


def sign_in_in_a_worker(flickr, timeout=60):
    """Run authenticate_via_browser in a thread; a queue gets its end."""
    ended = queue.Queue()

    def work():
        try:
            flickr.authenticate_via_browser(perms="read", timeout=timeout)
            ended.put("signed in")
        except Exception as exc:
            ended.put(exc)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    return worker, ended


def wait_until(condition, seconds=10):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.01)


def test_cancel_from_the_ui_thread_ends_the_wait_for_the_browser(
    fake, tmp_path, monkeypatch
):
    flickr = make_flickr(fake, tmp_path)
    user = BrowserUser(act=False)
    use_browser(monkeypatch, user)
    worker, ended = sign_in_in_a_worker(flickr)
    wait_until(lambda: user.opened)
    port = callback_port_for(fake, user.opened[0])

    flickr.cancel_authentication()
    outcome = ended.get(timeout=10)
    worker.join(10)

    assert isinstance(outcome, fo.AuthorizationDenied), outcome
    assert "cancelled" in str(outcome)
    assert_port_closed(port)
    assert fake.at("/services/oauth/access_token") == []
    assert flickr.token_cache.token is None


@pytest.mark.parametrize(
    "stage", ["/services/rest/", "/services/oauth/request_token"]
)
def test_cancel_before_the_wait_is_not_lost(
    fake, tmp_path, monkeypatch, stage
):
    flickr = make_flickr(fake, tmp_path)
    stored = granted(fake, "read")
    flickr.token_cache.token = stored
    fake.revoke(stored.token)  # so the sign-in asks Flickr, then goes on
    user = BrowserUser(act=False)
    use_browser(monkeypatch, user)
    fake.gates[stage] = gate = threading.Event()
    worker, ended = sign_in_in_a_worker(flickr)
    wait_until(lambda: fake.at(stage))

    flickr.cancel_authentication()
    gate.set()
    outcome = ended.get(timeout=10)
    worker.join(10)

    assert isinstance(outcome, fo.AuthorizationDenied), outcome
    assert user.opened == []
    for callback in fake.callbacks:
        assert_port_closed(urllib.parse.urlsplit(callback).port)
    if stage == "/services/rest/":
        assert fake.at("/services/oauth/request_token") == []


def test_cancel_with_no_sign_in_running_spoils_no_later_one(
    fake, tmp_path, monkeypatch
):
    flickr = make_flickr(fake, tmp_path)
    use_browser(monkeypatch, BrowserUser())

    flickr.cancel_authentication()
    flickr.authenticate_via_browser(perms="read", timeout=20)

    assert flickr.token_cache.token.access_level == "read"


# --------------------------------------------------------------------------
# Issue 5, any OAuth 1.0a provider: OAuth1Client at a stand-in that is not
# Flickr, and the published PLAINTEXT and HMAC-SHA256 vectors.
# --------------------------------------------------------------------------


def ref_signature(method, base_string, consumer_secret, token_secret):
    """RFC 5849 3.4.2 to 3.4.4: HMAC-SHA1, HMAC-SHA256 or PLAINTEXT."""
    key = ref_encode(consumer_secret) + "&" + ref_encode(token_secret)
    if method == "PLAINTEXT":
        return key

    digest = {"HMAC-SHA1": hashlib.sha1, "HMAC-SHA256": hashlib.sha256}
    mac = hmac.new(key.encode(), base_string.encode(), digest[method])
    return base64.b64encode(mac.digest()).decode("ascii")


class OtherProviderHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10

    def log_message(self, format, *args):
        self.server.fake.log.append(format % args)

    def do_GET(self):
        self.answer()

    def do_POST(self):
        self.answer()

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, content_type, data, extra = self.server.fake.handle(
            self.command, self.path, headers, body
        )
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra:
            self.send_header(name, value)

        self.end_headers()
        self.wfile.write(data)


class OtherProvider:
    """An OAuth 1.0a provider that is not Flickr, on 127.0.0.1, port 0.

    Paths ``/initiate``, ``/authorize``, ``/token`` and ``/photos``; the
    token steps take POST only, as RFC 5849 recommends. It checks
    HMAC-SHA1, HMAC-SHA256 and PLAINTEXT signatures, reads the OAuth
    parameters from the header, the query or a form body (and records
    where), and keeps the realm out of the base string. Refusals are
    HTTP 401 with ``oauth_problem`` and a WWW-Authenticate header; the
    resource answers in JSON. ``requests`` records every request.
    """

    CLIENT_KEY = "other-app"
    CLIENT_SECRET = "sh&red secret"
    METHODS = ("HMAC-SHA1", "HMAC-SHA256", "PLAINTEXT")

    def __init__(self):
        self.temporary = {}
        self.tokens = {}
        self.nonces = set()
        self.requests = []
        self.log = []
        self.errors = []
        self.lock = threading.Lock()
        self.server = _StandInServer(("127.0.0.1", 0), OtherProviderHandler)
        self.server.fake = self
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def handle(self, method, target, headers, body):
        record = {"method": method, "target": target, "headers": headers}
        record["path"] = urllib.parse.urlsplit(target).path
        with self.lock:
            self.requests.append(record)

        if record["path"] == "/authorize" and method == "GET":
            return self.authorize(target)

        routes = {
            "/initiate": ("POST", self.initiate),
            "/token": ("POST", self.token),
            "/photos": (method, self.photos),
        }
        if record["path"] not in routes:
            return 404, "text/plain", b"no such page", ()

        allowed, route = routes[record["path"]]
        if method != allowed:
            return 405, "text/plain", b"POST only", [("Allow", "POST")]

        try:
            read = ref_read_request(method, target, headers, body)
        except ValueError:
            return self.refuse(record, 400, "parameter_rejected")

        record.update(read)
        record["oauth"] = dict(
            (n, v) for n, v in read["params"] if n.startswith("oauth_")
        )
        record["carried_in"] = [
            where
            for where in ("header", "query", "body")
            if any(n == "oauth_signature" for n, _ in read[where])
        ]
        header = ref_parse_authorization(headers.get("authorization", ""))
        realm = [v for n, v in header or [] if n == "realm"]
        record["realm"] = realm[0] if realm else None
        return route(record)

    def refuse(self, record, status, problem):
        record["problem"] = problem
        body = f"oauth_problem={problem}".encode("ascii")
        challenge = [("WWW-Authenticate", 'OAuth realm="other"')]
        return status, "application/x-www-form-urlencoded", body, challenge

    def check(self, record, secret_of):
        """A refusal for a badly signed request, or None."""
        oauth = record["oauth"]
        if oauth.get("oauth_consumer_key") != self.CLIENT_KEY:
            return self.refuse(record, 401, "consumer_key_unknown")

        method = oauth.get("oauth_signature_method")
        if method not in self.METHODS:
            return self.refuse(record, 400, "signature_method_rejected")

        token_secret = secret_of(oauth.get("oauth_token"))
        if token_secret is None or len(record["signatures"]) != 1:
            return self.refuse(record, 401, "token_rejected")

        expected = ref_signature(
            method, record["base_string"], self.CLIENT_SECRET, token_secret
        )
        if not hmac.compare_digest(
            expected.encode(), record["signatures"][0].encode()
        ):
            return self.refuse(record, 401, "signature_invalid")

        nonce = (oauth.get("oauth_nonce"), oauth.get("oauth_timestamp"))
        with self.lock:
            if nonce in self.nonces:
                return self.refuse(record, 401, "nonce_used")

            self.nonces.add(nonce)

        return None

    def form(self, status, pairs):
        body = "&".join(f"{ref_encode(n)}={ref_encode(v)}" for n, v in pairs)
        content_type = "application/x-www-form-urlencoded"
        return status, content_type, body.encode("ascii"), ()

    def initiate(self, record):
        refusal = self.check(record, lambda token: "" if not token else None)
        if refusal is not None:
            return refusal

        callback = record["oauth"].get("oauth_callback")
        if not callback:
            return self.refuse(record, 400, "parameter_absent")

        token, secret = "tmp-" + secrets.token_hex(6), secrets.token_hex(6)
        with self.lock:
            self.temporary[token] = {
                "secret": secret,
                "callback": callback,
                "verifier": secrets.token_hex(4),
            }

        return self.form(
            200,
            [
                ("oauth_token", token),
                ("oauth_token_secret", secret),
                ("oauth_callback_confirmed", "true"),
                ("oauth_expires_in", "3600"),
            ],
        )

    def authorize(self, target):
        """The user says yes at once: back to the callback, or a code."""
        query = dict(ref_form_decode(urllib.parse.urlsplit(target).query))
        pending = self.temporary.get(query.get("oauth_token"))
        if pending is None:
            return 400, "text/plain", b"unknown request token", ()

        if pending["callback"] == "oob":
            text = f"Your code: {pending['verifier']}"
            return 200, "text/plain", text.encode(), ()

        location = (
            pending["callback"]
            + "?"
            + urllib.parse.urlencode(
                [
                    ("oauth_token", query["oauth_token"]),
                    ("oauth_verifier", pending["verifier"]),
                ]
            )
        )
        return 302, "text/plain", b"", [("Location", location)]

    def token(self, record):
        pending = self.temporary.get(record["oauth"].get("oauth_token"))
        refusal = self.check(
            record, lambda token: pending["secret"] if pending else None
        )
        if refusal is not None:
            return refusal

        if record["oauth"].get("oauth_verifier") != pending["verifier"]:
            return self.refuse(record, 401, "verifier_invalid")

        token, secret = "acc-" + secrets.token_hex(6), secrets.token_hex(6)
        with self.lock:
            del self.temporary[record["oauth"]["oauth_token"]]
            self.tokens[token] = {"secret": secret, "screen_name": "ana"}

        return self.form(
            200,
            [
                ("screen_name", "ana"),
                ("oauth_token", token),
                ("oauth_token_secret", secret),
            ],
        )

    def photos(self, record):
        def secret_of(token):
            granted = self.tokens.get(token)
            return granted["secret"] if granted else None

        refusal = self.check(record, secret_of)
        if refusal is not None:
            return refusal

        params = {
            n: v
            for n, v in record["query"] + record["body"]
            if not n.startswith("oauth_")
        }
        owner = self.tokens[record["oauth"]["oauth_token"]]["screen_name"]
        data = {"owner": owner, "method": record["method"], "params": params}
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        return 200, "application/json; charset=utf-8", body, ()


@pytest.fixture
def provider():
    server = OtherProvider()
    try:
        yield server
    finally:
        server.stop()

    assert server.errors == [], "\n".join(server.errors)


def redirect_location(url):
    """Where a GET of ``url`` redirects to, the redirect not followed."""
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _DoNotFollow
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        opener.open(url, timeout=10)

    with caught.value as error:
        assert error.code == 302
        return error.headers["Location"]


def test_other_provider_checks_signatures_and_leaves_realm_out(provider):
    def initiate(realm_signed):
        oauth = [
            ("oauth_consumer_key", provider.CLIENT_KEY),
            ("oauth_nonce", secrets.token_hex(8)),
            ("oauth_signature_method", "HMAC-SHA256"),
            ("oauth_timestamp", str(int(time.time()))),
            ("oauth_callback", "oob"),
        ]
        signed = oauth + ([("realm", "photos")] if realm_signed else [])
        uri = f"http://127.0.0.1:{provider.port}/initiate"
        base = ref_base_string("POST", uri, signed)
        sig = ref_signature("HMAC-SHA256", base, provider.CLIENT_SECRET, "")
        header = ref_authorization(
            oauth + [("oauth_signature", sig)], "photos"
        )
        return fetch(
            provider.url("/initiate"),
            data=b"",
            headers={"Authorization": header},
        )

    good = initiate(realm_signed=False)
    bad = initiate(realm_signed=True)

    assert good[0] == 200 and "oauth_callback_confirmed=true" in good[2]
    assert (bad[0], bad[2]) == (401, "oauth_problem=signature_invalid")
    assert [r["realm"] for r in provider.requests] == ["photos", "photos"]


@pytest.mark.parametrize("signature_type", ["header", "query", "body"])
@pytest.mark.parametrize("method", ["HMAC-SHA1", "HMAC-SHA256", "PLAINTEXT"])
def test_oauth1client_three_steps_at_another_provider(
    provider, method, signature_type
):
    client = fo.OAuth1Client(
        provider.CLIENT_KEY,
        provider.CLIENT_SECRET,
        signature_method=method,
        signature_type=signature_type,
    )

    temporary = client.fetch_request_token(
        provider.url("/initiate"), callback="http://127.0.0.1:9/back"
    )
    authorize = client.authorization_url(provider.url("/authorize"), lang="fr")
    back = redirect_location(authorize)
    answer = dict(ref_form_decode(urllib.parse.urlsplit(back).query))
    access = client.fetch_access_token(
        provider.url("/token"), answer["oauth_verifier"]
    )
    posted = client.request(
        "POST", provider.url("/photos"), {"title": "\u00c9t\u00e9 & co"}
    )

    assert temporary["oauth_expires_in"] == "3600"
    assert authorize.startswith(provider.url("/authorize?oauth_token=tmp-"))
    assert authorize.endswith("&lang=fr")
    assert back.startswith("http://127.0.0.1:9/back?oauth_token=tmp-")
    assert access["screen_name"] == "ana"
    assert client.token == access["oauth_token"]
    assert client.token_secret == access["oauth_token_secret"]
    assert posted.status == 200
    assert json.loads(posted.body) == {
        "owner": "ana",
        "method": "POST",
        "params": {"title": "\u00c9t\u00e9 & co"},
    }
    if signature_type == "body":
        with pytest.raises(ValueError):
            client.request("GET", provider.url("/photos"))
    else:
        got = client.request("GET", provider.url("/photos"), {"size": "m l"})
        assert json.loads(got.body)["params"] == {"size": "m l"}

    signed = [r for r in provider.requests if r["path"] != "/authorize"]
    assert all(r.get("problem") is None for r in signed)
    assert [r["carried_in"] for r in signed] == [[signature_type]] * len(
        signed
    )
    assert {r["oauth"]["oauth_signature_method"] for r in signed} == {method}


def test_oauth1client_out_of_band_at_another_provider(provider):
    client = fo.OAuth1Client(provider.CLIENT_KEY, provider.CLIENT_SECRET)

    client.fetch_request_token(provider.url("/initiate"))
    status, _, page = fetch(
        client.authorization_url(provider.url("/authorize"))
    )
    client.fetch_access_token(provider.url("/token"), page.split(": ")[1])
    got = client.request("GET", provider.url("/photos"))

    assert status == 200
    assert provider.requests[0]["oauth"]["oauth_callback"] == "oob"
    assert json.loads(got.body)["owner"] == "ana"


@pytest.mark.parametrize("method", ["HMAC-SHA1", "HMAC-SHA256", "PLAINTEXT"])
def test_realm_is_sent_in_the_header_and_not_signed(provider, method):
    client = fo.OAuth1Client(
        provider.CLIENT_KEY,
        provider.CLIENT_SECRET,
        signature_method=method,
        realm="photos@other.example",
    )

    client.fetch_request_token(provider.url("/initiate"), callback="oob")

    seen = provider.requests[-1]
    assert seen.get("problem") is None
    assert seen["realm"] == "photos@other.example"
    assert seen["headers"]["authorization"].startswith(
        'OAuth realm="photos@other.example", '
    )
    assert "realm" not in seen["base_string"]


def test_plaintext_signature_is_percent_encoded_in_the_header(provider):
    client = fo.OAuth1Client(
        provider.CLIENT_KEY,
        provider.CLIENT_SECRET,
        signature_method="PLAINTEXT",
    )

    client.fetch_request_token(provider.url("/initiate"), callback="oob")

    header = provider.requests[-1]["headers"]["authorization"]
    # The key is "sh%26red%20secret&"; the header encodes it once more.
    assert 'oauth_signature="sh%2526red%2520secret%26"' in header


def test_another_provider_refusing_is_an_oauth_error(provider):
    client = fo.OAuth1Client(
        provider.CLIENT_KEY, "not the secret", signature_method="HMAC-SHA256"
    )

    with pytest.raises(fo.OAuthError) as caught:
        client.fetch_request_token(provider.url("/initiate"), callback="oob")

    assert caught.value.status == 401
    assert caught.value.oauth_problem == "signature_invalid"
    assert "not the secret" not in str(caught.value)
    assert client.token is None


@pytest.mark.parametrize(
    "entry",
    vectors("request", "PLAINTEXT") + vectors("request", "HMAC-SHA256"),
)
def test_vector_signed_authorization_header(entry):
    oauth = list(map(tuple, entry["oauth_params"]))
    consumer_secret = entry["consumer_secret"] or ""
    token_secret = entry["token_secret"] or ""
    base = fo.signature_base_string(
        entry["method"], entry["url"], signed_pairs(entry)
    )
    if entry["signature_method"] == "PLAINTEXT":
        signature = fo.plaintext_signature(consumer_secret, token_secret)
    else:
        signature = fo.hmac_sha256_signature(
            base, consumer_secret, token_secret
        )

    header = fo.authorization_header(
        oauth + [("oauth_signature", signature)], entry.get("realm")
    )

    assert base == entry["expected_signature_base_string"]
    assert signature == entry["expected_signature"]
    raw = re.search(r'oauth_signature="([^"]*)"', header).group(1)
    assert raw == ref_encode(entry["expected_signature"])
    assert (
        dict(ref_parse_authorization(header))["oauth_signature"]
        == (entry["expected_signature"])
    )
    if entry.get("realm"):
        assert header.startswith(f'OAuth realm="{entry["realm"]}", ')
    if consumer_secret:
        client = fo.OAuth1Client(
            "key",
            consumer_secret,
            "token",
            token_secret,
            signature_method=entry["signature_method"],
        )
        assert client.signature(base) == entry["expected_signature"]


def https_vectors(signature_method):
    """Vectors for https URLs: the only ones OAuth1Client will sign."""
    return [
        param
        for param in vectors("request", signature_method)
        if param.values[0] is None
        or param.values[0]["url"].startswith("https://")
    ]


@pytest.mark.parametrize("entry", https_vectors("PLAINTEXT"))
def test_vector_plaintext_through_oauth1client(entry):
    oauth = dict(map(tuple, entry["oauth_params"]))
    extra = [
        (n, oauth[n])
        for n in ("oauth_callback", "oauth_verifier")
        if n in oauth
    ]
    client = fo.OAuth1Client(
        oauth["oauth_consumer_key"],
        entry["consumer_secret"],
        oauth.get("oauth_token"),
        entry["token_secret"] or "",
        signature_method="PLAINTEXT",
        realm=entry.get("realm"),
    )

    signed = client.sign(entry["method"], entry["url"], oauth_extra=extra)

    header = signed.headers["Authorization"]
    raw = re.search(r'oauth_signature="([^"]*)"', header).group(1)
    assert raw == ref_encode(entry["expected_signature"])
    assert "%26" in raw and "&" not in raw
    parsed = dict(ref_parse_authorization(header))
    assert parsed["oauth_signature"] == entry["expected_signature"]
    for name, value in extra:
        assert parsed[name] == value


def test_vector_plaintext_header_value_is_foo_26_bar():
    entry = vector_named("oauthlib-test_client-plaintext")
    oauth = list(map(tuple, entry["oauth_params"]))

    header = fo.authorization_header(
        oauth + [("oauth_signature", entry["expected_signature"])]
    )

    assert entry["expected_signature"] == "foo&bar"
    assert 'oauth_signature="foo%26bar"' in header


# --------------------------------------------------------------------------
# Issue 5, the command line: whoami, tokens, logout, upload.
# --------------------------------------------------------------------------


@pytest.fixture
def two_cached_users(fake):
    """Ann (the default user, write) and Bob (``--username bob``, read)
    in ~/.flickr, both tokens known to the stand-in."""
    ann = granted(fake, "write")
    bob_token, bob_secret = fake.grant(
        "read",
        {
            "nsid": "2@N01",
            "username": "bob",
            "fullname": "B\u00f6b",
            "path_alias": "bob",
        },
    )
    bob = fo.FlickrAccessToken(
        bob_token, bob_secret, "read", "B\u00f6b", "bob", "2@N01"
    )
    write_flickrapi_file(
        Path(os.environ["HOME"]) / ".flickr",
        [
            (fake.API_KEY, "", ann.token, ann.token_secret, "write")
            + (ann.fullname, ann.username, ann.user_nsid),
            (fake.API_KEY, "bob", bob.token, bob.token_secret, "read")
            + (bob.fullname, bob.username, bob.user_nsid),
            ("another-key", "", "tok-x", "secret-of-another-app", "read")
            + ("X", "x", "3@N01"),
        ],
    )
    return ann, bob


def assert_no_secret(result, *tokens):
    shown = result.stdout + result.stderr
    for secret in (FakeFlickr.API_SECRET, "secret-of-another-app") + tuple(
        t.token_secret for t in tokens
    ):
        assert secret not in shown


def test_cli_whoami_shows_the_cached_user_and_perms(fake, two_cached_users):
    ann, bob = two_cached_users

    default = run_cli(fake, "whoami")
    other = run_cli(fake, "--username", "bob", "whoami")
    nobody = run_cli(fake, "--username", "carol", "whoami")

    assert default.returncode == 0, default.stderr
    shown = json.loads(default.stdout)
    assert shown["username"] == fake.user["username"]
    assert shown["user_nsid"] == fake.user["nsid"]
    assert shown["fullname"] == fake.user["fullname"]
    assert shown["access_level"] == "write"
    assert json.loads(other.stdout)["access_level"] == "read"
    assert json.loads(other.stdout)["fullname"] == "B\u00f6b"
    assert nobody.returncode == 1
    assert "not signed in" in nobody.stderr
    for result in (default, other, nobody):
        assert_no_secret(result, ann, bob)
    assert fake.requests == []  # cached: Flickr is not asked


def test_cli_tokens_lists_the_users_of_the_key_and_no_secret(
    fake, two_cached_users
):
    ann, bob = two_cached_users

    result = run_cli(fake, "tokens")

    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert [(e["lookup_key"], e["username"]) for e in listed] == [
        ("", fake.user["username"]),
        ("bob", "bob"),
    ]
    assert [e["access_level"] for e in listed] == ["write", "read"]
    assert_no_secret(result, ann, bob)
    assert "secret" not in json.dumps(listed)


def test_cli_logout_forgets_only_that_user(fake, two_cached_users):
    ann, bob = two_cached_users

    logout = run_cli(fake, "--username", "bob", "logout")
    after = run_cli(fake, "--username", "bob", "whoami")
    tokens = run_cli(fake, "tokens")

    assert logout.returncode == 0, logout.stderr
    assert logout.stdout == ""
    assert after.returncode == 1
    assert [e["lookup_key"] for e in json.loads(tokens.stdout)] == [""]
    cache = fo.OAuthTokenCache(
        fake.API_KEY, "bob", str(Path(os.environ["HOME"]) / ".flickr")
    )
    assert cache.token is None
    assert home_cache_token(fake) == ann


def test_cli_upload_prints_the_reply_and_no_progress_off_a_terminal(
    fake, two_cached_users, tmp_path
):
    path = tmp_path / "caf\u00e9.jpg"
    path.write_bytes(PHOTO_BYTES * 4)

    result = run_cli(
        fake,
        "upload",
        str(path),
        "title=Caf\u00e9 \u6771\u4eac",
        "tags=a b",
        "is_public=0",
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "stat": "ok",
        "photoid": {"_content": "1001"},
    }
    assert result.stderr == ""
    seen = fake.uploads[-1]
    fields = dict(seen["fields"])
    assert fields["title"] == "Caf\u00e9 \u6771\u4eac"
    assert fields["tags"] == "a b"
    assert fields["is_public"] == "0"
    assert_whole_multipart(seen, PHOTO_BYTES * 4)


def run_cli_on_a_terminal(fake, *args, timeout=60):
    """Run the command line with stderr on a pseudo-terminal (stdout a
    pipe); returns (exit status, stdout, what the terminal showed)."""
    pty = pytest.importorskip("pty")
    import select

    master, slave = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, MODULE_FILE, "--base-url", fake.base_url, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=slave,
            env=cli_env(fake),
            cwd=os.environ["HOME"],
        )
    finally:
        os.close(slave)

    shown = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            shown += data
        out, _ = process.communicate(
            timeout=max(1, deadline - time.monotonic())
        )
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
            process.wait(5)

    return process.returncode, out.decode("utf-8"), shown.decode("utf-8")


def test_cli_upload_shows_progress_on_a_terminal(
    fake, two_cached_users, tmp_path
):
    path = tmp_path / "big.jpg"
    path.write_bytes(PHOTO_BYTES * 8)  # several 64 KiB pieces

    status, out, shown = run_cli_on_a_terminal(fake, "upload", str(path))

    assert status == 0, shown
    assert json.loads(out)["photoid"]["_content"] == "1001"
    updates = re.findall(r"\ruploading: +(\d+)% of (\d+) bytes", shown)
    assert len(updates) >= 2
    percents = [int(p) for p, _ in updates]
    assert percents == sorted(percents) and percents[-1] == 100
    total = int(updates[-1][1])
    assert total == fake.uploads[-1]["multipart"]["read"]
    assert shown.endswith("\n")


def test_cli_progress_bar_writes_one_updating_line(capsys):
    fo._progress_bar(0, 200)
    fo._progress_bar(100, 200)
    fo._progress_bar(200, 200)

    err = capsys.readouterr().err
    assert err == (
        "\ruploading:   0% of 200 bytes"
        "\ruploading:  50% of 200 bytes"
        "\ruploading: 100% of 200 bytes"
    )


def test_cli_upload_error_is_one_line(fake, two_cached_users, tmp_path):
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")

    result = run_cli(fake, "upload", str(path))

    assert_one_line_error(result)
    assert "Flickr error 4: Filesize was zero" in result.stderr


# --------------------------------------------------------------------------
# Issue 4: bad replies from every endpoint end in a clear error, and the
# stored token stays as it was.
# --------------------------------------------------------------------------

REQUEST_TOKEN = "/services/oauth/request_token"
ACCESS_TOKEN = "/services/oauth/access_token"
REST = "/services/rest/"

XML_HEAD = '<?xml version="1.0" encoding="utf-8" ?>\n'

HTML_200 = (
    b"<!DOCTYPE html>\n<html><head><title>Flickr: Sign in</title></head>"
    b"<body><p>Please sign in to continue.</p></body></html>\n"
)


def form_text(pairs):
    """Pairs as a form-encoded token reply, as Flickr writes them."""
    return form_reply(200, pairs).body.decode("utf-8")


@pytest.fixture
def stored(fake, tmp_path):
    """A FlickrAPI whose token is on disk: (flickr, token, token file)."""
    flickr = make_flickr(fake, tmp_path, timeout=0.5)
    token = granted(fake, "write")
    flickr.token_cache.token = token
    try:
        yield flickr, token, Path(flickr.token_cache.filename)
    finally:
        flickr.close()


def reach_request_token(fake, flickr):
    return lambda: flickr.get_request_token(oauth_callback="oob")


def reach_access_token(fake, flickr):
    flickr.get_request_token(oauth_callback="oob")
    _, _, page = play_user(flickr.auth_url("write"))
    verifier = verifier_on(page)
    return lambda: flickr.get_access_token(verifier)


def reach_rest(fmt):
    def reach(fake, flickr):
        return lambda: flickr.test.login(format=fmt)

    return reach


def reach_check_token(fake, flickr):
    return lambda: flickr.token_valid("read")


#: name: (path, what the endpoint answers in, how a user reaches it)
ENDPOINTS = {
    "request-token": (REQUEST_TOKEN, "form", reach_request_token),
    "access-token": (ACCESS_TOKEN, "form", reach_access_token),
    "rest-etree": (REST, "xml", reach_rest("etree")),
    "rest-rest": (REST, "xml", reach_rest("rest")),
    "rest-parsed-json": (REST, "json", reach_rest("parsed-json")),
    "rest-json": (REST, "json", reach_rest("json")),
    "checkToken": (REST, "json", reach_check_token),
}

CONTENT_TYPES = {
    "form": "text/plain; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
    "json": "application/json; charset=utf-8",
}

TOKEN_REPLIES = {
    "request-token": [
        ("oauth_callback_confirmed", "true"),
        ("oauth_token", "72157000000000001-0a1b2c3d4e5f6a7b"),
        ("oauth_token_secret", "9f8e7d6c5b4a3f2e"),
    ],
    "access-token": [
        ("fullname", "Zo\u00eb Stand-In"),
        ("oauth_token", "72157000000000002-1a2b3c4d5e6f7a8b"),
        ("oauth_token_secret", "8e7d6c5b4a3f2e1d"),
        ("user_nsid", "12345678@N01"),
        ("username", "stand in user"),
    ],
}

REQUIRED_FIELDS = {
    "request-token": [
        "oauth_callback_confirmed",
        "oauth_token",
        "oauth_token_secret",
    ],
    "access-token": ["oauth_token", "oauth_token_secret", "user_nsid"],
}

#: Replies cut off in the middle, with a Content-Length that matches.
TRUNCATED = {
    "form": (
        "oauth_callback_confirmed=true&oauth_token=72157000000000001-0a1b"
        "&oauth_tok",
        ["oauth_token_secret"],
    ),
    "xml": (
        XML_HEAD + '<rsp stat="ok">\n<user id="12345678@N01"',
        ["XML", "well-formed"],
    ),
    "json": (
        '{"stat":"ok","user":{"id":"12345678@N01"',
        ["JSON", "well-formed"],
    ),
}

NOT_UTF8 = {
    "form": b"oauth_callback_confirmed=true&oauth_token=\xff\xfe"
    b"&oauth_token_secret=s&user_nsid=1%40N01",
    "xml": XML_HEAD.encode() + b'<rsp stat="ok"><user id="\xff\xfe"/></rsp>',
    "json": b'{"stat":"ok","user":{"id":"\xff\xfe"}}',
}

#: JSON where XML (or a form) was asked, and the reverse.
OTHER_FORMATS = {
    "form": [
        (
            "json-body",
            '{"stat":"fail","code":100,"message":"Invalid API Key"}',
            "application/json",
            ["JSON"],
        ),
        (
            "xml-body",
            XML_HEAD + '<rsp stat="fail"><err code="100" '
            'msg="Invalid API Key" /></rsp>',
            "text/xml",
            ["XML"],
        ),
    ],
    "xml": [
        (
            "json-body",
            '{"stat":"ok","user":{"id":"12345678@N01"}}',
            "application/json",
            ["expected XML", "JSON"],
        )
    ],
    "json": [
        (
            "xml-body",
            XML_HEAD + '<rsp stat="ok"><user id="12345678@N01" /></rsp>',
            "text/xml",
            ["expected JSON", "XML"],
        )
    ],
}


def debug_sbs_differing_at_the_host(record):
    """A signature_invalid refusal whose debug_sbs is the request's own
    base string with another host: where a proxy rewrote the Host."""
    theirs = record["base_string"].replace("127.0.0.1", "localhost", 1)
    return form_text(
        [("oauth_problem", "signature_invalid"), ("debug_sbs", theirs)]
    )


#: The oauth_problem refusals Flickr sends, with what else it sends.
OAUTH_PROBLEMS = {
    "signature_invalid": (debug_sbs_differing_at_the_host, ["character"]),
    "timestamp_refused": (
        [("oauth_acceptable_timestamps", "1700000000-1700000600")],
        [],
    ),
    "nonce_used": ([], []),
    "token_rejected": ([], []),
    "permission_denied": ([], []),
    "parameter_absent": (
        [("oauth_parameters_absent", "oauth_verifier")],
        ["oauth_verifier"],
    ),
    "consumer_key_unknown": ([], []),
}

BadReply = collections.namedtuple(
    "BadReply",
    "status body content_type words times cut",
    defaults=(1, False),
)


def bad_replies(endpoint):
    """Every bad reply an endpoint may give, with the words its error
    must hold to say what was wrong."""
    _, kind, _ = ENDPOINTS[endpoint]
    truncated, truncated_words = TRUNCATED[kind]
    cases = {
        "empty": BadReply(200, b"", CONTENT_TYPES[kind], ["empty"]),
        "html-200": BadReply(200, HTML_200, "text/html", ["HTML"]),
        "html-502": BadReply(502, HTML_502, "text/html", ["502", "HTML"]),
        "truncated": BadReply(
            200, truncated, CONTENT_TYPES[kind], truncated_words
        ),
        "cut-short": BadReply(
            200, truncated, CONTENT_TYPES[kind], ["cut short"], cut=True
        ),
        "not-utf8": BadReply(
            200, NOT_UTF8[kind], CONTENT_TYPES[kind], ["UTF-8"]
        ),
    }
    for name, body, content_type, words in OTHER_FORMATS[kind]:
        cases[name] = BadReply(200, body, content_type, words)

    if kind == "json":
        nested = '{"stat":"ok","x":' + "[" * 100000 + "]" * 100000 + "}"
        cases["nested-too-deep"] = BadReply(
            200, nested, CONTENT_TYPES[kind], ["JSON", "deep"]
        )

    for problem, (extra, words) in OAUTH_PROBLEMS.items():
        body = extra
        if not callable(extra):
            body = form_text([("oauth_problem", problem)] + extra)

        cases[problem] = BadReply(
            401,
            body,
            CONTENT_TYPES["form"],
            [f"oauth_problem={problem}"] + words,
            # The client retries a refused timestamp once, never twice.
            times=3 if problem == "timestamp_refused" else 1,
        )

    if kind == "form":
        full = TOKEN_REPLIES[endpoint]
        for field in REQUIRED_FIELDS[endpoint]:
            cases[f"no-{field}"] = BadReply(
                200,
                form_text([pair for pair in full if pair[0] != field]),
                CONTENT_TYPES[kind],
                [field],
            )

        cases["oauth_token-twice"] = BadReply(
            200,
            form_text(full + [("oauth_token", "72157000000000003-ffff")]),
            CONTENT_TYPES[kind],
            ["oauth_token", "twice"],
        )

    return cases


@pytest.mark.parametrize(
    ("endpoint", "case"),
    [
        pytest.param(endpoint, case, id=f"{endpoint}-{case}")
        for endpoint in ENDPOINTS
        for case in bad_replies(endpoint)
    ],
)
def test_bad_reply_is_a_clear_error_and_the_token_is_kept(
    fake, stored, tmp_path, endpoint, case
):
    flickr, token, token_file = stored
    path, _, reach = ENDPOINTS[endpoint]
    bad = bad_replies(endpoint)[case]
    act = reach(fake, flickr)
    before = token_file.read_bytes()
    seen = len(fake.at(path))
    fake.script(
        path=path,
        status=bad.status,
        body=bad.body,
        content_type=bad.content_type,
        times=bad.times,
        cut=bad.cut,
    )

    with pytest.raises(fo.FlickrError) as caught:
        act()

    error = caught.value
    text = str(error)
    assert type(error).__module__ == fo.__name__
    assert fake.url(path) in text, text
    for word in bad.words:
        assert word.lower() in text.lower(), text
    assert len(fake.at(path)) - seen == min(bad.times, 2)
    assert token_file.read_bytes() == before
    assert disk_token(fake, tmp_path) == token


def test_a_reply_that_only_quotes_an_oauth_problem_is_no_refusal(fake):
    page = html_reply(401, "Unauthorized", "<p>oauth_problem=x&y=z</p>")
    fake.script(status=401, body=page.body, content_type="text/html")
    fake.script(
        status=200,
        body='{"stat":"fail","code":96,"message":"Invalid signature",'
        '"seen":"/services/rest/?a=1&oauth_problem=signature_invalid"}',
        content_type="application/json",
    )
    flickr = make_flickr(fake, format="parsed-json")

    with pytest.raises(fo.ResponseError) as html_page:
        flickr.test.echo()
    with pytest.raises(fo.FlickrAPIError) as json_failure:
        flickr.test.echo()

    assert "HTTP 401" in str(html_page.value)
    assert "HTML" in str(html_page.value)
    assert json_failure.value.code == 96


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_refused_signature_shows_where_the_base_strings_part(
    fake, stored, endpoint
):
    flickr, _, _ = stored
    path, _, reach = ENDPOINTS[endpoint]
    act = reach(fake, flickr)
    fake.script(
        path=path,
        status=401,
        body=debug_sbs_differing_at_the_host,
        content_type=CONTENT_TYPES["form"],
    )

    with pytest.raises(fo.OAuthError) as caught:
        act()

    ours = fake.at(path)[-1]["base_string"]
    theirs = ours.replace("127.0.0.1", "localhost", 1)
    where = len(os.path.commonprefix([ours, theirs]))
    error = caught.value
    text = str(error)
    assert error.oauth_problem == "signature_invalid"
    assert error.mismatch_at == where
    assert f"character {where}" in text
    start = max(0, where - 20)
    assert repr(ours[start : where + 30]) in text
    assert repr(theirs[start : where + 30]) in text


# --------------------------------------------------------------------------
# Issue 4: faults on the way. Each names its cause; the token stays.
# --------------------------------------------------------------------------

PARTIAL_REPLY = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\n"
    b"Content-Length: 400\r\n\r\n" + XML_HEAD.encode() + b'<rsp stat="ok">'
)

WHOLE_BODY = XML_HEAD.encode() + b'<rsp stat="ok"><user id="1@N01" /></rsp>\n'
WHOLE_REPLY = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\n"
    b"Content-Length: %d\r\n\r\n" % len(WHOLE_BODY) + WHOLE_BODY
)


class FaultyServer:
    """A server on 127.0.0.1 that misbehaves below HTTP.

    ``silent`` accepts, reads the request and never answers; ``reset``
    starts a reply and resets the connection (RST) in the middle of it;
    ``reset-second`` answers the first request on each connection whole
    and resets in the middle of the second; ``hang-up-second`` answers
    the first whole and closes the connection on reading the second,
    without a word; ``answer-once`` answers only the first request it
    gets and hangs up on every later one, on any connection;
    ``close-delimited`` answers ``body`` with no length, ending it by
    closing. ``requests`` holds each request line received, ``bodies``
    each body. Everything stops with ``stop()``.
    """

    def __init__(self, mode, body=WHOLE_BODY):
        self.mode = mode
        self.body = body
        self.requests = []
        self.bodies = []
        self.conns = []
        self.stopping = threading.Event()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return

            conn.settimeout(5)
            self.conns.append(conn)
            threading.Thread(
                target=self.talk, args=(conn,), daemon=True
            ).start()

    def read_request(self, conn):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return False

            data += chunk

        head, _, body = data.partition(b"\r\n\r\n")
        length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        while length and len(body) < int(length.group(1)):
            chunk = conn.recv(65536)
            if not chunk:
                break

            body += chunk

        self.requests.append(head.split(b"\r\n")[0].decode("latin-1"))
        self.bodies.append(body)
        return True

    def talk(self, conn):
        try:
            answered = 0
            while self.read_request(conn):
                if self.mode == "silent":
                    self.stopping.wait(10)
                    return

                if self.mode == "close-delimited":
                    conn.sendall(
                        b"HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\n\r\n"
                        + self.body
                    )
                    conn.shutdown(socket.SHUT_WR)
                    self.stopping.wait(2)
                    return

                if self.mode == "reset-second" and answered == 0:
                    conn.sendall(WHOLE_REPLY)
                    answered += 1
                    continue

                if self.mode in ("hang-up-second", "answer-once"):
                    first = len(self.requests) == 1
                    if answered == 0 and (self.mode != "answer-once" or first):
                        conn.sendall(WHOLE_REPLY)
                        answered += 1
                        continue

                    conn.close()  # the request was read whole: a FIN
                    return

                conn.sendall(PARTIAL_REPLY)
                # Let the start of the reply arrive before the reset.
                self.stopping.wait(0.1)
                conn.setsockopt(
                    socket.SOL_SOCKET,
                    socket.SO_LINGER,
                    struct.pack("ii", 1, 0),
                )
                conn.close()
                return

        except OSError:
            pass

    def stop(self):
        self.stopping.set()
        self.sock.close()
        for conn in self.conns:
            conn.close()

        self.thread.join(5)


@pytest.fixture
def faulty():
    """Start FaultyServers by mode; all stop after the test."""
    started = []

    def start(mode, **kwargs):
        server = FaultyServer(mode, **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def free_port():
    """A port on 127.0.0.1 that nothing listens on."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def fault_refused(fake, path, faulty, monkeypatch):
    return f"http://127.0.0.1:{free_port()}", ["connection refused"]


def fault_reset(fake, path, faulty, monkeypatch):
    return faulty("reset").base_url, ["reset"]


def fault_silent(fake, path, faulty, monkeypatch):
    return faulty("silent").base_url, ["no reply", "0.5 s"]


def fault_dns(fake, path, faulty, monkeypatch):
    """No name resolves: getaddrinfo fails as it does offline."""
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host == "localhost":
            raise socket.gaierror(
                socket.EAI_NONAME, "Name or service not known"
            )

        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return f"http://localhost:{fake.port}", ["resolve", "not known"]


def fault_500(fake, path, faulty, monkeypatch):
    body = html_reply(500, "Internal Server Error", "<h1>Oops</h1>").body
    fake.script(path=path, status=500, body=body)
    return fake.base_url, ["500"]


def fault_503(fake, path, faulty, monkeypatch):
    fake.script(
        path=path,
        status=503,
        body='{"stat":"fail","code":105,'
        '"message":"Service currently unavailable"}',
        content_type="application/json",
    )
    return fake.base_url, ["503"]


#: name: (the FlickrAPI attribute with its URL, path, how to reach it)
FAULT_ENDPOINTS = {
    "request-token": ("REQUEST_TOKEN_URL", REQUEST_TOKEN, reach_request_token),
    "access-token": ("ACCESS_TOKEN_URL", ACCESS_TOKEN, reach_access_token),
    "rest": ("REST_URL", REST, reach_rest("etree")),
    "checkToken": ("REST_URL", REST, reach_check_token),
}

FAULTS = {
    "connection-refused": fault_refused,
    "reset-mid-reply": fault_reset,
    "never-answers": fault_silent,
    "dns-failure": fault_dns,
    "http-500": fault_500,
    "http-503": fault_503,
}


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("endpoint", list(FAULT_ENDPOINTS))
def test_fault_names_its_cause_and_keeps_the_token(
    fake, stored, tmp_path, faulty, monkeypatch, endpoint, fault
):
    flickr, token, token_file = stored
    attribute, path, reach = FAULT_ENDPOINTS[endpoint]
    act = reach(fake, flickr)
    before = token_file.read_bytes()
    base_url, words = FAULTS[fault](fake, path, faulty, monkeypatch)
    setattr(flickr, attribute, base_url + path)

    with pytest.raises(fo.FlickrError) as caught:
        act()

    text = str(caught.value)
    assert base_url + path in text, text
    for word in words:
        assert word.lower() in text.lower(), text
    assert token_file.read_bytes() == before
    assert flickr.token_cache.token == token
    assert disk_token(fake, tmp_path) == token


def test_reply_reset_on_a_kept_connection_is_not_sent_again(faulty):
    server = faulty("reset-second")
    flickr = fo.FlickrAPI(
        "key", "secret", store_token=False, base_url=server.base_url
    )
    flickr.test.login()

    with pytest.raises(fo.TransportError) as caught:
        flickr.test.login()

    assert "reset" in str(caught.value)
    assert len(server.requests) == 2, "the request was sent twice"


# --------------------------------------------------------------------------
# Issue 4: a skewed clock costs one retry, once per instance.
# --------------------------------------------------------------------------

SKEWS = pytest.mark.parametrize(
    "skew", [20 * 60, -20 * 60], ids=["server-ahead", "server-behind"]
)


def rest_failure(code, message="Invalid signature"):
    """A function of the request giving Flickr's stat=fail reply, in
    the format the request asked for."""

    def answer(record):
        params = dict(record["query"] + record["body"])
        rsp = element("rsp", children=[element("err", code=code, msg=message)])
        rsp.set("stat", "fail")
        return FakeFlickr.rest_reply(params, rsp).body

    return answer


def assert_retried_with_the_servers_time(fake, first, retry):
    assert retry["nonce"] != first["nonce"]
    stamp = int(retry["oauth"]["oauth_timestamp"])
    assert abs(stamp - fake.now()) <= fake.WINDOW
    assert abs(int(first["oauth"]["oauth_timestamp"]) - fake.now()) > (
        fake.WINDOW
    )


@SKEWS
def test_one_refused_timestamp_corrects_the_whole_flow(fake, tmp_path, skew):
    fake.clock_offset = skew
    flickr = make_flickr(fake, tmp_path)

    flickr.get_request_token(oauth_callback="oob")
    _, _, page = play_user(flickr.auth_url("write"))
    flickr.get_access_token(verifier_on(page))
    flickr.test.login()

    first, retry = fake.at(REQUEST_TOKEN)
    assert first["problem"] == "timestamp_refused"
    assert "problem" not in retry
    assert_retried_with_the_servers_time(fake, first, retry)
    assert flickr.oauth.clock_offset == pytest.approx(skew, abs=5)
    assert [r.get("problem") for r in fake.at(ACCESS_TOKEN)] == [None]
    assert [r.get("problem") for r in fake.calls()] == [None]
    assert flickr.token_valid("write") is True


@pytest.mark.parametrize("code", [96, 97, 98])
@SKEWS
def test_rest_auth_error_with_a_far_date_is_retried_once(fake, skew, code):
    fake.clock_offset = skew
    flickr = make_flickr(fake, token=granted(fake, "read"))
    fake.script(status=200, body=rest_failure(code), content_type="text/xml")

    login = flickr.test.login(format="parsed-json")
    flickr.test.echo()

    assert login["user"]["id"] == "12345678@N01"
    first, retry, later = fake.calls()
    assert first.get("scripted") and "scripted" not in retry
    assert_retried_with_the_servers_time(fake, first, retry)
    assert "problem" not in later
    assert flickr.oauth.clock_offset == pytest.approx(skew, abs=5)


def test_rest_auth_error_with_a_near_date_is_not_retried(fake):
    fake.clock_offset = 60
    token = granted(fake, "read")
    flickr = make_flickr(fake, token=token)
    fake.revoke(token.token)

    with pytest.raises(fo.FlickrAPIError) as caught:
        flickr.test.login()

    assert caught.value.code == 98
    assert len(fake.calls()) == 1
    assert flickr.oauth.clock_offset == 0


def refuse_timestamps(record):
    return form_text(
        [
            ("oauth_problem", "timestamp_refused"),
            ("oauth_acceptable_timestamps", "1-2"),
        ]
    )


#: name: (path, what a refusal looks like there, how to reach it)
ALWAYS_REFUSING = {
    "request-token": (
        REQUEST_TOKEN,
        401,
        refuse_timestamps,
        reach_request_token,
    ),
    "access-token": (ACCESS_TOKEN, 401, refuse_timestamps, reach_access_token),
    "rest-timestamp_refused": (
        REST,
        401,
        refuse_timestamps,
        reach_rest("parsed-json"),
    ),
    "rest-96": (REST, 200, rest_failure(96), reach_rest("etree")),
    "rest-97": (REST, 200, rest_failure(97), reach_rest("rest")),
    "rest-98": (REST, 200, rest_failure(98), reach_rest("json")),
}


@pytest.mark.parametrize("endpoint", list(ALWAYS_REFUSING))
@SKEWS
def test_a_server_that_always_refuses_gets_exactly_one_retry(
    fake, skew, endpoint
):
    path, status, body, reach = ALWAYS_REFUSING[endpoint]
    flickr = make_flickr(fake, token=granted(fake, "read"))
    act = reach(fake, flickr)
    fake.clock_offset = skew
    seen = len(fake.at(path))
    fake.script(path=path, status=status, body=body, times=10)

    with pytest.raises(fo.FlickrError):
        act()

    assert len(fake.at(path)) - seen == 2
    first, retry = fake.at(path)[-2:]
    assert retry["nonce"] != first["nonce"]


# --------------------------------------------------------------------------
# Issue 4: no secret in a log record, an error, a repr or any output.
# --------------------------------------------------------------------------


def distinctive(kind):
    """A secret that is easy to find raw or encoded: the same random hex
    at both ends, and characters that each encoding writes its own way
    in between."""
    core = secrets.token_hex(6)
    return f"{core}-{kind} &+=/\u00e9~{core}"


CONSUMER_SECRET = distinctive("consumer")
WRONG_SECRET = distinctive("wrong-consumer")


@pytest.fixture
def secretive(fake):
    """The stand-in with a distinctive consumer secret, and distinctive
    request-token secrets, token secrets and verifiers."""
    fake.consumers[fake.API_KEY] = CONSUMER_SECRET
    fake.make_secret = distinctive
    fake.make_verifier = lambda callback: distinctive("verifier")
    return fake


def secret_flickr(fake, secret=CONSUMER_SECRET, **kwargs):
    kwargs.setdefault("store_token", False)
    return fo.FlickrAPI(
        fake.API_KEY, secret, base_url=fake.base_url, timeout=5, **kwargs
    )


def error_texts(error):
    """All a user may see of an error: message, repr, the repr of each
    attribute, and the whole traceback with its causes."""
    yield str(error)
    yield repr(error)
    yield from (repr(value) for value in vars(error).values())
    yield "".join(
        traceback.format_exception(type(error), error, error.__traceback__)
    )


def debug_sbs_beside_the_verifier(record):
    """signature_invalid, the server's base string differing just after
    the verifier, so the shown excerpt takes in the verifier's end."""
    theirs = record["base_string"].replace(
        "%26oauth_version", "%26Xauth_version", 1
    )
    return form_text(
        [("oauth_problem", "signature_invalid"), ("debug_sbs", theirs)]
    )


def test_no_secret_in_logs_errors_reprs_or_output_of_any_flow(
    secretive, tmp_path, monkeypatch, caplog, capsys, debug_log
):
    fake = secretive
    caplog.set_level(logging.DEBUG)
    cache = str(tmp_path / "tokens")
    errors = []

    def expect(kind, act):
        with pytest.raises(kind) as caught:
            act()

        errors.append(caught.value)

    def at_the_access_token(**script):
        flickr = secret_flickr(fake)
        flickr.get_request_token(oauth_callback="oob")
        _, _, page = play_user(flickr.auth_url("read"))
        fake.script(path=ACCESS_TOKEN, **script)
        return lambda: flickr.get_access_token(verifier_on(page))

    # Flows that work: the browser (with strays at the callback server),
    # calls, the console.
    use_browser(
        monkeypatch,
        BrowserUser(
            before=lambda url: send_strays(callback_port_for(fake, url))
        ),
    )
    browser = secret_flickr(fake, store_token=True, token_cache_location=cache)
    browser.authenticate_via_browser(perms="write", timeout=20)
    browser.test.login()
    assert browser.token_valid("write") is True
    terminal = TerminalUser(capsys)
    monkeypatch.setattr(sys, "stdin", terminal)
    console = secret_flickr(
        fake, store_token=True, token_cache_location=cache, username="con"
    )
    console.authenticate_console(perms="read")

    # Flows that fail, several with a secret in the reply.
    typed = distinctive("typed-verifier")
    wrong = secret_flickr(fake)
    wrong.get_request_token(oauth_callback="oob")
    play_user(wrong.auth_url("read"))
    expect(fo.OAuthError, lambda: wrong.get_access_token(typed))
    expect(
        fo.OAuthError,
        at_the_access_token(
            status=401,
            body=debug_sbs_beside_the_verifier,
            content_type="text/plain",
        ),
    )
    in_replies = [distinctive(f"in-reply-{n}") for n in range(5)]
    for status, pairs, cut in [
        (
            200,
            [("oauth_token", "t"), ("oauth_token_secret", in_replies[0])],
            0,
        ),
        (
            200,
            [("oauth_token", "t"), ("oauth_token_secret", in_replies[1])]
            + [("oauth_token_secret", in_replies[2]), ("user_nsid", "1@N01")],
            0,
        ),
        (502, [("oauth_token_secret", in_replies[3])], 0),
        (
            200,
            [("oauth_token", "t"), ("oauth_token_secret", in_replies[4])],
            1,
        ),
    ]:
        expect(
            fo.FlickrError,
            at_the_access_token(
                status=status,
                body=form_text(pairs),
                content_type="text/plain",
                cut=bool(cut),
            ),
        )
    unconfirmed = secret_flickr(fake)
    fake.script(
        path=REQUEST_TOKEN,
        status=200,
        body=form_text([("oauth_token", "t"), ("oauth_token_secret", typed)]),
    )
    expect(fo.ResponseError, lambda: unconfirmed.get_request_token("oob"))
    imposter = secret_flickr(fake, WRONG_SECRET)
    expect(fo.OAuthError, lambda: imposter.get_request_token("oob"))
    fake.script(
        status=401,
        body=debug_sbs_differing_at_the_host,
        content_type="text/plain",
    )
    expect(fo.OAuthError, lambda: browser.test.login())
    fake.deny = True
    denied = secret_flickr(fake)
    expect(
        fo.AuthorizationDenied,
        lambda: denied.authenticate_via_browser("read", timeout=20),
    )

    captured = capsys.readouterr()
    shown = [caplog.text, *debug_log, terminal.shown, captured.out]
    shown.append(captured.err)
    for error in errors:
        shown.extend(error_texts(error))
    signing = browser._token_client()  # holds the access token's secret
    for thing in (browser, wrong, wrong.oauth, signing, browser.transport):
        shown.append(repr(thing))
    for cache_ in (browser.token_cache, console.token_cache):
        shown += [repr(cache_), repr(cache_.token), str(cache_.token)]

    assert any("signature base string" in record for record in debug_log)
    assert browser.token_cache.token.token_secret in HANDED_OUT
    assert signing.token_secret == browser.token_cache.token.token_secret
    assert wrong.oauth.token_secret in HANDED_OUT
    assert errors[1].oauth_problem == "signature_invalid"
    assert_secrets_hidden(
        shown,
        [CONSUMER_SECRET, WRONG_SECRET, typed, *in_replies, *HANDED_OUT],
    )


BROWSER_SCRIPT = """\
#!{python}
# Plays the person at the stand-in's authorize page: says yes, and
# follows the redirect back to the local callback server.
import html
import re
import sys
import urllib.parse
import urllib.request


class LoopbackOnly(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urllib.parse.urlsplit(newurl).hostname != "127.0.0.1":
            raise SystemExit("refusing to leave 127.0.0.1")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


url = sys.argv[1]
if urllib.parse.urlsplit(url).hostname != "127.0.0.1":
    raise SystemExit("refusing to leave 127.0.0.1")
opener = urllib.request.build_opener(
    urllib.request.ProxyHandler({{}}), LoopbackOnly
)
page = opener.open(url, timeout=10).read().decode("utf-8")
action = re.search(r'<form method="post" action="([^"]*)"', page).group(1)
hidden = r'<input type="hidden" name="([^"]*)" value="([^"]*)"'
fields = re.findall(hidden, page)
data = urllib.parse.urlencode(
    [(html.unescape(n), html.unescape(v)) for n, v in fields]
).encode("ascii")
opener.open(urllib.parse.urljoin(url, action), data=data, timeout=10).read()
"""

DEBUG_CLI = (
    "import logging, sys\n"
    "logging.basicConfig(level=logging.DEBUG)\n"
    "import flickroauth\n"
    "sys.exit(flickroauth.main(sys.argv[1:]))\n"
)


def run_debug_cli(fake, *args, env, stdin=""):
    """The command line with the root logger at DEBUG on stderr."""
    command = [sys.executable, "-c", DEBUG_CLI, "--base-url", fake.base_url]
    return subprocess.run(
        command + list(args),
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=os.environ["HOME"],
        timeout=60,
    )


def test_command_line_prints_and_logs_no_secret(secretive, tmp_path):
    fake = secretive
    browser = tmp_path / "say-yes"
    browser.write_text(BROWSER_SCRIPT.format(python=sys.executable))
    browser.chmod(0o755)
    env = cli_env(
        fake,
        FLICKR_API_SECRET=CONSUMER_SECRET,
        BROWSER=str(browser),
        PYTHONPATH=str(Path(MODULE_FILE).parent),
    )
    typed = distinctive("typed-verifier")

    results = [
        run_debug_cli(
            fake, "login", "--perms", "write", "--wait", "20", env=env
        ),
        run_debug_cli(fake, "call", "flickr.test.login", env=env),
        run_debug_cli(fake, "whoami", env=env),
        run_debug_cli(fake, "tokens", env=env),
        run_debug_cli(
            fake,
            "--username",
            "x",
            "login",
            "--no-browser",
            env=env,
            stdin=typed,
        ),
        run_debug_cli(
            fake,
            "call",
            "flickr.test.login",
            env=dict(env, FLICKR_API_SECRET=WRONG_SECRET),
        ),
    ]

    codes = [result.returncode for result in results]
    assert codes == [0, 0, 0, 0, 1, 1], [r.stderr for r in results]
    assert "verifier_invalid" in results[4].stderr
    assert "Invalid signature" in results[5].stderr
    assert "DEBUG:flickroauth:signature base string" in results[0].stderr
    assert home_cache_token(fake).token_secret in HANDED_OUT
    shown = [r.stdout for r in results] + [r.stderr for r in results]
    assert_secrets_hidden(
        shown, [CONSUMER_SECRET, WRONG_SECRET, typed, *HANDED_OUT]
    )


# --------------------------------------------------------------------------
# Issue 4: the token file.
# --------------------------------------------------------------------------


def tree(root):
    """Everything under root, as what would show a change to it."""
    found = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(directory, name)
            st = os.lstat(path)
            data = b""
            if stat.S_ISREG(st.st_mode):
                with open(path, "rb") as file:
                    data = file.read()

            found[os.path.relpath(path, root)] = (
                stat.S_IFMT(st.st_mode),
                stat.S_IMODE(st.st_mode),
                st.st_mtime_ns,
                data,
            )

    return found


@pytest.mark.parametrize("how", ["write", "default-location"])
def test_token_file_left_wide_by_flickrapi_is_tightened(tmp_path, how):
    if how == "default-location":
        where = Path(os.environ["HOME"]) / ".flickr"
    else:
        where = tmp_path / "shared"
    filename = write_flickrapi_file(
        where, [("key-1", "", "t", "s", "read", "", "", "1@N01")]
    )
    where.chmod(0o755)
    filename.chmod(0o644)

    if how == "default-location":
        token = fo.FlickrAPI("key-1", "secret").token_cache.token
        assert token.token == "t"
    else:
        cache = fo.OAuthTokenCache("key-1", "bob", str(where))
        cache.token = fo.FlickrAccessToken("u", "s2", "write")

    assert stat.S_IMODE(filename.stat().st_mode) == 0o600
    assert stat.S_IMODE(where.stat().st_mode) == 0o700


SQLITE_TOKENS = []


def truncated_sqlite():
    """The first half of a real token file with a few users in it."""
    if not SQLITE_TOKENS:
        import tempfile

        with tempfile.TemporaryDirectory() as where:
            for n in range(20):
                fo.OAuthTokenCache(
                    "key-1", f"user-{n}" * 20, where
                ).token = fo.FlickrAccessToken(f"t{n}" * 30, "s" * 60, "read")

            with open(os.path.join(where, "oauth-tokens.sqlite"), "rb") as f:
                data = f.read()

        SQLITE_TOKENS.append(data[: len(data) // 2])

    return SQLITE_TOKENS[0]


CORRUPT_FILES = {
    "text": lambda: b"this is not an SQLite database\n" * 200,
    "random-bytes": lambda: bytes((n * 7919 + 13) % 256 for n in range(8192)),
    "zeros": lambda: bytes(4096),
    "truncated-sqlite": truncated_sqlite,
    "sqlite-header-then-zeros": lambda: (
        truncated_sqlite()[:100] + bytes(4096 - 100)
    ),
}


@pytest.mark.parametrize("kind", list(CORRUPT_FILES))
def test_corrupt_token_file_is_named_and_left_alone(tmp_path, kind):
    where = tmp_path / "tokens"
    where.mkdir(mode=0o700)
    filename = where / "oauth-tokens.sqlite"
    data = CORRUPT_FILES[kind]()
    filename.write_bytes(data)
    filename.chmod(0o600)
    flickr = fo.FlickrAPI("key-1", "secret", token_cache_location=str(where))
    cache = flickr.token_cache

    def write():
        cache.token = fo.FlickrAccessToken("t", "s", "read")

    for act in (
        lambda: cache.token,
        lambda: flickr.token_valid("read"),
        write,
        cache.forget,
        cache.entries,
    ):
        with pytest.raises(fo.TokenCacheError) as caught:
            act()

        assert caught.value.path == str(filename)
        assert str(filename) in str(caught.value)

    assert filename.read_bytes() == data
    assert os.listdir(where) == ["oauth-tokens.sqlite"]


def directory_root_cannot_write(tmp_path):
    """True when a chmod 0500 directory really stops this process (it
    does not stop root)."""
    probe = tmp_path / "probe"
    probe.mkdir(mode=0o500)
    probe.chmod(0o500)
    try:
        (probe / "x").touch()
    except PermissionError:
        return True
    finally:
        probe.chmod(0o700)

    return False


@pytest.mark.parametrize("how", ["read-only-home", "under-a-regular-file"])
def test_unwritable_token_location_names_path_and_the_ways_out(
    fake, tmp_path, how
):
    if how == "read-only-home":
        if not directory_root_cannot_write(tmp_path):
            pytest.skip(
                "this process writes into a chmod 0500 directory (it runs "
                "as root), so a read-only home cannot be made here; "
                "under-a-regular-file makes creation fail instead"
            )

        home = Path(os.environ["HOME"])
        home.chmod(0o500)
        location = None
        expected = home / ".flickr" / "oauth-tokens.sqlite"
    else:
        blocker = tmp_path / "a-regular-file"
        blocker.write_text("not a directory\n")
        location = str(blocker / "flickr")
        expected = blocker / "flickr" / "oauth-tokens.sqlite"

    flickr = make_flickr(fake, tmp_path, token_cache_location=location)
    flickr.get_request_token(oauth_callback="oob")
    _, _, page = play_user(flickr.auth_url("read"))
    try:
        with pytest.raises(fo.TokenCacheError) as caught:
            flickr.get_access_token(verifier_on(page))
    finally:
        Path(os.environ["HOME"]).chmod(0o700)

    text = str(caught.value)
    assert caught.value.path == str(expected)
    assert str(expected) in text
    assert "store_token=False" in text
    assert "token_cache_location=" in text
    assert not expected.exists()


def test_store_token_false_touches_nothing_on_disk(
    fake, tmp_path, monkeypatch, capsys
):
    home = Path(os.environ["HOME"])
    left = write_flickrapi_file(
        home / ".flickr",
        [(fake.API_KEY, "", "old-token", "old-secret", "read", "", "", "1")],
    )
    left.chmod(0o644)
    (home / ".flickr").chmod(0o755)
    before = tree(tmp_path)
    use_browser(monkeypatch, BrowserUser())
    monkeypatch.setattr(sys, "stdin", TerminalUser(capsys))

    browser = make_flickr(fake, store_token=False)
    browser.authenticate_via_browser(perms="write", timeout=20)
    assert browser.token_valid("write") is True
    browser.test.login()
    console = make_flickr(fake, store_token=False, username="someone")
    console.authenticate_console(perms="read")
    console.token_cache.forget()
    given = make_flickr(fake, token=granted(fake, "read"))
    given.test.login()
    given.token_cache.forget()

    assert tree(tmp_path) == before
    assert len(fake.at(REQUEST_TOKEN)) == 2


@pytest.mark.parametrize("version", [0, 2, 99])
def test_other_token_file_versions_are_refused_and_left_alone(
    tmp_path, version
):
    where = tmp_path / "other"
    filename = write_flickrapi_file(
        where, [("key-1", "", "t", "s", "read", "", "", "1@N01")]
    )
    conn = sqlite3.connect(str(filename))
    with conn:
        conn.execute(
            "UPDATE oauth_cache_db_version SET version = ?", (version,)
        )
    conn.close()
    filename.chmod(0o600)
    before = tree(where)
    flickr = fo.FlickrAPI("key-1", "secret", token_cache_location=str(where))

    def write():
        flickr.token_cache.token = fo.FlickrAccessToken("t2", "s2", "read")

    for act in (
        lambda: flickr.token_cache.token,
        write,
        flickr.token_cache.forget,
    ):
        with pytest.raises(fo.TokenCacheError) as caught:
            act()

        text = str(caught.value)
        assert str(filename) in text
        assert f"version [{version}]" in text

    assert tree(where) == before


TOKEN_WORKER = """
import sys

import flickroauth as fo

where, me = sys.argv[1], int(sys.argv[2])
for n in range(50):
    mine = fo.FlickrAccessToken(f"token-{me}-{n}", f"secret-{me}-{n}", "write")
    fo.OAuthTokenCache("key-1", f"user-{me}", where).token = mine
    back = fo.OAuthTokenCache("key-1", f"user-{me}", where).token
    if back != mine:
        sys.exit(f"lost write: {mine.token} read back as {back!r}")
    other = (me + n + 1) % 8
    theirs = fo.OAuthTokenCache("key-1", f"user-{other}", where).token
    if theirs is not None and not theirs.token.startswith(f"token-{other}-"):
        sys.exit(f"user-{other} holds {theirs.token}")
print("done")
"""


def test_eight_processes_share_one_token_file(tmp_path):
    where = str(tmp_path / "shared")
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
    env["PYTHONPATH"] = str(Path(MODULE_FILE).parent)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", TOKEN_WORKER, where, str(me)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for me in range(8)
    ]
    try:
        results = [worker.communicate(timeout=120) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

    for worker, (out, err) in zip(workers, results):
        assert "locked" not in err
        assert worker.returncode == 0, err
        assert out.strip() == "done"
    cache = fo.OAuthTokenCache("key-1", "", where)
    assert [e["lookup_key"] for e in cache.entries()] == [
        f"user-{me}" for me in range(8)
    ]
    for me in range(8):
        token = fo.OAuthTokenCache("key-1", f"user-{me}", where).token
        assert (token.token, token.token_secret) == (
            f"token-{me}-49",
            f"secret-{me}-49",
        )


# --------------------------------------------------------------------------
# Issue 4: the callback server under abuse.
# --------------------------------------------------------------------------

JUNK = [
    b"\x00\xff\xfe\xfd" * 64,
    TLS_CLIENT_HELLO,
    b"\r\n\r\n",
    b"GET / HTTP/1.1\r\n\r\n",
    b"GET /?oauth_token=not-this-one&oauth_verifier=junk HTTP/1.1\r\n\r\n",
    b"GET /" + b"A" * 70000 + b" HTTP/1.1\r\n\r\n",
    b"GET / HTTP/1.1\r\n" + b"X-Junk: y\r\n" * 150 + b"\r\n",
    b"GET / HTTP/9.9\r\n\r\n",
    b"GET /\x00\x01 HTTP/1.1\r\n\r\n",
    b"BREW /pot HTTP/1.1\r\n\r\n",
    b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
    b"GET /favicon.ico HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
]


def poke_and_reset(port, data):
    """Send raw bytes and reset the connection (RST) without waiting."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(data)
    sock.setsockopt(
        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
    )
    sock.close()
    return b""


def junk_requests(port, count=1000, workers=4):
    """``count`` junk requests from a few threads, one in ten reset by
    the sender before any reply. Each other one gets an HTTP error (or
    nothing, for an empty request line): never a success, never a
    dropped connection."""
    replies, wrong = [], []

    def send(offset):
        for n in range(offset, count, workers):
            junk = JUNK[n % len(JUNK)]
            if n % 10 == 9:
                replies.append(poke_and_reset(port, junk))
                continue

            reply = poke(port, junk)
            replies.append(reply)
            # Garbage with no HTTP version is answered as HTTP/0.9: the
            # error page alone, with no status line.
            refused = re.match(rb"HTTP/1\.[01] [45]\d\d ", reply) or (
                re.search(rb"Error code: [45]\d\d", reply)
                and not reply.startswith(b"HTTP")
            )
            if junk.strip() and not refused:
                wrong.append((junk[:60], reply[:200]))

    threads = [
        threading.Thread(target=send, args=(n,), daemon=True)
        for n in range(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert len(replies) == count
    assert wrong == []
    return replies


def flow_token(url):
    return dict(ref_form_decode(urllib.parse.urlsplit(url).query))[
        "oauth_token"
    ]


def abuse_silence(port, url, held):
    held.append(socket.create_connection(("127.0.0.1", port), timeout=5))


def abuse_junk(port, url, held):
    junk_requests(port)


def abuse_other_flow(port, url, held):
    for query in (
        "oauth_token=another-flow&oauth_verifier=stolen",
        "oauth_token=another-flow&oauth_problem=user_refused",
        "oauth_token=another-flow",
    ):
        status, _, _ = fetch(f"http://127.0.0.1:{port}/?{query}")
        assert status == 400


def abuse_tls(port, url, held):
    poke(port, TLS_CLIENT_HELLO)


def abuse_head(port, url, held):
    query = f"oauth_token={flow_token(url)}&oauth_verifier=forged"
    reply = poke(port, f"HEAD /?{query} HTTP/1.0\r\n\r\n".encode())
    assert reply.startswith(b"HTTP/1.0 200")
    assert b"\r\n\r\n" in reply and reply.endswith(b"\r\n\r\n")


CALLBACK_ABUSE = {
    "silent-connection": abuse_silence,
    "1000-junk-requests": abuse_junk,
    "another-oauth_token": abuse_other_flow,
    "tls-client-hello": abuse_tls,
    "head": abuse_head,
}


@pytest.mark.parametrize("abuse", list(CALLBACK_ABUSE))
def test_browser_flow_completes_through_abuse_of_the_callback_server(
    fake, tmp_path, monkeypatch, capsys, abuse
):
    held = []
    user = BrowserUser(
        before=lambda url: CALLBACK_ABUSE[abuse](
            callback_port_for(fake, url), url, held
        )
    )
    use_browser(monkeypatch, user)
    flickr = make_flickr(fake, tmp_path)
    try:
        # Shorter than the 10 s a silent connection may hold a handler:
        # the right callback must not wait behind it.
        flickr.authenticate_via_browser(perms="write", timeout=5)
        port = urllib.parse.urlsplit(fake.callbacks[-1]).port
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
    finally:
        for sock in held:
            sock.close()

    assert user.errors == []
    token = flickr.token_cache.token
    assert token.access_level == "write"
    assert fake.access_tokens[token.token]["perms"] == "write"
    assert [r.get("problem") for r in fake.at(ACCESS_TOKEN)] == [None]
    assert_port_closed(port)
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "")


def deny_at_the_callback(fake, query):
    """A browser sent back with ``query`` (after the right oauth_token)."""

    def open_(url, new=0, autoraise=True):
        port = callback_port_for(fake, url)
        fetch(f"http://127.0.0.1:{port}/?oauth_token={flow_token(url)}{query}")
        return True

    return open_


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("&oauth_problem=user_refused", "user_refused"),
        ("", "no oauth_verifier"),
        ("&oauth_verifier=", "no oauth_verifier"),
    ],
    ids=["user_refused", "no-verifier", "empty-verifier"],
)
def test_denial_at_the_callback_ends_the_flow_and_frees_the_port(
    fake, tmp_path, monkeypatch, capsys, query, named
):
    for name in ("open", "open_new", "open_new_tab"):
        monkeypatch.setattr(
            webbrowser, name, deny_at_the_callback(fake, query)
        )
    flickr = make_flickr(fake, tmp_path)

    with pytest.raises(fo.AuthorizationDenied) as caught:
        flickr.authenticate_via_browser(perms="read", timeout=20)

    assert named in str(caught.value)
    assert flickr.token_cache.token is None
    assert fake.at(ACCESS_TOKEN) == []
    assert_port_closed(urllib.parse.urlsplit(fake.callbacks[-1]).port)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("ending", ["verifier", "denial", "timeout", "cancel"])
def test_callback_server_frees_its_port_however_the_wait_ends(capsys, ending):
    with fo.CallbackServer() as server:
        server.expect("tok")
        held = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        junk_requests(server.port, count=40)
        if ending == "verifier":
            fetch(server.url + "?oauth_token=tok&oauth_verifier=v")
            assert server.wait(timeout=5) == "v"
        elif ending == "denial":
            fetch(server.url + "?oauth_token=tok&oauth_problem=user_refused")
            with pytest.raises(fo.AuthorizationDenied):
                server.wait(timeout=5)
        elif ending == "timeout":
            with pytest.raises(fo.CallbackTimeout):
                server.wait(timeout=0.2)
        else:
            server.cancel()
            with pytest.raises(fo.AuthorizationDenied):
                server.wait(timeout=5)

    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", server.port), timeout=2)
    held.close()
    assert_port_closed(server.port)
    assert capsys.readouterr().err == ""


# --------------------------------------------------------------------------
# Issue 4: one FlickrAPI shared by threads.
# --------------------------------------------------------------------------


def test_one_flickrapi_from_eight_threads_two_hundred_calls_each(fake):
    flickr = make_flickr(fake, token=granted(fake, "read"))
    failures = []
    start = threading.Barrier(8, timeout=30)

    def work(me):
        try:
            start.wait()
            for n in range(200):
                rsp = flickr.test.echo(format="parsed-json", call=f"{me}-{n}")
                if rsp["call"]["_content"] != f"{me}-{n}":
                    failures.append(f"{me}-{n} got {rsp['call']}")
        except Exception:
            failures.append(traceback.format_exc())

    threads = [threading.Thread(target=work, args=(me,)) for me in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    calls = fake.calls("flickr.test.echo")
    assert len(calls) == 1600
    assert [c for c in calls if "problem" in c or "error_code" in c] == []
    assert len({c["nonce"] for c in calls}) == 1600


# --------------------------------------------------------------------------
# Issue 4: a caller's mistakes.
# --------------------------------------------------------------------------


class Privacy(enum.IntEnum):
    FRIENDS = 2


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        (0, "0"),
        (-3, "-3"),
        (2**40, "1099511627776"),
        (2.5, "2.5"),
        (True, "1"),
        (False, "0"),
        (Privacy.FRIENDS, "2"),
        (["a b", "c"], "a b,c"),
        (("sunset", 2, True), "sunset,2,1"),
        ([1, None, 3], "1,3"),
        ([], ""),
        (b"caf\xc3\xa9", "caf\u00e9"),
        (bytearray(b"caf\xc3\xa9"), "caf\u00e9"),
        ("Zo\u00eb", "Zo\u00eb"),
    ],
    ids=lambda value: type(value).__name__,
)
def test_parameter_values_are_sent_as_flickr_expects(fake, value, sent):
    flickr = make_flickr(fake, format="parsed-json")

    rsp = flickr.test.echo(value=value)

    assert fake.calls()[-1]["params"]["value"] == sent
    assert rsp["value"] == ({"_content": sent} if sent else {})


def test_a_none_parameter_is_left_out(fake):
    make_flickr(fake).test.echo(value=None, kept="1")

    assert "value" not in fake.calls()[-1]["params"]
    assert fake.calls()[-1]["params"]["kept"] == "1"


@pytest.mark.parametrize(
    "value",
    [
        {"a": 1},
        {1, 2},
        frozenset(),
        object(),
        1j,
        decimal.Decimal("1.5"),
        datetime.date(2024, 1, 1),
        ["fine", {"not": "fine"}],
    ],
    ids=lambda value: type(value).__name__,
)
def test_other_parameter_types_are_a_type_error_naming_the_parameter(
    fake, value
):
    flickr = make_flickr(fake)

    with pytest.raises(TypeError) as caught:
        flickr.test.echo(photo_title=value)

    assert "photo_title" in str(caught.value)
    assert fake.requests == []


@pytest.mark.parametrize(
    ("make", "named"),
    [
        (lambda: fo.FlickrAPI("", "secret"), "api_key"),
        (lambda: fo.FlickrAPI("   ", "secret"), "api_key"),
        (lambda: fo.FlickrAPI("key", ""), "secret"),
        (lambda: fo.FlickrAPI("key", " \t"), "secret"),
        (lambda: fo.OAuth1Client("", "secret"), "client_key"),
        (lambda: fo.OAuth1Client("key", ""), "client_secret"),
        (lambda: fo.OAuthTokenCache(""), "api_key"),
        (lambda: fo.FlickrAccessToken("", "s"), "token"),
        (lambda: fo.FlickrAccessToken("t", ""), "token_secret"),
    ],
    ids=[
        "empty-api-key",
        "blank-api-key",
        "empty-secret",
        "blank-secret",
        "empty-client-key",
        "empty-client-secret",
        "cache-empty-api-key",
        "empty-token",
        "empty-token-secret",
    ],
)
def test_empty_key_or_secret_is_a_value_error_saying_which(make, named):
    with pytest.raises(ValueError) as caught:
        make()

    assert str(caught.value).startswith(f"{named} ")
    assert "empty" in str(caught.value)


@pytest.mark.parametrize(
    "ask",
    [
        lambda flickr: flickr.auth_url("admin"),
        lambda flickr: flickr.token_valid("admin"),
        lambda flickr: flickr.authenticate_via_browser("admin", timeout=1),
        lambda flickr: flickr.authenticate_console("admin"),
        lambda flickr: flickr.import_request_token(
            {"oauth_token": "t", "oauth_token_secret": "s", "perms": "admin"}
        ),
    ],
    ids=["auth_url", "token_valid", "browser", "console", "import"],
)
def test_unknown_perms_is_a_value_error_saying_which(fake, ask):
    flickr = make_flickr(fake, token=granted(fake, "read"))

    with pytest.raises(ValueError) as caught:
        ask(flickr)

    assert "perms 'admin'" in str(caught.value)
    assert fake.requests == []


@pytest.mark.parametrize(
    "ask",
    [
        lambda fake: make_flickr(fake, format="xml"),
        lambda fake: make_flickr(fake).call("flickr.test.echo", format="xml"),
        lambda fake: make_flickr(fake).test.echo(format="xml"),
        lambda fake: list(make_flickr(fake).walk(format="xml")),
        lambda fake: make_flickr(fake).upload(__file__, format="xml"),
    ],
    ids=["constructor", "call", "method", "walk", "upload"],
)
def test_unknown_format_is_a_value_error_saying_which(fake, ask):
    with pytest.raises(ValueError) as caught:
        ask(fake)

    assert "format 'xml'" in str(caught.value)
    assert fake.requests == []


# --------------------------------------------------------------------------
# Issue 4: a small reply costs no large buffer (Python 3.8's read(amt)
# sets aside amt bytes first, as later ones do without a length).
# --------------------------------------------------------------------------


@pytest.mark.parametrize("framing", ["content-length", "close-delimited"])
def test_a_small_reply_is_read_without_a_large_buffer(fake, faulty, framing):
    base_url = fake.base_url
    if framing == "close-delimited":
        base_url = faulty("close-delimited").base_url
    flickr = fo.FlickrAPI(
        fake.API_KEY, fake.API_SECRET, store_token=False, base_url=base_url
    )
    flickr.test.echo(format="rest")

    tracemalloc.start()
    try:
        flickr.test.echo(format="rest")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 4 * 2**20, f"{peak / 2**20:.0f} MiB for a small reply"


# --------------------------------------------------------------------------
# Review fixes: links at the cache path, reprs, URL checks, odd inputs.
# --------------------------------------------------------------------------


def test_cache_file_that_is_a_link_is_refused_and_its_target_untouched(
    tmp_path,
):
    target = tmp_path / "someone-elses-file"
    target.write_text("not yours")
    target.chmod(0o644)
    where = tmp_path / "tokens"
    where.mkdir()
    (where / "oauth-tokens.sqlite").symlink_to(target)
    cache = fo.OAuthTokenCache("key-1", "", str(where))

    with pytest.raises(fo.TokenCacheError) as reading:
        _ = cache.token
    with pytest.raises(fo.TokenCacheError):
        cache.token = fo.FlickrAccessToken("t", "s", "read")

    assert "symbolic link" in str(reading.value)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert target.read_text() == "not yours"


def test_dangling_link_at_the_cache_path_creates_nothing(tmp_path):
    where = tmp_path / "tokens"
    where.mkdir()
    aim = tmp_path / "elsewhere" / "created-by-mistake"
    aim.parent.mkdir()
    (where / "oauth-tokens.sqlite").symlink_to(aim)
    cache = fo.OAuthTokenCache("key-1", "", str(where))

    with pytest.raises(fo.TokenCacheError):
        cache.token = fo.FlickrAccessToken("t", "s", "read")

    assert not aim.exists()


def test_a_linked_default_directory_is_not_tightened():
    home = Path(os.environ["HOME"])
    shared = home / "shared"
    shared.mkdir()
    (shared / "notes.txt").write_text("other things live here")
    shared.chmod(0o755)
    (home / ".flickr").symlink_to(shared, target_is_directory=True)
    cache = fo.OAuthTokenCache("key-1")

    cache.token = fo.FlickrAccessToken("t", "s", "read")

    assert stat.S_IMODE(shared.stat().st_mode) == 0o755
    assert cache.token.token == "t"
    assert stat.S_IMODE((shared / "oauth-tokens.sqlite").stat().st_mode) == (
        0o600
    )


def test_cache_in_wal_mode_sees_another_writers_token(tmp_path):
    reader = fo.OAuthTokenCache("key-1", "", str(tmp_path))
    writer = fo.OAuthTokenCache("key-1", "", str(tmp_path))
    writer.token = fo.FlickrAccessToken("first", "s", "read")
    with sqlite3.connect(reader.filename) as conn:
        conn.execute("PRAGMA journal_mode=WAL")

    assert reader.token.token == "first"
    writer.token = fo.FlickrAccessToken("second", "s", "read")

    assert reader.token.token == "second"


def test_a_cache_that_cannot_be_tightened_is_read_but_not_written(
    tmp_path, monkeypatch
):
    cache = fo.OAuthTokenCache("key-1", "", str(tmp_path))
    cache.token = fo.FlickrAccessToken("t", "s", "read")
    os.chmod(cache.filename, 0o644)

    def read_only(fd, mode):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(os, "fchmod", read_only)

    assert fo.OAuthTokenCache("key-1", "", str(tmp_path)).token.token == "t"
    with pytest.raises(fo.TokenCacheError) as writing:
        cache.token = fo.FlickrAccessToken("t2", "s", "read")
    assert "Read-only" in str(writing.value)


def test_query_signatures_keep_secrets_out_of_reprs_and_errors(fake):
    client = fo.OAuth1Client(
        "consumer-key",
        "CONSUMER-SECRET-XYZ",
        "token",
        "TOKEN-SECRET-XYZ",
        signature_method="PLAINTEXT",
        signature_type="query",
    )
    signed = client.sign("GET", fake.base_url + "/anything", {"a": "b"})
    resp = client.request("GET", fake.base_url + "/anything")

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(fo.TransportError) as caught:
        client.request("GET", f"http://127.0.0.1:{port}/x")

    shown = repr(signed) + repr(resp) + caught.value.url + str(caught.value)
    assert "SECRET" not in shown
    assert "CONSUMER-SECRET-XYZ" in signed.url  # it is sent, just not shown


def test_has_level_refuses_a_level_it_does_not_know():
    token = fo.FlickrAccessToken("t", "s", "read")

    assert token.has_level("read")
    assert not token.has_level("write")
    for odd in ("Delete", "WRITE", "admin", ""):
        with pytest.raises(ValueError):
            token.has_level(odd)


@pytest.mark.parametrize(
    "url",
    [
        "HTTP://127.0.0.1/x",
        "http://localhost:8080/x",
        "http://[::1]:80/x",
        "http://127.9.8.7/x?q=1#frag",
        "https://api.flickr.com/services/rest/",
    ],
)
def test_urls_that_are_accepted(url):
    fo.check_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.\u0661.\u0660.\u0661/x",
        "http://evil.example@127.0.0.1/x",
        "https://user:pw@api.flickr.com/",
        "http://127.0.0.1.evil.example/x",
        "http://10.0.0.1/x",
        "http://127.0.0.1/a b",
        "http://127.0.0.1/x\r\nHost: evil",
        "ftp://127.0.0.1/x",
        "file:///etc/passwd",
        "http://127.0.0.1:99999/x",
    ],
)
def test_urls_that_are_refused(url):
    with pytest.raises(ValueError):
        fo.check_url(url)


def test_an_ssl_context_that_does_not_verify_is_refused():
    with pytest.raises(ValueError):
        fo.Transport(ssl_context=ssl._create_unverified_context())
    loose = ssl.create_default_context()
    loose.check_hostname = False
    with pytest.raises(ValueError):
        fo.Transport(ssl_context=loose)


@pytest.mark.parametrize("value", [math.inf, math.nan, 1e10, 0, -1])
def test_timeouts_must_be_finite_and_positive(value):
    with pytest.raises(ValueError):
        fo.Transport(timeout=value)
    with fo.CallbackServer() as server, pytest.raises(ValueError):
        server.wait(value)


def test_cli_refuses_an_endless_wait(fake):
    result = run_cli(fake, "login", "--wait", "inf")

    assert_one_line_error(result)
    assert "timeout" in result.stderr


def test_oauth1_client_closes_its_connections(fake):
    with fo.OAuth1Client("k", "s") as client:
        client.request("GET", fake.base_url + "/anything")
        assert client.transport._idle

    assert not client.transport._idle


@pytest.mark.parametrize(
    "url, expected",
    [
        (
            "https://x.example/a",
            "https://x.example/a?oauth_token=t&perms=read",
        ),
        (
            "https://x.example/a?",
            "https://x.example/a?oauth_token=t&perms=read",
        ),
        (
            "https://x.example/a?lang=en#top",
            "https://x.example/a?lang=en&oauth_token=t&perms=read#top",
        ),
    ],
)
def test_authorization_url_adds_the_token_to_the_query(url, expected):
    client = fo.OAuth1Client("k", "s", "t", "ts")

    assert client.authorization_url(url, perms="read") == expected


def test_query_octets_that_are_not_utf8_are_signed_as_sent():
    base = fo.signature_base_string("GET", "http://h.example/p?a=%FF+b", [])

    assert base.endswith("&a%3D%25FF%2520b")


def test_odd_inputs_are_type_or_value_errors(fake, tmp_path):
    with pytest.raises(TypeError):
        fo.percent_encode(None)
    with pytest.raises(TypeError):
        fo.OAuth1Client("k", "s", token=123)
    with pytest.raises(ValueError):
        fo.OAuth1Client("k", "s", realm="a\x00b")
    flickr = make_flickr(fake, token=granted(fake, "write"))
    text_file = tmp_path / "photo.txt"
    text_file.write_text("hello")
    with open(text_file) as opened, pytest.raises(ValueError) as caught:
        flickr.upload("photo.txt", fileobj=opened)
    assert "binary" in str(caught.value)
    with pytest.raises(ValueError):
        flickr.upload(str(text_file), **{'na"me': "x"})
    with pytest.raises(ValueError):
        flickr.set_base_url(fake.base_url + "/?x=1")


def test_upload_takes_a_bytes_path_that_is_not_utf8(fake, tmp_path):
    raw = os.fsencode(str(tmp_path)) + b"/caf\xe9.jpg"
    with open(raw, "wb") as out:
        out.write(PHOTO_BYTES)
    flickr = make_flickr(fake, token=granted(fake, "write"))

    rsp = flickr.upload(raw, format="parsed-json")

    assert rsp["photoid"]["_content"]
    fields = dict(fake.uploads[-1]["fields"])
    assert fields["title"] == "caf\ufffd.jpg"
    assert fake.uploads[-1]["files"]["photo"][1] == PHOTO_BYTES


def test_cli_refuses_name_value_pairs_it_sets_itself(fake):
    for pair in ("format=rest", "method=flickr.x", "timeout=5"):
        result = run_cli(fake, "call", "flickr.test.echo", pair)
        assert_one_line_error(result)
        assert pair.split("=")[0] in result.stderr


def test_cli_logout_says_when_there_was_nothing_to_forget(fake):
    result = run_cli(fake, "logout")

    assert result.returncode == 0
    assert "no cached token" in result.stderr


def test_a_denial_without_the_flows_token_is_ignored():
    with fo.CallbackServer() as server:
        server.expect("the-token")
        stray = fetch(server.url + "?oauth_problem=user_refused")
        right = fetch(server.url + "?oauth_token=the-token&oauth_verifier=v")

        assert server.wait(5) == "v"
    assert stray[0] == 400
    assert right[0] == 200


def test_flickr_timeout_rules_a_given_transport(fake):
    fake.script(status=200, body="<rsp stat='ok'/>", delay=3)
    flickr = make_flickr(fake, timeout=0.3, transport=fo.Transport())

    with pytest.raises(fo.RequestTimeout):
        flickr.test.echo()


def test_flickrapi_names_for_code_that_imports_us_as_flickrapi():
    flickrapi = fo

    token = flickrapi.auth.FlickrAccessToken("t", "s", "read")
    assert token.has_level("read")
    assert flickrapi.exceptions.FlickrError is fo.FlickrError
    with pytest.raises(flickrapi.IllegalArgumentException):
        fo.FlickrAPI("", "secret")
    flickrapi.set_log_level(logging.INFO)
    assert logging.getLogger("flickroauth").level == logging.INFO
    flickrapi.set_log_level(logging.NOTSET)


# --------------------------------------------------------------------------
# Issue 3: the branches the rest of the suite left untried, in the order of
# the flow: signing, transport, callback, token cache, Flickr, command line.
# --------------------------------------------------------------------------


def test_base_strings_that_part_where_the_shorter_one_ends():
    ours = "GET&https%3A%2F%2Fapi.example.com%2F&a%3D1"
    theirs = ours + "%26b%3D2"

    error = fo.OAuthError(
        "access token", 401, "signature_invalid", theirs, ours
    )

    assert error.mismatch_at == len(ours)
    assert f"differs from ours at character {len(ours)}" in str(error)


def test_an_empty_verifier_leaves_the_logged_base_string_whole(caplog):
    # The verifier is starred out of the log; an empty one hides nothing.
    caplog.set_level(logging.DEBUG, logger="flickroauth")
    client = fo.OAuth1Client("key", "secret", "token", "token-secret")

    signed = client.sign(
        "POST",
        "https://api.example.com/oauth/access_token",
        oauth_extra=[("oauth_verifier", "")],
    )

    assert "oauth_verifier%3D%26" in signed.base_string
    assert f"signature base string: {signed.base_string}" in caplog.text


def test_parameters_given_as_utf8_bytes_sign_as_their_text():
    url = "https://api.example.com/photos"
    as_text = [("title", "Zo\u00eb's sunset"), ("tags", "sea sky")]
    as_bytes = [(n.encode("utf-8"), v.encode("utf-8")) for n, v in as_text]

    assert fo.normalized_parameters(as_bytes) == ref_normalize(as_text)
    assert fo.signature_base_string("POST", url, as_bytes) == (
        ref_base_string("POST", url, as_text)
    )
    assert fo.authorization_header(as_bytes) == ref_authorization(as_text)


def test_encodings_stay_right_once_their_memos_are_full():
    # Encoded code points and parameter names are remembered up to a
    # bound; past it, input is encoded all the same and nothing grows.
    url = "https://api.example.com/"
    text = "".join(map(chr, range(0x4E00, 0x4E00 + 5000)))
    pairs = [(f"field_{n}", str(n)) for n in range(1500)]

    assert fo.percent_encode(text) == ref_encode(text)
    assert fo.signature_base_string("POST", url, pairs) == (
        ref_base_string("POST", url, pairs)
    )
    assert len(fo._ESCAPES) <= 4096
    assert len(fo._NAMES) <= 1024


def test_empty_fields_of_a_query_are_no_parameters():
    base = fo.signature_base_string(
        "GET", "https://api.example.com/p?a=1&&b=2&", []
    )

    assert base == ref_base_string(
        "GET", "https://api.example.com/p", [("a", "1"), ("b", "2")]
    )


@pytest.mark.parametrize(
    ("act", "message"),
    [
        (
            lambda: fo.OAuth1Client("k", "s", realm=b"Photos"),
            "realm must be a str, not bytes",
        ),
        (
            lambda: fo.OAuth1Client("k", "s", "t", token_secret=b"s"),
            "token_secret must be a str, not bytes",
        ),
        (
            lambda: fo.Transport().request("GET", b"https://example.com/"),
            "a URL must be a str, not bytes",
        ),
        (
            lambda: fo.normalized_parameters([("count", 3)]),
            "parameter values must be str or bytes, not int",
        ),
        (
            lambda: fo.SimpleTokenCache(("token", "secret")),
            "expected a FlickrAccessToken, not tuple",
        ),
    ],
    ids=["realm", "token-secret", "url", "parameter", "token"],
)
def test_arguments_of_the_wrong_type_are_type_errors_that_say_so(act, message):
    with pytest.raises(TypeError) as caught:
        act()

    assert str(caught.value) == message


@pytest.mark.parametrize(
    "date",
    [None, "yesterday", "Mon, 99 Foo 2020 99:99:99 GMT"],
    ids=["no-date", "words", "impossible-date"],
)
def test_a_refused_timestamp_without_a_usable_date_is_not_retried(date):
    # The one-shot server takes one request: a retry would be refused.
    body = b"oauth_problem=timestamp_refused"
    head = (
        b"HTTP/1.1 401 Unauthorized\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: %d\r\n" % len(body)
    )
    if date is not None:
        head += b"Date: %s\r\n" % date.encode("ascii")
    url = _one_shot_server(head + b"\r\n" + body)
    client = fo.OAuth1Client("key", "secret", timeout=10)

    resp = client.request("POST", url)

    assert resp.status == 401
    assert resp.server_time() is None
    assert client.clock_offset == 0


def test_a_server_that_does_not_speak_http_is_a_transport_error():
    url = _one_shot_server(b"SSH-2.0-OpenSSH_9.6\r\n")

    with pytest.raises(fo.TransportError) as caught:
        fo.Transport(timeout=10).request("GET", url + "?api_key=key")

    text = str(caught.value)
    assert text.startswith(f"request to {url} failed: BadStatusLine: ")
    assert "api_key" not in text


FORM_BODY = b"title=Zo%C3%AB%27s+sunset&is_public=0"
FORM_HEADERS = {
    "Content-Type": "application/x-www-form-urlencoded",
    "Content-Length": str(len(FORM_BODY)),
}


@pytest.mark.parametrize("kind", ["bytes", "file"])
def test_a_request_a_kept_connection_dropped_is_sent_again_whole(
    faulty, tmp_path, kind
):
    server = faulty("hang-up-second")
    url = server.base_url + "/services/rest/"
    path = tmp_path / "form"
    path.write_bytes(FORM_BODY)
    transport = fo.Transport(timeout=10)
    transport.request("GET", url)

    with open(path, "rb") as opened:
        body = FORM_BODY if kind == "bytes" else opened
        resp = transport.request("POST", url, FORM_HEADERS, body)
    transport.close()

    assert resp.status == 200
    assert server.requests[1:] == ["POST /services/rest/ HTTP/1.1"] * 2
    assert server.bodies[1:] == [FORM_BODY] * 2


@pytest.mark.parametrize("kind", ["iterator", "pipe"])
def test_a_body_that_cannot_start_over_is_never_sent_twice(faulty, kind):
    server = faulty("hang-up-second")
    url = server.base_url + "/services/rest/"
    transport = fo.Transport(timeout=10)
    transport.request("GET", url)
    if kind == "iterator":
        body = iter([FORM_BODY[:10], FORM_BODY[10:]])
    else:
        read_end, write_end = os.pipe()
        os.write(write_end, FORM_BODY)
        os.close(write_end)
        body = open(read_end, "rb")

    try:
        with pytest.raises(fo.TransportError) as caught:
            transport.request("POST", url, FORM_HEADERS, body)
    finally:
        if kind == "pipe":
            body.close()

    assert "closed or reset" in str(caught.value)
    assert server.requests[1:] == ["POST /services/rest/ HTTP/1.1"]


def test_a_request_is_sent_at_most_twice_when_both_connections_drop_it(
    faulty,
):
    server = faulty("answer-once")
    url = server.base_url + "/services/rest/"
    transport = fo.Transport(timeout=10)
    transport.request("GET", url)

    with pytest.raises(fo.TransportError) as caught:
        transport.request("POST", url, FORM_HEADERS, FORM_BODY)

    assert "closed or reset" in str(caught.value)
    assert server.requests[1:] == ["POST /services/rest/ HTTP/1.1"] * 2


def test_a_cancel_after_the_browser_came_back_changes_nothing():
    with fo.CallbackServer() as server:
        server.expect("the-token")
        status, _, _ = fetch(
            server.url + "?oauth_token=the-token&oauth_verifier=v"
        )
        server.cancel()

        assert server.wait(5) == "v"
    assert status == 200


def test_no_token_file_means_no_entries_and_forgetting_creates_none(
    tmp_path,
):
    where = tmp_path / "tokens"
    cache = fo.OAuthTokenCache("key", path=str(where))

    assert cache.entries() == []
    del cache.token
    cache.forget()

    assert not where.exists()


def test_a_token_file_locked_by_another_writer_is_a_token_cache_error(
    tmp_path,
):
    cache = fo.OAuthTokenCache("key", path=str(tmp_path), busy_timeout=0.1)
    cache.token = fo.FlickrAccessToken("t", "s", "read")
    other = sqlite3.connect(cache.filename, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(fo.TokenCacheError) as writing:
            cache.token = fo.FlickrAccessToken("t2", "s2", "write")
        with pytest.raises(fo.TokenCacheError) as reading:
            cache.entries()
    finally:
        other.execute("ROLLBACK")
        other.close()

    assert str(writing.value).startswith(
        f"cannot write the token cache {cache.filename!r}: database is locked"
    )
    assert str(reading.value).startswith(
        f"cannot read the token cache {cache.filename!r}: database is locked"
    )
    assert writing.value.path == cache.filename
    assert fo.OAuthTokenCache("key", path=str(tmp_path)).token.token == "t"


def test_a_token_cache_path_that_is_a_directory_is_a_token_cache_error(
    tmp_path,
):
    cache = fo.OAuthTokenCache("key", path=str(tmp_path))
    os.mkdir(cache.filename)

    with pytest.raises(fo.TokenCacheError) as caught:
        _ = cache.token

    assert str(caught.value).startswith(
        f"cannot read the token cache {cache.filename!r}: "
    )
    assert caught.value.path == cache.filename


def _removed_just_after_it_was_seen(monkeypatch, cache):
    """Another process removes the file between our look and our open."""
    real_lexists = os.path.lexists

    def lexists(path):
        seen = real_lexists(path)
        if path == cache.filename:
            os.remove(path)
        return seen

    monkeypatch.setattr(os.path, "lexists", lexists)
    return "cannot read", "No such file or directory"


def _sqlite_cannot_open_it(monkeypatch, cache):
    """SQLite fails to open the file (out of file handles, say)."""

    def connect(*args, **kwargs):
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(sqlite3, "connect", connect)
    return "cannot open", "unable to open database file"


@pytest.mark.parametrize(
    "fault", [_removed_just_after_it_was_seen, _sqlite_cannot_open_it]
)
def test_a_token_file_that_cannot_be_opened_is_a_token_cache_error(
    tmp_path, monkeypatch, fault
):
    cache = fo.OAuthTokenCache("key", path=str(tmp_path))
    cache.token = fo.FlickrAccessToken("t", "s", "read")
    verb, reason = fault(monkeypatch, cache)

    with pytest.raises(fo.TokenCacheError) as caught:
        cache.entries()

    assert str(caught.value).startswith(
        f"{verb} the token cache {cache.filename!r}: {reason}; "
    )
    assert caught.value.path == cache.filename


def test_cached_replies_last_300_seconds_and_200_calls(fake, monkeypatch):
    flickr = make_flickr(fake, cache=True, format="parsed-json")
    for number in range(201):
        flickr.test.echo(n=str(number))

    flickr.test.echo(n="200")  # still kept
    flickr.test.echo(n="0")  # the oldest, dropped for the 201st
    later = time.monotonic() + 301
    monkeypatch.setattr(
        fo, "time", types.SimpleNamespace(monotonic=lambda: later)
    )
    flickr.test.echo(n="200")  # kept too long

    sent = [c["params"]["n"] for c in fake.calls("flickr.test.echo")]
    assert sent == [str(n) for n in range(201)] + ["0", "200"]


@pytest.mark.parametrize("fmt", ["etree", "parsed-json"])
def test_a_page_count_that_is_no_number_ends_the_walk_after_its_page(
    fake, fmt
):
    fake.claimed_pages = "many"
    flickr = make_flickr(fake, format=fmt)

    photos = list(flickr.walk(per_page=3))

    assert [p.get("id") for p in photos] == ["1", "2", "3"]
    assert len(fake.calls("flickr.photos.search")) == 1


def test_an_upload_field_longer_than_a_chunk_is_sent_whole(fake, photo_file):
    flickr = make_flickr(fake, token=granted(fake, "write"))
    description = "Zo\u00eb's sunset, seen from the pier. " * 3000

    flickr.upload(str(photo_file), description=description)

    seen = fake.uploads[-1]
    assert len(description.encode("utf-8")) > fo._MultipartBody.CHUNK
    assert dict(seen["fields"])["description"] == description
    assert seen["files"]["photo"][1] == PHOTO_BYTES


def test_repeated_elements_of_an_upload_reply_become_a_json_list(
    fake, photo_file
):
    fake.script(
        path="/services/upload/",
        status=200,
        content_type="text/xml; charset=utf-8",
        body=XML_HEAD + '<rsp stat="ok"><photoid>1</photoid>'
        "<photoid>2</photoid><photoid>3</photoid></rsp>",
    )
    flickr = make_flickr(fake, token=granted(fake, "write"))

    rsp = flickr.upload(str(photo_file), format="parsed-json")

    assert rsp == {
        "stat": "ok",
        "photoid": [{"_content": "1"}, {"_content": "2"}, {"_content": "3"}],
    }


@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGINT")
def test_cli_interrupted_while_signing_in_says_so_in_one_line(fake):
    process = subprocess.Popen(
        [sys.executable, MODULE_FILE, "--base-url", fake.base_url]
        + ["login", "--no-browser"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(fake),
        cwd=os.environ["HOME"],
    )
    try:
        # Once Flickr is asked for a request token, the command runs.
        wait_until(lambda: fake.at("/services/oauth/request_token"), 30)
        process.send_signal(signal.SIGINT)
        process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
        process.stdin.close()
        out = process.stdout.read().decode("utf-8")
        err = process.stderr.read().decode("utf-8")
        process.stdout.close()
        process.stderr.close()

    assert process.returncode == 130
    assert out == ""
    assert "Traceback" not in err
    assert err.endswith("flickroauth: interrupted\n")
    assert home_cache_token(fake) is None


def test_a_reply_too_large_keeps_query_secrets_out_of_the_error(monkeypatch):
    monkeypatch.setattr(fo, "MAX_RESPONSE_BYTES", 1000)
    url = _one_shot_server(
        b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + b"x" * 5000
    )
    client = fo.OAuth1Client(
        "k",
        "CONSUMER-SECRET-XYZ",
        "t",
        "TOKEN-SECRET-XYZ",
        signature_method="PLAINTEXT",
        signature_type="query",
    )

    with pytest.raises(fo.ResponseError) as caught:
        client.request("GET", url)

    shown = caught.value.endpoint + str(caught.value) + repr(caught.value)
    assert "SECRET" not in shown
    assert caught.value.endpoint == url


def test_a_refused_url_does_not_repeat_its_password():
    with pytest.raises(ValueError) as caught:
        fo.check_url("https://user:hunter2@api.example/x")

    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize("tail", ["/", "/."])
def test_a_linked_directory_named_with_a_trailing_slash_is_left_alone(
    tmp_path, tail
):
    real = tmp_path / "real"
    real.mkdir()
    real.chmod(0o755)
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    cache = fo.OAuthTokenCache("key-1", "", str(link) + tail)

    cache.token = fo.FlickrAccessToken("t", "s", "read")

    assert stat.S_IMODE(real.stat().st_mode) == 0o755
    assert cache.token.token == "t"


def test_writing_through_a_linked_cache_file_says_so(tmp_path):
    (tmp_path / "oauth-tokens.sqlite").symlink_to(tmp_path / "elsewhere")
    cache = fo.OAuthTokenCache("key-1", "", str(tmp_path))

    with pytest.raises(fo.TokenCacheError) as caught:
        cache.token = fo.FlickrAccessToken("t", "s", "read")

    assert "is a symbolic link" in str(caught.value)


def test_cli_output_into_a_closed_pipe_is_no_traceback(fake):
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, MODULE_FILE, "--base-url", fake.base_url]
            + ["call", "flickr.test.echo", "word=hello"],
            env=cli_env(fake),
            stdin=subprocess.DEVNULL,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write_end)

    assert result.returncode == 1
    assert result.stderr == ""  # no traceback, no error: the reader left
    assert fake.calls("flickr.test.echo")  # the call itself went through
