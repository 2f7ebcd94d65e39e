"""The raw ceiling of `cadena sync`: every event of the contract by plain eth_getLogs, decoded with
eth-abi and written with one executemany in one SQLite transaction. Nothing of CADENA is imported,
so that run as a process (`python bench/raw_sync.py URL ADDRESS FROM_BLOCK ABI_JSON DB`) it is the
whole-process ceiling too.
"""

from __future__ import annotations

import json
import sqlite3
import sys

import requests
from eth_abi import decode
from eth_utils import event_abi_to_log_topic

CHUNK = 5_000  # blocks per eth_getLogs, as `cadena sync` asks by default


def sync(url: str, address: str, from_block: int, abi: list[dict], path: str) -> int:
    """Mirrors the events from `from_block` to the head into a new table at `path`; returns how many."""
    session = requests.Session()

    def call(method: str, *params):
        payload = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
        return session.post(url, json=payload, timeout=300).json()["result"]

    head = int(call("eth_blockNumber"), 16)
    layouts = {
        "0x" + event_abi_to_log_topic(e).hex(): (e["name"], [i["type"] for i in e["inputs"] if not i["indexed"]])
        for e in abi
        if e["type"] == "event"
    }
    rows = []
    for start in range(from_block, head + 1, CHUNK):
        window = {"address": address, "fromBlock": hex(start), "toBlock": hex(min(head, start + CHUNK - 1))}
        for log in call("eth_getLogs", window):
            name, types = layouts[log["topics"][0]]
            values = decode(types, bytes.fromhex(log["data"][2:]))
            data = json.dumps([v.hex() if isinstance(v, bytes) else v for v in values], default=str)
            rows.append((int(log["blockNumber"], 16), int(log["logIndex"], 16), name, json.dumps(log["topics"]), data))
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE events (block INTEGER, log_index INTEGER, name TEXT, topics TEXT, data TEXT, "
        "PRIMARY KEY (block, log_index))"
    )
    with db:
        db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?)", rows)
    db.close()
    return len(rows)


if __name__ == "__main__":
    url, address, from_block, abi_file, path = sys.argv[1:6]
    with open(abi_file, encoding="utf-8") as artifact:
        print(sync(url, address, int(from_block), json.load(artifact)["abi"], path))
