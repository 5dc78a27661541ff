#!/usr/bin/env python3
"""The figures of issue 6: import, signing, sequential calls, upload
memory and the token cache, measured on this machine in one run.

Run it from the repository::

    python3 benchmarks/bench_flickroauth.py           # full run, minutes
    python3 benchmarks/bench_flickroauth.py --quick   # under 30 seconds

It prints one table row a figure, each the median over repeats, with the
issue's target and whether it was met.  flickrapi, oauthlib and
requests-oauthlib are timed for comparison when they are installed; they
are not needed.  Nothing here asserts on speed.

Every server it starts is a child process listening on 127.0.0.1 that
stops when its standard input closes (that is, when this script ends, or
dies) or after fifteen minutes at the latest; no other host is contacted.
HTTPS uses a self-signed certificate made with the ``openssl`` tool in a
temporary directory; without that tool the calls go over plain HTTP to
127.0.0.1, and the table says so.

A correctness check that fails (an upload that arrived short, a kept
connection that did not reconnect, a call that raised) is printed as a
FAILED line under the table.  The exit status is still 0, so CI can run
the benchmark as a smoke test; ``--strict`` makes such a failure exit 1.
Speed never fails the run.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import hashlib
import hmac
import importlib.util
import io
import json
import os
import platform
import py_compile
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import tracemalloc
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SCRIPT = os.path.abspath(__file__)

# Made-up credentials: nothing leaves 127.0.0.1.
KEY = "0123456789abcdef0123456789abcdef"
SECRET = "fedcba9876543210"
TOKEN = "72157720000000000-0123456789abcdef"
TOKEN_SECRET = "a1b2c3d4e5f60718"
REST_URL = "https://api.flickr.com/services/rest/"

# A Flickr REST call with 8 parameters: text with spaces, accents and CJK,
# and a comma list.  FlickrAPI.call adds the first four itself.
CALL_ARGS: dict[str, Any] = {
    "photo_id": "53421987650",
    "title": "Crème brûlée at the café, 東京の夜景",
    "description": "An evening walk along the Sumida river — with friends",
    "tags": ["tokyo", "night", "café", "東京", "long exposure"],
}
REST_PARAMS: dict[str, str] = {
    "method": "flickr.photos.setMeta",
    "api_key": KEY,
    "format": "json",
    "nojsoncallback": "1",
    "photo_id": CALL_ARGS["photo_id"],
    "title": CALL_ARGS["title"],
    "description": CALL_ARGS["description"],
    "tags": ",".join(CALL_ARGS["tags"]),
}

HEAVY_MODULES = (
    "urllib.request",
    "ssl",
    "http.server",
    "http.client",
    "sqlite3",
    "webbrowser",
    "xml.etree.ElementTree",
    "logging",
    "email",
    "json",
    "argparse",
)

# name, import statement, top-level module to look for
IMPORT_TARGETS = (
    ("flickroauth", "import flickroauth", "flickroauth"),
    ("flickrapi", "import flickrapi", "flickrapi"),
    ("oauthlib", "import oauthlib.oauth1", "oauthlib"),
    ("requests-oauthlib", "import requests_oauthlib", "requests_oauthlib"),
)

# Runs after the import under test in a bare interpreter: prints the peak
# RSS in bytes (as peak_rss_bytes does) and which heavy modules are loaded.
PROBE = """
import sys


def report(heavy):
    peak = -1
    try:
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    peak = int(line.split()[1]) * 1024
    except OSError:
        try:
            import resource

            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            peak *= 1 if sys.platform == "darwin" else 1024
        except ImportError:
            pass
    print(peak)
    print(",".join(m for m in heavy if m in sys.modules))
"""

SERVER_LIFETIME = 900.0  # seconds a stand-in lives at most
MB = 1024 * 1024


class Settings:
    """How hard to try: the full run, or --quick for CI."""

    def __init__(self, quick: bool) -> None:
        self.quick = quick
        self.import_runs = 12 if quick else 40
        self.memory_runs = 3 if quick else 7
        self.time_repeats = 5 if quick else 9
        self.min_time = 0.05 if quick else 0.2
        self.calls = 80 if quick else 400
        self.fresh_calls = 40 if quick else 150
        self.call_repeats = 3 if quick else 7
        self.upload_mb = 16 if quick else 256
        self.upload_repeats = 2 if quick else 3


# -- the table -------------------------------------------------------------


class Table:
    """Rows of figure, value, target and whether the target was met."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []
        self.failures: list[str] = []

    def section(self, title: str) -> None:
        self.rows.append((title, "", "", ""))

    def add(
        self, figure: str, value: str, target: str = "", met: str = ""
    ) -> None:
        self.rows.append(("  " + figure, value, target, met))

    def fail(self, what: str) -> None:
        self.failures.append(what)

    def render(self) -> str:
        head = ("figure (median over repeats)", "value", "target", "met")
        lines = [_row(*head), "-" * 78]
        for figure, value, target, met in self.rows:
            if not value and not target:
                lines.append(figure)
            else:
                lines.append(_row(figure, value, target, met))
        return "\n".join(lines)


