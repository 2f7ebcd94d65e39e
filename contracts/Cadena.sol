// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AEORegistry} from "./AEORegistry.sol";
import {Consortium} from "./Consortium.sol";
import {CustomsAdministrations} from "./CustomsAdministrations.sol";
import {MRARegistry} from "./MRARegistry.sol";
import {IRecognition} from "./interfaces/IRecognition.sol";

/**
 * @title CADENA
 * @dev The shared AEO registry and MRA rules of a network of customs administrations, and the
 * recognition that joins them: the automatic verification of a foreign AEO for an importing country.
 */
contract Cadena is IRecognition, AEORegistry, MRARegistry, Consortium {
    /// @dev Seats the founding administrations (country, name, first admin) under the governance `rules`.
    constructor(
        bytes2[] memory countries,
        string[] memory names,
        address[] memory admins,
        Rules memory rules
    ) Consortium(countries, names, admins, rules) {}

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
