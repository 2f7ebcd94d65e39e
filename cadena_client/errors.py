"""Every exception the library raises on purpose, in one place.

Each message is meant for a person and names the problem; none names a CLI flag. Each class also
carries what the two front ends need: `status` and `code`, the HTTP status and error code the
service answers with, and `hint`, what the CLI adds for a user who can act on it (in its own words). The contract's custom errors are real classes, one per error of the ABI,
written by `cadena compile` into the block at the end of this module and checked against the
artifact by the tests, so an `except errors.AEOInvalidStatus` clause can never name a ghost.
"""

from __future__ import annotations


class CadenaError(Exception):
    """Base of the errors this library raises on purpose; the message is meant for a person."""

    status: int = 502  # what the service answers: the chain (or what stands for it) failed it
    code: str = "chain-error"
    hint: str | None = None


class InputError(CadenaError, ValueError):
    """Input that the library refuses before sending anything; the message says how to fix it."""

    status, code = 400, "bad-request"


class BadTin(InputError):
    """A TIN that is not one."""

    code = "bad-tin"


class UnknownCountry(InputError):
    """A country code that is not an ISO 3166-1 alpha-2 code."""

    code = "unknown-country"


class BatchTooLarge(InputError):
    """A request carries more than the service answers at once."""

    code = "batch-too-large"


class BodyTooLarge(InputError):
    """A request body longer than the service reads."""

    status, code = 413, "body-too-large"


class NotFoundError(CadenaError):
    """The chain has no such certificate, administration or MRA."""

    status, code = 404, "not-found"


class Unavailable(CadenaError):
    """The service cannot answer this now; the same request later can succeed."""

    status, code = 503, "unavailable"


class NotReady(Unavailable):
    """The mirror has not reached the chain yet."""

    code = "not-ready"


class StreamsFull(Unavailable):
    """The service already holds as many event streams as it serves (in all, or for this client)."""

    code = "streams-full"


class ChainError(CadenaError):
    """The node refused a transaction for a reason other than the contract's, or a send did not settle."""


class NodeUnreachable(ChainError):
    """No node answers at the URL given."""

    hint = "check --rpc-url"


class NodeUnauthorized(ChainError):
    """The node (or the gateway before it) refuses requests without the right credentials."""

    hint = "give --rpc-jwt FILE for Besu's JWT authentication, or --rpc-header 'Name: value' for an API key"


class WrongChain(ChainError):
    """The node is on another chain than the one expected."""

    hint = "check --rpc-url and --chain-id"


class Unfunded(ChainError):
    """The signing account has no ether to pay for gas."""

    hint = "on a local node: `cadena --dev-account 0 account fund ADDRESS`"


class RpcError(CadenaError):
    """A JSON-RPC request failed for a reason other than a contract revert."""


class LogRangeTooLarge(RpcError):
    """The node caps the block range of one log query below the one asked for."""

    hint = "give a smaller --chunk"


class KeystoreError(CadenaError):
    """A keystore or key could not be used (missing file, wrong password, unknown dev account)."""


class PasswordMissing(KeystoreError):
    """A keystore needs a password and none was given."""

    hint = "give --password-file or set CADENA_PASSWORD"


class DevAccountsUnavailable(KeystoreError):
    """Dev accounts exist only on the embedded chain and a local anvil node."""

    hint = "give --keystore FILE"


class SignerRequired(CadenaError):
    """A write was asked of a contract opened without a signing account."""

    hint = "give --keystore FILE (or --dev-account N on a local node)"


class NodeError(CadenaError):
    """A local node could not be started."""


class PortTaken(NodeError):
    """Another process listens on the port asked for."""

    hint = "choose another with --port"


class ConfigError(CadenaError):
    """A network config file is invalid."""


class RecordError(CadenaError):
    """A deployment record is missing, unreadable or does not match the chain."""


class RecordMissing(RecordError):
    """No deployment record where one was looked for."""

    hint = "deploy with `cadena network deploy CONFIG`, or give --deployment FILE"


