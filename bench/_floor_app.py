"""The HTTP floor: uvicorn as ``rolegate serve`` configures it (httptools with one socket write
per response, uvloop, no access log), serving an ASGI app that reads each request's body and
answers a fixed GetCallerIdentity-sized XML body, doing nothing else. What it costs per request is
what any Python request path on this server stack costs before the first line of rolegate's
own code (``bench/server.py --floor``)."""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn

from rolegate.server.one_write import OneWriteHttpToolsProtocol

BODY = (
    b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
    b"<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/bench</Arn>"
    b"<UserId>AIDAEXAMPLEFLOOR00001</UserId><Account>123456789012</Account>"
    b"</GetCallerIdentityResult><ResponseMetadata><RequestId>"
    b"00000000-0000-4000-8000-000000000000</RequestId></ResponseMetadata>"
    b"</GetCallerIdentityResponse>"
)
HEADERS = [(b"content-type", b"text/xml"), (b"x-amzn-requestid", b"0" * 36)]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        http=OneWriteHttpToolsProtocol,
        lifespan="off",
    )


if __name__ == "__main__":
    main()