def _row(figure: str, value: str, target: str, met: str) -> str:
    return f"{figure:<48} {value:>13} {target:>8} {met:>4}".rstrip()


def _met(ok: bool | None) -> str:
    return "" if ok is None else ("yes" if ok else "NO")


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f}"


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:.2f}" if seconds < 1e-5 else f"{seconds * 1e6:.1f}"


def _mb(nbytes: float) -> str:
    return f"{nbytes / MB:.2f}"


def _ratio(x: float) -> str:
    return f"{x:.2f}x" if x < 100 else f"{x:.0f}x"


def _rate(per_second: float) -> str:
    return f"{per_second:,.0f}"


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:200]


# -- helpers ---------------------------------------------------------------


def load_flickroauth() -> Any:
    """Import flickroauth from the repository, not from site-packages."""
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    import flickroauth

    if os.path.dirname(os.path.abspath(flickroauth.__file__)) != ROOT:
        raise RuntimeError(f"imported {flickroauth.__file__}, not {ROOT}")
    return flickroauth


def installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def peak_rss_bytes() -> int | None:
    """This process's peak resident size so far, in bytes.

    On Linux this is VmHWM, the high-water mark of the process's own
    memory map.  ru_maxrss would not do there: Linux carries the peak of
    the forked parent across exec, so a child of a big parent reports the
    parent's size.
    """
    try:
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        import resource
    except ImportError:
        return None
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(rss if sys.platform == "darwin" else rss * 1024)


def reset_peak_rss() -> int | None:
    """Start the peak RSS afresh from the current RSS, and return that.

    Linux resets VmHWM when "5" is written to /proc/self/clear_refs;
    elsewhere (or when that fails) None, and the growth is then measured
    from the earlier peak, which may hide a transient buffer that the
    warm-up already made.
    """
    try:
        with open("/proc/self/clear_refs", "wb") as f:
            f.write(b"5")
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def per_call(fn: Callable[[], Any], min_time: float) -> int:
    """How many calls of fn take about min_time seconds."""
    number = 1
    while True:
        took = time_loop(fn, number) * number
        if took >= min_time or number >= 1 << 24:
            return number
        guess = int(number * min_time / max(took, 1e-9) * 1.2)
        number = max(number * 2, guess)


