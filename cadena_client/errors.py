"""Contract reverts as Python exceptions named after the contract's custom errors.

`decode_revert` reads the revert data wherever the provider put it (eth-tester raises
`TransactionFailed` chained to py-evm's `Revert(bytes)`, a JSON-RPC node gives web3's
`ContractCustomError` with `.data`) and returns the matching `ContractError` subclass, whose message
a person can act on.
"""

from __future__ import annotations

import ast
import re
from functools import cache

from eth_abi import decode
from eth_utils import keccak, to_checksum_address

from .artifact import load_artifact
from .model import (
    CadenaError,
    CertificateStatus,
    InputError,
    PartyStatus,
    country_from_bytes2,
    tin_from_bytes32,
)


class ContractError(CadenaError):
    """The contract refused an operation. `name` and `args` are the custom error's."""

    def __init__(self, name: str, args: dict, message: str):
        super().__init__(message)
        self.name = name
        self.error_args = args


_BYTES_REPR = re.compile(r"(?:execution reverted: )?(b'.*'|b\".*\")", re.DOTALL)
ERROR_STRING = "Error"
PANIC = "Panic"

_REQUIRED_STATUS = {
    "issue": "a certificate that is Active or Suspended cannot be issued again; update it, or cancel it first",
    "update": "only an Active or Suspended certificate can be updated; re-issue a Cancelled or Withdrawn one",
    "suspend": "only an Active certificate can be suspended",
    "reinstate": "only a Suspended certificate can be reinstated",
    "cancel": "only an Active or Suspended certificate can be cancelled",
    "withdraw": "only an Active or Suspended certificate can be withdrawn",
}
_REQUIRED_PARTY_STATUS = {
    "sign": "only a party that has not signed yet can sign",
    "suspend": "only a party that has signed can suspend its participation",
    "resume": "only a suspended participation can be resumed",
    "leave": "a party that has left cannot leave again",
}


@cache
def _abi_errors() -> dict[bytes, tuple[str, list[str], list[str]]]:
    errors = {}
    for entry in load_artifact()["abi"]:
        if entry["type"] == "error":
            types = [i["type"] for i in entry["inputs"]]
            signature = f"{entry['name']}({','.join(types)})"
            errors[keccak(text=signature)[:4]] = (entry["name"], [i["name"] for i in entry["inputs"]], types)
    errors[keccak(text="Error(string)")[:4]] = (ERROR_STRING, ["message"], ["string"])
    errors[keccak(text="Panic(uint256)")[:4]] = (PANIC, ["code"], ["uint256"])
    return errors


@cache
def _error_class(name: str) -> type[ContractError]:
    return type(name, (ContractError,), {"__doc__": f"The contract reverted with {name}."})


def __getattr__(name: str) -> type[ContractError]:
    """`errors.AEOInvalidStatus` and every other custom error of the contract, as a class."""
    if name in {entry[0] for entry in _abi_errors().values()}:
        return _error_class(name)
    raise AttributeError(name)


@cache
def role_names() -> dict[bytes, str]:
    """Readable names of the contract's roles, for every possible country code."""
    names = {b"\0" * 32: "the network admin"}
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for first in letters:
        for second in letters:
            code = (first + second).encode()
            names[keccak(b"CADENA_ADMIN_" + code)] = f"the administration admin of {first + second}"
            names[keccak(b"CADENA_OFFICER_" + code)] = f"a customs officer of {first + second}"
    return names


def revert_data(exc: BaseException) -> bytes | None:
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


def decode_error(data: bytes) -> tuple[str, dict] | None:
    """(error name, arguments by name) of revert `data`, or None if it is no known error."""
    known = _abi_errors().get(data[:4])
    if known is None:
        return None
    name, arg_names, types = known
    values = [
        to_checksum_address(value) if kind == "address" else value
        for kind, value in zip(types, decode(types, data[4:]), strict=True)
    ]
    return name, dict(zip(arg_names, values, strict=True))


def decode_revert(exc: BaseException, operation: str | None = None) -> ContractError | None:
    """The ContractError for a revert raised by web3, or None if `exc` carries no known error.

    `operation` (issue, suspend, sign, ...) lets the message say what would have been allowed.
    """
    data = revert_data(exc)
    decoded = decode_error(data) if data else None
    if decoded is None:
        return None
    name, args = decoded
    return _error_class(name)(name, args, describe(name, args, operation))


def describe(name: str, args: dict, operation: str | None = None) -> str:
    """A sentence for a person about contract error `name` with `args`."""
    tin = tin_from_bytes32(args["tin"]) if "tin" in args else None
    code = country_from_bytes2(args["country"]) if "country" in args else None
    match name:
        case "AEOInvalidStatus":
            status = CertificateStatus(args["current"]).label
            rule = _REQUIRED_STATUS.get(operation, "the operation is not allowed in that status")
            return f"certificate {tin} is {status}; {rule}"
        case "AEOUnknownCertificate":
            return f"no certificate was ever issued for TIN {tin}"
        case "AEOInvalidTIN":
            return f"{tin!r} is not a TIN (country code + 1 to 15 characters A-Z 0-9)"
        case "AEOInvalidTypes" | "MRAInvalidCoveredTypes":
            return f"AEO types {list(args.values())[0]:#x} are empty or unknown"
        case "AEOInvalidValidity":
            return "the expiry date must be after the validation date"
        case "AEONotHolder":
            return f"{args['account']} is not the holder of certificate {tin}; only the holder can withdraw it"
        case "AccessControlUnauthorizedAccount":
            role = role_names().get(args["neededRole"], "0x" + args["neededRole"].hex())
            return f"{args['account']} is not {role}, which this operation requires"
        case "CustomsInvalidCountry":
            return f"{code!r} is not a country code of two letters A-Z"
        case "CustomsAdministrationExists":
            return f"{code} already has a customs administration on the network"
        case "CustomsUnknownAdministration":
            return f"{code} has no customs administration on the network; register it first"
        case "CustomsInvalidAdmin":
            return "the administration admin cannot be the zero address"
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
            return f"{country_from_bytes2(args['country'])} is not a party of MRA {args['id']}"
        case "MRAInvalidPartyStatus":
            party = country_from_bytes2(args["party"])
            status = PartyStatus(args["current"]).label
            rule = _REQUIRED_PARTY_STATUS.get(operation, "the operation is not allowed in that status")
            return f"{party} is {status} in MRA {args['id']}; {rule}"
        case "MRAHasTerminated":
            return f"MRA {args['id']} has terminated: fewer than two parties remain"
        case "AccessControlEnforcedDefaultAdminRules":
            return "the network admin role changes only through the two-step, delayed admin transfer"
    return f"the contract refused the operation: {name}({', '.join(f'{k}={v!r}' for k, v in args.items())})"


__all__ = ["CadenaError", "ContractError", "InputError", "decode_revert", "decode_error", "describe", "revert_data"]
