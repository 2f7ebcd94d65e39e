"""The bulk path: batches, outcomes per record, nonce resynchronisation, and resuming after a crash."""

import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter

import pytest
import requests
from helpers import MX_EXCHANGE, PILOT

from cadena_client.api.bulk import issue_all
from cadena_client.chain.connection import connect
from cadena_client.chain.node import start_anvil
from cadena_client.chain.signer import NonceManager, Result, Signer
from cadena_client.domain.model import CertificateStatus, MasterData
from cadena_client.network.deploy import Accounts, deploy_network, load_config


def masters(count, prefix="MX", start=0):
    return [
        MasterData(
            f"{prefix}{i:010d}", f"Operador {i} S.A.", f"Calle {i}, Ciudad", "exporter", "2020-01-01", "2030-01-01"
        )
        for i in range(start, start + count)
    ]


def deployed(url=None):
    chain = connect(url)
    cadena = deploy_network(chain, load_config(PILOT), Accounts(chain, PILOT.parent), None).cadena
    return chain, cadena


@pytest.fixture(scope="module")
def anvil():
    with start_anvil() as node:
        yield node


def test_embedded_chain_falls_back_to_single_requests():
    chain, cadena = deployed()
    sender = cadena.as_signer(Signer(cadena.chain, chain.dev_account(2)))
    assert not sender.chain.rpc.batching
    records = masters(23)
    outcomes = issue_all(sender, records, batch_size=10)
    assert Counter(o.result for o in outcomes) == {Result.DONE: 23}
    assert cadena.certificate_tins("MX") == [m.tin for m in records]
    assert {cadena.certificate(m.tin).commitment for m in records} == {m.commitment for m in records}


def test_outcome_for_every_record(anvil):
    chain, cadena = deployed(anvil.url)
    sender = cadena.as_signer(Signer(cadena.chain, chain.dev_account(2)))
    assert sender.chain.rpc.batching
    first = masters(30)
    issue_all(sender, first[:10])
    changed = MasterData(first[0].tin, "Otro nombre", first[0].address, "exporter", "2020-01-01")
    records = [changed] + first[1:] + masters(2, prefix="PE") + [first[5]]
    progress = []
    outcomes = issue_all(sender, records, batch_size=8, progress=progress.append)
    by_key = {o.key: o for o in outcomes}
    assert len(outcomes) == len(records) and sum(progress) == len(records)
    assert by_key[first[0].tin].result == "failed" and "update it" in by_key[first[0].tin].detail
    assert [by_key[m.tin].result for m in first[1:10]] == ["already"] * 9
    assert [by_key[m.tin].result for m in first[10:]] == ["done"] * 20
    assert all(by_key[m.tin].tx_hash and by_key[m.tin].block for m in first[10:])
    pe = masters(2, prefix="PE")
    assert all(
        by_key[m.tin].result == "failed" and "is not a customs officer of PE" in by_key[m.tin].detail for m in pe
    )
    assert cadena.administration("MX").certificate_count == 30


def test_sends_no_more_than_a_block_can_take(anvil, monkeypatch):
    """anvil's automine leaves what one block cannot hold waiting for another arrival: the sender keeps
    at most one block's gas unmined, so 60 batches (10 blocks' worth) need no filler transaction."""
    chain, cadena = deployed(anvil.url)
    sender = cadena.as_signer(Signer(cadena.chain, chain.dev_account(2)))
    broadcast, sent, unmined = Signer._broadcast, {}, []

    def watched(self, signed):
        mined = self.nonces.count("latest")
        sent.update({item.nonce: item.job.gas for item in signed})
        unmined.append(sum(gas for nonce, gas in sent.items() if nonce >= mined))
        return broadcast(self, signed)

    monkeypatch.setattr(Signer, "_broadcast", watched)
    before = chain.w3.eth.get_transaction_count(sender.signer.address)
    outcomes = issue_all(sender, masters(3000), batch_size=50)
    assert Counter(o.result for o in outcomes) == {Result.DONE: 3000}
    assert max(unmined) <= chain.w3.eth.get_block("latest").gasLimit < sum(sent.values()) / 5
    assert chain.w3.eth.get_transaction_count(sender.signer.address) == before + 60  # no filler was needed


