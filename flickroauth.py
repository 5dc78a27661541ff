"""Flickr's OAuth 1.0a in one file, with nothing but the standard library.

flickroauth signs requests as RFC 5849 says, takes a user through Flickr's
three-step flow (request token, the browser at Flickr, access token),
keeps the access token in an SQLite file that flickrapi can read too, and
calls any Flickr method.  Copy this file into a project, or install it.

Quick start::

    import flickroauth
    flickr = flickroauth.FlickrAPI(API_KEY, API_SECRET, format='parsed-json')
    flickr.authenticate_via_browser(perms='read')   # or authenticate_console
    info = flickr.photos.getInfo(photo_id='1234')
    print(info['photo']['title']['_content'])

The public names, in the order of the flow:

- RFC 5849 signing: percent_encode, base_string_uri, normalized_parameters,
  signature_base_string, signing_key, hmac_sha1_signature,
  hmac_sha256_signature, plaintext_signature, generate_nonce,
  generate_timestamp, authorization_header, form_encode;
- a provider-neutral client: OAuth1Client (sign, request,
  fetch_request_token, authorization_url, fetch_access_token), with
  check_url, Transport, Response, SignedRequest and parse_token_reply;
- the browser's way back: CallbackServer;
- tokens: FlickrAccessToken, SimpleTokenCache, OAuthTokenCache;
- Flickr: FlickrAPI (get_request_token, auth_url, get_access_token,
  token_valid, authenticate_via_browser, authenticate_console, method
  calls, upload, replace, walkers), with flickr_text and flickr_params
  for parameter values;
- errors, all under FlickrError;
- flickrapi's other names: auth, exceptions, IllegalArgumentException,
  set_log_level;
- the command line: main().

Known gaps, stated plainly: RSA-SHA1 is not offered (Flickr does not use
it, and it would need a third-party RSA library); HTTP proxies from the
environment are not used, since honouring them silently would also send
loopback test traffic through them.

Licensed under the MIT licence; see LICENSE.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = [
    "percent_encode",
    "base_string_uri",
    "normalized_parameters",
    "signature_base_string",
    "signing_key",
    "hmac_sha1_signature",
    "hmac_sha256_signature",
    "plaintext_signature",
    "generate_nonce",
    "generate_timestamp",
    "authorization_header",
    "form_encode",
    "check_url",
    "SignedRequest",
    "Response",
    "Transport",
    "OAuth1Client",
    "parse_token_reply",
    "CallbackServer",
    "FlickrAccessToken",
    "SimpleTokenCache",
    "OAuthTokenCache",
    "flickr_text",
    "flickr_params",
    "FlickrAPI",
    "FlickrError",
    "FlickrAPIError",
    "OAuthError",
    "ResponseError",
    "TransportError",
    "RequestTimeout",
    "CallbackTimeout",
    "AuthorizationDenied",
    "TokenCacheError",
    "IllegalArgumentException",
    "set_log_level",
    "main",
]

import os
import sys
import time

# Everything else is imported where it is first needed: importing the
# module to sign a request should cost a millisecond or two, not the 10 ms
# and several MB that urllib.parse, hmac, secrets and threading cost.

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing stays out of import time
    from typing import (
        IO,
        Any,
        Callable,
        Iterable,
        Iterator,
        List,
        Mapping,
        Sequence,
        Tuple,
        Union,
    )

    Params = Union[Mapping[str, Any], Iterable[Tuple[str, Any]], None]
    Pairs = List[Tuple[str, str]]


# -- constants ------------------------------------------------------------

USER_AGENT = f"flickroauth/{__version__} (+python)"

#: Seconds a single HTTP request may take before RequestTimeout.
DEFAULT_TIMEOUT = 30.0

#: Seconds authenticate_via_browser waits for the browser to come back.
DEFAULT_BROWSER_TIMEOUT = 300.0

#: Largest reply body read from any endpoint; Flickr's are far smaller.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024

#: The longest timeout accepted: a week, far below what sockets and
#: threads can wait, and finite.
MAX_TIMEOUT = 7 * 24 * 3600.0

#: A reply whose Date is further than this from our clock means skew.
CLOCK_SKEW_LIMIT = 300.0

PERMS = ("read", "write", "delete")
FORMATS = ("etree", "parsed-json", "json", "rest")
SIGNATURE_METHODS = ("HMAC-SHA1", "HMAC-SHA256", "PLAINTEXT")
SIGNATURE_TYPES = ("header", "query", "body")

_DEFAULT_PORTS = {"http": 80, "https": 443}
_FORM = "application/x-www-form-urlencoded"


def _logger() -> Any:
    """The module's logger, created on first use so import stays cheap."""
    global _LOG
    if _LOG is None:
        import logging

        _LOG = logging.getLogger(__name__)
    return _LOG


_LOG: Any = None


def _debug(msg: str, *args: Any) -> None:
    log = _logger()
    if log.isEnabledFor(10):  # logging.DEBUG
        log.debug(msg, *args)


# -- errors ---------------------------------------------------------------


class FlickrError(Exception):
    """The root of every error flickroauth raises.

    ``code`` is Flickr's numeric error code where Flickr gave one.
    """

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


class FlickrAPIError(FlickrError):
    """Flickr answered a method call with ``stat="fail"``."""

    def __init__(
        self, code: int | None, message: str, method: str = ""
    ) -> None:
        text = f"{method}: " if method else ""
        text += f"Flickr error {code}: {message}"
        super().__init__(text, code)
        self.flickr_message = message
        self.method = method


class OAuthError(FlickrError):
    """An OAuth endpoint, or a REST call answered in OAuth's form,
    refused a request.

    Carries the HTTP ``status``, Flickr's ``oauth_problem``, the base
    string Flickr computed (``debug_sbs``) when it sent one, our own
    ``base_string`` and ``mismatch_at``, the index where the two first
    differ: the quickest way to see why a signature was refused.
    ``detail`` holds what else is known (parameters Flickr missed, a
    body that was not a refusal at all).
    """

    def __init__(
        self,
        endpoint: str,
        status: int,
        oauth_problem: str | None = None,
        debug_sbs: str | None = None,
        base_string: str | None = None,
        detail: str = "",
    ) -> None:
        self.endpoint = endpoint
        self.status = status
        self.oauth_problem = oauth_problem
        self.debug_sbs = debug_sbs
        self.base_string = base_string
        self.detail = detail
        self.mismatch_at = _first_difference(base_string, debug_sbs)
        text = f"{endpoint} refused the request (HTTP {status})"
        if oauth_problem:
            text += f": oauth_problem={oauth_problem}"
        if detail:
            text += f"; {detail}"
        if self.mismatch_at is not None and base_string and debug_sbs:
            i = self.mismatch_at
            text += (
                f"; the server's base string differs from ours at "
                f"character {i}: ours {base_string[max(0, i - 20) : i + 30]!r}"
                f", server's {debug_sbs[max(0, i - 20) : i + 30]!r}"
            )
        elif debug_sbs and base_string == debug_sbs:
            text += "; base strings agree, so the keys or secrets differ"
        super().__init__(text)


class ResponseError(FlickrError):
    """A reply that could not be understood: empty, HTML, cut, malformed."""

    def __init__(
        self, message: str, endpoint: str = "", status: int | None = None
    ) -> None:
        super().__init__(message)
        #: The URL without its query, which may hold OAuth parameters.
        self.endpoint = endpoint.split("?")[0]
        self.status = status


class TransportError(FlickrError):
    """The request never got a reply: refused, reset, unresolvable."""

    def __init__(self, message: str, url: str = "") -> None:
        super().__init__(message)
        #: The URL without its query, which may hold OAuth parameters.
        self.url = url.split("?")[0]


class RequestTimeout(TransportError):
    """The server did not answer within the timeout."""


class CallbackTimeout(FlickrError):
    """The browser did not come back to the callback server in time."""

    def __init__(self, timeout: float) -> None:
        super().__init__(
            f"timed out after {timeout:g} s waiting for Flickr to send "
            "the browser back to the local callback server"
        )
        self.timeout = timeout


class AuthorizationDenied(FlickrError):
    """The user declined the authorization at the provider."""


