"""What the tests share: accounts and shortcuts on the contract, realistic records, raw node calls,
and `cadena` processes."""

from __future__ import annotations

import functools
import json
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
import uvicorn
from eth_abi import decode as abi_decode
from eth_account import Account
from eth_utils import keccak
from web3 import Web3
from web3.logs import DISCARD

from cadena_client.chain.connection import connect
from cadena_client.chain.signer import Signer
from cadena_client.confidential.keys import ExchangeKeys
from cadena_client.contract.artifact import CONSORTIUM, CONTRACT, LENS, load_artifact
from cadena_client.contract.codec import codec, country_to_bytes2, master_struct, tin_to_bytes32
from cadena_client.domain.model import MasterData
from cadena_client.errors import ContractError
from cadena_client.mirror import Mirror
from cadena_client.network.deploy import DeploymentRecord
from cadena_client.service import Follower, create_app

ROLES = [
    "governance",
    "mx_admin",
    "mx_officer",
    "pe_admin",
    "pe_officer",
    "cr_admin",
    "cr_officer",
    "co_admin",
    "cl_admin",
    "holder",
    "other_holder",
    "stranger",
    "revoked_officer",
]
HOLDER_KEY = keccak(text="cadena test holder")  # the conftest derives each role's key this way
MX_EXCHANGE = ExchangeKeys("MX", keccak(text="cadena test MX exchange key"))  # MX's, where a test acts as MX
ADMINISTRATIONS = {"MX": "Servicio de Administración Tributaria", "PE": "SUNAT", "CR": "Dirección General de Aduanas"}

ROOT = Path(__file__).resolve().parent.parent  # the source tree
PILOT = ROOT / "deploy" / "cadena-pilot.toml"


def rpc(url: str, method: str, *params):
    """One raw JSON-RPC call to a node, for what the library does not do (snapshots, test controls)."""
    return requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).json()[
        "result"
    ]


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


STARTED: list[subprocess.Popen] = []  # every process a test started, killed at its end


RULES = (5001, 6666, 14 * 86400, 7 * 86400)  # more than half; two thirds; two weeks to vote; a week to veto
KINDS = {"admission": 0, "suspension": 1, "expulsion": 2, "reinstatement": 3, "recovery": 4, "rules": 5, "upgrade": 6}
NO_RULES = (0, 0, 0, 0)
ZERO_ADDRESS = "0x" + "00" * 20
VERIFY_ANSWER = ["bool", "uint16", "uint8"]  # recognised, benefits, verdict
MRA_STEPS = {"sign": (1, 2), "suspend": (2, 3), "resume": (3, 2), "leave": (None, 4)}  # from, to; None: as it is


