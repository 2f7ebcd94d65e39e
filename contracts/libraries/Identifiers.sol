// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @dev The WCO identifiers the network is keyed by: ISO 3166-1 alpha-2 country codes (two ASCII
 * letters A-Z) and Trader Identification Numbers (TIN: a country code followed by 1 to 15 characters
 * A-Z 0-9, ASCII, left-aligned in a bytes32 and zero-padded).
 */
library Identifiers {
    // A TIN's 15 national characters are bytes 2 to 16 of the bytes32: bits 248-136 down to 128-135
    // (a bytes32 is big-endian: byte 0 is the top byte). Its last 15 bytes must be zero.

    /// @dev 0x01 in each national byte.
    uint256 private constant _ONES = uint256(type(uint120).max / 0xff) << 120;
    /// @dev The high bit of each national byte: where the per-byte comparisons leave their answers.
    uint256 private constant _FLAGS = _ONES * 0x80;
    /// @dev Every national byte set.
    uint256 private constant _NATIONAL = _ONES * 0xff;
    /// @dev The bytes after the national part.
    uint256 private constant _PADDING = type(uint120).max;
    /// @dev The flag of the first national byte (byte 2).
    uint256 private constant _FIRST_FLAG = 0x80 << 232;

    // Added to a byte below 0x80, 0x80 - n sets the byte's high bit exactly when the byte is >= n.
    uint256 private constant _AT_LEAST_1 = _ONES * (0x80 - 0x01);
    uint256 private constant _AT_LEAST_DIGIT_0 = _ONES * (0x80 - 0x30); // "0"
    uint256 private constant _ABOVE_DIGIT_9 = _ONES * (0x80 - 0x3A); // one past "9"
    uint256 private constant _AT_LEAST_LETTER_A = _ONES * (0x80 - 0x41); // "A"
    uint256 private constant _ABOVE_LETTER_Z = _ONES * (0x80 - 0x5B); // one past "Z"

    /// @dev Whether `country` is two upper-case letters A-Z.
    function isCountryCode(bytes2 country) internal pure returns (bool) {
        return _isLetter(country[0]) && _isLetter(country[1]);
    }

    /**
     * @dev Whether `tin` is a country code followed by 1 to 15 characters A-Z 0-9, zero-padded.
     * Checks the 15 national bytes at once, one flag in the high bit of each byte (SWAR): bytes of
     * 0x80 and above are refused first, so that no addition carries into the next byte.
     */
    function isTIN(bytes32 tin) internal pure returns (bool) {
        uint256 word = uint256(tin);
        uint256 national = word & _NATIONAL;
        if (word & _PADDING != 0 || national & _FLAGS != 0 || !isCountryCode(bytes2(tin))) return false;
        uint256 nonZero = (national + _AT_LEAST_1) & _FLAGS;
        uint256 digit = (national + _AT_LEAST_DIGIT_0) & ~(national + _ABOVE_DIGIT_9);
        uint256 letter = (national + _AT_LEAST_LETTER_A) & ~(national + _ABOVE_LETTER_Z);
        return
            nonZero & ~(digit | letter) == 0 && // every non-zero byte is 0-9 or A-Z
            (nonZero << 8) & ~nonZero & _FLAGS == 0 && // no non-zero byte after a zero one
            nonZero & _FIRST_FLAG != 0; // at least one national character
    }

    function _isLetter(bytes1 char) private pure returns (bool) {
        return char >= "A" && char <= "Z";
    }
}
