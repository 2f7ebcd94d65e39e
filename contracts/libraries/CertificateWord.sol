// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @dev A certificate in one storage word, every field but its commitment, so that each change of
 * a certificate is a single SSTORE and `verify` reads one slot:
 *
 * ```
 * | version | expiry   | validFrom | aeoTypes | (free) | visibility | status | holder   |
 * | 24 bits | 24 bits  | 24 bits   | 16 bits  | 2 bits | 2 bits     | 4 bits | 160 bits |
 * 255     232        208         184        168      166          164      160          0
 * ```
 *
 * Days count from 1970-01-01 (UTC); the status is the raw value of `IAEORegistry.CertificateStatus`
 * and the visibility that of `IAEORegistry.Visibility` (the trader's consent), so that `verify`
 * learns both from the one slot it reads.
 */
type CertificateWord is uint256;

library CertificateWords {
    uint256 private constant _STATUS_SHIFT = 160;
    uint256 private constant _TYPES_SHIFT = 168;
    uint256 private constant _VALID_FROM_SHIFT = 184;
    uint256 private constant _EXPIRY_SHIFT = 208;
    uint256 private constant _VERSION_SHIFT = 232;
    uint256 private constant _VISIBILITY_SHIFT = 164;
    uint256 private constant _STATUS_MASK = uint256(0x0F) << _STATUS_SHIFT;
    uint256 private constant _VISIBILITY_MASK = uint256(0x03) << _VISIBILITY_SHIFT;

    function pack(
        address holder,
        uint8 status,
        uint8 visibility,
        uint16 aeoTypes,
        uint24 validFrom,
        uint24 expiry,
        uint24 version
    ) internal pure returns (CertificateWord) {
        return
            CertificateWord.wrap(
                uint256(uint160(holder)) |
                    (uint256(status) << _STATUS_SHIFT) |
                    (uint256(visibility) << _VISIBILITY_SHIFT) |
                    (uint256(aeoTypes) << _TYPES_SHIFT) |
                    (uint256(validFrom) << _VALID_FROM_SHIFT) |
                    (uint256(expiry) << _EXPIRY_SHIFT) |
                    (uint256(version) << _VERSION_SHIFT)
            );
    }

    function unpack(
        CertificateWord self
    )
        internal
        pure
        returns (address holder, uint8 status, uint16 aeoTypes, uint24 validFrom, uint24 expiry, uint24 version)
    {
        uint256 word = CertificateWord.unwrap(self);
        return (
            address(uint160(word)),
            uint8((word >> _STATUS_SHIFT) & 0x0F),
            uint16(word >> _TYPES_SHIFT),
            uint24(word >> _VALID_FROM_SHIFT),
            uint24(word >> _EXPIRY_SHIFT),
            uint24(word >> _VERSION_SHIFT)
        );
    }

    /// @dev The visibility of the certificate's master data (the raw `IAEORegistry.Visibility`).
    function visibility(CertificateWord self) internal pure returns (uint8) {
        return uint8((CertificateWord.unwrap(self) & _VISIBILITY_MASK) >> _VISIBILITY_SHIFT);
    }

    /// @dev The same word with another visibility.
    function withVisibility(CertificateWord self, uint8 visibility_) internal pure returns (CertificateWord) {
        return
            CertificateWord.wrap(
                (CertificateWord.unwrap(self) & ~_VISIBILITY_MASK) | (uint256(visibility_) << _VISIBILITY_SHIFT)
            );
    }

    /// @dev The same word with another status.
    function withStatus(CertificateWord self, uint8 status) internal pure returns (CertificateWord) {
        return CertificateWord.wrap((CertificateWord.unwrap(self) & ~_STATUS_MASK) | (uint256(status) << _STATUS_SHIFT));
    }
}