class TokenCacheError(FlickrError):
    """The token file could not be read or written."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


def _first_difference(a: str | None, b: str | None) -> int | None:
    if a is None or b is None or a == b:
        return None
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def _redact(text: str, secrets_: Iterable[str | None]) -> str:
    """Hide each secret, raw or percent-encoded once or twice, in text."""
    for secret in secrets_:
        if not secret:
            continue
        once = percent_encode(secret)
        for form in {secret, once, percent_encode(once)}:
            text = text.replace(form, "***")
    return text


# -- RFC 5849 signing -----------------------------------------------------


class _Escapes(dict):  # type: ignore[type-arg]  # int -> str, for translate
    """Code point to its RFC 3986 encoding, for ``str.translate``.

    Unreserved characters map to themselves; any other code point is
    encoded as UTF-8 bytes in %XX form on first sight and remembered (up
    to a bound, so odd input cannot grow it without end).
    """

    def __missing__(self, code: int) -> str:
        value = "".join(f"%{b:02X}" for b in chr(code).encode("utf-8"))
        if len(self) < 4096:
            self[code] = value
        return value


_ESCAPES = _Escapes(
    (ord(c), c)
    for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "abcdefghijklmnopqrstuvwxyz0123456789-._~"
)


_BYTE_ESCAPES = [_ESCAPES[b] if b < 128 else f"%{b:02X}" for b in range(256)]


def percent_encode(value: str | bytes) -> str:
    """Encode as RFC 5849 3.6 says: UTF-8, then all but ALPHA DIGIT -._~."""
    if isinstance(value, bytes):
        return "".join([_BYTE_ESCAPES[b] for b in value])
    if not isinstance(value, str):
        raise TypeError(
            f"can only encode str or bytes, not {type(value).__name__}"
        )
    if value.isascii() and value.isalnum():
        return value
    return value.translate(_ESCAPES)


def base_string_uri(url: str) -> str:
    """The base string URI of RFC 5849 3.4.1.2.

    Scheme and host are lower-cased, a default port is dropped, query and
    fragment are left out and an empty path becomes ``/``.
    """
    return _base_uri(url.partition("#")[0].partition("?")[0])


def _base_uri(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in _DEFAULT_PORTS or not host:
        raise ValueError(f"not an http(s) URL: {url!r}")

    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"bad port in URL: {url!r}") from None

    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    return f"{scheme}://{host}{parts.path or '/'}"


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8")
    raise TypeError(
        f"parameter values must be str or bytes, not {type(value).__name__}"
    )


def _pairs(params: Params) -> Pairs:
    if params is None:
        return []
    items = params.items() if hasattr(params, "items") else params
    return [
        (k, v) if type(k) is str and type(v) is str else (_text(k), _text(v))
        for k, v in items
    ]


def _encode_pairs(pairs: Pairs) -> Pairs:
    out = []
    for name, value in pairs:
        # Names repeat from call to call: remember their encodings.
        # Values that are ASCII letters and digits (nonces, timestamps,
        # keys) need no encoding and no regular expression.
        encoded_name = _NAMES.get(name)
        if encoded_name is None:
            encoded_name = percent_encode(name)
            if len(_NAMES) < 1024:
                _NAMES[name] = encoded_name
        if not (value.isascii() and value.isalnum()):
            value = percent_encode(value)
        out.append((encoded_name, value))
    return out


_NAMES: dict[str, str] = {}


def _encoded_query(url: str) -> Pairs:
    """The URL's query pairs, encoded for the base string.

    RFC 5849 3.4.1.3.1 decodes the query to octets ("+" is a space) and
    3.4.1.3.2 encodes them again, so "%FF" stays "%FF" even where it is
    not UTF-8.
    """
    if "?" not in url:
        return []
    from urllib.parse import unquote_to_bytes

    query = url.partition("#")[0].partition("?")[2]
    pairs = []
    for field in query.split("&"):
        if field:
            name, _, value = field.partition("=")
            pairs.append(
                (
                    percent_encode(unquote_to_bytes(name.replace("+", " "))),
                    percent_encode(unquote_to_bytes(value.replace("+", " "))),
                )
            )
    return pairs


def _add_query(url: str, query: str) -> str:
    """Append encoded pairs, at least one, to a URL's query, before any
    fragment."""
    base, hash_, fragment = url.partition("#")
    if "?" not in base:
        base += "?"
    elif not base.endswith(("?", "&")):
        base += "&"
    return f"{base}{query}{hash_}{fragment}"


def normalized_parameters(params: Params) -> str:
    """The normalized request parameters of RFC 5849 3.4.1.3.2.

    Names and values are encoded, sorted by name then value (duplicates
    kept), and joined with ``=`` and ``&``.
    """
    return _normalized(_encode_pairs(_pairs(params)))


def _normalized(encoded: Pairs) -> str:
    return "&".join([f"{k}={v}" for k, v in sorted(encoded)])


def signature_base_string(method: str, url: str, params: Params) -> str:
    """The signature base string of RFC 5849 3.4.1.

    ``params`` holds the form-body and ``oauth_*`` parameters (without
    ``oauth_signature`` and ``realm``); pairs in the URL's query join
    them (3.4.1.3.1).
    """
    encoded = _encoded_query(url) + _encode_pairs(_pairs(params))
    return _base_string(method, url, encoded)


def _base_string(method: str, url: str, encoded: Pairs) -> str:
    # The normalized parameters hold only unreserved characters and
    # "%", "=", "&", so encoding them again is three replacements.
    params = (
        _normalized(encoded)
        .replace("%", "%25")
        .replace("=", "%3D")
        .replace("&", "%26")
    )
    uri = _encoded_base_uri(url.partition("#")[0].partition("?")[0])
    return f"{percent_encode(method.upper())}&{uri}&{params}"


def _encoded_base_uri(url: str) -> str:
    # The same few endpoints are signed again and again: remember them.
    encoded = _URIS.get(url)
    if encoded is None:
        encoded = percent_encode(_base_uri(url))
        if len(_URIS) < 64:
            _URIS[url] = encoded
    return encoded


_URIS: dict[str, str] = {}


def signing_key(consumer_secret: str, token_secret: str = "") -> str:
    """The HMAC key of RFC 5849 3.4.2: both secrets encoded, joined by &."""
    return f"{percent_encode(consumer_secret)}&{percent_encode(token_secret)}"


def _hmac_signature(
    digest: str, base_string: str, consumer_secret: str, token_secret: str
) -> str:
    key = signing_key(consumer_secret, token_secret)
    return _hmac_with_key(digest, base_string, key)


def _hmac_with_key(digest: str, base_string: str, key: str) -> str:
    import binascii
    import hmac

    mac = hmac.digest(key.encode("utf-8"), base_string.encode("utf-8"), digest)
    return binascii.b2a_base64(mac, newline=False).decode("ascii")


def hmac_sha1_signature(
    base_string: str, consumer_secret: str, token_secret: str = ""
) -> str:
    """The HMAC-SHA1 signature of RFC 5849 3.4.2, base64-encoded."""
    return _hmac_signature("sha1", base_string, consumer_secret, token_secret)


def hmac_sha256_signature(
    base_string: str, consumer_secret: str, token_secret: str = ""
) -> str:
    """HMAC-SHA256 over the same base string and key as HMAC-SHA1."""
    return _hmac_signature(
        "sha256", base_string, consumer_secret, token_secret
    )


def plaintext_signature(consumer_secret: str, token_secret: str = "") -> str:
    """The PLAINTEXT signature of RFC 5849 3.4.4: the key itself.

    Safe only over HTTPS, which the transport insists on.
    """
    return signing_key(consumer_secret, token_secret)


def generate_nonce() -> str:
    """A nonce of 128 random bits from ``secrets``, as 32 hex digits."""
    import secrets

    return secrets.token_hex(16)


def generate_timestamp(
    clock: Callable[[], float] = time.time, offset: float = 0.0
) -> str:
    """Whole seconds since the epoch (RFC 5849 3.3), shifted by offset."""
    return str(int(clock() + offset))


def authorization_header(
    oauth_params: Params, realm: str | None = None
) -> str:
    """The ``Authorization: OAuth ...`` value of RFC 5849 3.5.1."""
    return _header(_encode_pairs(_pairs(oauth_params)), realm)


def _header(encoded: Pairs, realm: str | None) -> str:
    parts = [f'realm="{_quote_header(realm)}"'] if realm is not None else []
    parts += [f'{k}="{v}"' for k, v in encoded]
    return "OAuth " + ", ".join(parts)


def _quote_header(value: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"realm must be a str, not {type(value).__name__}")
    if '"' in value or "\\" in value or not value.isprintable():
        raise ValueError(
            f"realm cannot hold quotes, backslashes or control characters: "
            f"{value!r}"
        )
    return value


def form_encode(pairs: Params) -> str:
    """Encode pairs for a form body or query the way RFC 5849 3.6 does."""
    return _form(_encode_pairs(_pairs(pairs)))


def _form(encoded: Pairs) -> str:
    return "&".join([f"{k}={v}" for k, v in encoded])


class SignedRequest:
    """A request ready to send: method, URL, headers and body."""

    __slots__ = (
        "method",
        "url",
        "headers",
        "body",
        "base_string",
        "oauth_params",
    )

    def __init__(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        base_string: str,
        oauth_params: Pairs,
    ) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.base_string = base_string
        self.oauth_params = oauth_params

    def __repr__(self) -> str:
        # The query may carry OAuth parameters (signature_type="query").
        return f"<SignedRequest {self.method} {self.url.split('?')[0]}>"


# -- transport ------------------------------------------------------------


class Response:
    """An HTTP reply read whole: status, headers and body."""

    __slots__ = ("status", "reason", "headers", "body", "url", "base_string")

    def __init__(
        self, status: int, reason: str, headers: Any, body: bytes, url: str
    ) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.url = url
        #: The base string of the request this answers, when signed.
        self.base_string: str | None = None

    def __repr__(self) -> str:
        return f"<Response {self.status} from {self.url.split('?')[0]}>"

    def server_time(self) -> float | None:
        """The server's clock from the ``Date`` header, if it sent one."""
        value = self.headers.get("Date") if self.headers else None
        if not value:
            return None
        from email.utils import parsedate_to_datetime

        try:
            return parsedate_to_datetime(value).timestamp()
        except (TypeError, ValueError, IndexError):
            return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    import ipaddress

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> None:
    """Refuse anything but HTTPS, and plain HTTP to a loopback address.

    The URL must be ASCII without spaces or control characters (encode
    them first) and carry no user name or password.
    """
    if not isinstance(url, str):
        raise TypeError(f"a URL must be a str, not {type(url).__name__}")
    if not (url.isascii() and url.isprintable()) or " " in url:
        raise ValueError(
            f"URLs must be ASCII without spaces or control characters "
            f"(percent-encode them): {url!r}"
        )
    origin = url.partition("#")[0].partition("?")[0]
    if origin in _CHECKED:
        return

    from urllib.parse import urlsplit

    parts = urlsplit(origin)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"not an https URL: {url!r}")
    if "@" in parts.netloc:
        raise ValueError(
            f"URLs with a user name or password are refused (host "
            f"{parts.hostname!r})"
        )
    try:
        _ = parts.port  # reading it checks it
    except ValueError:
        raise ValueError(f"bad port in URL: {origin!r}") from None
    if scheme == "http" and not _is_loopback(parts.hostname):
        raise ValueError(
            f"refusing plain http to a non-loopback host: {origin!r}; "
            "use https"
        )
    if len(_CHECKED) < 64:
        _CHECKED.add(origin)


_CHECKED: set[str] = set()


class _PoolHandler:
    """A urllib handler that keeps one idle connection per host alive.

    urllib's own HTTP handlers send ``Connection: close``; this one reuses
    a connection while the server allows it, and opens a fresh one once
    when a kept connection turns out to have been closed.  It is its
    opener's only handler, so it needs no order among others, and
    urllib never closes a handler.
    """

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def add_parent(self, parent: Any) -> None:
        self.parent = parent

    def http_open(self, req: Any) -> Any:
        return self.transport._open(req, "http")

    def https_open(self, req: Any) -> Any:
        return self.transport._open(req, "https")