class Network:
    """The deployed contracts with MX, PE and CR registered, and shortcuts for the tests: `fn` finds a
    function on the CADENA contract, its consortium or its lens."""

    def __init__(self, w3: Web3, contract, accounts: dict, consortium=None, lens=None):
        self.w3, self.contract, self.a = w3, contract, accounts
        self.consortium, self.lens = consortium, lens
        self.admins = {code: f"{code.lower()}_admin" for code in ("MX", "PE", "CR")}  # country -> admin account
        self.implementation: str | None = None  # the CADENA implementation behind the proxy, where known

    refusals_expected = 0  # inside `reverts` or `expecting_refusal`

    def tx(self, call, sender: str):
        """Sends `call` from `sender` with the block's gas (a gas estimate would run it a dozen times) and
        returns its receipt. Where a refusal is expected, it is raised from one eth_call and nothing is sent;
        elsewhere the transaction is sent at once, and if it is refused, the call replayed on the block
        before raises the contract's error (the test fails either way)."""
        origin = {"from": self.a.get(sender, sender)}
        if Network.refusals_expected:
            call.call(origin)
        receipt = self.w3.eth.wait_for_transaction_receipt(call.transact({**origin, "gas": self.gas_limit}))
        if receipt.status != 1:
            call.call(origin, block_identifier=receipt.blockNumber - 1)
            raise AssertionError(f"{call.fn_name} from {sender} was refused in block {receipt.blockNumber}")
        return receipt

    @functools.cached_property
    def gas_limit(self) -> int:
        """What every transaction may use: the block's gas limit."""
        return self.w3.eth.get_block("latest")["gasLimit"]

    def fn(self, name: str, *args):
        return getattr(self._holder(name, "functions").functions, name)(*args)

    def events(self, receipt, name: str):
        return getattr(self._holder(name, "events").events, name)().process_receipt(receipt, errors=DISCARD)

    def _holder(self, name: str, kind: str):
        """The contract that declares function or event `name`: CADENA first, then its consortium and lens."""
        for contract in (self.contract, self.consortium, self.lens):
            if contract is not None and name in {entry.get("name") for entry in contract.abi}:
                return contract
        return self.contract

    def issue(self, tin: str = "MXAAA010101AAA", sender: str = "mx_officer", reason: int = 1, **fields):
        return self.tx(self.fn("issueCertificate", tin_to_bytes32(tin), master_data(tin, **fields), reason), sender)

    def lifecycle(self, action: str, tin: str, sender: str, reason: int = 0):
        return self.tx(self.fn(f"{action}Certificate", tin_to_bytes32(tin), reason), sender)

    def certificate(self, tin: str):
        return self.fn("certificate", tin_to_bytes32(tin)).call()

    def propose(
        self, parties, proposer=None, benefits=0b111, covered=0b11, effective=0, title="MRA", sender=None, consent=False
    ):
        proposer = proposer or parties[0]
        receipt = self.tx(
            self.fn(
                "proposeMRA",
                country_to_bytes2(proposer),
                [country_to_bytes2(p) for p in parties],
                int(benefits),
                int(covered),
                effective,
                title,
                consent,
            ),
            sender or f"{proposer.lower()}_admin",
        )
        return self.events(receipt, "MRAProposed")[0].args.id

    def mra_action(self, action: str, mra_id: int, party: str, sender: str | None = None):
        return self.tx(
            self.fn("setParticipation", mra_id, country_to_bytes2(party), *self.mra_step(action, mra_id, party)),
            sender or f"{party.lower()}_admin",
        )

    def mra_step(self, action: str, mra_id: int, party: str) -> tuple[int, int]:
        """The (from, to) party statuses of an MRA step; a leave starts from the party's current status."""
        start, to = MRA_STEPS[action]
        if start is None:
            mra = self.fn("mra", mra_id).call() if mra_id <= self.fn("mraCount").call() else None
            parties = [p.decode() for p in mra[7]] if mra else []
            start = mra[8][parties.index(party)] if party in parties else 1
        return start, to

    def mra_in_force(self, parties, **kwargs) -> int:
        mra_id = self.propose(parties, **kwargs)
        for party in parties:
            self.mra_action("sign", mra_id, party)
        return mra_id

    def verify(self, importer: str, tin: str) -> tuple[bool, int, int]:
        """`verify`'s answer, from one call on the embedded chain itself: web3's formatting of a call
        costs as much as the EVM running it, and the model test makes thousands."""
        data = self.contract.encode_abi("verify", [country_to_bytes2(importer), tin_to_bytes32(tin)])
        call = {"from": self.a["stranger"], "to": self.contract.address, "data": data}
        return abi_decode(VERIFY_ANSWER, bytes.fromhex(self.w3.provider.ethereum_tester.call(call)[2:]))

    def propose_motion(
        self,
        kind: str,
        country: str = "",
        account: str | None = None,
        name: str = "",
        rules=NO_RULES,
        *,
        proposer: str = "MX",
        sender: str | None = None,
        code_hash: bytes = bytes(32),
    ) -> int:
        """Proposal `kind` (admission, suspension, ...) made by `proposer`'s admin; returns its id."""
        motion = (
            KINDS[kind],
            country.encode() if country else b"\0\0",
            self.a.get(account, account) if account else ZERO_ADDRESS,
            name,
            rules,
            code_hash,
        )
        receipt = self.tx(
            self.fn("propose", country_to_bytes2(proposer), motion), sender or f"{proposer.lower()}_admin"
        )
        return self.events(receipt, "ProposalCreated")[0].args.id

    def vote(self, proposal: int, country: str, support: bool = True, sender: str | None = None):
        return self.tx(
            self.fn("vote", proposal, country_to_bytes2(country), support), sender or f"{country.lower()}_admin"
        )

    def decide(self, kind: str, country: str = "", account: str | None = None, name: str = "", rules=NO_RULES):
        """Proposes, votes with just enough members (founders first), queues, waits out the delay and
        executes; returns the execution's receipt."""
        voters = [member for member in self.members() if member != country]
        proposal = self.propose_motion(
            kind, country, account, name, rules, proposer=voters[0], sender=self.admins[voters[0]]
        )
        for member in voters[: self.needed(proposal)]:
            self.vote(proposal, member, sender=self.admins[member])
        return self.carry_out(proposal)

    def carry_out(self, proposal: int):
        """Queues `proposal`, waits out its delay and executes it; returns the execution's receipt."""
        self.tx(self.fn("execute", proposal), "stranger")
        self.travel_seconds(self.fn("getProposal", proposal).call()[6] - self.now())
        return self.tx(self.fn("execute", proposal), "stranger")

    def new_account(self, name: str) -> str:
        """A funded account named `name` (its key added to the embedded chain once)."""
        tester = self.w3.provider.ethereum_tester
        key = Web3.to_hex(Web3.keccak(text=f"cadena test {name}"))
        address = Account.from_key(key).address
        if address not in self.w3.eth.accounts:  # an earlier test may have added it (its balance was reverted)
            tester.add_account(key)
        self.w3.eth.send_transaction({"from": self.w3.eth.accounts[0], "to": address, "value": 10**20, "gas": 21000})
        self.a[name] = address
        return address

    def needed(self, proposal: int) -> int:
        """Votes `proposal` needs: its threshold of its electorate, rounded up, fixed when it was made."""
        return self.fn("getProposal", proposal).call()[4]

    def members(self) -> list[str]:
        """The active members whose admin key the tests hold, founders first."""
        return [c for c in self.admins if self.fn("administration", country_to_bytes2(c)).call()[0] == 1]

    def register(self, country: str, admin: str):
        """Admits `country` by a vote of just enough members."""
        receipt = self.decide("admission", country, admin, ADMINISTRATIONS.get(country, country))
        self.admins[country] = admin
        return receipt

    def officer_role(self, country: str) -> bytes:
        return self.fn("officerRole", country_to_bytes2(country)).call()

    def admin_role(self, country: str) -> bytes:
        return self.fn("adminRole", country_to_bytes2(country)).call()

    def now(self) -> int:
        return self.w3.eth.get_block("latest")["timestamp"]

    def travel_days(self, days: int):
        self.travel_seconds(days * 86400)

    def travel_seconds(self, seconds: int):
        tester = self.w3.provider.ethereum_tester
        tester.time_travel(self.now() + max(seconds, 1))
        tester.mine_blocks(1)


