// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IMRARegistry} from "../interfaces/IMRARegistry.sol";

/**
 * @dev An MRA's state in one storage slot, party status kept as bit masks by party index:
 *
 * ```
 * | consentRequired | leftMask | suspendedMask | signedMask | unsignedCount | memberCount | effectiveFrom | coveredTypes | benefits | proposer |
 * | 8 bits          | 32 bits  | 32 bits       | 32 bits    | 8 bits        | 8 bits      | 24 bits       | 16 bits      | 16 bits  | 16 bits  |
 * 192             184        152             120          88              80            72              48             32         16         0
 * ```
 */
struct MRARecord {
    bytes2 proposer;
    uint16 benefits;
    uint16 coveredTypes;
    uint24 effectiveFrom;
    uint8 memberCount;
    uint8 unsignedCount;
    uint32 signedMask; // signed and taking part
    uint32 suspendedMask; // signed, participation suspended
    uint32 leftMask;
    bool consentRequired; // its benefits need the trader's consent to the exchange of its data
}

library MRARecords {
    /// @dev The record in storage word `word` (laid out as above, as Solidity packs the struct).
    function unpack(bytes32 word) internal pure returns (MRARecord memory) {
        uint256 w = uint256(word);
        return
            MRARecord({
                proposer: bytes2(uint16(w)),
                benefits: uint16(w >> 16),
                coveredTypes: uint16(w >> 32),
                effectiveFrom: uint24(w >> 48),
                memberCount: uint8(w >> 72),
                unsignedCount: uint8(w >> 80),
                signedMask: uint32(w >> 88),
                suspendedMask: uint32(w >> 120),
                leftMask: uint32(w >> 152),
                consentRequired: uint8(w >> 184) != 0
            });
    }

    /// @dev The status of the party whose bit is `bit`.
    function partyStatus(MRARecord memory record, uint32 bit) internal pure returns (IMRARegistry.PartyStatus) {
        if (record.leftMask & bit != 0) return IMRARegistry.PartyStatus.Left;
        if (record.suspendedMask & bit != 0) return IMRARegistry.PartyStatus.Suspended;
        if (record.signedMask & bit != 0) return IMRARegistry.PartyStatus.Signed;
        return IMRARegistry.PartyStatus.Pending;
    }

    /// @dev The MRA's status as `verify` sees it: in force only while at least two parties take part.
    function status(MRARecord memory record) internal view returns (IMRARegistry.MRAStatus) {
        if (record.memberCount < 2) return IMRARegistry.MRAStatus.Terminated;
        if (record.unsignedCount != 0) return IMRARegistry.MRAStatus.Proposed;
        if (block.timestamp / 1 days < record.effectiveFrom) return IMRARegistry.MRAStatus.Concluded;
        uint256 signed;
        for (uint32 mask = record.signedMask; mask != 0; mask &= mask - 1) ++signed;
        return signed < 2 ? IMRARegistry.MRAStatus.Suspended : IMRARegistry.MRAStatus.InForce;
    }
}