class Transport:
    """HTTPS over ``urllib`` with verified certificates, timeouts and
    keep-alive connections, safe to share between threads.

    ``ssl_context`` replaces the default verifying context (to trust a
    private CA, say); it is never a way to turn verification off.
    """

    def __init__(
        self,
        timeout: float | None = None,
        ssl_context: Any = None,
        keep_alive: bool = True,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.timeout = _check_timeout(timeout, DEFAULT_TIMEOUT)
        self.keep_alive = keep_alive
        self.user_agent = user_agent
        if ssl_context is not None:
            import ssl

            if not (
                isinstance(ssl_context, ssl.SSLContext)
                and ssl_context.verify_mode == ssl.CERT_REQUIRED
                and ssl_context.check_hostname
            ):
                raise ValueError(
                    "ssl_context must be an ssl.SSLContext that verifies "
                    "certificates and host names (CERT_REQUIRED, "
                    "check_hostname=True)"
                )
        self._ssl_context = ssl_context
        self._idle: dict[tuple[str, str], list[Any]] = {}
        import threading

        self._lock = threading.Lock()
        self._opener: Any = None

    def __repr__(self) -> str:
        return f"<Transport timeout={self.timeout!r}>"

    def request(
        self,
        method: str,
        url: str,
        headers: dict[str, str] | None = None,
        body: Any = None,
        timeout: float | None = None,
    ) -> Response:
        """Send one request and read the whole reply, of any status."""
        check_url(url)
        timeout = _check_timeout(timeout, self.timeout)
        if self._opener is None:
            import urllib.request

            opener = urllib.request.OpenerDirector()
            # _PoolHandler is duck-typed rather than a BaseHandler
            # subclass so that defining it does not import urllib.request.
            opener.add_handler(_PoolHandler(self))  # type: ignore[arg-type]
            self._opener = opener

        import urllib.request

        req = urllib.request.Request(url, data=body, method=method)
        req.add_header("User-Agent", self.user_agent)
        for name, value in (headers or {}).items():
            req.add_header(name, value)
        _debug("%s %s", method, url.split("?")[0])
        try:
            response: Response = self._opener.open(req, timeout=timeout)
            return response
        except FlickrError:
            raise
        except Exception as exc:
            raise _transport_error(exc, url, timeout) from exc

    def close(self) -> None:
        """Close every idle connection."""
        with self._lock:
            idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn.close()

    def _context(self) -> Any:
        if self._ssl_context is None:
            import ssl

            self._ssl_context = ssl.create_default_context()
        return self._ssl_context

    def _connect(self, scheme: str, host: str, timeout: float) -> Any:
        import http.client

        if scheme == "https":
            return http.client.HTTPSConnection(
                host, timeout=timeout, context=self._context(), blocksize=65536
            )
        return http.client.HTTPConnection(
            host, timeout=timeout, blocksize=65536
        )

    def _idle_connection(self, key: tuple[str, str]) -> Any:
        """A kept connection to this host that still looks usable."""
        while self.keep_alive:
            with self._lock:
                idle = self._idle.get(key)
                if not idle:
                    return None
                conn = idle.pop()
            # An idle connection has nothing to read; if it is readable,
            # the server has closed it (or sent junk): drop it.
            if conn.sock is not None and not _readable(conn.sock):
                return conn
            conn.close()
        return None

    def _open(self, req: Any, scheme: str) -> Response:
        import http.client
        import socket

        key = (scheme, req.host)
        timeout = req.timeout
        conn = self._idle_connection(key)
        reused = conn is not None
        if conn is None:
            conn = self._connect(scheme, req.host, timeout)
        else:
            conn.timeout = timeout
            conn.sock.settimeout(timeout)

        headers = dict(req.header_items())
        if not self.keep_alive:
            headers["Connection"] = "close"
        body = req.data
        try:
            resp = self._exchange(conn, req, headers, body)
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            # A kept connection the server closed meanwhile fails on the
            # first write or read (reset, EOF, a TLS EOF): open a new one,
            # once.  A timeout is not that, and is not retried.
            stale = reused and not isinstance(
                exc, (socket.timeout, http.client.IncompleteRead)
            )
            if not (stale and _rewind(body)):
                raise
            _debug("kept connection to %s was closed; reconnecting", req.host)
            conn = self._connect(scheme, req.host, timeout)
            try:
                resp = self._exchange(conn, req, headers, body)
            except BaseException:
                conn.close()
                raise
        except BaseException:
            conn.close()
            raise

        status, reason, msg, data, will_close = resp
        if will_close or not self.keep_alive:
            conn.close()
        else:
            with self._lock:
                self._idle.setdefault(key, []).append(conn)
        return Response(status, reason, msg, data, req.full_url)

    def _exchange(
        self, conn: Any, req: Any, headers: dict[str, str], body: Any
    ) -> tuple[int, str, Any, bytes, bool]:
        conn.request(req.get_method(), req.selector, body, headers)
        resp = conn.getresponse()
        if resp.length is not None and resp.length > MAX_RESPONSE_BYTES:
            raise _too_large(req.full_url, resp.status)

        try:
            if resp.length is not None:
                data = resp.read()  # raises IncompleteRead when cut short
            else:
                # No length (read to close, or chunked): read in pieces,
                # so no buffer of the whole limit is made up front.
                chunks, size = [], 0
                while True:
                    chunk = resp.read(65536)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > MAX_RESPONSE_BYTES:
                        raise _too_large(req.full_url, resp.status)
                    chunks.append(chunk)
                data = b"".join(chunks)
        except ConnectionError as exc:
            # The reply had begun, so the server took the request: it is
            # never sent again, as a stale kept connection's would be.
            raise _transport_error(exc, req.full_url, req.timeout) from exc
        return resp.status, resp.reason, resp.msg, data, resp.will_close


def _readable(sock: Any) -> bool:
    import select

    if hasattr(select, "poll"):  # no FD_SETSIZE limit, unlike select()
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    # Only Windows lacks poll(), and the tests run where it exists.
    return bool(select.select([sock], [], [], 0)[0])  # pragma: no cover


def _too_large(url: str, status: int) -> ResponseError:
    return ResponseError(
        f"reply from {url.split('?')[0]} is larger than "
        f"{MAX_RESPONSE_BYTES} bytes",
        url,
        status,
    )


def _rewind(body: Any) -> bool:
    """Start a request body over to send it again; false if it cannot."""
    if body is None or isinstance(body, (bytes, bytearray)):
        return True
    try:
        if isinstance(body, _MultipartBody):
            body.rewind()
        elif hasattr(body, "seek"):
            body.seek(0)
        else:
            return False  # chunks from an iterator go once
    except (OSError, ValueError):
        return False
    return True


def _check_timeout(value: float | None, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(
            f"timeout must be a number of seconds, not {type(value).__name__}"
        )
    if not 0 < value <= MAX_TIMEOUT:  # also refuses NaN
        raise ValueError(
            f"timeout must be more than 0 and at most {MAX_TIMEOUT:g} "
            f"seconds, not {value!r}"
        )
    return float(value)


def _transport_error(
    exc: BaseException, url: str, timeout: float
) -> TransportError:
    import socket

    where = url.split("?")[0]
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return RequestTimeout(
            f"no reply from {where} within {timeout:g} s", url
        )
    if isinstance(exc, socket.gaierror):
        return TransportError(
            f"cannot resolve the host of {where}: {exc.strerror or exc}", url
        )
    if isinstance(exc, ConnectionRefusedError):
        return TransportError(f"connection refused by {where}", url)
    if isinstance(exc, ConnectionError):
        return TransportError(
            f"connection to {where} was closed or reset mid-reply "
            f"({type(exc).__name__})",
            url,
        )
    if type(exc).__name__ == "IncompleteRead":
        return TransportError(f"reply from {where} was cut short", url)
    reason = getattr(exc, "reason", None) or exc
    if type(exc).__name__ == "SSLCertVerificationError":
        return TransportError(
            f"TLS certificate of {where} failed verification: {reason}", url
        )
    return TransportError(
        f"request to {where} failed: {type(exc).__name__}: {reason}", url
    )


# -- the provider-neutral client --------------------------------------------


class OAuth1Client:
    """Signs and sends requests for any OAuth 1.0a provider.

    ``signature_method`` is HMAC-SHA1 (the default), HMAC-SHA256 or
    PLAINTEXT; ``signature_type`` puts the OAuth parameters in the
    Authorization header (default), the query, or a form body.  The
    clock and the nonce come in as arguments so tests can pin them.
    ``clock_offset`` (seconds) corrects a skewed local clock; it is set
    from the server's ``Date`` when a timestamp is refused.
    """

    def __init__(
        self,
        client_key: str,
        client_secret: str,
        token: str | None = None,
        token_secret: str = "",
        *,
        signature_method: str = "HMAC-SHA1",
        signature_type: str = "header",
        realm: str | None = None,
        timeout: float | None = None,
        transport: Transport | None = None,
        nonce_factory: Callable[[], str] = generate_nonce,
        clock: Callable[[], float] = time.time,
    ) -> None:
        _require_text("client_key", client_key)
        _require_text("client_secret", client_secret)
        if signature_method not in SIGNATURE_METHODS:
            raise ValueError(
                f"unknown signature_method "
                f"{signature_method!r}; use one of "
                f"{', '.join(SIGNATURE_METHODS)}"
            )
        if signature_type not in SIGNATURE_TYPES:
            raise ValueError(
                f"unknown signature_type {signature_type!r}; "
                f"use one of {', '.join(SIGNATURE_TYPES)}"
            )
        if realm is not None:
            _quote_header(realm)
        if token is not None and not isinstance(token, str):
            raise TypeError(f"token must be a str, not {type(token).__name__}")
        if not isinstance(token_secret, str):
            kind = type(token_secret).__name__
            raise TypeError(f"token_secret must be a str, not {kind}")
        self.client_key = client_key
        self.client_secret = client_secret
        self.token = token
        self.token_secret = token_secret or ""
        self.signature_method = signature_method
        self.signature_type = signature_type
        self.realm = realm
        self.transport = transport or Transport(timeout)
        self.nonce_factory = nonce_factory
        self.clock = clock
        self.clock_offset = 0.0
        self._fixed_parts: tuple[Any, Pairs, Pairs, str] | None = None

    def __repr__(self) -> str:
        return (
            f"<OAuth1Client client_key={self.client_key!r} "
            f"token={self.token!r} {self.signature_method}>"
        )

    def __enter__(self) -> OAuth1Client:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Close the transport's kept-alive connections."""
        self.transport.close()

    def _fixed(self) -> tuple[Any, Pairs, Pairs, str]:
        """What every request shares until the token or a secret changes:
        the fixed oauth_* pairs, raw and encoded, and the signing key."""
        state = (
            self.client_key,
            self.client_secret,
            self.token,
            self.token_secret,
            self.signature_method,
        )
        fixed = self._fixed_parts
        if fixed is None or fixed[0] != state:
            raw = [
                ("oauth_consumer_key", self.client_key),
                ("oauth_signature_method", self.signature_method),
                ("oauth_version", "1.0"),
            ]
            if self.token:
                raw.append(("oauth_token", self.token))
            key = signing_key(self.client_secret, self.token_secret)
            fixed = (state, raw, _encode_pairs(raw), key)
            self._fixed_parts = fixed
        return fixed

    # RFC 5849 3.1: the oauth_* protocol parameters.
    def oauth_params(self, extra: Params = None) -> Pairs:
        """The protocol parameters of a new request: the fixed ones, a
        fresh nonce and timestamp, then ``extra``."""
        return [
            *self._fixed()[1],
            ("oauth_nonce", self.nonce_factory()),
            (
                "oauth_timestamp",
                generate_timestamp(self.clock, self.clock_offset),
            ),
            *_pairs(extra),
        ]

    def signature(self, base_string: str) -> str:
        """Sign a base string with this client's method and secrets."""
        return self._signature(base_string, self._fixed()[3])

    def _signature(self, base_string: str, key: str) -> str:
        if self.signature_method == "HMAC-SHA1":
            return _hmac_with_key("sha1", base_string, key)
        if self.signature_method == "HMAC-SHA256":
            return _hmac_with_key("sha256", base_string, key)
        return key  # PLAINTEXT (RFC 5849 3.4.4)

    def sign(
        self,
        method: str,
        url: str,
        params: Params = None,
        oauth_extra: Params = None,
    ) -> SignedRequest:
        """Build a signed request.

        ``params`` go in the query for GET and in a form body otherwise.
        ``oauth_extra`` adds protocol parameters such as
        ``oauth_callback`` or ``oauth_verifier``.  The result also keeps
        the signed ``oauth_params``, for bodies built elsewhere
        (multipart uploads).
        """
        method = method.upper()
        check_url(url)
        pairs = _pairs(params)
        _, fixed, fixed_encoded, key = self._fixed()
        oauth = self.oauth_params(oauth_extra)
        in_query = method in ("GET", "HEAD", "DELETE")
        if self.signature_type == "body" and in_query:
            raise ValueError(
                f"signature_type='body' needs a request with a "
                f"body, not {method}"
            )

        # Each pair is encoded once; the base string, the header and the
        # body share the encodings.
        encoded = _encode_pairs(pairs)
        if in_query and encoded:
            url = _add_query(url, _form(encoded))
            encoded = []
        query = _encoded_query(url)
        enc_oauth = fixed_encoded + _encode_pairs(oauth[len(fixed) :])
        base = _base_string(method, url, query + encoded + enc_oauth)
        signature = self._signature(base, key)
        oauth.append(("oauth_signature", signature))
        enc_oauth.append(("oauth_signature", percent_encode(signature)))
        if _logger().isEnabledFor(10):  # the verifier stays out of logs
            hidden = [v for k, v in oauth if k == "oauth_verifier"]
            _debug("signature base string: %s", _redact(base, hidden))

        headers: dict[str, str] = {}
        if self.signature_type == "header":
            headers["Authorization"] = _header(enc_oauth, self.realm)
        elif self.signature_type == "query":
            url = _add_query(url, _form(enc_oauth))
        else:
            encoded = encoded + enc_oauth

        body = None
        if not in_query:
            body = _form(encoded).encode("ascii")
            headers["Content-Type"] = _FORM
        return SignedRequest(method, url, headers, body, base, oauth)

    def request(
        self,
        method: str,
        url: str,
        params: Params = None,
        oauth_extra: Params = None,
        timeout: float | None = None,
    ) -> Response:
        """Sign and send; retry once with the server's clock when the
        server refuses our timestamp."""
        resp = self._send(method, url, params, oauth_extra, timeout)
        if resp.status >= 400 and self._fix_clock(
            resp, always=True, problem=True
        ):
            resp = self._send(method, url, params, oauth_extra, timeout)
        return resp

    def _send(
        self,
        method: str,
        url: str,
        params: Params,
        oauth_extra: Params,
        timeout: float | None,
    ) -> Response:
        signed = self.sign(method, url, params, oauth_extra)
        resp = self.transport.request(
            signed.method, signed.url, signed.headers, signed.body, timeout
        )
        resp.base_string = signed.base_string
        return resp

    def _fix_clock(
        self, resp: Response, always: bool = False, problem: bool = False
    ) -> bool:
        """Set clock_offset from the reply's Date; true when a retry may
        help.  ``problem`` asks that the body say timestamp_refused."""
        if problem:
            from urllib.parse import parse_qsl

            text = resp.body[:4096].decode("utf-8", "replace")
            fields = dict(parse_qsl(text.strip(), keep_blank_values=True))
            if fields.get("oauth_problem") != "timestamp_refused":
                return False
        server = resp.server_time()
        if server is None:
            return False
        offset = server - self.clock()
        if not always and abs(offset - self.clock_offset) <= CLOCK_SKEW_LIMIT:
            return False
        _debug("server clock is %+.0f s from ours; correcting", offset)
        self.clock_offset = offset
        return True

    # RFC 5849 2.1: temporary credentials.
    def fetch_request_token(
        self,
        url: str,
        callback: str = "oob",
        method: str = "POST",
        timeout: float | None = None,
    ) -> dict[str, str]:
        """Obtain temporary credentials; the client takes them on."""
        self.token, self.token_secret = None, ""
        resp = self.request(
            method, url, None, [("oauth_callback", callback)], timeout
        )
        reply = parse_token_reply(
            resp, url, ("oauth_token", "oauth_token_secret")
        )
        if reply.get("oauth_callback_confirmed") != "true":
            raise ResponseError(
                f"{url} did not confirm the callback "
                f"(oauth_callback_confirmed is "
                f"{reply.get('oauth_callback_confirmed')!r})",
                url,
                resp.status,
            )
        self.token = reply["oauth_token"]
        self.token_secret = reply["oauth_token_secret"]
        return reply

    # RFC 5849 2.2: resource owner authorization.
    def authorization_url(self, url: str, **extra: str) -> str:
        """The URL to send the user to, naming the temporary token."""
        if not self.token:
            raise ValueError(
                "no temporary credentials yet; call fetch_request_token first"
            )
        params = [("oauth_token", self.token)] + sorted(extra.items())
        return _add_query(url, form_encode(params))

    # RFC 5849 2.3: token credentials.
    def fetch_access_token(
        self,
        url: str,
        verifier: str,
        method: str = "POST",
        timeout: float | None = None,
        required: Sequence[str] = (),
    ) -> dict[str, str]:
        """Trade the verifier for token credentials; the client takes
        them on only when the reply is complete."""
        _require_text("verifier", verifier)
        if not self.token:
            raise ValueError(
                "no temporary credentials yet; call fetch_request_token first"
            )
        try:
            resp = self.request(
                method, url, None, [("oauth_verifier", verifier)], timeout
            )
            reply = parse_token_reply(
                resp,
                url,
                ("oauth_token", "oauth_token_secret") + tuple(required),
                hide=(verifier,),
            )
        except OAuthError as exc:
            # The verifier travels in the base string; keep it out of
            # the message and the attributes.
            raise _redacted_oauth_error(exc, verifier) from None
        self.token = reply["oauth_token"]
        self.token_secret = reply["oauth_token_secret"]
        return reply


def _redacted_oauth_error(exc: OAuthError, verifier: str) -> OAuthError:
    def hide(s: str | None) -> str | None:
        return _redact(s, [verifier]) if s else s

    return OAuthError(
        exc.endpoint,
        exc.status,
        exc.oauth_problem,
        hide(exc.debug_sbs),
        hide(exc.base_string),
        hide(exc.detail) or "",
    )


def _require_text(name: str, value: Any) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{name} is empty")


def _looks_like(body: bytes) -> str:
    head = body[:200].lstrip().lower()
    if not head:
        return "an empty body"
    if head.startswith((b"<!doctype html", b"<html")) or b"<body" in head:
        return "an HTML page"
    if head.startswith((b"{", b"jsonflickrapi(")):
        return "JSON"
    if head.startswith(b"<"):
        return "XML"
    return "an unrecognised body"


def parse_token_reply(
    resp: Response,
    endpoint: str,
    required: Sequence[str],
    hide: Sequence[str] = (),
) -> dict[str, str]:
    """Read a form-encoded token reply (RFC 5849 2.1, 2.3) or raise.

    Only a refusal's own fields (oauth_problem, debug_sbs,
    oauth_parameters_absent) are ever put in a message; the rest of a
    reply holds secrets.
    """
    try:
        text = resp.body.decode("utf-8")
    except UnicodeDecodeError:
        raise ResponseError(
            f"reply from {endpoint} is not UTF-8 (HTTP {resp.status})",
            endpoint,
            resp.status,
        ) from None

    fields: dict[str, str] = {}
    looks_form = "=" in text and "<" not in text[:1] and "{" not in text[:1]
    if looks_form:
        from urllib.parse import parse_qsl

        for name, value in parse_qsl(text.strip(), keep_blank_values=True):
            if name in fields:
                raise ResponseError(
                    f"reply from {endpoint} names {name!r} twice",
                    endpoint,
                    resp.status,
                )
            fields[name] = value

    if fields.get("oauth_problem") or resp.status >= 400:
        detail = "" if looks_form else f"the body is {_looks_like(resp.body)}"
        raise _refusal(resp, endpoint, fields, detail, hide)
    if not looks_form:
        raise ResponseError(
            f"reply from {endpoint} is "
            f"{_looks_like(resp.body)}, not a token reply "
            f"(HTTP {resp.status})",
            endpoint,
            resp.status,
        )
    missing = [name for name in required if not fields.get(name)]
    if missing:
        raise ResponseError(
            f"reply from {endpoint} lacks {', '.join(missing)}",
            endpoint,
            resp.status,
        )
    return fields


def _refusal(
    resp: Response,
    endpoint: str,
    fields: Mapping[str, str],
    detail: str = "",
    hide: Sequence[str] = (),
) -> OAuthError:
    """The OAuthError for a refusal, with what the provider said of it.

    Flickr names missing parameters in ``oauth_parameters_absent``.
    """
    notes = [detail] if detail else []
    absent = fields.get("oauth_parameters_absent")
    if absent:
        notes.append(f"absent: {absent}")
    sbs = fields.get("debug_sbs")
    base = resp.base_string
    return OAuthError(
        endpoint,
        resp.status,
        fields.get("oauth_problem"),
        _redact(sbs, hide) if sbs else sbs,
        _redact(base, hide) if base else base,
        _redact("; ".join(notes), hide),
    )


def _oauth_fields(body: bytes) -> dict[str, str]:
    """The fields of a form-encoded OAuth refusal; empty for any other
    body.  Flickr answers a refused REST call this way too."""
    if b"oauth_problem=" not in body:
        return {}
    if _looks_like(body) != "an unrecognised body":  # XML, JSON, HTML
        return {}
    from urllib.parse import parse_qsl

    text = body.decode("utf-8", "replace").strip()
    return dict(parse_qsl(text, keep_blank_values=True))


# -- the callback server ----------------------------------------------------


_QUERY = r"\?[^\s'\"]*"  # a query in a logged request line
_DONE_PAGE = (
    b"<!doctype html><meta charset=utf-8><title>Signed in</title>"
    b"<p>Done: flickroauth has the authorization. "
    b"You can close this tab.</p>\n"
)
_DENIED_PAGE = (
    b"<!doctype html><meta charset=utf-8><title>Declined</title>"
    b"<p>The authorization was declined. "
    b"You can close this tab.</p>\n"
)
_OTHER_PAGE = (
    b"<!doctype html><meta charset=utf-8><title>Waiting</title>"
    b"<p>This address waits for Flickr's sign-in callback.</p>\n"
)


def _make_handler_class() -> Any:
    """The request handler, built on first use to keep http.server lazy."""
    from http.server import BaseHTTPRequestHandler

    class CallbackHandler(BaseHTTPRequestHandler):
        server_version = f"flickroauth/{__version__}"
        sys_version = ""
        timeout = 10.0  # a connection that sends nothing is dropped
        server: Any  # the ThreadingHTTPServer, carrying .callback

        def do_GET(self) -> None:
            page, status = self.server.callback._handle(self.path)
            self._reply(status, page)

        def do_HEAD(self) -> None:
            self._reply(200, b"", head=True)

        def _reply(self, status: int, page: bytes, head: bool = False) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            if not head:
                self.wfile.write(page)
            self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            # A request line carries the verifier: never log a query.
            import re

            _debug(
                "callback server: %s", re.sub(_QUERY, "?...", format % args)
            )

        def log_request(self, code: Any = "-", size: Any = "-") -> None:
            # A request line too broken to parse leaves no path at all.
            path = getattr(self, "path", None)
            path = path.split("?")[0] if isinstance(path, str) else "?"
            _debug("callback server: %s %s -> %s", self.command, path, code)

    return CallbackHandler


def _make_server_class() -> Any:
    """The threading server, built on first use like its handler."""
    from http.server import ThreadingHTTPServer

    class CallbackHTTPServer(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: Any, client_address: Any) -> None:
            # socketserver prints a traceback to stderr; a stray that
            # hangs up or sends garbage is not the user's business.  The
            # type alone is logged: the exception may quote the request.
            _debug(
                "callback server: dropped a broken request (%s)",
                type(sys.exc_info()[1]).__name__,
            )

    return CallbackHTTPServer


class CallbackServer:
    """Waits on 127.0.0.1 for the browser to come back from the provider.

    It binds port 0 (the system picks a free port), serves from a
    background thread, ignores stray requests (favicons, prefetches,
    garbage, TLS handshakes) and another flow's ``oauth_token``, and
    always closes its socket.  Use it as a context manager.
    """

    def __init__(self, port: int = 0, path: str = "/") -> None:
        if not path.startswith("/"):
            raise ValueError(f"callback path must start with '/': {path!r}")
        self.path = path
        self._expected: str | None = None
        self._verifier: str | None = None
        self._denied: str | None = None
        import threading

        self._done = threading.Event()
        self._lock = threading.Lock()
        server = _make_server_class()(
            ("127.0.0.1", port), _make_handler_class()
        )
        # The handler finds its CallbackServer through this attribute.
        server.callback = self
        self._server: Any = server
        self.port: int = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="flickroauth-callback",
            daemon=True,
        )
        self._thread.start()
        self._closed = False
        _debug("callback server listening on %s", self.url)

    @property
    def url(self) -> str:
        """The callback URL to hand the provider."""
        return f"http://127.0.0.1:{self.port}{self.path}"

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<CallbackServer {self.url} {state}>"

    def __enter__(self) -> CallbackServer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def expect(self, oauth_token: str) -> None:
        """Accept only callbacks that carry this temporary token."""
        with self._lock:
            self._expected = oauth_token

    def _handle(self, target: str) -> tuple[bytes, int]:
        from urllib.parse import parse_qsl, urlsplit

        parts = urlsplit(target)
        if parts.path != self.path:
            return _OTHER_PAGE, 404
        query: dict[str, str] = {}
        for name, value in parse_qsl(parts.query, keep_blank_values=True):
            query.setdefault(name, value)
        token = query.get("oauth_token")
        with self._lock:
            expected = self._expected
            if self._done.is_set() or expected is None:
                return _OTHER_PAGE, 409 if self._done.is_set() else 404
            # Only a request naming the token this flow issued may end
            # it, a denial included: any local page can reach this port.
            if token != expected:
                return _OTHER_PAGE, 400
            verifier = query.get("oauth_verifier")
            problem = query.get("oauth_problem") or query.get("denied")
            if verifier and not problem:
                self._verifier = verifier
                self._done.set()
                return _DONE_PAGE, 200
            self._denied = problem or "no oauth_verifier"
            self._done.set()
            return _DENIED_PAGE, 200

    def cancel(self) -> None:
        """End a wait from another thread (a Cancel button, say)."""
        with self._lock:
            if not self._done.is_set():
                self._denied = "cancelled"
                self._done.set()

    def wait(self, timeout: float = DEFAULT_BROWSER_TIMEOUT) -> str:
        """Block until the callback comes; return the verifier."""
        timeout = _check_timeout(timeout, DEFAULT_BROWSER_TIMEOUT)
        if not self._done.wait(timeout):
            raise CallbackTimeout(timeout)
        if self._verifier is None:
            if self._denied == "cancelled":
                raise AuthorizationDenied("the sign-in was cancelled")
            raise AuthorizationDenied(
                f"the authorization was declined ({self._denied})"
            )
        return self._verifier

    def close(self) -> None:
        """Stop serving and close the listening socket."""
        if self._closed:
            return
        self._closed = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
        _debug("callback server on port %d closed", self.port)


# -- tokens and caches ------------------------------------------------------


class FlickrAccessToken:
    """A user's token credentials, with what Flickr told us of the user.

    ``access_level`` is the granted permission: read, write or delete.
    The secret never shows in the repr.
    """

    levels = PERMS

    def __init__(
        self,
        token: str,
        token_secret: str,
        access_level: str = "",
        fullname: str = "",
        username: str = "",
        user_nsid: str = "",
    ) -> None:
        _require_text("token", token)
        _require_text("token_secret", token_secret)
        if access_level and access_level not in PERMS:
            raise ValueError(
                f"unknown access_level {access_level!r}; use "
                f"one of {', '.join(PERMS)}"
            )
        self.token = token
        self.token_secret = token_secret
        self.access_level = access_level
        self.fullname = fullname
        self.username = username
        self.user_nsid = user_nsid

    def __repr__(self) -> str:
        return (
            f"FlickrAccessToken(token={self.token!r}, "
            f"token_secret='***', access_level={self.access_level!r}, "
            f"fullname={self.fullname!r}, username={self.username!r}, "
            f"user_nsid={self.user_nsid!r})"
        )

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FlickrAccessToken):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    # Mutable and compared by value, so unhashable, as a dict is.
    __hash__ = None  # type: ignore[assignment]

    def has_level(self, access_level: str) -> bool:
        """True when this token allows at least ``access_level``."""
        return _level(self.access_level) >= _level(_check_perms(access_level))

    def to_dict(self) -> dict[str, str]:
        """A plain dict for a session or a cookie (it holds the secret)."""
        return {
            "token": self.token,
            "token_secret": self.token_secret,
            "access_level": self.access_level,
            "fullname": self.fullname,
            "username": self.username,
            "user_nsid": self.user_nsid,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FlickrAccessToken:
        """The inverse of to_dict; unknown keys are a ValueError."""
        from collections.abc import Mapping

        if not isinstance(data, Mapping):
            raise TypeError(f"expected a mapping, not {type(data).__name__}")
        fields = (
            "token",
            "token_secret",
            "access_level",
            "fullname",
            "username",
            "user_nsid",
        )
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise ValueError(f"unknown token fields: {', '.join(unknown)}")
        missing = [k for k in ("token", "token_secret") if k not in data]
        if missing:
            raise ValueError(f"token dict lacks {', '.join(missing)}")
        return cls(**{k: data[k] for k in fields if k in data})


def _level(perms: str) -> int:
    return PERMS.index(perms) if perms in PERMS else -1


def _check_perms(perms: str) -> str:
    if perms not in PERMS:
        raise ValueError(f"unknown perms {perms!r}; use read, write or delete")
    return perms


class SimpleTokenCache:
    """Keeps one token in memory only."""

    def __init__(self, token: FlickrAccessToken | None = None) -> None:
        self.token = token

    @property
    def token(self) -> FlickrAccessToken | None:
        """The token, or None; ``del`` forgets it."""
        return self._token

    @token.setter
    def token(self, token: FlickrAccessToken | None) -> None:
        if token is not None and not isinstance(token, FlickrAccessToken):
            raise TypeError(
                f"expected a FlickrAccessToken, not {type(token).__name__}"
            )
        self._token = token

    @token.deleter
    def token(self) -> None:
        self._token = None

    def __repr__(self) -> str:
        return f"<SimpleTokenCache {'with' if self._token else 'no'} token>"

    def forget(self) -> None:
        """Drop the token."""
        self._token = None


_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS oauth_cache_db_version (version int not null)",
    "CREATE TABLE IF NOT EXISTS oauth_tokens ("
    "api_key varchar(64) not null, "
    "lookup_key varchar(64) not null default '', "
    "oauth_token varchar(64) not null, "
    "oauth_token_secret varchar(64) not null, "
    "access_level varchar(6) not null, "
    "fullname varchar(255) not null, "
    "username varchar(255) not null, "
    "user_nsid varchar(64) not null, "
    "PRIMARY KEY(api_key, lookup_key))",
)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # not on Windows
_CACHE_FILES = {
    "oauth-tokens.sqlite",
    "oauth-tokens.sqlite-journal",
    "oauth-tokens.sqlite-wal",
    "oauth-tokens.sqlite-shm",
}


