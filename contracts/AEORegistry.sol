// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {CustomsAdministrations} from "./CustomsAdministrations.sol";
import {IAEORegistry} from "./interfaces/IAEORegistry.sol";

/**
 * @dev AEO certificates and their lifecycle. Only officers of the TIN's country issue, update,
 * suspend, reinstate and cancel; only the holder withdraws. A certificate takes two storage slots
 * (everything but the commitment packed in one) and one slot in its country's list.
 */
abstract contract AEORegistry is IAEORegistry, CustomsAdministrations {
    uint256 private constant _ACTIVE = 1 << uint8(CertificateStatus.Active);
    uint256 private constant _SUSPENDED = 1 << uint8(CertificateStatus.Suspended);
    /// @dev 0x01 in each of the TIN's national bytes (bytes 2 to 16 of the bytes32).
    uint256 private constant _NATIONAL_ONES = uint256(type(uint120).max / 0xff) << 120;
    uint256 private constant _FIRST_NATIONAL_FLAG = 0x80 << 232;

    /// @dev A certificate in storage: every field but the commitment packed in one word, in the
    /// order of {Certificate}, so that each change is a single SSTORE.
    struct Record {
        uint256 packed;
        bytes32 commitment;
    }

    uint256 private constant _STATUS_SHIFT = 160;
    uint256 private constant _STATUS_MASK = uint256(type(uint8).max) << _STATUS_SHIFT;
    uint256 private constant _VERSION_SHIFT = 232;

    /// @dev Most certificates one {issueCertificates} call issues (about 9M gas, under a third of a 30M block).
    uint256 internal constant _MAX_BATCH = 100;

    mapping(bytes32 tin => Record) private _records;
    mapping(bytes2 country => mapping(uint256 index => bytes32 tin)) private _certificateIndex;

    modifier onlyOfficerFor(bytes32 tin) {
        _checkRole(officerRole(bytes2(tin)));
        _;
    }

    /// @inheritdoc IAEORegistry
    function issueCertificate(bytes32 tin, MasterData calldata data, uint16 reason) external {
        _issue(tin, data, reason);
    }

    /// @inheritdoc IAEORegistry
    function issueCertificates(
        bytes32[] calldata tins,
        MasterData[] calldata data,
        uint16 reason,
        uint256 suspended
    ) external {
        uint256 count = tins.length;
        if (count != data.length || count == 0 || count > _MAX_BATCH) revert AEOInvalidBatch(count, data.length);
        for (uint256 i = 0; i < count; ++i) {
            _issue(tins[i], data[i], reason);
            if ((suspended >> i) & 1 != 0) {
                _transition(tins[i], _ACTIVE, CertificateStatus.Suspended);
                emit CertificateSuspended(tins[i], _msgSender(), 0, uint48(block.timestamp));
            }
        }
    }

    /// @inheritdoc IAEORegistry
    function updateCertificate(bytes32 tin, MasterData calldata data, uint16 reason) external onlyOfficerFor(tin) {
        _checkMasterData(data);
        Record storage record = _records[tin];
        uint256 packed = record.packed;
        CertificateStatus current = _existingStatus(tin, packed);
        _requireStatus(tin, current, _ACTIVE | _SUSPENDED);
        record.packed = _pack(data, current, uint16(packed >> _VERSION_SHIFT));
        record.commitment = data.commitment;
        emit CertificateUpdated(
            tin,
            _msgSender(),
            reason,
            uint48(block.timestamp),
            data.holder,
            data.aeoTypes,
            data.validFrom,
            data.expiry,
            data.commitment,
            data.name,
            data.postalAddress
        );
    }

    /// @inheritdoc IAEORegistry
    function suspendCertificate(bytes32 tin, uint16 reason) external onlyOfficerFor(tin) {
        _transition(tin, _ACTIVE, CertificateStatus.Suspended);
        emit CertificateSuspended(tin, _msgSender(), reason, uint48(block.timestamp));
    }

    /// @inheritdoc IAEORegistry
    function reinstateCertificate(bytes32 tin, uint16 reason) external onlyOfficerFor(tin) {
        _transition(tin, _SUSPENDED, CertificateStatus.Active);
        emit CertificateReinstated(tin, _msgSender(), reason, uint48(block.timestamp));
    }

    /// @inheritdoc IAEORegistry
    function cancelCertificate(bytes32 tin, uint16 reason) external onlyOfficerFor(tin) {
        _transition(tin, _ACTIVE | _SUSPENDED, CertificateStatus.Cancelled);
        emit CertificateCancelled(tin, _msgSender(), reason, uint48(block.timestamp));
    }

    /// @inheritdoc IAEORegistry
    function withdrawCertificate(bytes32 tin, uint16 reason) external {
        _transition(tin, _ACTIVE | _SUSPENDED, CertificateStatus.Withdrawn);
        emit CertificateWithdrawn(tin, _msgSender(), reason, uint48(block.timestamp));
    }

    /// @inheritdoc IAEORegistry
    function certificate(bytes32 tin) external view returns (Certificate memory) {
        Record storage record = _records[tin];
        uint256 packed = record.packed;
        return
            Certificate({
                holder: address(uint160(packed)),
                status: _status(packed),
                aeoTypes: uint16(packed >> 168),
                validFrom: uint24(packed >> 184),
                expiry: uint24(packed >> 208),
                version: uint16(packed >> _VERSION_SHIFT),
                commitment: record.commitment
            });
    }

    /// @inheritdoc IAEORegistry
    function certificatesOf(
        bytes2 country,
        uint256 offset,
        uint256 limit
    ) external view returns (bytes32[] memory page) {
        page = new bytes32[](_pageLength(_registered(country).certificateCount, offset, limit));
        for (uint256 i = 0; i < page.length; ++i) {
            page[i] = _certificateIndex[country][offset + i];
        }
    }

    /// @dev What decides whether the certificate of `tin` is valid, read from one slot; the status
    /// as its raw uint8, which spares the enum range checks on the verification path.
    function _validity(
        bytes32 tin
    ) internal view returns (uint8 status, uint16 aeoTypes, uint24 validFrom, uint24 expiry) {
        uint256 packed = _records[tin].packed;
        return (uint8(packed >> _STATUS_SHIFT), uint16(packed >> 168), uint24(packed >> 184), uint24(packed >> 208));
    }

    /**
     * @dev Whether `tin` is a country code followed by 1 to 15 characters A-Z 0-9, zero-padded.
     * Checks the 15 national bytes at once, a flag in the high bit of each byte (SWAR): adding
     * 0x80 - n to a byte below 0x80 sets its high bit exactly when the byte is at least n.
     */
    function _isTIN(bytes32 tin) internal pure returns (bool) {
        uint256 word = uint256(tin);
        uint256 national = word & (_NATIONAL_ONES * 0xff);
        uint256 flags = _NATIONAL_ONES * 0x80;
        if (word & type(uint120).max != 0 || national & flags != 0 || !_isCountryCode(bytes2(tin))) return false;
        uint256 nonZero = (national + _NATIONAL_ONES * 0x7f) & flags;
        uint256 digit = (national + _NATIONAL_ONES * 0x50) & ~(national + _NATIONAL_ONES * 0x46);
        uint256 letter = (national + _NATIONAL_ONES * 0x3f) & ~(national + _NATIONAL_ONES * 0x25);
        return
            nonZero & ~(digit | letter) == 0 && // every non-zero byte is 0-9 (0x30-0x39) or A-Z (0x41-0x5A)
            (nonZero << 8) & ~nonZero & flags == 0 && // no non-zero byte after a zero one
            nonZero & _FIRST_NATIONAL_FLAG != 0; // at least one national character
    }

    function _issue(bytes32 tin, MasterData calldata data, uint16 reason) private {
        if (!_isTIN(tin)) revert AEOInvalidTIN(tin); // before the role check, whose role the TIN names
        _checkRole(officerRole(bytes2(tin)));
        _checkMasterData(data);
        Record storage record = _records[tin];
        uint256 packed = record.packed;
        CertificateStatus current = _status(packed);
        uint16 version;
        if (current == CertificateStatus.None) {
            bytes2 country = bytes2(tin);
            _certificateIndex[country][_registered(country).certificateCount++] = tin;
            version = 1;
        } else if (current == CertificateStatus.Cancelled || current == CertificateStatus.Withdrawn) {
            version = uint16(packed >> _VERSION_SHIFT) + 1;
        } else {
            revert AEOInvalidStatus(tin, current);
        }
        record.packed = _pack(data, CertificateStatus.Active, version);
        record.commitment = data.commitment;
        emit CertificateIssued(
            tin,
            _msgSender(),
            reason,
            uint48(block.timestamp),
            version,
            data.holder,
            data.aeoTypes,
            data.validFrom,
            data.expiry,
            data.commitment,
            data.name,
            data.postalAddress
        );
    }

    /// @dev Moves the certificate of `tin` to `next` if its status is one of `allowed`; only the
    /// holder may withdraw.
    function _transition(bytes32 tin, uint256 allowed, CertificateStatus next) private {
        Record storage record = _records[tin];
        uint256 packed = record.packed;
        CertificateStatus current = _existingStatus(tin, packed);
        if (next == CertificateStatus.Withdrawn && address(uint160(packed)) != _msgSender()) {
            revert AEONotHolder(tin, _msgSender());
        }
        _requireStatus(tin, current, allowed);
        record.packed = (packed & ~_STATUS_MASK) | (uint256(next) << _STATUS_SHIFT);
    }

    function _pack(MasterData calldata data, CertificateStatus status, uint16 version) private pure returns (uint256) {
        return
            uint256(uint160(data.holder)) |
            (uint256(status) << _STATUS_SHIFT) |
            (uint256(data.aeoTypes) << 168) |
            (uint256(data.validFrom) << 184) |
            (uint256(data.expiry) << 208) |
            (uint256(version) << _VERSION_SHIFT);
    }

    function _status(uint256 packed) private pure returns (CertificateStatus) {
        return CertificateStatus(uint8(packed >> _STATUS_SHIFT));
    }

    function _existingStatus(bytes32 tin, uint256 packed) private pure returns (CertificateStatus current) {
        current = _status(packed);
        if (current == CertificateStatus.None) revert AEOUnknownCertificate(tin);
    }

    function _requireStatus(bytes32 tin, CertificateStatus current, uint256 allowed) private pure {
        if ((1 << uint8(current)) & allowed == 0) revert AEOInvalidStatus(tin, current);
    }

    function _checkMasterData(MasterData calldata data) private pure {
        if (data.aeoTypes == 0 || data.aeoTypes & ~_AEO_TYPES_MASK != 0) revert AEOInvalidTypes(data.aeoTypes);
        if (data.expiry != 0 && data.expiry <= data.validFrom) revert AEOInvalidValidity(data.validFrom, data.expiry);
    }
}
