"""The raw ceiling of `cadena cert list --country CC --json` with no mirror: the same calls as the
library makes (the country's TINs in pages of 500, then `certificates(tins)` 200 TINs an eth_call, in
JSON-RPC batches, then the issue and update events for names and addresses), decoded with eth-abi and
printed as JSON. Nothing of CADENA is imported, so that run as a process
(`python bench/raw_cert_list.py URL ADDRESS FROM_BLOCK ABI_JSON COUNTRY COUNT`) it is the
whole-process ceiling too.
"""

from __future__ import annotations

import json
import sys

import requests
from eth_abi import decode, encode
from eth_utils import event_abi_to_log_topic, function_abi_to_4byte_selector

PAGE, PER_CALL, BATCH, CHUNK = 500, 200, 100, 5_000  # as the library reads


def abi_type(entry: dict) -> str:
    if entry["type"].startswith("tuple"):
        return "(" + ",".join(abi_type(c) for c in entry["components"]) + ")" + entry["type"][5:]
    return entry["type"]


def listed(url: str, address: str, from_block: int, abi: list[dict], country: str, count: int) -> list[dict]:
    session = requests.Session()
    functions = {e["name"]: e for e in abi if e["type"] == "function"}

    def batch(calls: list[tuple[str, list]]) -> list:
        results = []
        for start in range(0, len(calls), BATCH):
            chunk = calls[start : start + BATCH]
            payload = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(chunk)]
            replies = sorted(session.post(url, json=payload, timeout=300).json(), key=lambda r: r["id"])
            results += [reply["result"] for reply in replies]
        return results

    def calls(name: str, argument_lists: list[tuple]) -> list:
        entry = functions[name]
        selector = function_abi_to_4byte_selector(entry)
        types = [abi_type(i) for i in entry["inputs"]]
        data = [selector + encode(types, list(arguments)) for arguments in argument_lists]
        answers = batch([("eth_call", [{"to": address, "data": "0x" + d.hex()}, "latest"]) for d in data])
        outputs = [abi_type(o) for o in entry["outputs"]]
        return [decode(outputs, bytes.fromhex(answer[2:])) for answer in answers]

    code = country.encode()
    tins = [t for (page,) in calls("certificatesOf", [(code, o, PAGE) for o in range(0, count, PAGE)]) for t in page]
    found = [
        c
        for (chunk,) in calls("certificates", [(tins[i : i + PER_CALL],) for i in range(0, len(tins), PER_CALL)])
        for c in chunk
    ]
    events = [e for e in abi if e["type"] == "event" and e["name"] in ("CertificateIssued", "CertificateUpdated")]
    layouts = {"0x" + event_abi_to_log_topic(e).hex(): e for e in events}
    head = int(batch([("eth_blockNumber", [])])[0], 16)
    windows = [
        {"address": address, "fromBlock": hex(s), "toBlock": hex(min(head, s + CHUNK - 1)), "topics": [list(layouts)]}
        for s in range(from_block, head + 1, CHUNK)
    ]
    master = {}
    for logs in batch([("eth_getLogs", [window]) for window in windows]):
        for log in logs:
            event = layouts[log["topics"][0]]
            names = [i["name"] for i in event["inputs"] if not i["indexed"]]
            values = decode([abi_type(i) for i in event["inputs"] if not i["indexed"]], bytes.fromhex(log["data"][2:]))
            master[log["topics"][1]] = dict(zip(names, values, strict=True))
    rows = []
    for tin, (holder, status, aeo_types, valid_from, expiry, version, commitment) in zip(tins, found, strict=True):
        data = master.get("0x" + tin.hex(), {})
        rows.append(
            {
                "tin": tin.rstrip(b"\0").decode(),
                "status": status,
                "aeo_types": aeo_types,
                "valid_from": valid_from,
                "expiry": expiry,
                "holder": holder,
                "version": version,
                "commitment": "0x" + commitment.hex(),
                "name": data.get("name"),
                "address": data.get("postalAddress"),
            }
        )
    return rows


if __name__ == "__main__":
    url, address, from_block, abi_file, country, count = sys.argv[1:7]
    with open(abi_file, encoding="utf-8") as artifact:
        rows = listed(url, address, int(from_block), json.load(artifact)["abi"], country, int(count))
    print(json.dumps({"items": rows}))
