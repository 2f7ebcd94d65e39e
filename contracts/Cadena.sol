// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {AEORegistry} from "./AEORegistry.sol";
import {Consortium} from "./Consortium.sol";
import {CustomsAdministrations} from "./CustomsAdministrations.sol";
import {MRARegistry} from "./MRARegistry.sol";
import {IRecognition} from "./interfaces/IRecognition.sol";

/**
 * @title CADENA
 * @dev The shared AEO registry and MRA rules of a network of customs administrations, and the
 * recognition that joins them: the automatic verification of a foreign AEO for an importing country.
 * Every actor is read through `_msgSender()`: the caller, or the signer of a request relayed by the
 * trusted forwarder (ERC-2771; none if deployed with the zero address), so that officers, admins and
 * companies can act on networks where only a relayer sends transactions.
 */
contract Cadena is IRecognition, ERC2771Context, AEORegistry, MRARegistry, Consortium {
    /// @dev Seats the founding administrations (country, name, first admin) under the governance
    /// `rules`, and trusts `forwarder` (or no forwarder: the zero address) to relay signed requests.
    constructor(
        bytes2[] memory countries,
        string[] memory names,
        address[] memory admins,
        Rules memory rules,
        address forwarder
    ) ERC2771Context(forwarder) Consortium(countries, names, admins, rules) {}

    function _msgSender() internal view override(Context, ERC2771Context) returns (address) {
        return ERC2771Context._msgSender();
    }

    function _msgData() internal view override(Context, ERC2771Context) returns (bytes calldata) {
        return ERC2771Context._msgData();
    }

    function _contextSuffixLength() internal view override(Context, ERC2771Context) returns (uint256) {
        return ERC2771Context._contextSuffixLength();
    }

    function _onRegistered(bytes2 country) internal override(AEORegistry, CustomsAdministrations) {
        super._onRegistered(country);
    }

    function _onStatusChanged(
        bytes2 country,
        bool suspended
    ) internal override(AEORegistry, MRARegistry, CustomsAdministrations) {
        super._onStatusChanged(country, suspended);
    }

    /// @inheritdoc IRecognition
    function verify(
        bytes2 importingCountry,
        bytes32 tin
    ) external view returns (bool recognised, uint16 benefits, Verdict verdict) {
        (uint8 status, uint16 aeoTypes, uint24 validFrom, uint24 expiry) = _validity(tin);
        bytes2 exporter = bytes2(tin);
        uint256 today = block.timestamp / 1 days;
        if (status == uint8(CertificateStatus.None)) return (false, 0, Verdict.UnknownTIN);
        if (exporter == importingCountry) return (false, 0, Verdict.SameCountry);
        if (status != uint8(CertificateStatus.Active)) return (false, 0, Verdict.NotActive);
        if (today < validFrom) return (false, 0, Verdict.NotYetValid);
        if (expiry != 0 && today > expiry) return (false, 0, Verdict.Expired);
        (benefits, verdict) = _recognition(importingCountry, exporter, aeoTypes, today);
        recognised = verdict == Verdict.Recognised;
    }
}