def _rollback(conn: Any) -> None:
    import sqlite3

    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    # ROLLBACK fails only on an I/O error in the journal or the disk,
    # which no test can cause; the first error is what the caller sees.
    except sqlite3.Error:  # pragma: no cover
        pass  # the connection is closed next, which also rolls back


class OAuthTokenCache:
    """Tokens in ``<path or ~/.flickr>/oauth-tokens.sqlite``.

    The file has flickrapi's schema, so either library reads what the
    other wrote.  It is created mode 0600 in a 0700 directory (a wider
    file left by another tool is tightened on open), every connection is
    closed after use, and writers wait for each other up to
    ``busy_timeout`` seconds.  Reading never creates anything.
    """

    FILENAME = "oauth-tokens.sqlite"
    VERSION = 1

    def __init__(
        self,
        api_key: str,
        lookup_key: str = "",
        path: str | None = None,
        busy_timeout: float = 30.0,
    ) -> None:
        _require_text("api_key", api_key)
        self.api_key = api_key
        self.lookup_key = lookup_key or ""
        self._default_path = path is None
        # normpath drops a trailing "/" or "/.", after which lstat would
        # look through a link instead of at it.
        self.path = os.path.normpath(
            os.path.expanduser(os.fspath(path or "~/.flickr"))
        )
        self.filename = os.path.join(self.path, self.FILENAME)
        self.busy_timeout = busy_timeout
        self._memo: tuple[Any, FlickrAccessToken | None] | None = None

    def __repr__(self) -> str:
        return (
            f"<OAuthTokenCache {self.filename!r} api_key="
            f"{self.api_key!r} lookup_key={self.lookup_key!r}>"
        )

    # The file and its directory.
    def _fail(self, what: str, exc: BaseException) -> TokenCacheError:
        return TokenCacheError(
            f"cannot {what} the token cache {self.filename!r}: "
            f"{getattr(exc, 'strerror', None) or exc}; pass "
            f"store_token=False or token_cache_location= to keep tokens "
            f"elsewhere",
            self.filename,
        )

    def _not_a_file(self) -> TokenCacheError:
        return TokenCacheError(
            f"{self.filename!r} is a symbolic link or not a regular "
            "file; flickroauth will not use it",
            self.filename,
        )

    def _secure(self, write: bool) -> None:
        """Refuse a cache that is a symbolic link or not a regular file;
        make it 0600, and its directory 0700 when that directory is ours
        (the default ~/.flickr, or one holding nothing but this cache)
        and not itself a link.  A file that cannot be tightened (a
        read-only mount) may still be read, never written."""
        import stat

        try:
            st = os.lstat(self.filename)
        except OSError as exc:
            raise self._fail("read", exc) from exc
        if not stat.S_ISREG(st.st_mode):
            raise self._not_a_file()
        try:
            if stat.S_IMODE(st.st_mode) & 0o077:
                fd = os.open(self.filename, os.O_RDONLY | _NOFOLLOW)
                try:
                    os.fchmod(fd, 0o600)
                finally:
                    os.close(fd)
            st = os.lstat(self.path)
            if (
                stat.S_ISDIR(st.st_mode)
                and stat.S_IMODE(st.st_mode) & 0o077
                and (
                    self._default_path
                    or set(os.listdir(self.path)) <= _CACHE_FILES
                )
            ):
                os.chmod(self.path, 0o700)
        except OSError as exc:
            if write:
                raise self._fail("secure", exc) from exc
            _debug("could not tighten %s: %s", self.filename, exc)

    def _create(self) -> None:
        try:
            os.makedirs(self.path, mode=0o700, exist_ok=True)
            flags = os.O_RDWR | os.O_CREAT | _NOFOLLOW
            os.close(os.open(self.filename, flags, 0o600))
        except OSError as exc:
            if os.path.islink(self.filename):
                raise self._not_a_file() from None
            raise self._fail("create", exc) from exc

    def _connect(self, write: bool) -> Any:
        import sqlite3

        if write:
            self._create()
        elif not os.path.lexists(self.filename):
            return None
        self._secure(write)
        try:
            conn = sqlite3.connect(
                self.filename, timeout=self.busy_timeout, isolation_level=None
            )
        except sqlite3.Error as exc:
            raise self._fail("open", exc) from exc
        return conn

    def _run(self, write: bool, work: Callable[[Any], Any]) -> Any:
        import sqlite3

        conn = self._connect(write)
        if conn is None:
            return None
        try:
            if write:
                conn.execute("BEGIN IMMEDIATE")
                ok = self._check_version(conn, create=True)
            else:
                conn.execute("BEGIN")
                ok = self._check_version(conn, create=False)
            result = work(conn) if ok else None
            conn.execute("COMMIT")
            return result
        except sqlite3.DatabaseError as exc:
            _rollback(conn)
            if type(exc) is sqlite3.OperationalError:  # locked, read-only
                raise self._fail("write" if write else "read", exc) from exc
            raise TokenCacheError(
                f"{self.filename!r} is not a usable token cache "
                f"(SQLite: {exc}); its contents were not changed",
                self.filename,
            ) from exc
        except BaseException:
            _rollback(conn)
            raise
        finally:
            conn.close()

    def _check_version(self, conn: Any, create: bool) -> bool:
        """Create the schema (when writing) or check its version; false
        when there is no table to read yet."""
        names = {
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table'"
            )
        }
        if "oauth_cache_db_version" not in names:
            if not create:
                return False
            for statement in _SCHEMA:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO oauth_cache_db_version VALUES (?)",
                (self.VERSION,),
            )
            return True
        versions = [
            row[0]
            for row in conn.execute(
                "SELECT version FROM oauth_cache_db_version"
            )
        ]
        if versions != [self.VERSION]:
            raise TokenCacheError(
                f"{self.filename!r} has token cache version "
                f"{versions!r}, this flickroauth reads version "
                f"{self.VERSION}; the file was not changed",
                self.filename,
            )
        if "oauth_tokens" not in names:
            if not create:
                return False
            conn.execute(_SCHEMA[1])
        return True

    # The token.
    def _stamp(self) -> Any:
        """What changes whenever the file does: its inode, size and
        SQLite's file change counter (header bytes 24-27); None when there
        is no file.  A stamp that matches nothing forces a real read: for
        a link (refused there, with a clear error) and for a database in
        WAL mode, whose counter does not move on every write."""
        try:
            fd = os.open(self.filename, os.O_RDONLY | _NOFOLLOW)
        except FileNotFoundError:
            return None
        except OSError as exc:
            import errno

            if exc.errno in (errno.ELOOP, errno.EMLINK):  # a link
                return object()
            raise self._fail("read", exc) from exc
        try:
            header = os.read(fd, 28)
            st = os.fstat(fd)
        except OSError as exc:
            raise self._fail("read", exc) from exc
        finally:
            os.close(fd)
        if header[18:19] == b"\x02":  # write version 2: WAL
            return object()
        return st.st_ino, st.st_size, header[24:28]

    @property
    def token(self) -> FlickrAccessToken | None:
        """The cached token, or None.  Read again only when the file has
        changed since the last read, so asking is cheap."""
        stamp = self._stamp()
        if stamp is None:
            return None
        memo = self._memo
        if memo is not None and memo[0] == stamp:
            return memo[1]

        def read(conn: Any) -> Any:
            return conn.execute(
                "SELECT oauth_token, oauth_token_secret, access_level, "
                "fullname, username, user_nsid FROM oauth_tokens "
                "WHERE api_key=? AND lookup_key=?",
                (self.api_key, self.lookup_key),
            ).fetchone()

        row = self._run(False, read)
        token = None
        if row is not None:
            try:
                token = FlickrAccessToken(*row)
            except (TypeError, ValueError) as exc:
                raise TokenCacheError(
                    f"{self.filename!r} holds a malformed token for "
                    f"{self.lookup_key!r}: {exc}",
                    self.filename,
                ) from None
        self._memo = (stamp, token)
        return token

    @token.setter
    def token(self, token: FlickrAccessToken | None) -> None:
        if token is None:
            del self.token
            return
        if not isinstance(token, FlickrAccessToken):
            raise TypeError(
                f"expected a FlickrAccessToken, not {type(token).__name__}"
            )

        def write(conn: Any) -> None:
            conn.execute(
                "INSERT OR REPLACE INTO oauth_tokens (api_key, lookup_key, "
                "oauth_token, oauth_token_secret, access_level, fullname, "
                "username, user_nsid) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self.api_key,
                    self.lookup_key,
                    token.token,
                    token.token_secret,
                    token.access_level,
                    token.fullname,
                    token.username,
                    token.user_nsid,
                ),
            )

        self._run(True, write)

    @token.deleter
    def token(self) -> None:
        def delete(conn: Any) -> None:
            conn.execute(
                "DELETE FROM oauth_tokens WHERE api_key=? AND lookup_key=?",
                (self.api_key, self.lookup_key),
            )

        if os.path.exists(self.filename):
            self._run(True, delete)

    def forget(self) -> None:
        """Remove this key's token for this lookup key."""
        del self.token

    def entries(self) -> list[dict[str, str]]:
        """Every cached user for this api key, without secrets."""

        def read(conn: Any) -> Any:
            return conn.execute(
                "SELECT lookup_key, username, user_nsid, fullname, "
                "access_level FROM oauth_tokens WHERE api_key=? "
                "ORDER BY lookup_key",
                (self.api_key,),
            ).fetchall()

        rows = self._run(False, read) or []
        keys = (
            "lookup_key",
            "username",
            "user_nsid",
            "fullname",
            "access_level",
        )
        return [dict(zip(keys, row)) for row in rows]


