"""The contract's ABI both ways: calldata for its functions, and its return values, reverts and logs
turned into the library's records and exceptions. Every path to the chain (one call, a batch, the
mirror's log scan) goes through one `Codec`.

eth-abi and eth-utils (half a second of imports) are imported where they encode, decode or hash,
so that what only reads a mirror imports neither."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from datetime import datetime, timezone
from functools import cache, lru_cache

from cadena_client import errors
from cadena_client.contract.artifact import CONSORTIUM, CONTRACT, FORWARDER, LENS, load_artifact
from cadena_client.domain.event import Event
from cadena_client.domain.governance import ProposalState
from cadena_client.domain.lifecycle import LIFECYCLE, PARTICIPATION, MRAAction, Operation
from cadena_client.domain.model import (
    ZERO_ADDRESS,
    AdministrationStatus,
    AEOType,
    Benefit,
    Certificate,
    CertificateStatus,
    MasterData,
    PartyStatus,
    Verdict,
    Verification,
    Visibility,
    from_day,
    parse_country,
    parse_tin,
    to_day,
)


def tin_to_bytes32(value: str) -> bytes:
    """A TIN as the contract's bytes32."""
    return parse_tin(value).encode("ascii").ljust(32, b"\0")


def tin_from_bytes32(raw: bytes) -> str:
    return bytes(raw).rstrip(b"\0").decode("ascii", "replace")


def country_to_bytes2(code: str) -> bytes:
    """A country code as the contract's bytes2."""
    return parse_country(code).encode("ascii")


def country_from_bytes2(raw: bytes) -> str:
    return bytes(raw).decode("ascii", "replace")


def master_struct(master: MasterData, visibility: Visibility = Visibility.ISSUER_ONLY, envelope: bytes = b"") -> tuple:
    """The contract's MasterData struct of `master`: what verification needs, the salted commitment and
    the `envelope` sealed to its readers; never the name or address."""
    return (
        master.holder or ZERO_ADDRESS,
        int(master.aeo_types),
        to_day(master.valid_from),
        to_day(master.expiry),
        int(visibility),
        master.commitment,
        envelope,
    )


_BYTES_REPR = re.compile(r"(?:execution reverted: )?(b'.*'|b\".*\")", re.DOTALL)