def time_loop(fn: Callable[[], Any], number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def nproc() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return " ".join(line.split(":", 1)[1].split())
    except OSError:
        pass
    return platform.processor() or platform.machine()


# -- 1. import -------------------------------------------------------------


def bench_import(table: Table, cfg: Settings, tmp: str) -> None:
    """Time ``python -c "import X"`` against ``python -c pass``.

    flickroauth.py is copied to a temporary directory with its .pyc
    compiled beside it, as an installed module has, so the figure is not
    a compile of the source and the repository gets no __pycache__.

    The runs with ``-S`` skip site-packages and its .pth hooks, which on
    some machines import modules (re, enum, ...) at every start and so
    hide what flickroauth would pay on a clean interpreter; ``os``, which
    site always loads, is imported first in both of those runs.
    """
    table.section("1. import (python -c 'import X' minus -c 'pass')")
    compiled = os.path.join(tmp, "import-pyc")
    source_only = os.path.join(tmp, "import-source")
    for where in (compiled, source_only):
        os.makedirs(where)
        shutil.copy(os.path.join(ROOT, "flickroauth.py"), where)
    py_compile.compile(
        os.path.join(compiled, "flickroauth.py"),
        doraise=True,
        invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP,
    )

    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONSTARTUP", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"

    # label: (flags, code, directory)
    runs: dict[str, tuple[list[str], str, str]] = {
        "pass": ([], "pass", compiled),
        "flickroauth": ([], "import flickroauth", compiled),
        "pass -S": (["-S"], "import os", compiled),
        "flickroauth -S": (["-S"], "import os\nimport flickroauth", compiled),
        "flickroauth, no .pyc": ([], "import flickroauth", source_only),
    }
    for name, code, module in IMPORT_TARGETS[1:]:
        if installed(module):
            runs[name] = ([], code, compiled)

    def run(flags: list[str], code: str, cwd: str) -> float:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, *flags, "-c", code],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            check=True,
        )
        return time.perf_counter() - start

    for how in runs.values():  # warm the page cache
        run(*how)
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(cfg.import_runs):  # interleaved, so drift cancels
        for name, how in runs.items():
            times[name].append(run(*how))
    took = {name: statistics.median(t) for name, t in times.items()}
    memory = {
        name: _import_memory(flags, code, env, cwd, cfg)
        for name, (flags, code, cwd) in runs.items()
        if "no .pyc" not in name
    }

    def growth(name: str, base: str) -> float | None:
        rss, base_rss = memory[name][0], memory[base][0]
        return None if rss is None or base_rss is None else rss - base_rss

    for name, base, note in (
        ("flickroauth", "pass", ""),
        ("flickroauth -S", "pass -S", ", -S"),
    ):
        ms = took[name] - took[base]
        grew = growth(name, base)
        table.add(
            f"flickroauth: import time{note} (ms)",
            _ms(ms),
            "<= 10",
            _met(ms <= 0.010),
        )
        table.add(
            f"flickroauth: peak memory growth{note} (MB)",
            "n/a" if grew is None else _mb(grew),
            "<= 2",
            "" if grew is None else _met(grew <= 2 * MB),
        )
    heavy = sorted(
        set(memory["flickroauth -S"][1]) - set(memory["pass -S"][1])
    )
    table.add(
        "flickroauth: heavy modules it imports",
        ", ".join(heavy) or "none",
        "none",
        _met(not heavy),
    )
    ms = took["flickroauth, no .pyc"] - took["pass"]
    table.add("flickroauth: import from source, no .pyc (ms)", _ms(ms))
    for name, _, _module in IMPORT_TARGETS[1:]:
        if name not in runs:
            table.add(f"{name}: import", "not installed")
            continue
        grew = growth(name, "pass")
        table.add(f"{name}: import time (ms)", _ms(took[name] - took["pass"]))
        table.add(
            f"{name}: peak memory growth (MB)",
            "n/a" if grew is None else _mb(grew),
        )
    table.add("python -c pass itself (ms)", _ms(took["pass"]))
    table.add("python -S -c 'import os' itself (ms)", _ms(took["pass -S"]))


def _import_memory(
    flags: list[str], code: str, env: dict[str, str], cwd: str, cfg: Settings
) -> tuple[int | None, list[str]]:
    """Median peak RSS of a child after running code, and the heavy
    modules it then holds."""
    probe = f"{code}\n{PROBE}\nreport({HEAVY_MODULES!r})\n"
    peaks = []
    modules: list[str] = []
    for _ in range(cfg.memory_runs):
        out = subprocess.run(
            [sys.executable, *flags, "-c", probe],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            check=True,
            text=True,
        ).stdout.splitlines()
        peaks.append(int(out[0]))
        modules = [m for m in out[1].split(",") if m]
    if peaks[0] < 0:
        return None, modules
    return int(statistics.median(peaks)), modules


# -- 2. signing ------------------------------------------------------------


def bench_signing(table: Table, cfg: Settings, fo: Any) -> None:
    """Sign the 8-parameter call; compare with one hmac.new over a base
    string of the same length, timed in the same process."""
    table.section("2. signing an 8-parameter REST call (POST, header)")
    client = fo.OAuth1Client(KEY, SECRET, TOKEN, TOKEN_SECRET)
    signed = client.sign("POST", REST_URL, REST_PARAMS)
    message = signed.base_string.encode("utf-8")
    key = f"{SECRET}&{TOKEN_SECRET}".encode("ascii")

    signers: list[tuple[str, Callable[[], Any]]] = [
        ("hmac floor", lambda: hmac.new(key, message, hashlib.sha1).digest()),
        (
            "flickroauth",
            lambda: client.sign("POST", REST_URL, REST_PARAMS).headers[
                "Authorization"
            ],
        ),
    ]
    for name, make in (
        ("oauthlib", _oauthlib_signer),
        ("flickrapi", _flickrapi_signer),
    ):
        if not installed(name):
            table.add(f"{name}: sign / floor", "not installed")
            continue
        try:
            signers.append((name, make()))
        except Exception as exc:  # a comparison only; report and go on
            table.add(f"{name}: sign / floor", "error")
            print(f"{name} signer: {_error(exc)}", file=sys.stderr)

    numbers = {name: per_call(fn, cfg.min_time) for name, fn in signers}
    times: dict[str, list[float]] = {name: [] for name, _ in signers}
    ratios: dict[str, list[float]] = {name: [] for name, _ in signers}
    for _ in range(cfg.time_repeats):  # interleaved, so drift cancels
        for name, fn in signers:
            times[name].append(time_loop(fn, numbers[name]))
        for name, _ in signers[1:]:
            ratios[name].append(times[name][-1] / times["hmac floor"][-1])

    floor = statistics.median(times["hmac floor"])
    ours = statistics.median(times["flickroauth"])
    ratio = statistics.median(ratios["flickroauth"])
    table.add(
        f"hmac.new(sha1).digest(), {len(message)} bytes (us)", _us(floor)
    )
    table.add("flickroauth: sign, Authorization header (us)", _us(ours))
    table.add(
        "flickroauth: sign / floor", _ratio(ratio), "<= 12x", _met(ratio <= 12)
    )
    for name, _ in signers[2:]:
        table.add(f"{name}: sign (us)", _us(statistics.median(times[name])))
        table.add(
            f"{name}: sign / floor", _ratio(statistics.median(ratios[name]))
        )
    if installed("oauthlib"):
        same = _same_signature_as_oauthlib(fo)
        table.add("same oauth_signature as oauthlib (pinned)", same)
        if same == "no":
            table.fail("the signature differs from oauthlib's")