# -- the Flickr client ------------------------------------------------------


def flickr_text(name: str, value: Any) -> str | None:
    """Turn a parameter value into the text Flickr expects.

    bool is 1 or 0, numbers are their decimal text, lists and tuples are
    joined with commas, bytes are UTF-8, None means "leave it out".
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, str):
        return value
    if isinstance(value, int):  # an IntEnum's str() is its name on 3.8
        return int.__repr__(value)
    if isinstance(value, float):
        return float.__repr__(value)
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(
                f"parameter {name!r} is bytes that are not UTF-8"
            ) from None
    if isinstance(value, (list, tuple)):
        items = [flickr_text(name, item) for item in value]
        return ",".join(item for item in items if item is not None)
    raise TypeError(
        f"parameter {name!r} cannot be sent as "
        f"{type(value).__name__}; use str, int, float, bool, "
        "bytes or a list of them"
    )


def flickr_params(params: Mapping[str, Any]) -> Pairs:
    """Check and convert keyword parameters for a Flickr call."""
    out = []
    for name, value in params.items():
        text = flickr_text(name, value)
        if text is not None:
            out.append((name, text))
    return out


class _MethodProxy:
    """``flickr.photos.getInfo`` becomes a call of that Flickr method."""

    __slots__ = ("_api", "_name")

    def __init__(self, api: FlickrAPI, name: str) -> None:
        self._api = api
        self._name = name

    def __getattr__(self, name: str) -> _MethodProxy:
        if name.startswith("_"):
            raise AttributeError(name)
        return _MethodProxy(self._api, f"{self._name}.{name}")

    def __call__(self, **params: Any) -> Any:
        return self._api.call(self._name, **params)

    def __repr__(self) -> str:
        return f"<Flickr method {self._name}>"


class _ResponseCache:
    """Recent replies in memory, bounded in age and count."""

    def __init__(self, timeout: float = 300.0, max_entries: int = 200) -> None:
        self.timeout = timeout
        self.max_entries = max_entries
        self._data: dict[Any, tuple[float, bytes]] = {}
        import threading

        self._lock = threading.Lock()

    def get(self, key: Any) -> bytes | None:
        with self._lock:
            hit = self._data.get(key)
            if hit is None:
                return None
            if time.monotonic() - hit[0] > self.timeout:
                del self._data[key]
                return None
            return hit[1]

    def set(self, key: Any, body: bytes) -> None:
        with self._lock:
            self._data.pop(key, None)
            self._data[key] = (time.monotonic(), body)
            while len(self._data) > self.max_entries:
                del self._data[next(iter(self._data))]


class FlickrAPI:
    """A Flickr client that signs with OAuth 1.0a.

    The constructor takes flickrapi's switches: ``token=`` keeps a
    FlickrAccessToken in memory only, ``store_token=False`` touches no
    disk, and otherwise tokens live in an SQLite file under
    ``token_cache_location`` (default ``~/.flickr``), keyed by the api key
    and ``username``.  ``cache=True`` keeps recent replies in memory.
    ``timeout`` bounds each HTTP request in seconds.
    """

    REQUEST_TOKEN_URL = "https://www.flickr.com/services/oauth/request_token"
    AUTHORIZE_URL = "https://www.flickr.com/services/oauth/authorize"
    ACCESS_TOKEN_URL = "https://www.flickr.com/services/oauth/access_token"
    REST_URL = "https://api.flickr.com/services/rest/"
    UPLOAD_URL = "https://up.flickr.com/services/upload/"
    REPLACE_URL = "https://up.flickr.com/services/replace/"

    _PATHS = {
        "REQUEST_TOKEN_URL": "/services/oauth/request_token",
        "AUTHORIZE_URL": "/services/oauth/authorize",
        "ACCESS_TOKEN_URL": "/services/oauth/access_token",
        "REST_URL": "/services/rest/",
        "UPLOAD_URL": "/services/upload/",
        "REPLACE_URL": "/services/replace/",
    }

    def __init__(
        self,
        api_key: str,
        secret: str,
        username: str | None = None,
        token: FlickrAccessToken | None = None,
        format: str = "etree",
        store_token: bool = True,
        cache: bool = False,
        token_cache_location: str | None = None,
        timeout: float | None = None,
        *,
        base_url: str | None = None,
        transport: Transport | None = None,
    ) -> None:
        _require_text("api_key", api_key)
        _require_text("secret", secret)
        self.default_format = _check_format(format)
        if token is not None and not isinstance(token, FlickrAccessToken):
            raise TypeError(
                f"token must be a FlickrAccessToken, not "
                f"{type(token).__name__}"
            )
        self.api_key = api_key
        self.username = username
        # With a transport given, timeout= still rules this instance's
        # requests; without it, the transport's own timeout does.
        default = transport.timeout if transport else DEFAULT_TIMEOUT
        self.timeout = _check_timeout(timeout, default)
        self.transport = transport or Transport(self.timeout)

        self.token_cache: Any
        if token is not None or not store_token:
            self.token_cache = SimpleTokenCache(token)
        else:
            self.token_cache = OAuthTokenCache(
                api_key, username or "", token_cache_location
            )
        self.cache = _ResponseCache() if cache else None
        self.oauth = OAuth1Client(api_key, secret, transport=self.transport)
        self._perms = "read"
        self._callback: CallbackServer | None = None
        import threading

        self._lock = threading.Lock()
        self._signing_in = False  # authenticate_via_browser is running
        self._cancelled = False  # and was asked to stop
        if base_url is not None:
            self.set_base_url(base_url)

    def __repr__(self) -> str:
        return (
            f"<FlickrAPI api_key={self.api_key!r} "
            f"username={self.username!r} "
            f"format={self.default_format!r}>"
        )

    def set_base_url(self, base_url: str) -> None:
        """Point every endpoint at one host with Flickr's paths (a local
        stand-in, say)."""
        base_url = base_url.rstrip("/")
        check_url(base_url + "/")
        if "?" in base_url or "#" in base_url:
            raise ValueError(
                f"base_url takes a scheme, host and path only: {base_url!r}"
            )
        for name, path in self._PATHS.items():
            setattr(self, name, base_url + path)

    def __enter__(self) -> FlickrAPI:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Close the callback server, if any, and idle connections."""
        self._close_callback()
        self.transport.close()

    def cancel_authentication(self) -> None:
        """Make a running authenticate_via_browser raise
        AuthorizationDenied, at whatever step it is; safe to call from
        any thread.  With no sign-in running it changes nothing."""
        with self._lock:
            self._cancelled = self._signing_in
            server = self._callback
        if server is not None:
            server.cancel()

    def _check_cancelled(self) -> None:
        # A cancel can come before the callback server exists (while
        # the stored token is checked, say): it is kept until here.
        with self._lock:
            cancelled = self._cancelled
        if cancelled:
            raise AuthorizationDenied("the sign-in was cancelled")

    def _close_callback(self) -> None:
        server, self._callback = self._callback, None
        if server is not None:
            server.close()

    def __getattr__(self, name: str) -> _MethodProxy:
        if name.startswith("_"):
            raise AttributeError(name)
        return _MethodProxy(self, f"flickr.{name}")

    # -- the three steps ------------------------------------------------

    def _token_client(self) -> OAuth1Client:
        """A client signing with the stored access token, if any."""
        token = self.token_cache.token
        client = OAuth1Client(
            self.oauth.client_key,
            self.oauth.client_secret,
            token.token if token else None,
            token.token_secret if token else "",
            transport=self.transport,
            nonce_factory=self.oauth.nonce_factory,
            clock=self.oauth.clock,
        )
        client.clock_offset = self.oauth.clock_offset
        return client

    def get_request_token(self, oauth_callback: str | None = None) -> None:
        """Step one: temporary credentials.

        With no ``oauth_callback`` a local callback server starts and
        its URL is used; ``'oob'`` asks Flickr to show the user a code.
        """
        self._close_callback()
        if oauth_callback is None:
            self._callback = CallbackServer()
            oauth_callback = self._callback.url
        try:
            self.oauth.fetch_request_token(
                self.REQUEST_TOKEN_URL,
                oauth_callback,
                method="GET",
                timeout=self.timeout,
            )
        except BaseException:
            self._close_callback()
            raise
        if self._callback is not None and self.oauth.token:
            self._callback.expect(self.oauth.token)

    def auth_url(self, perms: str = "read") -> str:
        """Step two: the Flickr page where the user grants ``perms``."""
        self._perms = _check_perms(perms)
        return self.oauth.authorization_url(self.AUTHORIZE_URL, perms=perms)

    def get_access_token(self, verifier: str) -> None:
        """Step three: trade the verifier for an access token and store
        it.  Nothing is stored unless the reply is complete."""
        try:
            reply = self.oauth.fetch_access_token(
                self.ACCESS_TOKEN_URL,
                verifier,
                method="GET",
                timeout=self.timeout,
                required=("user_nsid",),
            )
        finally:
            self._close_callback()
        token = FlickrAccessToken(
            reply["oauth_token"],
            reply["oauth_token_secret"],
            self._perms,
            reply.get("fullname", ""),
            reply.get("username", ""),
            reply["user_nsid"],
        )
        self.oauth.token, self.oauth.token_secret = None, ""
        self.token_cache.token = token
        _debug("stored the access token for user %s", token.user_nsid)

    def export_request_token(self) -> dict[str, str]:
        """The temporary credentials and requested perms as a plain dict,
        for a web app whose callback arrives in another request or
        process.  It holds a secret: keep it server-side."""
        if not self.oauth.token:
            raise ValueError("no request token; call get_request_token first")
        return {
            "oauth_token": self.oauth.token,
            "oauth_token_secret": self.oauth.token_secret,
            "perms": self._perms,
        }

    def import_request_token(self, state: Mapping[str, str]) -> None:
        """Take back what export_request_token gave, on any instance."""
        try:
            token = state["oauth_token"]
            secret = state["oauth_token_secret"]
        except (KeyError, TypeError):
            raise ValueError(
                "request-token state needs oauth_token and oauth_token_secret"
            ) from None
        _require_text("oauth_token", token)
        _require_text("oauth_token_secret", secret)
        self._perms = _check_perms(state.get("perms", "read"))
        self.oauth.token, self.oauth.token_secret = token, secret

    # -- checking and getting a token -----------------------------------

    def token_valid(self, perms: str = "read") -> bool:
        """True when the stored token works and allows ``perms``.

        The token is forgotten only when Flickr says it is invalid
        (error 98); network trouble and server errors raise and keep it.
        """
        _check_perms(perms)
        token = self.token_cache.token
        if token is None:
            return False
        try:
            reply = self.call(
                "flickr.auth.oauth.checkToken",
                oauth_token=token.token,
                format="parsed-json",
            )
        except FlickrAPIError as exc:
            if exc.code == 98:
                _debug("Flickr says the token is invalid; forgetting it")
                self.token_cache.forget()
                return False
            raise
        granted = _dig(reply, "oauth", "perms", "_content")
        if not isinstance(granted, str):
            raise ResponseError("checkToken reply lacks perms", self.REST_URL)
        return _level(granted) >= _level(perms)

    def authenticate_via_browser(
        self, perms: str = "read", timeout: float = DEFAULT_BROWSER_TIMEOUT
    ) -> None:
        """Sign the user in through the browser, unless the stored token
        already allows ``perms``.  Waits at most ``timeout`` seconds
        (default five minutes) for the browser to come back."""
        _check_perms(perms)
        timeout = _check_timeout(timeout, DEFAULT_BROWSER_TIMEOUT)
        with self._lock:
            self._signing_in, self._cancelled = True, False
        try:
            self._authenticate_via_browser(perms, timeout)
        finally:
            with self._lock:
                self._signing_in = self._cancelled = False

    def _authenticate_via_browser(self, perms: str, timeout: float) -> None:
        if self.token_valid(perms):
            return
        self._check_cancelled()
        self.get_request_token()
        server = self._callback
        if server is None:  # pragma: no cover - get_request_token sets it
            raise FlickrError("callback server did not start")
        try:
            self._check_cancelled()
            url = self.auth_url(perms)
            import threading

            opener = threading.Thread(
                target=_open_browser,
                args=(url,),
                name="flickroauth-browser",
                daemon=True,
            )
            opener.start()
            verifier = server.wait(timeout)
            self._check_cancelled()
        finally:
            self._close_callback()
        self.get_access_token(verifier)

    def authenticate_console(
        self,
        perms: str = "read",
        stdin: IO[str] | None = None,
        stderr: IO[str] | None = None,
    ) -> None:
        """Sign in without a local server: show the URL, read the code
        Flickr shows the user from standard input."""
        _check_perms(perms)
        if self.token_valid(perms):
            return
        stdin = stdin or sys.stdin
        stderr = stderr or sys.stderr
        self.get_request_token(oauth_callback="oob")
        url = self.auth_url(perms)
        stderr.write(
            f"Open this URL in a browser and authorize the "
            f"application:\n\n    {url}\n\n"
            f"Then enter the code Flickr shows: "
        )
        stderr.flush()
        line = stdin.readline()
        verifier = line.strip()
        if not verifier:
            raise AuthorizationDenied("no verifier code was entered")
        self.get_access_token(verifier)

    # -- calling Flickr ---------------------------------------------------

    def call(
        self,
        method: str,
        format: str | None = None,
        timeout: float | None = None,
        **params: Any,
    ) -> Any:
        """Call a Flickr method; the reply comes in ``format``."""
        _require_text("method", method)
        timeout = _check_timeout(timeout, self.timeout)
        fmt = _check_format(format or self.default_format)
        wire = "json" if fmt in ("json", "parsed-json") else "rest"
        pairs = [
            ("method", method),
            ("api_key", self.api_key),
            ("format", wire),
        ]
        if wire == "json":
            pairs.append(("nojsoncallback", "1"))
        pairs += [
            (k, v)
            for k, v in flickr_params(params)
            if k not in ("method", "api_key", "format", "nojsoncallback")
        ]

        client = self._token_client()
        key = None
        if self.cache is not None:
            key = (method, wire, client.token, tuple(sorted(pairs)))
            body = self.cache.get(key)
            if body is not None:
                return _decode_reply(body, fmt, method, self.REST_URL)

        def send() -> Response:
            return client.request("POST", self.REST_URL, pairs, None, timeout)

        def read(resp: Response) -> Any:
            body = _checked_body(resp, self.REST_URL, method)
            return _decode_reply(body, fmt, method, self.REST_URL)

        resp, result = self._send_with_clock_fix(client, send, read)
        if self.cache is not None:
            self.cache.set(key, resp.body)
        return result

    def _send_with_clock_fix(
        self,
        client: OAuth1Client,
        send: Callable[[], Response],
        read: Callable[[Response], Any],
    ) -> tuple[Response, Any]:
        """Send and read the reply.  When Flickr refuses the signature
        (96-98) while its Date is minutes from our clock, correct the
        clock and send once more; the offset is kept for later calls."""
        resp = send()
        try:
            result = read(resp)
        except FlickrAPIError as exc:
            if exc.code not in (96, 97, 98) or not client._fix_clock(resp):
                raise
            self.oauth.clock_offset = client.clock_offset
            resp = send()
            result = read(resp)
        self.oauth.clock_offset = client.clock_offset
        return resp, result

    do_flickr_call = call

    # -- uploads ----------------------------------------------------------

    def upload(
        self,
        filename: str,
        fileobj: IO[bytes] | None = None,
        timeout: float | None = None,
        progress: Callable[[int, int], None] | None = None,
        **params: Any,
    ) -> Any:
        """Upload a photo or video, streamed from disk in chunks.

        ``title`` defaults to the file's base name.  The reply comes in
        the instance's format (Flickr answers uploads in XML; the JSON
        formats get it converted with Flickr's ``_content`` convention).
        """
        params.setdefault("title", _base_name(filename))
        return self._upload(
            self.UPLOAD_URL, filename, fileobj, timeout, progress, params
        )

    def replace(
        self,
        filename: str,
        photo_id: Any,
        fileobj: IO[bytes] | None = None,
        timeout: float | None = None,
        progress: Callable[[int, int], None] | None = None,
        **params: Any,
    ) -> Any:
        """Replace a photo's file, streamed like upload."""
        params["photo_id"] = photo_id
        return self._upload(
            self.REPLACE_URL, filename, fileobj, timeout, progress, params
        )

    def _upload(
        self,
        url: str,
        filename: str,
        fileobj: IO[bytes] | None,
        timeout: float | None,
        progress: Callable[[int, int], None] | None,
        params: dict[str, Any],
    ) -> Any:
        fmt = _check_format(params.pop("format", None) or self.default_format)
        pairs = flickr_params(params)
        for name, _ in pairs:
            if not name.isprintable() or '"' in name or "\\" in name:
                raise ValueError(
                    f"parameter name {name!r} cannot be a form field name"
                )
        client = self._token_client()
        own = fileobj is None
        if fileobj is None:
            try:
                fileobj = open(filename, "rb")  # noqa: SIM115
            except OSError as exc:
                raise ValueError(
                    f"cannot read {filename!r}: {exc.strerror}"
                ) from None
        try:
            return self._send_upload(
                client, url, filename, fileobj, pairs, timeout, progress, fmt
            )
        finally:
            if own:
                fileobj.close()

    def _send_upload(
        self,
        client: OAuth1Client,
        url: str,
        filename: str,
        fileobj: IO[bytes],
        pairs: Pairs,
        timeout: float | None,
        progress: Callable[[int, int], None] | None,
        fmt: str,
    ) -> Any:
        sent: list[_MultipartBody] = []

        def post() -> Response:
            if sent:  # the file, back to where the first try began
                sent[-1].rewind()
            # Flickr signs every field but the photo, and reads the OAuth
            # parameters as form fields of the multipart body.
            signed = client.sign("POST", url, pairs)
            body = _MultipartBody(
                pairs + signed.oauth_params, filename, fileobj, progress
            )
            sent.append(body)
            headers = {
                "Content-Type": body.content_type,
                "Content-Length": str(len(body)),
            }
            resp = self.transport.request(
                "POST",
                url,
                headers,
                body,
                _check_timeout(timeout, self.timeout),
            )
            resp.base_string = signed.base_string
            return resp

        def read(resp: Response) -> Any:
            return _parse_xml(
                _checked_body(resp, url, "upload"), url, "upload"
            )

        resp, root = self._send_with_clock_fix(client, post, read)
        data = resp.body
        if fmt == "etree":
            return root
        if fmt == "rest":
            return data
        as_json = _element_to_json(root)
        if fmt == "parsed-json":
            return as_json
        import json

        return json.dumps(as_json).encode("utf-8")

    # -- pagination -------------------------------------------------------

    def data_walker(
        self, method: str, per_page: int = 100, **params: Any
    ) -> Iterator[Any]:
        """Yield every item of a paged Flickr list, fetching lazily.

        Items are Elements for the etree and rest formats and dicts for
        the JSON formats.  Stops after the last page or an empty one.
        """
        fmt = _check_format(params.pop("format", None) or self.default_format)
        fmt = "etree" if fmt in ("etree", "rest") else "parsed-json"
        page = int(params.pop("page", 1))
        while True:
            reply = self.call(
                method, format=fmt, page=page, per_page=per_page, **params
            )
            items, pages = _page_items(reply, method)
            if not items:
                return
            yield from items
            if pages is None or page >= pages:
                return
            page += 1

    def walk(self, per_page: int = 50, **params: Any) -> Iterator[Any]:
        """Every photo flickr.photos.search finds."""
        return self.data_walker(
            "flickr.photos.search", per_page=per_page, **params
        )

    def walk_set(
        self, photoset_id: Any, per_page: int = 50, **params: Any
    ) -> Iterator[Any]:
        """Every photo of a photoset."""
        return self.data_walker(
            "flickr.photosets.getPhotos",
            photoset_id=photoset_id,
            per_page=per_page,
            **params,
        )

    def walk_user(
        self, user_id: str = "me", per_page: int = 50, **params: Any
    ) -> Iterator[Any]:
        """Every photo of a user (``me`` is the signed-in user)."""
        return self.data_walker(
            "flickr.people.getPhotos",
            user_id=user_id,
            per_page=per_page,
            **params,
        )