class Codec:
    """Encodes calls to the contract and decodes what comes back, from the artifact's ABI."""

    def __init__(self, abi: list[dict]):
        from eth_utils import function_abi_to_4byte_selector, keccak

        self.abi = abi
        self._functions = {}
        self._errors = {
            keccak(text="Error(string)")[:4]: (errors.Error, ["message"], ["string"]),
            keccak(text="Panic(uint256)")[:4]: (errors.Panic, ["code"], ["uint256"]),
        }
        for entry in abi:
            if entry["type"] == "function":
                types = [_abi_type(i) for i in entry["inputs"]]
                self._functions[entry["name"]] = (
                    function_abi_to_4byte_selector(entry),  # type: ignore[arg-type]
                    types,
                    [_abi_type(o) for o in entry["outputs"]],
                )
            elif entry["type"] == "error":
                types = [i["type"] for i in entry["inputs"]]
                selector = keccak(text=f"{entry['name']}({','.join(types)})")[:4]
                cls = getattr(errors, entry["name"], errors.ContractError)
                self._errors[selector] = (cls, [i["name"] for i in entry["inputs"]], types)
        self.logs = LogDecoder(abi)

    def encode(self, function: str, *args) -> bytes:
        """Calldata of `function(*args)`."""
        from eth_abi import encode as abi_encode

        selector, types, _ = self._functions[function]
        return selector + abi_encode(types, args)

    def decode(self, function: str, data: str | bytes) -> tuple:
        """The return values of `function` from its ABI-encoded answer."""
        from eth_abi import decode as abi_decode

        return abi_decode(self._functions[function][2], _bytes(data))

    def error(self, data: bytes, operation: Operation | MRAAction | None = None) -> errors.ContractError | None:
        """The contract error in revert `data` as its exception, or None if it is no known error.
        `operation` lets the message say what would have been allowed."""
        known = self._errors.get(bytes(data[:4]))
        if known is None:
            return None
        from eth_abi import decode as abi_decode
        from eth_utils import to_checksum_address

        cls, names, types = known
        values = [
            to_checksum_address(v) if kind == "address" else v
            for kind, v in zip(types, abi_decode(types, data[4:]), strict=True)
        ]
        args = dict(zip(names, values, strict=True))
        return cls(describe(cls.__name__, args, operation), args)

    def refusal(self, error: dict | BaseException, operation=None) -> errors.CadenaError:
        """What a JSON-RPC error reply (or an exception web3 raised) means: the contract's error where it
        carries one, else the node's words."""
        if isinstance(error, BaseException):
            data = revert_data(error)
            message = str(error)
        else:
            if "exception" in error:
                return self.refusal(error["exception"], operation)
            data, message = error.get("data"), str(error.get("message", error))
            if isinstance(data, dict):
                data = data.get("data")
            data = bytes.fromhex(data[2:]) if isinstance(data, str) and data.startswith("0x") else None
        found = self.error(data, operation) if data else None
        return found or errors.ChainError(f"the node refused it: {message[:300]}")

    def certificate(self, tin: str, data: str | bytes) -> Certificate:
        """The `certificate(tin)` answer, read word by word (a fixed-layout struct)."""
        return _certificate(tin, _words(data))

    def certificates(self, tins: list[str], data: str | bytes) -> list[Certificate]:
        """The `certificates(tins)` answer: after its offset and length, the same structs one after another."""
        words = _words(data)[2:]
        return [_certificate(tin, words[i * 8 : i * 8 + 8]) for i, tin in enumerate(tins)]

    def event(self, log, block_time: Callable[[int], int] | None = None, seq: int = 0) -> Event | None:
        """The contract's log as an Event (None for a log the contract does not declare); `block_time`
        gives the time of events that carry none of their own (else it is None)."""
        decoded = self.logs.decode(log)
        if decoded is None:
            return None
        name, args = decoded
        block = quantity(log["blockNumber"])
        return Event(
            name=name,
            block=block,
            log_index=quantity(log["logIndex"]),
            tx_hash=hex_text(log["transactionHash"]),
            time=args["time"] if "time" in args else block_time(block) if block_time else None,
            tin=tin_from_bytes32(bytes.fromhex(args["tin"][2:])) if "tin" in args else None,
            country=args.get("country") or args.get("party") or args.get("proposer") or role_country(args.get("role")),
            mra_id=args.get("id") if name.startswith("MRA") else None,
            actor=args.get("actor") or args.get("sender") or args.get("admin") or args.get("account"),
            reason=args.get("reason"),
            args=args,
            seq=seq,
        )

    def verification(self, importer: str, tin: str, data: str | bytes) -> Verification:
        """The `verify(importer, tin)` answer."""
        recognised, benefits, verdict = self.decode("verify", data)
        return Verification(importer, tin, recognised, Benefit(benefits) if benefits else None, Verdict(verdict))


@cache
def codec() -> Codec:
    """The codec of the shipped artifacts: the CADENA contract, its consortium and lens (whose function
    names do not clash), and the forwarder's errors."""
    forwarder_errors = [entry for entry in load_artifact(FORWARDER)["abi"] if entry["type"] == "error"]
    abi = [entry for name in (CONTRACT, CONSORTIUM, LENS) for entry in load_artifact(name)["abi"]]
    return Codec(abi + forwarder_errors)


def _abi_type(entry: dict) -> str:
    """The eth-abi type string of an ABI input or output (tuples spelt out)."""
    kind = entry["type"]
    if kind.startswith("tuple"):
        return f"({','.join(_abi_type(c) for c in entry['components'])}){kind[5:]}"
    return kind


def _bytes(data: str | bytes) -> bytes:
    return bytes.fromhex(data[2:]) if isinstance(data, str) else bytes(data)


def _certificate(tin: str, words: list[str]) -> Certificate:
    holder = words[0][24:]
    return Certificate(
        tin=tin,
        status=CertificateStatus(int(words[1], 16)),
        aeo_types=AEOType(int(words[2], 16)),
        valid_from=from_day(int(words[3], 16)),
        expiry=from_day(int(words[4], 16)),
        holder=None if int(holder, 16) == 0 else _checksum(holder),
        version=int(words[5], 16),
        commitment=bytes.fromhex(words[6]),
        visibility=Visibility(int(words[7], 16)),
    )


def _words(data: str | bytes) -> list[str]:
    """The 32-byte words of an ABI-encoded value, as hex text."""
    text = data if isinstance(data, str) else "0x" + bytes(data).hex()
    return [text[i : i + 64] for i in range(2, len(text), 64)]