class RecordConflict(RecordError):
    """The record belongs to another network, or the chain is not the one it was made on."""

    hint = "give --deployment FILE for another record"


class MirrorError(CadenaError):
    """The mirror file cannot be used with this deployment."""

    hint = "give --mirror FILE for another mirror"


class CompilerError(CadenaError):
    """The contracts could not be compiled (no compiler, or errors in the sources)."""


class ContractError(CadenaError):
    """The contract refused an operation; `error_args` are the custom error's arguments by name."""

    def __init__(self, message: str, args: dict | None = None):
        super().__init__(message)
        self.error_args = args or {}

    @property
    def name(self) -> str:
        return type(self).__name__


class Error(ContractError):
    """The contract reverted with a reason string (`Error(string)`)."""


class Panic(ContractError):
    """The EVM panicked (`Panic(uint256)`): an assertion, overflow or similar."""


# -- generated from the artifact's ABI by `cadena compile`; do not edit ------------------------------
class AEOConsentExpired(ContractError):
    """AEOConsentExpired(uint256 deadline)"""


class AEOConsentFormRequired(ContractError):
    """AEOConsentFormRequired(bytes32 tin)"""


class AEOConsentInvalidSigner(ContractError):
    """AEOConsentInvalidSigner(bytes32 tin, address signer)"""


class AEOInvalidBatch(ContractError):
    """AEOInvalidBatch(uint256 tins, uint256 records)"""


class AEOInvalidStatus(ContractError):
    """AEOInvalidStatus(bytes32 tin, uint8 current)"""


class AEOInvalidTIN(ContractError):
    """AEOInvalidTIN(bytes32 tin)"""


class AEOInvalidTypes(ContractError):
    """AEOInvalidTypes(uint16 aeoTypes)"""


class AEOInvalidValidity(ContractError):
    """AEOInvalidValidity(uint24 validFrom, uint24 expiry)"""


class AEOInvalidVisibility(ContractError):
    """AEOInvalidVisibility(uint8 visibility)"""


class AEONotHolder(ContractError):
    """AEONotHolder(bytes32 tin, address account)"""


class AEOUnknownCertificate(ContractError):
    """AEOUnknownCertificate(bytes32 tin)"""


class AccessControlBadConfirmation(ContractError):
    """AccessControlBadConfirmation()"""


class AccessControlUnauthorizedAccount(ContractError):
    """AccessControlUnauthorizedAccount(address account, bytes32 neededRole)"""


class AddressEmptyCode(ContractError):
    """AddressEmptyCode(address target)"""


class AddressInsufficientBalance(ContractError):
    """AddressInsufficientBalance(address account)"""


class CustomsAdministrationExists(ContractError):
    """CustomsAdministrationExists(bytes2 country)"""


class CustomsAdministrationSuspended(ContractError):
    """CustomsAdministrationSuspended(bytes2 country)"""


class CustomsInvalidAdmin(ContractError):
    """CustomsInvalidAdmin(address admin)"""


class CustomsInvalidCountry(ContractError):
    """CustomsInvalidCountry(bytes2 country)"""


class CustomsLastAdmin(ContractError):
    """CustomsLastAdmin(bytes2 country)"""


class CustomsUnauthorized(ContractError):
    """CustomsUnauthorized(address caller)"""


class CustomsUnknownAdministration(ContractError):
    """CustomsUnknownAdministration(bytes2 country)"""


class ERC1967InvalidImplementation(ContractError):
    """ERC1967InvalidImplementation(address implementation)"""


class ERC1967NonPayable(ContractError):
    """ERC1967NonPayable()"""


class ERC2771ForwarderExpiredRequest(ContractError):
    """ERC2771ForwarderExpiredRequest(uint48 deadline)"""


class ERC2771ForwarderInvalidSigner(ContractError):
    """ERC2771ForwarderInvalidSigner(address signer, address from)"""