def _open_browser(url: str) -> None:
    import webbrowser

    try:
        opened = webbrowser.open_new_tab(url)
    except Exception as exc:  # a broken BROWSER setting, say
        _debug("could not start a browser: %r", exc)
        opened = False
    if not opened:
        sys.stderr.write(
            f"Open this URL in a browser to authorize the "
            f"application:\n    {url}\n"
        )


def _check_format(fmt: Any) -> str:
    if fmt not in FORMATS:
        raise ValueError(
            f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}"
        )
    return str(fmt)


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _bad_reply(
    endpoint: str, method: str, what: str, status: int = 200
) -> ResponseError:
    where = endpoint.split("?")[0]
    return ResponseError(f"{method} at {where}: {what}", endpoint, status)


def _checked_body(resp: Response, endpoint: str, method: str) -> bytes:
    fields = _oauth_fields(resp.body)
    if fields.get("oauth_problem"):
        raise _refusal(resp, endpoint, fields, f"calling {method}")
    if resp.status != 200:
        what = f"HTTP {resp.status} {resp.reason} ({_looks_like(resp.body)})"
        raise _bad_reply(endpoint, method, what, resp.status)
    return resp.body


def _decode_reply(body: bytes, fmt: str, method: str, endpoint: str) -> Any:
    if fmt in ("json", "parsed-json"):
        data = _parse_json(body, endpoint, method)
        return body if fmt == "json" else data
    root = _parse_xml(body, endpoint, method)
    return body if fmt == "rest" else root