@lru_cache(maxsize=65536)
def _checksum(hex40: str) -> str:
    from eth_utils import to_checksum_address

    return to_checksum_address(hex40)


def revert_data(exc: BaseException | None) -> bytes | None:
    """The raw revert data carried by `exc` or the exceptions it was raised from.

    Nodes put it in `.data` as hex; py-evm raises it as bytes, and eth-tester re-raises it as the
    text "execution reverted: b'...'" (the repr of those bytes).
    """
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        data = getattr(exc, "data", None)
        if isinstance(data, str) and data.startswith("0x"):
            return bytes.fromhex(data[2:])
        for arg in exc.args:
            if isinstance(arg, (bytes, bytearray)):
                return bytes(arg)
            if isinstance(arg, str) and (match := _BYTES_REPR.fullmatch(arg)):
                return ast.literal_eval(match.group(1))
        exc = exc.__cause__ or exc.__context__
    return None


@cache
def country_roles() -> dict[bytes, tuple[str, str]]:
    """Every possible country role: its id -> (country, admin, officer or credential signer)."""
    from eth_utils import keccak

    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    roles = {}
    for code in (first + second for first in letters for second in letters):
        roles[keccak(b"CADENA_ADMIN_" + code.encode())] = (code, "admin")
        roles[keccak(b"CADENA_OFFICER_" + code.encode())] = (code, "officer")
        roles[keccak(b"CADENA_CREDENTIAL_SIGNER_" + code.encode())] = (code, "credential signer")
    return roles


def role_country(role: str | None) -> str | None:
    """The country whose role `role` (0x-hex, from a log) is."""
    found = country_roles().get(bytes.fromhex(role[2:])) if role else None
    return found[0] if found else None


@cache
def role_names() -> dict[bytes, str]:
    """Readable names of the contract's roles, for every possible country code."""
    names = {b"\0" * 32: "the admin of the roles of a country not admitted to the network, which no account is"}
    words = {
        "admin": "an administration admin",
        "officer": "a customs officer",
        "credential signer": "a credential signer",
    }
    for role, (code, kind) in country_roles().items():
        names[role] = f"{words[kind]} of {code}"
    return names


