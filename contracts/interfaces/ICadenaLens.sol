// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAEORegistry} from "./IAEORegistry.sol";
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

    /// @dev The certificates of `tins`, in order, as {IAEORegistry-certificate} gives each: many in one call.
    function certificates(bytes32[] calldata tins) external view returns (IAEORegistry.Certificate[] memory);

    /// @dev TINs certified by `country`, in first-issue order, from `offset`, at most `limit` (capped at 500).
    function certificatesOf(bytes2 country, uint256 offset, uint256 limit) external view returns (bytes32[] memory);

    /// @dev MRA `id` with its parties and their status.
    function mra(uint32 id) external view returns (IMRARegistry.MRA memory);

    /// @dev Ids of the MRAs `country` is a party of, from `offset`, at most `limit` (capped at 500).
    function mrasOf(bytes2 country, uint256 offset, uint256 limit) external view returns (uint32[] memory);
}