def deploy(w3, name: str, *args, sender: str) -> str:
    """Deploys the shipped contract `name` with constructor `args`; returns its address. It is sent with
    the block's gas (a gas estimate would run the deployment a dozen times), unless a refusal is expected."""
    artifact = load_artifact(name)
    constructor = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"]).constructor(*args)
    if Network.refusals_expected:
        constructor.estimate_gas({"from": sender})  # raises the contract's refusal, its first run; sends nothing
    gas = w3.eth.get_block("latest")["gasLimit"]
    receipt = w3.eth.wait_for_transaction_receipt(constructor.transact({"from": sender, "gas": gas}))
    assert receipt.status == 1, f"the deployment of {name} was refused"
    return receipt.contractAddress


def found(w3, accounts: dict, implementation: str, admins: dict[str, str]) -> Network:
    """A network on `implementation` founded by the countries of `admins` (country -> its admin's account
    name), seated in the consortium's constructor by `governance`, which keeps no power."""
    consortium = w3.eth.contract(
        address=deploy(
            w3,
            CONSORTIUM,
            implementation,
            [code.encode() for code in admins],
            [ADMINISTRATIONS.get(code, code) for code in admins],
            [accounts[admin] for admin in admins.values()],
            RULES,
            ZERO_ADDRESS,
            0,  # no forwarder: RelayKind.None
            sender=accounts["governance"],
        ),
        abi=load_artifact(CONSORTIUM)["abi"],
    )
    cadena = w3.eth.contract(address=consortium.functions.cadena().call(), abi=load_artifact(CONTRACT)["abi"])
    lens = w3.eth.contract(address=consortium.functions.lens().call(), abi=load_artifact(LENS)["abi"])
    net = Network(w3, cadena, accounts, consortium, lens)
    net.admins, net.implementation = dict(admins), implementation
    return net