def _when(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def describe(name: str, args: dict, operation: Operation | MRAAction | None = None) -> str:
    """A sentence for a person about contract error `name` with `args`."""
    tin = tin_from_bytes32(args["tin"]) if "tin" in args else None
    code = country_from_bytes2(args["country"]) if "country" in args else None
    match name:
        case "AEOInvalidStatus":
            status = CertificateStatus(args["current"]).label
            step = LIFECYCLE.get(operation) if isinstance(operation, Operation) else None
            return (
                f"certificate {tin} is {status}; {step.rule if step else 'the operation is not allowed in that status'}"
            )
        case "AEOUnknownCertificate":
            return f"no certificate was ever issued for TIN {tin}"
        case "AEOInvalidTIN":
            return f"{tin!r} is not a TIN (country code + 1 to 15 characters A-Z 0-9)"
        case "AEOInvalidTypes" | "MRAInvalidCoveredTypes":
            return f"AEO types {list(args.values())[0]:#x} are empty or unknown"
        case "AEOInvalidValidity":
            return "the expiry date must be after the validation date"
        case "AEOInvalidBatch":
            return f"a batch has 1 to 100 certificates, one record each; got {args['tins']} TINs and {args['records']} records"
        case "AEONotHolder":
            return (
                f"{args['account']} is not the holder of certificate {tin}; only the holder withdraws it or "
                "gives consent (an officer records a consent with --form, the reference of the signed form)"
            )
        case "AEOInvalidVisibility":
            return f"visibility {args['visibility']} is unknown; use issuer, partners or published"
        case "AEOConsentFormRequired":
            return f"an officer records the consent for {tin} only with the signed form's reference; give --form"
        case "AEOConsentExpired":
            return f"the consent signature expired at {_when(args['deadline'])}; the holder signs it anew"
        case "AEOConsentInvalidSigner":
            return (
                f"the consent for {tin} is not signed by its holder (it recovers {args['signer']}): signed by "
                "another key, for another TIN, visibility, nonce, chain or contract, or altered; sign it anew"
            )
        case "AccessControlUnauthorizedAccount":
            role = role_names().get(args["neededRole"], "0x" + args["neededRole"].hex())
            return f"{args['account']} is not {role}, which this operation requires"
        case "CustomsInvalidCountry":
            return f"{code!r} is not an ISO 3166-1 alpha-2 country code (e.g. MX, PE, CR)"
        case "CustomsAdministrationExists":
            return f"{code} already has a customs administration on the network"
        case "CustomsUnknownAdministration":
            return f"{code} has no customs administration on the network; the members must admit it first"
        case "CustomsInvalidAdmin":
            return "the administration admin cannot be the zero address"
        case "CustomsAdministrationSuspended":
            return (
                f"the members have suspended {code}'s administration: its officers cannot act on certificates "
                "and its admins cannot take part in MRAs or votes until a vote reinstates it"
            )
        case "CustomsLastAdmin":
            return f"that would leave {code} without an administration admin; appoint another admin of {code} first"
        case "MRAInvalidPartyCount":
            return f"an MRA has 2 to 32 parties, not {args['count']}"
        case "MRADuplicateParty":
            return f"{code} appears twice among the parties"
        case "MRAProposerNotParty":
            return f"the proposing administration {code} must be one of the parties"
        case "MRAInvalidBenefits":
            return f"benefits {args['benefits']:#x} are empty or unknown"
        case "MRAUnknown":
            return f"there is no MRA {args['id']}"
        case "MRANotParty":
            return f"{code} is not a party of MRA {args['id']}"
        case "MRAInvalidPartyStatus":
            party, status = country_from_bytes2(args["party"]), PartyStatus(args["current"]).label
            participation = PARTICIPATION.get(operation) if isinstance(operation, MRAAction) else None
            rule = participation.rule if participation else "the operation is not allowed in that status"
            return f"{party} is {status} in MRA {args['id']}; {rule}"
        case "MRAHasTerminated":
            return f"MRA {args['id']} has terminated: fewer than two parties remain"
        case "ERC2771ForwarderInvalidSigner":
            return (
                f"the relayed request does not bear {args['from']}'s signature: it was forged, replayed (its "
                "nonce is spent) or signed for another forwarder or chain; sign it anew"
            )
        case "ERC2771ForwarderExpiredRequest":
            return f"the relayed request expired at {_when(args['deadline'])}; sign it anew"
        case "ERC2771UntrustfulTarget":
            return f"the contract {args['target']} does not trust forwarder {args['forwarder']}; relay through its own"
        case "GovernanceNotMember":
            return f"{code} is not an active member of the network: it cannot propose or vote"
        case "GovernanceInvalidRules":
            return (
                "invalid rules: the quorum must be more than half (over 5000 basis points), the supermajority "
                "at least two thirds (6666), at least the quorum and at most 10000, the voting period 1 to 90 "
                "days, and the recovery delay at least 7 days and at most the voting period"
            )
        case "GovernanceNotAdmin":
            return f"{args['account']} is not an admin of {code}: only its admins act for it in governance"
        case "GovernanceNotElector":
            return (
                f"{code} was not an active member when proposal {args['id']} was made: its electorate is fixed "
                "then, so it cannot vote on it"
            )
        case "GovernanceLastMember":
            return f"{code} is the last active member: suspending or expelling it would leave no one to govern"
        case "GovernanceNotVetoable":
            return (
                f"{code} cannot veto proposal {args['id']}: only the country a recovery concerns vetoes it, and any "
                "member vetoes an upgrade; other decisions are stopped by withdrawing votes"
            )
        case "GovernanceInvalidImplementation":
            return (
                f"{args['implementation']} has no code whose hash is {args['codeHash']}: check the address and "
                "the hash `cadena network verify-code` prints"
            )
        case "CustomsUnauthorized":
            return f"{args['caller']} is not the network's consortium: only a decision of the members does this"
        case "GovernanceUnknownProposal":
            return f"there is no proposal {args['id']}"
        case "GovernanceClosed":
            state = ProposalState(args["state"]).label
            return f"proposal {args['id']} is {state}: it takes no more votes, vetoes or executions"
        case "GovernanceExpired":
            return f"proposal {args['id']} expired at {_when(args['expires'])}; propose it again"
        case "GovernanceAlreadyVoted":
            return f"{code} has already voted for proposal {args['id']} (one vote per administration)"
        case "GovernanceNotVoted":
            return f"{code} has not voted for proposal {args['id']}: there is no vote to withdraw"
        case "GovernanceBelowThreshold":
            needed = f"{args['needed']} vote{'' if args['needed'] == 1 else 's'}"
            return f"proposal {args['id']} has {args['votes']} of the {needed} it needs"
        case "GovernanceInVetoWindow":
            return (
                f"proposal {args['id']} is queued: it can be executed from {_when(args['executableFrom'])}, after "
                "its delay (for a recovery or an upgrade, the window in which it can be vetoed)"
            )
        case "GovernanceInvalidStatus":
            status = AdministrationStatus(args["status"]).label
            return f"{code}'s administration is {status}: the proposal does not apply to it"
        case "Error":
            return f"the contract refused the operation: {args['message']}"
    return f"the contract refused the operation: {name}({', '.join(f'{k}={v!r}' for k, v in args.items())})"


class LogDecoder:
    """Decodes the contract's logs word by word from their ABI layouts (static words, strings and
    arrays of static words), straight from the hex text JSON-RPC returns: the events have fixed
    layouts, so this skips eth-abi's generic path. Gives plain values: numbers, checksummed
    addresses, a bytes2 country code as text, other fixed bytes as 0x-hex."""

    def __init__(self, abi: list[dict]):
        from eth_utils import event_abi_to_log_topic

        self._events = {}
        for entry in abi:
            if entry["type"] == "event" and not entry.get("anonymous"):
                inputs = entry["inputs"]
                self._events["0x" + event_abi_to_log_topic(entry).hex()] = (  # type: ignore[arg-type]
                    entry["name"],
                    [(i["name"], _converter(i["type"])) for i in inputs if i["indexed"]],
                    [
                        (
                            i["name"],
                            i["type"] in ("string", "bytes"),
                            i["type"].endswith("[]"),
                            _converter(i["type"].removesuffix("[]")),
                        )
                        for i in inputs
                        if not i["indexed"]
                    ],
                )

    def topic(self, name: str) -> str:
        """The topic (0x-hex) of the event called `name`."""
        return next(topic for topic, (event, _, _) in self._events.items() if event == name)

    def decode(self, log) -> tuple[str, dict] | None:
        """(event name, args) of a log, or None for an event the contract does not declare. The log's
        topics and data are 0x-hex text (as JSON-RPC gives them) or bytes (as web3 formats them)."""
        topics = [hex_text(topic) for topic in log["topics"]]
        found = self._events.get(topics[0]) if topics else None
        if found is None:
            return None
        name, indexed, fields = found
        args = {key: convert(topic[2:]) for (key, convert), topic in zip(indexed, topics[1:], strict=True)}
        data = hex_text(log["data"])
        for position, (key, text, array, convert) in enumerate(fields):
            word = data[2 + 64 * position : 66 + 64 * position]
            if text or array:
                start = 2 + 2 * int(word, 16)
                length = int(data[start : start + 64], 16)
                if text:
                    raw = data[start + 64 : start + 64 + 2 * length]
                    args[key] = bytes.fromhex(raw).decode("utf-8", "replace") if convert is _text else "0x" + raw
                else:
                    args[key] = [convert(data[start + 64 * (i + 1) : start + 64 * (i + 2)]) for i in range(length)]
            else:
                args[key] = convert(word)
        return name, args


def _text(word: str) -> str:
    """Marks a string field, decoded as UTF-8 (a `bytes` one stays 0x-hex)."""
    return word


def _converter(kind: str):
    """The plain value of one ABI word of type `kind`, given as 64 hex digits."""
    if kind.startswith("uint"):
        return lambda word: int(word, 16)
    if kind == "address":
        return lambda word: _checksum(word[24:])
    if kind == "bytes2":
        return lambda word: bytes.fromhex(word[:4]).decode("ascii", "replace")
    if kind == "bytes":
        return lambda word: word
    if kind.startswith("bytes"):
        size = 2 * int(kind[5:])
        return lambda word: "0x" + word[:size]
    if kind == "string":
        return _text
    if kind == "bool":
        return lambda word: word[-1] == "1"
    raise ValueError(f"no decoder for event field type {kind}")


def quantity(value) -> int:
    """A JSON-RPC quantity: hex on the wire, already an int through web3's eth-tester middleware."""
    return value if isinstance(value, int) else int(value, 16)


def hex_text(value) -> str:
    """0x-hex text of a value JSON-RPC gives as text and web3 as bytes."""
    return value if isinstance(value, str) else "0x" + bytes(value).hex()
