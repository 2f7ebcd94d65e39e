"""The credential's figures: an administration's status lists for 100,000 certificates built from a
mirror (size and time, both purposes, signed), and offline verifications a second in one process
against a cache of those lists, beside the ceiling of the ES256K signature check alone.

The mirror is filled directly in SQLite (the events and current-state rows a sync would write: one
issue event and one certificate row per TIN), with 2% cancelled, 1% withdrawn and 1% suspended,
picked with a fixed seed.

    .venv/bin/python bench/credential.py [--count 100000] [--verifications 3000]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import date
from pathlib import Path

from common import machine

from cadena_client.credential.document import Anchor, issue_credential
from cadena_client.credential.signing import IssuerKey, open_jws
from cadena_client.credential.status import PURPOSES, country_status, list_credential, signer_role
from cadena_client.credential.verify import CredentialVerdict, SnapshotEvidence, check
from cadena_client.domain.model import AEOType, Certificate, CertificateStatus
from cadena_client.mirror import Mirror

SEED = 23
CHAIN, CONTRACT = 31337, "0x" + "ab" * 20
KEY = IssuerKey(bytes(range(1, 33)), CHAIN)


def fill(mirror: Mirror, count: int) -> None:
    """`count` Mexican certificates, issued in order, some cancelled, withdrawn or suspended; one signer."""
    chance = random.Random(SEED)
    statuses = [CertificateStatus.CANCELLED] * 2 + [CertificateStatus.WITHDRAWN] + [CertificateStatus.SUSPENDED]
    statuses += [CertificateStatus.ACTIVE] * 96
    with mirror.transaction():
        mirror.db.executemany(
            "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (i // 100, i % 100, "0x00", 0, "CertificateIssued", f"MX{i:012d}", "MX", None, None, 1, "{}", i + 1)
                for i in range(count)
            ),
        )
        mirror.db.execute(
            "INSERT INTO events VALUES (0, 9999, '0x00', 0, 'RoleGranted', NULL, 'MX', NULL, NULL, NULL, ?, ?)",
            (json.dumps({"role": signer_role("MX"), "account": KEY.address}), count + 1),
        )
        mirror.db.executemany(
            "INSERT INTO certificates (tin, country, status, aeo_types, valid_from, expiry, holder, version, "
            "commitment, block) VALUES (?, 'MX', ?, 3, 18262, 21915, NULL, 1, ?, 0)",
            ((f"MX{i:012d}", int(chance.choice(statuses)), "0x" + "00" * 32) for i in range(count)),
        )


def main(count: int, verifications: int) -> None:
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as folder:
        mirror = Mirror(Path(folder) / "mirror.sqlite", CHAIN, CONTRACT, 0)
        fill(mirror, count)
        started = time.perf_counter()
        status = country_status(mirror.db, "MX")
        built = time.perf_counter() - started
        lists = {}
        for purpose in PURPOSES:
            lists[purpose] = list_credential(KEY, f"https://sat.example/{purpose}", purpose, status.list_of(purpose))
        total = time.perf_counter() - started
        print(
            f"{count:,} certificates: statuses read from the mirror in {built:.3f} s; both lists built and signed in {total:.3f} s"
        )
        for purpose, token in lists.items():
            set_bits = sum(bin(b).count("1") for b in status.list_of(purpose))
            print(
                f"  {purpose}: {len(status.list_of(purpose)) * 8:,} bits, {set_bits:,} set, signed credential {len(token.encode()):,} bytes"
            )

        cache = Path(folder) / "cache.json"
        SnapshotEvidence(CHAIN, CONTRACT, {"MX": status}, "bench").save(cache)
        evidence = SnapshotEvidence.load(cache)
        tin = status.tins[count // 2]
        certificate = Certificate(
            tin, CertificateStatus.ACTIVE, AEOType(3), date(2020, 1, 1), date(2030, 1, 1), None, 1, bytes(32)
        )
        anchor = Anchor(CHAIN, CONTRACT, "SAT", "https://sat.example")
        credential = issue_credential(
            KEY, anchor, certificate, count // 2, [], {"name": "Operador", "address": "Calle 1"}
        )
        expected = check(credential, evidence).verdict
        assert expected in (CredentialVerdict.VALID, CredentialVerdict.REVOKED, CredentialVerdict.SUSPENDED)
        started = time.perf_counter()
        for _ in range(verifications):
            assert check(credential, evidence).verdict is expected
        rate = verifications / (time.perf_counter() - started)
        token = credential.split("~")[0]
        started = time.perf_counter()
        for _ in range(verifications):
            open_jws(token)
        ceiling = verifications / (time.perf_counter() - started)
        print(
            f"offline verification ({expected.label}), cache of {cache.stat().st_size:,} bytes: {rate:,.0f} a second; the ES256K check alone: {ceiling:,.0f} a second ({rate / ceiling:.0%} of it)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--verifications", type=int, default=3000)
    arguments = parser.parse_args()
    main(arguments.count, arguments.verifications)
