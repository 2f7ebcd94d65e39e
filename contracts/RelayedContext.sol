// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRelayHub} from "./interfaces/IRelayHub.sol";

/// @dev How a contract reads the actor of a call from its trusted forwarder, fixed at deployment.
enum RelayKind {
    None, // no forwarder: the caller is the actor
    ERC2771, // an ERC-2771 forwarder (CadenaForwarder): the actor is the last 20 bytes of the calldata
    LacchainHub // LACChain's relay hub: the actor is the hub's getMsgSender(); (node, expiration) follow the call
}

/**
 * @dev The relay kind next to the trusted forwarder of {ERC2771Context}: a contract that trusts LACChain's
 * relay hub asks the hub for the actor instead of reading the calldata's end, where the hub leaves the
 * expiration the signer chose (read as an address, anyone could name any actor there).
 */
abstract contract RelayedContext {
    /// @dev What LACChain's hub appends to the actor's call: `abi.encode(nodeAddress, expiration)`.
    uint256 private constant _HUB_SUFFIX_LENGTH = 64;

    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    RelayKind private immutable _relayKind;

    /// @dev A forwarder without a kind, or a kind without a forwarder.
    error RelayKindMismatch(address forwarder, RelayKind kind);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(address forwarder, RelayKind kind) {
        if ((forwarder == address(0)) != (kind == RelayKind.None)) revert RelayKindMismatch(forwarder, kind);
        _relayKind = kind;
    }

    /// @dev How the trusted forwarder hands over the actor of the calls it relays.
    function relayKind() external view returns (RelayKind) {
        return _relayKind;
    }

    /// @dev Whether the trusted forwarder is LACChain's relay hub.
    function _trustsHub() internal view returns (bool) {
        return _relayKind == RelayKind.LacchainHub;
    }

    /// @dev The actor of a call relayed by the hub, as the hub tells it.
    function _hubSender() internal view returns (address) {
        return IRelayHub(msg.sender).getMsgSender();
    }

    /// @dev The actor's call, without what the hub appended (shorter calldata reverts).
    function _hubData() internal pure returns (bytes calldata) {
        return msg.data[:msg.data.length - _HUB_SUFFIX_LENGTH];
    }

    /// @dev What the trusted forwarder appends to a call: the hub's suffix, else `erc2771`'s.
    function _relaySuffixLength(uint256 erc2771) internal view returns (uint256) {
        return _relayKind == RelayKind.LacchainHub ? _HUB_SUFFIX_LENGTH : erc2771;
    }
}