def test_nonce_manager_is_thread_safe(anvil):
    chain, _ = deployed(anvil.url)
    manager = NonceManager(chain.rpc, chain.dev_account(7).address)
    taken = []
    threads = [threading.Thread(target=lambda: taken.extend(manager.take(3) for _ in range(50))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    start = chain.w3.eth.get_transaction_count(chain.dev_account(7).address, "pending")
    assert sorted(taken) == list(range(start, start + 3 * 400, 3))


def test_resynchronises_when_another_program_used_the_key(anvil):
    chain, cadena = deployed(anvil.url)
    sender = cadena.as_signer(Signer(cadena.chain, chain.dev_account(2)))
    issue_all(sender, masters(5))
    other = cadena.as_signer(Signer(chain, chain.dev_account(2)))  # the same key, elsewhere
    other.suspend(masters(1)[0].tin)
    outcomes = issue_all(sender, masters(5, start=5))
    assert Counter(o.result for o in outcomes) == {Result.DONE: 5}
    assert cadena.certificate(masters(1)[0].tin).status == CertificateStatus.SUSPENDED


RECORDS = 1200


@pytest.mark.slow
def test_a_killed_run_is_completed_exactly_by_the_next(anvil, tmp_path):
    """A run of RECORDS killed once 200 are on-chain (with up to 64 transactions of 5 in flight): the next
    run sends exactly the rest. 1,200 records leave hundreds to do after the kill; more add only time."""
    chain, cadena = deployed(anvil.url)
    cadena, key = cadena.with_exchange(MX_EXCHANGE), MX_EXCHANGE.private_key.hex()  # both runs salt alike
    script = tmp_path / "bulk_run.py"
    script.write_text(
        textwrap.dedent(f"""
        from cadena_client.api.bulk import issue_all
        from cadena_client.chain.connection import connect
        from cadena_client.chain.signer import Signer
        from cadena_client.api.client import Cadena
        from cadena_client.confidential.keys import ExchangeKeys
        from cadena_client.domain.model import MasterData
        chain = connect({anvil.url!r})
        cadena = Cadena(chain, {cadena.address!r}, exchange=ExchangeKeys("MX", bytes.fromhex({key!r})))
        records = [MasterData(f"MX{{i:010d}}", f"Operador {{i}} S.A.", f"Calle {{i}}, Ciudad", "exporter", "2020-01-01",
                              "2030-01-01") for i in range({RECORDS})]
        print("started", flush=True)
        issue_all(cadena.as_signer(Signer(cadena.chain, chain.dev_account(2))), records, batch_size=5)
    """)
    )
    run = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert run.stdout.readline().strip() == "started"
    deadline = time.monotonic() + 60
    while cadena.administration("MX").certificate_count < 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    run.kill()
    run.wait()
    run.stdout.close()
    partial = cadena.administration("MX").certificate_count
    assert 0 < partial < RECORDS, partial
    # One re-run completes exactly the rest: the killed run left at most a block's gas in the pool.
    outcomes = Counter(
        o.result
        for o in issue_all(
            cadena.as_signer(Signer(cadena.chain, chain.dev_account(2), receipt_timeout=30)), masters(RECORDS)
        )
    )
    assert outcomes["already"] + outcomes["done"] == RECORDS and outcomes["already"] >= partial, outcomes
    assert cadena.administration("MX").certificate_count == RECORDS
    assert sorted(cadena.certificate_tins("MX")) == [m.tin for m in masters(RECORDS)]  # each once


@pytest.mark.parametrize("on_anvil", [True, False])
def test_verify_all_answers_as_verify_does(anvil, on_anvil):
    chain, cadena = deployed(anvil.url if on_anvil else None)
    records = masters(12) + masters(3, prefix="PE")
    issue_all(cadena.as_signer(Signer(cadena.chain, chain.dev_account(2))), records[:12])
    issue_all(cadena.as_signer(Signer(cadena.chain, chain.dev_account(4))), records[12:])
    officer = cadena.as_signer(Signer(chain, chain.dev_account(2)))
    officer.suspend(records[1].tin)
    officer.cancel(records[2].tin)
    tins = [m.tin for m in records] + ["MXNOBODY"]
    answers = cadena.verify_many("pe", tins)
    assert answers == [cadena.verify("PE", t) for t in tins]
    assert {a.verdict.name for a in answers} == {"RECOGNISED", "NOT_ACTIVE", "SAME_COUNTRY", "UNKNOWN_TIN"}
    with pytest.raises(Exception, match="is not a TIN"):
        cadena.verify_many("PE", ["MX-1"])


def test_rpc_sends_again_once_when_the_node_dropped_the_connection(anvil, monkeypatch):
    chain, _ = deployed(anvil.url)
    height, rpc, attempts = chain.w3.eth.block_number, chain.rpc, []
    post = requests.Session.post

    def dropped_once(self, *args, **kwargs):
        attempts.append(1)
        if len(attempts) == 1:
            raise requests.ConnectionError("Remote end closed connection without response")
        return post(self, *args, **kwargs)

    monkeypatch.setattr(requests.Session, "post", dropped_once)
    assert int(rpc.many([("eth_blockNumber", []), ("eth_chainId", [])])[0]["result"], 16) == height
    assert len(attempts) == 2
    monkeypatch.setattr(
        requests.Session, "post", lambda *a, **k: (_ for _ in ()).throw(requests.ConnectionError("refused"))
    )
    with pytest.raises(requests.ConnectionError):  # a node that is down stays an error
        rpc.many([("eth_blockNumber", [])])


def test_batch_size_is_checked():
    chain, cadena = deployed()
    with pytest.raises(Exception, match="batch size must be 1 to 100"):
        issue_all(cadena.as_signer(Signer(cadena.chain, chain.dev_account(2))), masters(1), batch_size=101)
