// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAEORegistry} from "./IAEORegistry.sol";
import {ICustomsAdministrations} from "./ICustomsAdministrations.sol";
import {IMRARegistry} from "./IMRARegistry.sol";

/**
 * @dev The lists and batch reads of a CADENA contract, served outside it so that its code keeps room
 * to grow: the same answers the contract's modules would give, read from its storage.
 */
interface ICadenaLens {
    /// @dev The CADENA contract (its proxy) this lens reads.
    function cadena() external view returns (address);

    /// @dev Countries of registered administrations, in registration order, from `offset`, at most `limit` (capped at 500).
    function administrations(uint256 offset, uint256 limit) external view returns (bytes2[] memory);

    /// @dev The certificate of `tin` (status None if it was never issued).
    function certificate(bytes32 tin) external view returns (IAEORegistry.Certificate memory);

    /// @dev The certificates of `tins`, in order, as {certificate} gives each: many in one call.
    function certificates(bytes32[] calldata tins) external view returns (IAEORegistry.Certificate[] memory);

    /// @dev Number of TINs `country` ever certified.
    function certificateCount(bytes2 country) external view returns (uint256);

    /// @dev The nonce the next consent signature of `holder` must carry (see {IAEORegistry-setVisibilityBySig}).
    function consentNonce(address holder) external view returns (uint256);

    /// @dev The administration of `country` (status None if there is none).
    function administration(bytes2 country) external view returns (ICustomsAdministrations.Administration memory);

    /// @dev The role of the administration admin of `country`: grants and revokes its admins, officers
    /// and credential signers, signs MRAs. Only the country's own admins hold and grant it.
    function adminRole(bytes2 country) external pure returns (bytes32);

    /// @dev The role of a customs officer of `country`: manages that country's certificates.
    function officerRole(bytes2 country) external pure returns (bytes32);

    /// @dev The role of a key that signs `country`'s verifiable credentials, administered like officers.
    function credentialSignerRole(bytes2 country) external pure returns (bytes32);

    /// @dev The active members as a bit set: bit i is the administration registered i-th (at most 256).
    function activeMembers() external view returns (uint256);

    /// @dev The bit of `country` in {activeMembers} (zero if it has no administration).
    function memberBit(bytes2 country) external view returns (uint256);

    /// @dev Number of registered administrations.
    function administrationCount() external view returns (uint256);

    /// @dev Number of admins `country` has (at least one once registered).
    function adminCount(bytes2 country) external view returns (uint256);

    /// @dev The X25519 public key master data is sealed to for `country` (zero if none; a recovery clears it).
    function exchangeKey(bytes2 country) external view returns (bytes32);

    /// @dev Number of MRAs ever proposed; ids run from 1 to this number.
    function mraCount() external view returns (uint256);

    /// @dev Number of MRAs `country` was ever proposed a party of.
    function mraCountOf(bytes2 country) external view returns (uint256);

    /// @dev TINs certified by `country`, in first-issue order, from `offset`, at most `limit` (capped at 500).
    function certificatesOf(bytes2 country, uint256 offset, uint256 limit) external view returns (bytes32[] memory);

    /// @dev MRA `id` with its parties and their status.
    function mra(uint32 id) external view returns (IMRARegistry.MRA memory);

    /// @dev Ids of the MRAs `country` is a party of, from `offset`, at most `limit` (capped at 500).
    function mrasOf(bytes2 country, uint256 offset, uint256 limit) external view returns (uint32[] memory);
}
