"""ASGI middleware of the service: a cap on the size of request bodies."""

from __future__ import annotations

from cadena_client.errors import BodyTooLarge

MAX_BODY = 1 << 20  # bytes of a request body: a full batch of the longest TINs takes a fifth


class BodyLimit:
    """Reads a request body (other than GET's and HEAD's) up to `limit` bytes, declared or streamed, and
    answers 413 `body-too-large` as soon as it is longer, never holding more."""

    def __init__(self, app, limit: int = MAX_BODY):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD"):
            return await self.app(scope, receive, send)
        from cadena_client.service.answers import error_response

        declared = dict(scope["headers"]).get(b"content-length", b"0")
        too_long = declared.isdigit() and int(declared) > self.limit
        streamed, chunks, more = 0, [], True
        while more and not too_long:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            streamed, more = streamed + len(chunks[-1]), message.get("more_body", False)
            too_long = streamed > self.limit
        if too_long:
            refusal = BodyTooLarge(f"the request body is over {self.limit:,} bytes; send at most 10,000 TINs")
            return await error_response(refusal)(scope, receive, send)
        whole = {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        async def replay():
            nonlocal whole
            if whole is None:
                return await receive()
            message, whole = whole, None
            return message

        await self.app(scope, replay, send)
