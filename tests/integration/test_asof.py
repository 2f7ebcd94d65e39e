""" "Was this operator recognised on that date?": `cadena verify --at DATE` and `GET /v1/verify?...&at=DATE`
answer from the mirror's audit trail as things stood at the end of that day (the chain's clock moved
on two days between the issue and the suspension)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import requests
from click.testing import CliRunner
from helpers import rpc

from cadena_client.cli.main import cli
from cadena_client.domain.model import MasterData

TIN = "MXASOF00001"


def chain_day(url: str):
    block = rpc(url, "eth_getBlockByNumber", "latest", False)
    return datetime.fromtimestamp(int(block["timestamp"], 16), timezone.utc).date()


def test_verify_at_a_past_date_from_the_audit_trail(service, reverting, pilot_record, tmp_path):
    url, officer = service
    officer.issue(MasterData(TIN, "Exportadora Andina S.A.", "Av. Reforma 1", "exporter", "2020-01-01", "2035-01-01"))
    issued = chain_day(reverting.url)
    rpc(reverting.url, "evm_increaseTime", 2 * 86400)
    rpc(reverting.url, "evm_mine")
    officer.suspend(TIN)
    suspended = chain_day(reverting.url)
    assert suspended == issued + timedelta(days=2)

    def verify(day, *more: str):
        common = ["--rpc-url", reverting.url, "--deployment", str(pilot_record), "--mirror", str(tmp_path / "m.sqlite")]
        return CliRunner().invoke(cli, [*common, "verify", "--importer", "PE", TIN, "--at", str(day), *more])

    assert verify(issued).exit_code == 0  # recognised then
    assert verify(suspended).exit_code == 13  # 10 + not active
    assert verify(issued - timedelta(days=1)).exit_code == 11  # 10 + unknown TIN: not issued yet
    assert verify(issued, "--offline").exit_code == 0
    later = verify(suspended + timedelta(days=30))
    assert later.exit_code == 1 and "sync it, or ask for an earlier day" in later.output

    def answer(day) -> dict:
        for _ in range(100):  # the service's mirror catches up within a poll or two
            got = requests.get(f"{url}/v1/verify", params={"importer": "PE", "tin": TIN, "at": str(day)}, timeout=10)
            if got.status_code == 200:
                return got.json()
        raise AssertionError(got.text)

    then = answer(issued)
    assert then["recognised"] and then["verdict"] == "recognised" and then["benefits"]
    assert answer(suspended)["verdict"] == "not_active"
    now = requests.get(f"{url}/v1/verify", params={"importer": "PE", "tin": TIN}, timeout=10).json()
    assert now["verdict"] == "not_active"