def _oauthlib_signer() -> Callable[[], Any]:
    from oauthlib.oauth1 import Client

    client = Client(
        KEY,
        client_secret=SECRET,
        resource_owner_key=TOKEN,
        resource_owner_secret=TOKEN_SECRET,
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded"}

    def sign() -> Any:
        return client.sign(REST_URL, "POST", REST_PARAMS, headers)[1][
            "Authorization"
        ]

    sign()
    return sign


def _flickrapi_signer() -> Callable[[], Any]:
    """flickrapi signs by preparing a requests POST through
    requests-oauthlib's OAuth1, as its own calls do."""
    import flickrapi
    import requests

    api = flickrapi.FlickrAPI(
        KEY,
        SECRET,
        token=flickrapi.auth.FlickrAccessToken(TOKEN, TOKEN_SECRET, "write"),
        store_token=False,
    )
    auth = api.flickr_oauth.oauth

    def sign() -> Any:
        req = requests.Request("POST", REST_URL, data=REST_PARAMS).prepare()
        return auth(req).headers["Authorization"]

    sign()
    return sign


def _same_signature_as_oauthlib(fo: Any) -> str:
    """With nonce and timestamp pinned, do both sign alike?"""
    try:
        from oauthlib.oauth1 import Client

        nonce, stamp = "0123456789abcdef0123456789abcdef", "1700000000"
        theirs = Client(
            KEY,
            client_secret=SECRET,
            resource_owner_key=TOKEN,
            resource_owner_secret=TOKEN_SECRET,
            nonce=nonce,
            timestamp=stamp,
        ).sign(
            REST_URL,
            "POST",
            REST_PARAMS,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )[1]["Authorization"]
        ours = (
            fo.OAuth1Client(
                KEY,
                SECRET,
                TOKEN,
                TOKEN_SECRET,
                nonce_factory=lambda: nonce,
                clock=lambda: float(stamp),
            )
            .sign("POST", REST_URL, REST_PARAMS)
            .headers["Authorization"]
        )
    except Exception as exc:
        print(f"signature cross-check: {_error(exc)}", file=sys.stderr)
        return "error"

    def signature(header: str) -> str:
        for part in header.split(","):
            name, _, value = part.strip().partition("=")
            if name.endswith("oauth_signature"):
                return value.strip('"')
        return ""

    return "yes" if signature(ours) == signature(theirs) != "" else "no"


# -- the stand-in server (a child process) ---------------------------------


class StandInHandler(BaseHTTPRequestHandler):
    """Flickr's REST and upload endpoints, answering ``stat="ok"``.

    HTTP/1.1, so connections stay open until the client closes them or
    they sit idle longer than the server's idle timeout.
    """

    protocol_version = "HTTP/1.1"
    server_version = "flickr-stand-in"
    sys_version = ""
    disable_nagle_algorithm = True
    server: StandInServer

    def setup(self) -> None:
        self.timeout = self.server.idle_timeout
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/stats":
            with self.server.lock:
                body = json.dumps(self.server.stats).encode("ascii")
            self._reply(200, body, "application/json")
        else:
            self._reply(404, b"not here\n", "text/plain")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        path = self.path.split("?")[0]
        if path == "/services/upload/":
            self._upload(length)
            return
        body = self.rfile.read(length)
        if path != "/services/rest/":
            self._reply(404, b"not here\n", "text/plain")
            return
        with self.server.lock:
            self.server.stats["rest_calls"] += 1
        signed = "oauth_signature=" in self.headers.get("Authorization", "")
        if b"format=json" in body:
            ok, ctype = b'{"stat":"ok"}', "application/json"
            fail = b'{"stat":"fail","code":96,"message":"Invalid signature"}'
        else:
            ok, ctype = b'<rsp stat="ok"/>', "text/xml; charset=utf-8"
            fail = b'<rsp stat="fail"><err code="96" msg="Bad sig"/></rsp>'
        self._reply(200, ok if signed else fail, ctype)

    def _upload(self, length: int) -> None:
        """Read the multipart body in chunks, keeping none of it; count
        the photo's bytes between its part header and the closing
        boundary."""
        boundary = self.headers.get("Content-Type", "").partition("boundary=")[
            2
        ]
        tail = f"\r\n--{boundary}--\r\n".encode("ascii")
        head = b""
        head_end: int | None = None
        signed = False
        last = b""
        total = 0
        while total < length:
            chunk = self.rfile.read(min(65536, length - total))
            if not chunk:
                break
            if head_end is None and len(head) < 65536:
                head += chunk
                i = head.find(b'name="photo"')
                j = head.find(b"\r\n\r\n", i) if i >= 0 else -1
                if j >= 0:
                    head_end = j + 4
                    signed = b'name="oauth_signature"' in head[:i]
                    head = b""
            last = (last + chunk)[-len(tail) :]
            total += len(chunk)
        ok = total == length and head_end is not None and last == tail
        photo = total - (head_end or 0) - len(tail) if ok else -1
        with self.server.lock:
            self.server.stats["uploads"] += 1
            self.server.stats["last_upload_bytes"] = photo
        if ok and signed:
            reply = (
                f'<?xml version="1.0" encoding="utf-8" ?>\n<rsp stat="ok">'
                f"<photoid>1</photoid><bytes>{photo}</bytes></rsp>\n"
            )
        else:
            reply = (
                '<rsp stat="fail"><err code="5" msg="upload arrived '
                f'short or unsigned ({total} of {length} bytes)"/></rsp>'
            )
        self._reply(200, reply.encode("utf-8"), "text/xml; charset=utf-8")

    def _reply(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class StandInServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, ssl_context: Any, idle_timeout: float, close_notify: bool
    ) -> None:
        super().__init__(("127.0.0.1", 0), StandInHandler)
        if ssl_context is not None:
            # The handshake happens on first read, in the handler's
            # thread, so one slow client never holds up the others.
            self.socket = ssl_context.wrap_socket(
                self.socket, server_side=True, do_handshake_on_connect=False
            )
        self.idle_timeout = idle_timeout
        self.close_notify = close_notify and ssl_context is not None
        self.lock = threading.Lock()
        self.stats: dict[str, int] = {
            "connections": 0,
            "rest_calls": 0,
            "uploads": 0,
            "last_upload_bytes": -1,
        }

    def get_request(self) -> Any:
        conn = super().get_request()
        with self.lock:
            self.stats["connections"] += 1
        return conn

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client hanging up is not news

    def shutdown_request(self, request: Any) -> None:
        """Close a connection as nginx or Go do (a TLS close_notify, then
        the socket), or with close_notify=False as a bare TCP close."""
        if self.close_notify:
            try:
                request.setblocking(False)
                request.unwrap()  # sends close_notify, waits for nothing
            except OSError:
                pass
        super().shutdown_request(request)


def serve(
    certfile: str, keyfile: str, idle_timeout: float, close_notify: bool
) -> int:
    """The child side: print the port, serve until stdin closes."""
    context = None
    if certfile:
        import ssl

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certfile, keyfile)
    server = StandInServer(context, idle_timeout, close_notify)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}
    )
    thread.start()
    stop = threading.Event()

    def watch() -> None:
        sys.stdin.buffer.read()
        stop.set()

    threading.Thread(target=watch, daemon=True).start()
    print(server.server_address[1], flush=True)
    stop.wait(SERVER_LIFETIME)
    server.shutdown()
    server.server_close()
    thread.join(5)
    return 0


