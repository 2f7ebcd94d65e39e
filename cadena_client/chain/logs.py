"""The contract's logs and the chain's blocks, read in chunks the node accepts."""

from __future__ import annotations

from functools import lru_cache

from cadena_client.contract.codec import codec, hex_text, quantity
from cadena_client.errors import LogRangeTooLarge, RpcError

DEFAULT_CHUNK = 5_000  # Besu's default eth_getLogs block range limit


class LogSource:
    """The contract's logs and the chain's blocks, read through the chain's transport (raw JSON-RPC,
    batched over HTTP); logs decoded by the contract's fixed event layouts."""

    def __init__(self, chain, address: str):
        self.address, self.rpc = address, chain.rpc
        self.decoder = codec().logs
        self.span: int | None = None  # the most blocks the node answered for at once, once it refused more
        self.block_time = lru_cache(maxsize=256)(lambda number: self.block(number)["timestamp"])

    def head(self) -> int:
        return quantity(self._call("eth_blockNumber", []))

    def block(self, number: int) -> dict:
        """{"hash": "0x...", "timestamp": int} of block `number`."""
        block = self._call("eth_getBlockByNumber", [hex(number), False])
        if block is None:
            raise RpcError(f"the node has no block {number}")
        return {"hash": hex_text(block["hash"]), "timestamp": quantity(block["timestamp"])}

    def logs(self, start: int, end: int, topics: list | None = None) -> list:
        """The contract's logs in blocks [start, end] (matching `topics`), in chain order as eth_getLogs
        answers. A node that refuses the range (Besu: "Requested range exceeds maximum range limit")
        is asked for half as many blocks, down to one, and the range it took is kept for what follows."""
        found: list = []
        while start <= end:
            stop = min(end, start + self.span - 1) if self.span else end
            try:
                found += self._range(start, stop, topics)
            except LogRangeTooLarge:
                if stop == start:
                    raise
                self.span = (stop - start + 1) // 2
                continue
            start = stop + 1
        return found

    def _range(self, start: int, end: int, topics: list | None) -> list:
        query = {"address": self.address, "topics": topics or [], "fromBlock": hex(start), "toBlock": hex(end)}
        return self._call("eth_getLogs", [query])

    def topic(self, name: str) -> str:
        return self.decoder.topic(name)

    def scan(self, start: int, topics: list, chunk: int = DEFAULT_CHUNK) -> list[tuple[str, dict, dict]]:
        """(event name, args, log) of every log matching `topics` from block `start` to the head, asked
        `chunk` blocks at a time (nodes cap the range), in chain order."""
        found, head = [], self.head()
        while start <= head:
            end = min(start + chunk - 1, head)
            found += [(*decoded, log) for log in self.logs(start, end, topics) if (decoded := self.decoder.decode(log))]
            start = end + 1
        return found

    def _call(self, method: str, params: list):
        reply = self.rpc.many([(method, params)])[0]
        if "error" in reply:
            message = str(reply["error"].get("message", reply["error"]))
            if "range" in message.lower() or "limit" in message.lower():
                raise LogRangeTooLarge(f"{method} failed: {message}; ask for fewer blocks at a time")
            raise RpcError(f"{method} failed: {message}")
        return reply["result"]