def _utf8(body: bytes, endpoint: str, method: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise _bad_reply(endpoint, method, "reply is not UTF-8") from None


def _parse_json(body: bytes, endpoint: str, method: str) -> dict[str, Any]:
    import json

    text = _utf8(body, endpoint, method).strip()
    if text.startswith("jsonFlickrApi(") and text.endswith(")"):
        text = text[len("jsonFlickrApi(") : -1]
    try:
        data = json.loads(text)
    except RecursionError:
        raise _bad_reply(endpoint, method, "JSON nested too deeply") from None
    except ValueError as exc:
        what = f"expected JSON, got {_looks_like(body)}"
        if _looks_like(body) == "JSON":  # cut short or otherwise broken
            what = f"reply is not well-formed JSON ({exc})"
        raise _bad_reply(endpoint, method, what) from None
    if not isinstance(data, dict) or "stat" not in data:
        raise _bad_reply(endpoint, method, "JSON reply has no 'stat'")
    if data["stat"] != "ok":
        code = data.get("code")
        raise FlickrAPIError(
            code if isinstance(code, int) else None,
            str(data.get("message", "no message")),
            method,
        )
    return data


def _parse_xml(body: bytes, endpoint: str, method: str) -> Any:
    from xml.etree import ElementTree

    text = _utf8(body, endpoint, method).lstrip()
    if _looks_like(body) != "XML":
        what = f"expected XML, got {_looks_like(body)}"
        raise _bad_reply(endpoint, method, what)
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        what = f"reply is not well-formed XML ({exc})"
        raise _bad_reply(endpoint, method, what) from None
    if root.tag != "rsp" or "stat" not in root.attrib:
        raise _bad_reply(endpoint, method, "XML reply is not a Flickr <rsp>")
    if root.get("stat") != "ok":
        err = root.find("err")
        code = err.get("code") if err is not None else None
        msg = err.get("msg") if err is not None else None
        raise FlickrAPIError(
            int(code) if code and code.isdigit() else None,
            msg or "no message",
            method,
        )
    return root


def _element_to_json(el: Any) -> Any:
    """Flickr's JSON shape for XML: attributes as keys, text as _content,
    repeated children as lists."""
    out: dict[str, Any] = dict(el.attrib)
    text = (el.text or "").strip()
    if text:
        out["_content"] = text
    for child in el:
        value = _element_to_json(child)
        if child.tag in out:
            if not isinstance(out[child.tag], list):
                out[child.tag] = [out[child.tag]]
            out[child.tag].append(value)
        else:
            out[child.tag] = value
    return out


def _page_items(reply: Any, method: str) -> tuple[list[Any], int | None]:
    box: Any
    if isinstance(reply, dict):
        containers = [
            v for k, v in reply.items() if k != "stat" and isinstance(v, dict)
        ]
        if not containers:
            raise ResponseError(f"{method}: reply holds no list to walk")
        box = containers[0]
        lists = [v for v in box.values() if isinstance(v, list)]
        items = lists[0] if lists else []
        pages = box.get("pages")
    else:
        box = reply[0] if len(reply) else None
        if box is None:
            raise ResponseError(f"{method}: reply holds no list to walk")
        items = list(box)
        pages = box.get("pages")
    try:
        return items, int(pages) if pages is not None else None
    except (TypeError, ValueError):
        return items, None


class _MultipartBody:
    """A multipart/form-data body read in chunks, the file never whole.

    http.client sends anything with ``read``; ``len`` gives the
    Content-Length and ``rewind()`` starts over for a retry.
    """

    CHUNK = 64 * 1024

    def __init__(
        self,
        fields: Pairs,
        filename: str,
        fileobj: IO[bytes],
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        import secrets

        boundary = "flickroauth-" + secrets.token_hex(16)
        self.content_type = f"multipart/form-data; boundary={boundary}"
        head = []
        for name, value in fields:
            head.append(
                f"--{boundary}\r\nContent-Disposition: form-data; "
                f'name="{name}"\r\n\r\n{value}\r\n'
            )
        head.append(
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="photo"; filename="{_quoted_filename(filename)}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n"
        )
        self._head = "".join(head).encode("utf-8")
        self._tail = f"\r\n--{boundary}--\r\n".encode("ascii")
        self._file = fileobj
        read = getattr(fileobj, "read", None)
        if read is None or not isinstance(read(0), bytes):
            raise ValueError("fileobj must be a file opened in binary mode")
        try:
            self._start = fileobj.tell()
            fileobj.seek(0, 2)
            self._size = fileobj.tell() - self._start
            fileobj.seek(self._start)
        except (AttributeError, OSError, ValueError):
            raise ValueError("fileobj must be seekable") from None
        self._progress = progress
        self.rewind()

    def __len__(self) -> int:
        return len(self._head) + self._size + len(self._tail)

    def rewind(self) -> None:
        self._file.seek(self._start)
        self._part = 0  # 0 the fields, 1 the file, 2 the closing line
        self._offset = 0
        self._sent = 0

    def read(self, size: int = -1) -> bytes:
        size = self.CHUNK if size is None or size < 0 else size
        chunk = b""
        while not chunk and self._part < 3:
            if self._part == 1:
                chunk = self._file.read(size)
                if not chunk:
                    self._part = 2
                continue
            data = self._head if self._part == 0 else self._tail
            chunk = data[self._offset : self._offset + size]
            self._offset += len(chunk)
            if self._offset >= len(data):
                self._part += 1
                self._offset = 0
        self._sent += len(chunk)
        if chunk and self._progress is not None:
            self._progress(self._sent, len(self))
        return chunk


def _base_name(filename: Any) -> str:
    """The file's base name as text; undecodable bytes become U+FFFD."""
    name = os.path.basename(os.fsdecode(filename))
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _quoted_filename(filename: Any) -> str:
    # As browsers do (RFC 7578 4.2 leaves it to them): percent-encode
    # what would end the quoted string or the header line.
    name = _base_name(filename) or "photo"
    return name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


# -- flickrapi's other names ------------------------------------------------
# So that code written for flickrapi runs with ``import flickroauth as
# flickrapi``, as far as it uses these.

#: flickrapi raises this for a bad argument; here that is a ValueError.
IllegalArgumentException = ValueError


def set_log_level(level: int) -> None:
    """Set the level of flickroauth's logger, as flickrapi's does."""
    _logger().setLevel(level)


def _namespace(**names: Any) -> Any:
    import types

    return types.SimpleNamespace(**names)


#: Stand-ins for the flickrapi.auth and flickrapi.exceptions modules, for
#: attribute access (``flickrapi.auth.FlickrAccessToken``) only.
auth = _namespace(FlickrAccessToken=FlickrAccessToken)
exceptions = _namespace(
    FlickrError=FlickrError, IllegalArgumentException=ValueError
)


# -- the command line -------------------------------------------------------


def _parser() -> Any:
    import argparse

    parser = argparse.ArgumentParser(
        prog="flickroauth",
        description="Sign in to Flickr with OAuth 1.0a and call its API.",
    )
    parser.add_argument(
        "--version", action="version", version=f"flickroauth {__version__}"
    )
    parser.add_argument(
        "--api-key", help="Flickr API key (default: $FLICKR_API_KEY)"
    )
    parser.add_argument(
        "--api-secret", help="Flickr API secret (default: $FLICKR_API_SECRET)"
    )
    parser.add_argument(
        "--username", default=None, help="which cached user to act as"
    )
    parser.add_argument(
        "--token-cache",
        metavar="DIR",
        default=None,
        help="token cache directory (default: ~/.flickr)",
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        default=None,
        help="send every request to this host with "
        "Flickr's paths (a local stand-in)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds per HTTP request (default: 30)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    login = commands.add_parser("login", help="sign in and cache a token")
    login.add_argument("--perms", choices=PERMS, default="read")
    login.add_argument(
        "--no-browser",
        action="store_true",
        help="out-of-band: paste the code Flickr shows",
    )
    login.add_argument(
        "--wait",
        type=float,
        default=DEFAULT_BROWSER_TIMEOUT,
        help="seconds to wait for the browser (default: "
        f"{DEFAULT_BROWSER_TIMEOUT:g})",
    )

    call = commands.add_parser(
        "call", help="call a Flickr method and print its JSON reply"
    )
    call.add_argument("method", help="e.g. flickr.test.login")
    call.add_argument("params", nargs="*", metavar="name=value")

    commands.add_parser("whoami", help="show the cached user and perms")
    commands.add_parser("tokens", help="list the users cached for the key")
    commands.add_parser("logout", help="forget the cached token")

    upload = commands.add_parser("upload", help="upload a photo or video")
    upload.add_argument("file")
    upload.add_argument("params", nargs="*", metavar="name=value")
    return parser


def _params_from(
    args: Sequence[str], reserved: Sequence[str] = ()
) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in args:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ValueError(f"expected name=value, got {item!r}")
        if name in reserved:
            raise ValueError(
                f"{name!r} is set by flickroauth, not by name=value"
            )
        params[name] = value
    return params


_CALL_RESERVED = ("method", "format", "timeout", "api_key", "nojsoncallback")
_UPLOAD_RESERVED = ("filename", "fileobj", "timeout", "progress", "format")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    import json

    args = _parser().parse_args(argv)
    key = args.api_key or os.environ.get("FLICKR_API_KEY", "")
    secret = args.api_secret or os.environ.get("FLICKR_API_SECRET", "")
    try:
        if not key or not secret:
            raise ValueError(
                "give --api-key and --api-secret, or set "
                "FLICKR_API_KEY and FLICKR_API_SECRET"
            )
        flickr = FlickrAPI(
            key,
            secret,
            username=args.username,
            format="parsed-json",
            token_cache_location=args.token_cache,
            timeout=args.timeout,
            base_url=args.base_url,
        )
        with flickr:
            return _run(flickr, args, json)
    except (FlickrError, ValueError, TypeError) as exc:
        sys.stderr.write(f"flickroauth: error: {_one_line(exc)}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("\nflickroauth: interrupted\n")
        return 130
    except BrokenPipeError:
        # The reader (``| head``, say) left: nothing more to say, and
        # stdout is pointed at devnull so the exit flush cannot fail.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 1


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _run(flickr: FlickrAPI, args: Any, json: Any) -> int:
    out = sys.stdout
    if args.command == "login":
        if args.no_browser:
            flickr.authenticate_console(args.perms)
        else:
            flickr.authenticate_via_browser(args.perms, timeout=args.wait)
        token = flickr.token_cache.token
        sys.stderr.write(
            f"signed in as {token.username or '?'} "
            f"({token.user_nsid}) with {token.access_level} "
            f"permission\n"
        )
        return 0
    if args.command == "call":
        result = flickr.call(
            args.method, **_params_from(args.params, _CALL_RESERVED)
        )
        out.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        return 0
    if args.command == "whoami":
        token = flickr.token_cache.token
        if token is None:
            sys.stderr.write("flickroauth: not signed in\n")
            return 1
        info = {
            k: v for k, v in token.to_dict().items() if k != "token_secret"
        }
        out.write(json.dumps(info, ensure_ascii=False, indent=2) + "\n")
        return 0
    if args.command == "tokens":
        cache = flickr.token_cache
        entries = cache.entries() if isinstance(cache, OAuthTokenCache) else []
        out.write(json.dumps(entries, ensure_ascii=False, indent=2) + "\n")
        return 0
    if args.command == "logout":
        if flickr.token_cache.token is None:
            sys.stderr.write("no cached token to forget\n")
        else:
            flickr.token_cache.forget()
            sys.stderr.write("forgot the cached token\n")
        return 0
    # upload
    progress = _progress_bar if sys.stderr.isatty() else None
    result = flickr.upload(
        args.file,
        progress=progress,
        **_params_from(args.params, _UPLOAD_RESERVED),
    )
    if progress is not None:
        sys.stderr.write("\n")
    out.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    return 0


def _progress_bar(sent: int, total: int) -> None:
    done = sent * 100 // total if total else 100
    sys.stderr.write(f"\ruploading: {done:3d}% of {total} bytes")
    sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main())