def carry_out(cadena, proposal: int) -> None:
    """Queues `proposal` (it has its votes), moves the chain's clock past its delay and executes it:
    on the embedded chain or on anvil."""
    cadena.execute(proposal)
    until = int(cadena.proposal(proposal).executable_from.timestamp()) + 1
    chain = cadena.chain
    if chain.embedded:
        tester = chain.w3.provider.ethereum_tester
        tester.time_travel(max(until, chain.w3.eth.get_block("latest")["timestamp"] + 1))
        tester.mine_blocks(1)
    else:
        rpc(chain.url, "evm_increaseTime", max(until - chain.w3.eth.get_block("latest")["timestamp"], 1))
        rpc(chain.url, "evm_mine")
    cadena.execute(proposal)


def master_data(tin: str, **fields) -> tuple:
    """The contract struct of realistic master data for `tin`, with `fields` overriding."""
    values = dict(
        tin=tin,
        name="Exportadora del Pacífico S.A. de C.V.",
        address="Av. Paseo de la Reforma 505, Cuauhtémoc, 06500 Ciudad de México",
        aeo_types="importer,exporter",
        valid_from=date(2024, 1, 15),
        expiry=date(2034, 1, 15),
        holder=None,
        salt=keccak(text=f"salt of {tin}").hex(),  # fixed, so that a test can rebuild the commitment
    )
    visibility, envelope = fields.pop("visibility", 0), fields.pop("envelope", b"")
    values.update(fields)
    return master_struct(MasterData(**values), visibility, envelope)


@contextmanager
def expecting_refusal():
    """Transactions sent in the block may be refused: each is tried as a call first, and a refusal sends
    nothing (a refused transaction would be mined)."""
    Network.refusals_expected += 1
    try:
        yield
    finally:
        Network.refusals_expected -= 1


@contextmanager
def reverts(name: str, **expected):
    """Asserts that the block raises the contract error `name` with the `expected` arguments."""
    with pytest.raises(Exception) as info, expecting_refusal():
        yield
    error = info.value if isinstance(info.value, ContractError) else codec().refusal(info.value)
    assert isinstance(error, ContractError), f"expected {name}, got no contract error: {info.value!r}"
    assert error.name == name, f"expected {name}, got {error.name}: {error}"
    for key, value in expected.items():
        assert error.error_args[key] == value, f"{name}.{key}: {error.error_args[key]!r} != {value!r}"


def cadena_process(*args: str, **popen) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "cadena_client", *args], **popen)
    STARTED.append(process)
    return process


