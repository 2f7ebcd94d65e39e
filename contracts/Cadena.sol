// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC2771ContextUpgradeable} from "@openzeppelin/contracts-upgradeable/metatx/ERC2771ContextUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {ContextUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/ContextUpgradeable.sol";
import {AEORegistry} from "./AEORegistry.sol";
import {CustomsAdministrations} from "./CustomsAdministrations.sol";
import {MRARegistry} from "./MRARegistry.sol";
import {RelayKind, RelayedContext} from "./RelayedContext.sol";
import {IRecognition} from "./interfaces/IRecognition.sol";

/**
 * @title CADENA
 * @dev The shared AEO registry and MRA rules of a network of customs administrations, and the
 * recognition that joins them: the automatic verification of a foreign AEO for an importing country.
 * It runs behind an ERC-1967 proxy (UUPS): each module keeps its state in its own ERC-7201 namespace,
 * and only the network's authority, the members' {Consortium}, upgrades it, after an upgrade
 * proposal passed and its veto window ended. Every actor is read through `_msgSender()`: the caller,
 * or the actor of a call relayed by the trusted forwarder, as its {RelayKind} hands it over: the
 * signer of an ERC-2771 request, or the hub's `getMsgSender()` (none if the zero address).
 */
contract Cadena is IRecognition, ERC2771ContextUpgradeable, RelayedContext, UUPSUpgradeable, AEORegistry, MRARegistry {
    /// @dev The implementation behind the proxy trusts `forwarder` of relay kind `kind` (immutables of
    /// its code) and cannot be initialized itself.
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(
        address forwarder,
        RelayKind kind
    ) ERC2771ContextUpgradeable(forwarder) RelayedContext(forwarder, kind) {
        _disableInitializers();
    }

    /// @dev Puts the contract under `authority`, the consortium of the members, which seats the
    /// founding administrations next and alone governs from then on; no other account has any power.
    function initialize(address authority_) external initializer {
        __CustomsAdministrations_init(authority_);
    }

    /// @dev The implementation's version: 1 for this code; every upgrade that changes behaviour raises it.
    function version() external pure virtual returns (uint256) {
        return 1;
    }

    /// @inheritdoc IRecognition
    function verify(
        bytes2 importingCountry,
        bytes32 tin
    ) external view returns (bool recognised, uint16 benefits, Verdict verdict) {
        (uint8 status, uint16 aeoTypes, uint24 validFrom, uint24 expiry, uint8 visibility) = _validity(tin);
        bytes2 exporter = bytes2(tin);
        uint256 today = block.timestamp / 1 days;
        if (status == uint8(CertificateStatus.None)) return (false, 0, Verdict.UnknownTIN);
        if (exporter == importingCountry) return (false, 0, Verdict.SameCountry);
        if (status != uint8(CertificateStatus.Active)) return (false, 0, Verdict.NotActive);
        if (today < validFrom) return (false, 0, Verdict.NotYetValid);
        if (expiry != 0 && today > expiry) return (false, 0, Verdict.Expired);
        (benefits, verdict) = _recognition(importingCountry, exporter, aeoTypes, today, visibility != 0);
        recognised = verdict == Verdict.Recognised;
    }

    /// @dev The words of storage at `slots` (what any node's eth_getStorageAt tells), so that paged
    /// and batch views live in {CadenaLens}, outside this contract's code size.
    function extsload(bytes32[] calldata slots) external view returns (bytes32[] memory values) {
        values = new bytes32[](slots.length);
        for (uint256 i = 0; i < slots.length; ++i) {
            bytes32 slot = slots[i];
            bytes32 value;
            assembly ("memory-safe") {
                value := sload(slot)
            }
            values[i] = value;
        }
    }

    /// @dev Only the authority upgrades, when it carries out an upgrade the members decided.
    function _authorizeUpgrade(address) internal view override onlyAuthority {}

    function _msgSender() internal view override(ContextUpgradeable, ERC2771ContextUpgradeable) returns (address) {
        if (msg.sender != trustedForwarder()) return msg.sender; // called directly: the common case, first
        return _trustsHub() ? _hubSender() : ERC2771ContextUpgradeable._msgSender();
    }

    function _msgData()
        internal
        view
        override(ContextUpgradeable, ERC2771ContextUpgradeable)
        returns (bytes calldata)
    {
        return msg.sender == trustedForwarder() && _trustsHub() ? _hubData() : ERC2771ContextUpgradeable._msgData();
    }

    function _contextSuffixLength()
        internal
        view
        override(ContextUpgradeable, ERC2771ContextUpgradeable)
        returns (uint256)
    {
        return _relaySuffixLength(ERC2771ContextUpgradeable._contextSuffixLength());
    }

    function _onRegistered(bytes2 country) internal override(AEORegistry, CustomsAdministrations) {
        super._onRegistered(country);
    }

    function _onStatusChanged(bytes2 country, bool suspended) internal override(AEORegistry, MRARegistry) {
        super._onStatusChanged(country, suspended);
    }
}