class ERC2771ForwarderMismatchedValue(ContractError):
    """ERC2771ForwarderMismatchedValue(uint256 requestedValue, uint256 msgValue)"""


class ERC2771UntrustfulTarget(ContractError):
    """ERC2771UntrustfulTarget(address target, address forwarder)"""


class FailedInnerCall(ContractError):
    """FailedInnerCall()"""


class GovernanceAlreadyVoted(ContractError):
    """GovernanceAlreadyVoted(uint256 id, bytes2 country)"""


class GovernanceBelowThreshold(ContractError):
    """GovernanceBelowThreshold(uint256 id, uint256 votes, uint256 needed)"""


class GovernanceClosed(ContractError):
    """GovernanceClosed(uint256 id, uint8 state)"""


class GovernanceExpired(ContractError):
    """GovernanceExpired(uint256 id, uint48 expires)"""


class GovernanceInVetoWindow(ContractError):
    """GovernanceInVetoWindow(uint256 id, uint48 executableFrom)"""


class GovernanceInvalidImplementation(ContractError):
    """GovernanceInvalidImplementation(address implementation, bytes32 codeHash)"""


class GovernanceInvalidRules(ContractError):
    """GovernanceInvalidRules(uint16 quorum, uint16 supermajority, uint32 votingPeriod, uint32 recoveryDelay)"""


class GovernanceInvalidStatus(ContractError):
    """GovernanceInvalidStatus(bytes2 country, uint8 status)"""


class GovernanceLastMember(ContractError):
    """GovernanceLastMember(bytes2 country)"""


class GovernanceNotAdmin(ContractError):
    """GovernanceNotAdmin(bytes2 country, address account)"""


class GovernanceNotElector(ContractError):
    """GovernanceNotElector(uint256 id, bytes2 country)"""


class GovernanceNotMember(ContractError):
    """GovernanceNotMember(bytes2 country)"""


class GovernanceNotVetoable(ContractError):
    """GovernanceNotVetoable(uint256 id, bytes2 country)"""


class GovernanceNotVoted(ContractError):
    """GovernanceNotVoted(uint256 id, bytes2 country)"""


class GovernanceUnknownProposal(ContractError):
    """GovernanceUnknownProposal(uint256 id)"""


class InvalidAccountNonce(ContractError):
    """InvalidAccountNonce(address account, uint256 currentNonce)"""


class InvalidInitialization(ContractError):
    """InvalidInitialization()"""


class InvalidShortString(ContractError):
    """InvalidShortString()"""


class MRADuplicateParty(ContractError):
    """MRADuplicateParty(bytes2 country)"""


class MRAHasTerminated(ContractError):
    """MRAHasTerminated(uint32 id)"""


class MRAInvalidBenefits(ContractError):
    """MRAInvalidBenefits(uint16 benefits)"""


class MRAInvalidCoveredTypes(ContractError):
    """MRAInvalidCoveredTypes(uint16 coveredTypes)"""


class MRAInvalidPartyCount(ContractError):
    """MRAInvalidPartyCount(uint256 count)"""


class MRAInvalidPartyStatus(ContractError):
    """MRAInvalidPartyStatus(uint32 id, bytes2 party, uint8 current)"""


class MRANotParty(ContractError):
    """MRANotParty(uint32 id, bytes2 country)"""


class MRAProposerNotParty(ContractError):
    """MRAProposerNotParty(bytes2 country)"""


class MRAUnknown(ContractError):
    """MRAUnknown(uint32 id)"""


class NotInitializing(ContractError):
    """NotInitializing()"""


class RelayKindMismatch(ContractError):
    """RelayKindMismatch(address forwarder, uint8 kind)"""


class StringTooLong(ContractError):
    """StringTooLong(string str)"""


class UUPSUnauthorizedCallContext(ContractError):
    """UUPSUnauthorizedCallContext()"""


class UUPSUnsupportedProxiableUUID(ContractError):
    """UUPSUnsupportedProxiableUUID(bytes32 slot)"""