class Watcher:
    """A `cadena watch --json` process with its stdout and stderr collected line by line."""

    def __init__(self, url: str, record: Path, mirror: Path):
        self.process = cadena_process(
            "--rpc-url",
            url,
            "--deployment",
            str(record),
            "--mirror",
            str(mirror),
            "watch",
            "--json",
            "--poll",
            "0.1",
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[dict] = []
        self.notes: list[str] = []
        self.drained = threading.Event()  # set when its stdout has ended and every line is in `lines`
        threading.Thread(
            target=self._read,
            args=(self.process.stdout, lambda line: self.lines.append(json.loads(line)), self.drained),
            daemon=True,
        ).start()
        threading.Thread(target=self._read, args=(self.process.stderr, self.notes.append), daemon=True).start()

    @staticmethod
    def _read(stream, keep, done: threading.Event | None = None) -> None:
        try:
            for line in iter(stream.readline, ""):
                keep(line.strip())
        finally:
            if done:
                done.set()

    def wait_for(self, check, what: str, timeout: float = 30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            assert self.process.poll() is None, f"watch exited: {self.notes}"
            time.sleep(0.05)
        raise AssertionError(f"watch did not {what} within {timeout} s; printed {self.lines}, said {self.notes}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@contextmanager
def serving(node_url: str, record_path, tmp_path):
    """The service of MX on a free port over a new mirror of the deployment, with MX's exchange key
    published (its issues sealed to itself, its mirror reading them); yields (URL, the officer's Cadena)."""
    record = DeploymentRecord.load(record_path)
    chain = connect(node_url)
    cadena = record.open(chain).with_exchange(MX_EXCHANGE)
    cadena.as_signer(Signer(chain, chain.dev_account(1))).set_exchange_key("MX", MX_EXCHANGE.public_key)
    mirror = Mirror(
        tmp_path / "service.sqlite", record.chain_id, record.address, record.deploy_block, exchange=MX_EXCHANGE
    )
    follower = Follower(mirror, cadena, 0.1)
    with running(create_app(follower), follower) as url:
        yield url, cadena.as_signer(Signer(chain, chain.dev_account(2)))


@contextmanager
def running(app, follower):
    """`app` served by uvicorn on a free port, its `follower` started; yields its URL once /readyz answers."""
    follower.start()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.config.port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/readyz", timeout=1).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        time.sleep(0.05)
    try:
        yield url
    finally:
        follower.stopping.set()  # ends the event streams, which the server waits for
        server.should_exit = True
        thread.join(timeout=10)
        follower.stop()


SECRET = b"receiver-shared-secret"  # the service's webhook key in tests


class Receiver:
    """A webhook receiver at `http://127.0.0.1:{port}/cadena` that checks each delivery with the
    independent `standardwebhooks` library (its endpoint's own secret under `SECRET`) and keeps what it
    got, in arrival order: (event number, change, arrival time)."""

    def __init__(self, port: int):
        from standardwebhooks import Webhook, WebhookVerificationError

        from cadena_client.webhooks import endpoint_secret

        self.got: list[tuple[int, dict, float]] = []
        self.refused = 0
        outer = self
        checker = Webhook(endpoint_secret(SECRET, f"http://127.0.0.1:{port}/cadena"))

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                try:
                    change = checker.verify(body, dict(self.headers))
                except WebhookVerificationError:
                    outer.refused += 1
                    change = None
                if change is not None:
                    outer.got.append((int(self.headers["webhook-id"]), change, time.monotonic()))
                self.send_response(204 if change is not None else 401)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def front(target: str, screen=lambda headers: None, refuse=lambda call: None, answer=lambda call: None):
    """A real HTTP server in front of a node. `screen(headers)` may answer (status, text) instead of
    forwarding the request; `refuse(call)` may give a JSON-RPC error for one call in place of the node's
    answer, `answer(call)` its whole answer ({"result": ...} or {"error": ...}). Yields (its URL, the
    calls it forwarded)."""
    forwarded: list[dict] = []

    class Front(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            refusal = screen(self.headers)
            if refusal is not None:
                self.send_response(refusal[0])
                self.end_headers()
                self.wfile.write(refusal[1].encode())
                return
            request = json.loads(body)
            calls = request if isinstance(request, list) else [request]
            answered = {id(call): {"error": error} for call in calls if (error := refuse(call)) is not None}
            answered |= {id(call): reply for call in calls if id(call) not in answered and (reply := answer(call))}
            passed = [call for call in calls if id(call) not in answered]
            forwarded.extend(passed)
            replied = requests.post(target, json=passed, timeout=60).json() if passed else []
            by_id = {reply["id"]: reply for reply in replied}
            replies = [
                {"jsonrpc": "2.0", "id": call["id"], **answered[id(call)]}
                if id(call) in answered
                else by_id[call["id"]]
                for call in calls
            ]
            content = json.dumps(replies if isinstance(request, list) else replies[0]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Front)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", forwarded
    finally:
        server.shutdown()
        server.server_close()
