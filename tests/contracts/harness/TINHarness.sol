// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Identifiers} from "contracts/libraries/Identifiers.sol";

/// @dev Exposes the contract's TIN check to the exhaustive test against the Python rule.
contract TINHarness {
    /// @dev Bit v is set when `base` with its byte at `position` (0: the top byte) replaced by v is a TIN.
    function verdicts(bytes32 base, uint256 position) external pure returns (uint256 valid) {
        uint256 shift = 8 * (31 - position);
        uint256 cleared = uint256(base) & ~(uint256(0xff) << shift);
        for (uint256 v = 0; v < 256; ++v) {
            if (Identifiers.isTIN(bytes32(cleared | (v << shift)))) valid |= 1 << v;
        }
    }
}