class StandIn:
    """A stand-in server in a child process, seen from this side."""

    def __init__(
        self,
        tls: tuple[str, str] | None,
        idle: float,
        close_notify: bool = True,
    ) -> None:
        cert, key = tls or ("", "")
        self.cafile = cert or None
        notify = "notify" if close_notify else "tcp"
        self.proc = subprocess.Popen(
            [sys.executable, SCRIPT, "--serve", cert, key, str(idle), notify],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line.strip().isdigit():
            self.close()
            raise RuntimeError("the stand-in server did not start")
        self.idle = idle
        self.port = int(line)
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"

    def __enter__(self) -> StandIn:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def stats(self, context: Any) -> dict[str, int]:
        import http.client

        if self.cafile:
            conn: Any = http.client.HTTPSConnection(
                "127.0.0.1", self.port, timeout=10, context=context
            )
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, 10)
        try:
            conn.request("GET", "/stats")
            return json.loads(conn.getresponse().read())  # type: ignore
        finally:
            conn.close()

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()


def make_certificate(tmp: str) -> tuple[str, str] | None:
    """A self-signed P-256 certificate for 127.0.0.1, or None when the
    openssl tool is missing or fails."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    cert = os.path.join(tmp, "cert.pem")
    key = os.path.join(tmp, "key.pem")
    cmd = [
        openssl, "req", "-x509", "-newkey", "ec",
        "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-keyout", key, "-out", cert, "-days", "2",
        "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,digitalSignature,keyCertSign",
    ]  # fmt: skip
    try:
        subprocess.run(cmd, capture_output=True, check=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"openssl failed, using plain http: {exc}", file=sys.stderr)
        return None
    return cert, key


# -- 3. sequential calls ---------------------------------------------------


def _client(fo: Any, url: str, context: Any, keep_alive: bool = True) -> Any:
    transport = fo.Transport(ssl_context=context, keep_alive=keep_alive)
    token = fo.FlickrAccessToken(TOKEN, TOKEN_SECRET, "write")
    return fo.FlickrAPI(
        KEY,
        SECRET,
        token=token,
        format="parsed-json",
        base_url=url,
        transport=transport,
    )


def _call(api: Any) -> None:
    reply = api.call("flickr.photos.setMeta", **CALL_ARGS)
    if reply.get("stat") != "ok":
        raise RuntimeError(f"unexpected reply {reply!r}")


def bench_calls(
    table: Table, cfg: Settings, fo: Any, tls: tuple[str, str] | None
) -> None:
    scheme = "HTTPS" if tls else "plain HTTP (no openssl)"
    table.section(f"3. sequential signed REST calls, {scheme}, 127.0.0.1")
    context = _client_context(tls)
    with StandIn(tls, idle=60.0) as server:
        rates: dict[bool, list[float]] = {True: [], False: []}
        ratios: list[float] = []
        conns: dict[bool, int] = {True: 0, False: 0}
        for _ in range(cfg.call_repeats):
            for keep in (True, False):
                n = cfg.calls if keep else cfg.fresh_calls
                api = _client(fo, server.url, context, keep)
                _call(api)  # connect, import, warm up
                before = server.stats(context)["connections"]
                start = time.perf_counter()
                for _ in range(n):
                    _call(api)
                rates[keep].append(n / (time.perf_counter() - start))
                conns[keep] = server.stats(context)["connections"] - before - 1
                api.close()
            ratios.append(rates[True][-1] / rates[False][-1])
    keep_rate = statistics.median(rates[True])
    fresh_rate = statistics.median(rates[False])
    ratio = statistics.median(ratios)
    table.add("keep-alive: calls/s", _rate(keep_rate))
    table.add("keep_alive=False: calls/s", _rate(fresh_rate))
    if tls:
        target, met = ">= 3x", _met(ratio >= 3)
    else:  # the target is about TLS handshakes saved
        target, met = "(https)", ""
    table.add("keep-alive / new connection", _ratio(ratio), target, met)
    table.add("keep-alive: ms per call", f"{1e3 / keep_rate:.2f}")
    table.add("keep_alive=False: ms per call", f"{1e3 / fresh_rate:.2f}")
    table.add(
        f"keep-alive: connections in {cfg.calls} calls",
        str(conns[True]),
        "<= 1",
        _met(conns[True] <= 1),
    )
    table.add(
        f"keep_alive=False: connections in {cfg.fresh_calls} calls",
        str(conns[False]),
    )
    _check_reconnect(table, fo, tls, context)


def _client_context(tls: tuple[str, str] | None) -> Any:
    if not tls:
        return None
    import ssl

    return ssl.create_default_context(cafile=tls[0])


def _check_reconnect(
    table: Table, fo: Any, tls: tuple[str, str] | None, context: Any
) -> None:
    """Let the server drop a kept connection for idleness; the next REST
    call and the next upload must still succeed, on a new connection.

    Over TLS the server closes in two ways: with a close_notify alert
    first, as nginx and Go do, and as a bare TCP close, as some load
    balancers do.
    """
    idle = 0.25
    styles = [(True, "close_notify"), (False, "bare TCP close")]
    for close_notify, style in styles if tls else [(False, "TCP close")]:
        with StandIn(tls, idle, close_notify) as server:
            api = _client(fo, server.url, context)
            for what in ("REST call", "upload"):
                value = _reconnect_once(table, api, server, context, what)
                table.add(
                    f"idle {idle:g} s, {style}: next {what}",
                    value,
                    "ok",
                    _met(value == "ok"),
                )
            api.close()


def _reconnect_once(
    table: Table, api: Any, server: StandIn, context: Any, what: str
) -> str:
    try:
        _call(api)
        time.sleep(server.idle + 0.35)
        before = server.stats(context)["connections"]
        if what == "upload":
            photo = io.BytesIO(b"\xff\xd8" + os.urandom(100_000))
            reply = api.upload("idle.jpg", fileobj=photo)
            if reply["bytes"]["_content"] != "100002":
                raise RuntimeError(f"upload reply {reply!r}")
        else:
            _call(api)
        # minus the connection that asked for the stats
        fresh = server.stats(context)["connections"] - before - 1
    except Exception as exc:
        table.fail(f"reconnect after an idle close ({what}): {_error(exc)}")
        cause = exc.__cause__ or exc
        return type(cause).__name__[:14]
    return "ok" if fresh == 1 else f"ok, {fresh} conns"


# -- 4. upload memory ------------------------------------------------------


def bench_upload(
    table: Table, cfg: Settings, tmp: str, tls: tuple[str, str] | None
) -> None:
    size = cfg.upload_mb * MB
    table.section(f"4. upload of a {cfg.upload_mb} MB file (child process)")
    path = os.path.join(tmp, "upload.bin")
    block = os.urandom(MB)
    with open(path, "wb") as f:
        for _ in range(cfg.upload_mb):
            f.write(block)
    peaks, rss, speeds = [], [], []
    failed = 0
    try:
        with StandIn(tls, idle=60.0) as server:
            for _ in range(cfg.upload_repeats):
                out = _run_upload_child(server.url, tls, path)
                if out.get("error") or out["bytes"] != size:
                    table.fail(f"upload: {out}")
                    failed += 1
                    continue
                peaks.append(out["tracemalloc_peak"])
                if out["rss_growth"] is not None:
                    rss.append(out["rss_growth"])
                speeds.append(size / out["seconds"])
    finally:
        os.remove(path)
    if not peaks:
        table.add("upload", "FAILED", "< 5 MB", "NO")
        return
    peak = statistics.median(peaks)
    table.add(
        "tracemalloc peak during upload (MB)",
        _mb(peak),
        "< 5",
        _met(peak < 5 * MB),
    )
    if rss:
        grew = statistics.median(rss)
        table.add(
            "peak RSS growth during upload (MB)",
            _mb(grew),
            "< 5",
            _met(grew < 5 * MB),
        )
    table.add(
        "uploads whose bytes all arrived",
        f"{len(peaks)} of {len(peaks) + failed}",
        "all",
        _met(not failed),
    )
    table.add(
        "upload throughput (MB/s)", f"{statistics.median(speeds) / MB:.0f}"
    )


def _run_upload_child(
    url: str, tls: tuple[str, str] | None, path: str
) -> dict[str, Any]:
    cafile = tls[0] if tls else ""
    proc = subprocess.run(
        [sys.executable, SCRIPT, "--upload-child", url, cafile, path],
        capture_output=True,
        text=True,
        timeout=600,
    )
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        return {"error": (proc.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(lines[-1])  # type: ignore[no-any-return]


def upload_child(url: str, cafile: str, path: str) -> int:
    """The child side: warm up with a small upload, then upload the file
    under tracemalloc and print the figures as JSON."""
    fo = load_flickroauth()
    context = _client_context((cafile, "")) if cafile else None
    api = fo.FlickrAPI(
        KEY,
        SECRET,
        token=fo.FlickrAccessToken(TOKEN, TOKEN_SECRET, "write"),
        format="etree",
        base_url=url,
        transport=fo.Transport(ssl_context=context),
    )
    # Warm up: imports, TLS, the reply parser.  Peak RSS is then reset,
    # so a transient buffer the warm-up made is counted again.
    api.upload("warm.jpg", fileobj=io.BytesIO(os.urandom(300_000)))
    gc.collect()

    before = reset_peak_rss() or peak_rss_bytes()
    tracemalloc.start()
    start = time.perf_counter()
    root = api.upload(path, title="upload benchmark")
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    after = peak_rss_bytes()

    api.close()
    growth = None if before is None or after is None else after - before
    figures = {
        "bytes": int(root.findtext("bytes")),
        "tracemalloc_peak": peak,
        "rss_growth": growth,
        "seconds": seconds,
    }
    print(json.dumps(figures))
    return 0


# -- 5. token cache --------------------------------------------------------


def bench_tokens(table: Table, cfg: Settings, fo: Any, tmp: str) -> None:
    table.section("5. token cache (SQLite file, no network)")
    where = os.path.join(tmp, "token-cache")
    token = fo.FlickrAccessToken(
        TOKEN, TOKEN_SECRET, "write", "Ada Example", "ada", "12345678@N00"
    )
    fo.OAuthTokenCache(KEY, path=where).token = token
    reader = fo.OAuthTokenCache(KEY, path=where)
    if reader.token != token:
        table.fail("the token cache did not give back the stored token")

    def read() -> Any:
        return reader.token

    def construct() -> Any:
        return fo.FlickrAPI(
            KEY, SECRET, token_cache_location=where
        ).token_cache.token

    if construct() != token:
        table.fail("FlickrAPI(...) did not read the cached token")
    rows = [("flickroauth", read, construct)]
    if installed("flickrapi"):
        try:
            rows.append(("flickrapi", *_flickrapi_token_readers(where)))
        except Exception as exc:
            table.add("flickrapi: token reads", "error")
            print(f"flickrapi token cache: {_error(exc)}", file=sys.stderr)
    else:
        table.add("flickrapi: token reads", "not installed")

    for name, read_fn, make_fn in rows:
        reads = _median_time(read_fn, cfg)
        made = _median_time(make_fn, cfg)
        table.add(f"{name}: cached token reads/s", _rate(1 / reads))
        table.add(f"{name}: FlickrAPI(...) + cached token (us)", _us(made))


def _flickrapi_token_readers(where: str) -> tuple[Callable[[], Any], ...]:
    import flickrapi

    api = flickrapi.FlickrAPI(KEY, SECRET, token_cache_location=where)
    if api.token_cache.token is None:
        raise RuntimeError("flickrapi did not read flickroauth's token file")
    cache = api.token_cache

    def read() -> Any:
        return cache.token

    def construct() -> Any:
        return flickrapi.FlickrAPI(
            KEY, SECRET, token_cache_location=where
        ).token_cache.token

    return read, construct


def _median_time(fn: Callable[[], Any], cfg: Settings) -> float:
    number = per_call(fn, cfg.min_time / 2)
    return statistics.median(
        time_loop(fn, number) for _ in range(cfg.time_repeats)
    )


# -- the run ---------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="fewer repeats, a 16 MB upload"
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when a correctness check fails",
    )
    parser.add_argument("--serve", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--upload-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        cert, key, idle, notify = args.serve
        return serve(cert, key, float(idle), notify == "notify")
    if args.upload_child:
        return upload_child(*args.upload_child)

    cfg = Settings(args.quick)
    fo = load_flickroauth()
    table = Table()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-flickroauth-") as tmp:
        tls = make_certificate(tmp)
        sections: list[tuple[str, Callable[[], None]]] = [
            ("import", lambda: bench_import(table, cfg, tmp)),
            ("signing", lambda: bench_signing(table, cfg, fo)),
            ("calls", lambda: bench_calls(table, cfg, fo, tls)),
            ("upload", lambda: bench_upload(table, cfg, tmp, tls)),
            ("tokens", lambda: bench_tokens(table, cfg, fo, tmp)),
        ]
        for name, run in sections:
            try:
                run()
            except Exception as exc:
                table.add(f"{name}: FAILED", "error")
                table.fail(f"{name}: {_error(exc)}")

    print(
        f"flickroauth {fo.__version__} benchmarks "
        f"({'--quick' if cfg.quick else 'full run'})"
    )
    print(table.render())
    print("-" * 78)
    when = datetime.datetime.now(datetime.timezone.utc)
    print(
        f"{platform.python_implementation()} {platform.python_version()} "
        f"({sys.executable})\n"
        f"{platform.system()} {platform.machine()}, {cpu_model()}, "
        f"nproc {nproc()}\n"
        f"{when:%Y-%m-%d %H:%M} UTC, took "
        f"{time.perf_counter() - started:.0f} s; "
        f"{'HTTPS, self-signed P-256 certificate' if tls else 'plain HTTP'}"
    )
    for failure in table.failures:
        print(textwrap.fill(f"FAILED: {failure}", 78, subsequent_indent="  "))
    return 1 if args.strict and table.failures else 0


if __name__ == "__main__":
    sys.exit(main())
