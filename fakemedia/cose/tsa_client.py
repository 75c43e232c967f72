"""An RFC 3161 time-stamp client over HTTP (RFC 3161 §3.4), the default :class:`TimeStamper`.

The request carries a SHA-256 imprint of the message, a random 64-bit nonce and certReq TRUE
(C2PA 2.x §10.3.2.5.3 needs the TSA certificate in the token). The reply is accepted only with
HTTP 200, Content-Type ``application/timestamp-reply``, PKIStatus granted or grantedWithMods,
the nonce echoed and the imprint unchanged; it is read up to ``limits.MAX_TIMESTAMP_BYTES``.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from fakemedia import limits
from fakemedia.errors import SigningError

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"


class HttpTimeStamper:
    """Asks the TSA at ``url`` for each time-stamp; ``timeout`` in seconds."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        if urlsplit(url).scheme not in ("http", "https"):
            raise SigningError(f"time-stamp authority URL must be http or https: {url}")
        self.url = url
        self.timeout = timeout

    def time_stamp(self, message: bytes) -> bytes:
        from asn1crypto import tsp

        from fakemedia.cose.timestamp import TimeStampResp

        digest = hashlib.sha256(message).digest()
        nonce = int.from_bytes(os.urandom(8), "big")
        request = tsp.TimeStampReq({
            "version": "v1",
            "message_imprint": {"hash_algorithm": {"algorithm": "sha256"}, "hashed_message": digest},
            "nonce": nonce,
            "cert_req": True,
        }).dump()
        body = self._post(request)
        try:
            reply = TimeStampResp.load(body, strict=True)
            status = reply["status"]["status"].native
            if status not in ("granted", "granted_with_mods"):
                text = reply["status"]["status_string"].native
                raise SigningError(f"time-stamp authority refused the request: {status}"
                                   + (f" ({'; '.join(text)})" if text else ""))
            token = reply["time_stamp_token"]
            info = token["content"]["encap_content_info"]["content"].parsed
            echoed = info["nonce"].native
            imprint = info["message_imprint"]["hashed_message"].native
            token_der = token.dump()
        except SigningError:
            raise
        except Exception as exc:  # asn1crypto raises assorted errors on a bad reply
            raise SigningError(f"time-stamp authority sent an unreadable reply ({type(exc).__name__})") \
                from None
        if echoed != nonce:
            raise SigningError("time-stamp authority did not echo the request's nonce")
        if imprint != digest:
            raise SigningError("time-stamp authority stamped a different message")
        return bytes(token_der)

    def _post(self, request: bytes) -> bytes:
        http = urllib.request.Request(self.url, data=request, method="POST",
                                      headers={"Content-Type": QUERY_TYPE, "Accept": REPLY_TYPE})
        try:
            with urllib.request.urlopen(http, timeout=self.timeout) as response:
                kind = response.headers.get("Content-Type", "")
                body = response.read(limits.MAX_TIMESTAMP_BYTES + 1)
                code = response.status
        except urllib.error.HTTPError as exc:
            raise SigningError(f"time-stamp authority answered HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise SigningError(f"time-stamp authority unreachable: {reason}") from None
        if code != 200:
            raise SigningError(f"time-stamp authority answered HTTP {code}")
        if kind.split(";")[0].strip().lower() != REPLY_TYPE:
            raise SigningError(f"time-stamp authority answered with Content-Type {kind or 'none'}")
        if len(body) > limits.MAX_TIMESTAMP_BYTES:
            raise SigningError(f"time-stamp reply exceeds {limits.MAX_TIMESTAMP_BYTES} bytes")
        return body
