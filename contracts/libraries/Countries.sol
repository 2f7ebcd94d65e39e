// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @dev The ISO 3166-1 alpha-2 codes the network admits: one bit per code of the 26 x 26 two-letter
 * space (bit (first - 'A') * 26 + (second - 'A')), 676 bits in three words. The set is the client's
 * (the `iso3166` package: the 249 assigned codes and XK), so that the chain never holds a code a
 * reader does not know; a test compares the two.
 */
library Countries {
    uint256 private constant _CODES_0 = 0x340400f7818068d0015fb9fb0095c000e00d48015843f27deddbdefeedf5978;
    uint256 private constant _CODES_1 = 0x9fbb3ae7fdf1510040000001538f3c400100084b25d7fffcfd4f8141f42b1d00;
    uint256 private constant _CODES_2 = 0x0001004004080010000100004002004085570410419a;

    /// @dev Whether `country` is an ISO 3166-1 alpha-2 code in the set.
    function isAssigned(bytes2 country) internal pure returns (bool) {
        uint8 first = uint8(country[0]);
        uint8 second = uint8(country[1]);
        if (first < 0x41 || first > 0x5A || second < 0x41 || second > 0x5A) return false;
        uint256 index = uint256(first - 0x41) * 26 + (second - 0x41);
        uint256 word = index < 256 ? _CODES_0 : index < 512 ? _CODES_1 : _CODES_2;
        return (word >> (index % 256)) & 1 != 0;
    }
}
