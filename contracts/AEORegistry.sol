// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {CustomsAdministrations} from "./CustomsAdministrations.sol";
import {StorageSlots} from "./libraries/StorageSlots.sol";
import {IAEORegistry} from "./interfaces/IAEORegistry.sol";
import {CertificateWord, CertificateWords} from "./libraries/CertificateWord.sol";
import {Identifiers} from "./libraries/Identifiers.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

/**
 * @dev AEO certificates and their lifecycle. Only officers of the TIN's country issue, update,
 * suspend, reinstate and cancel, and not while the members have suspended their administration;
 * only the holder withdraws, at any time. A certificate takes two storage slots (a
 * {CertificateWord} and the commitment) and one slot in its country's list. No master data that
 * identifies the operator is stored or emitted in clear: only its salted commitment, and the
 * envelope sealed to the administrations its holder's consent (the visibility) lets read it.
 */
abstract contract AEORegistry is IAEORegistry, CustomsAdministrations {
    using CertificateWords for CertificateWord;

    /// @dev Sets of statuses, one bit per status, for {_transition}.
    uint256 private constant _ACTIVE = 1 << uint8(CertificateStatus.Active);
    uint256 private constant _SUSPENDED = 1 << uint8(CertificateStatus.Suspended);
    uint256 private constant _WITHDRAWN = 1 << uint8(CertificateStatus.Withdrawn);

    /// @dev Most certificates one {issueCertificates} call issues (about 9M gas, under a third of a 30M block).
    uint256 internal constant _MAX_BATCH = 100;

    struct Record {
        CertificateWord word;
        bytes32 commitment;
    }

    /// @dev A country's certificates: `open` from its registration, so that its first issue, like
    /// every other, writes to a slot already in use (5,000 gas, not 22,100); `suspended` while its
    /// administration is, kept here so that the officer check reads one slot more, not two.
    struct Issuer {
        bool open;
        bool suspended;
        uint64 count;
    }

    /// @custom:storage-location erc7201:cadena.storage.AEORegistry
    struct AEORegistryStorage {
        mapping(bytes32 tin => Record) records;
        mapping(bytes2 country => Issuer) issuers;
        mapping(bytes2 country => mapping(uint256 index => bytes32 tin)) certificateIndex;
    }

    /// @custom:storage-location erc7201:cadena.storage.Consent
    struct ConsentStorage {
        mapping(address holder => uint256) nonces;
    }

    bytes32 private constant _CONSENT_TYPEHASH =
        keccak256("Consent(bytes32 tin,uint8 visibility,uint256 nonce,uint256 deadline)");
    bytes32 private constant _DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    function _aeoStorage() private pure returns (AEORegistryStorage storage $) {
        bytes32 slot = StorageSlots.AEO_REGISTRY;
        assembly ("memory-safe") {
            $.slot := slot
        }
    }

    function _consentStorage() private pure returns (ConsentStorage storage $) {
        bytes32 slot = StorageSlots.CONSENT;
        assembly ("memory-safe") {
            $.slot := slot
        }
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
            address actor = _issue(tins[i], data[i], reason);
            if ((suspended >> i) & 1 != 0) {
                _transition(tins[i], _ACTIVE, CertificateStatus.Suspended, actor);
                emit CertificateSuspended(tins[i], actor, 0, uint48(block.timestamp));
            }
        }
    }

    /// @inheritdoc IAEORegistry
    function updateCertificate(bytes32 tin, MasterData calldata data, uint16 reason) external {
        address actor = _checkOfficer(bytes2(tin));
        _checkMasterData(data);
        Record storage record = _aeoStorage().records[tin];
        CertificateWord word = record.word;
        (, uint8 status, , , , uint24 version) = word.unpack();
        _requireStatus(tin, _existing(tin, status), _ACTIVE | _SUSPENDED);
        uint8 visibility = word.visibility(); // an update keeps the consent: only {setVisibility} changes it
        record.word = _word(data, status, visibility, version);
        record.commitment = data.commitment;
        emit CertificateUpdated(
            tin,
            actor,
            reason,
            uint48(block.timestamp),
            data.holder,
            data.aeoTypes,
            data.validFrom,
            data.expiry,
            visibility,
            data.commitment,
            data.envelope
        );
    }

    /// @inheritdoc IAEORegistry
    function suspendCertificate(bytes32 tin, uint16 reason) external {
        address actor = _checkOfficer(bytes2(tin));
        _transition(tin, _ACTIVE, CertificateStatus.Suspended, actor);
        emit CertificateSuspended(tin, actor, reason, uint48(block.timestamp));
    }

    /// @inheritdoc IAEORegistry
    function reinstateCertificate(bytes32 tin, uint16 reason) external {
        address actor = _checkOfficer(bytes2(tin));
        _transition(tin, _SUSPENDED, CertificateStatus.Active, actor);
        emit CertificateReinstated(tin, actor, reason, uint48(block.timestamp));
    }

    /// @inheritdoc IAEORegistry
    function cancelCertificate(bytes32 tin, uint16 reason) external {
        address actor = _checkOfficer(bytes2(tin));
        _transition(tin, _ACTIVE | _SUSPENDED | _WITHDRAWN, CertificateStatus.Cancelled, actor);
        emit CertificateCancelled(tin, actor, reason, uint48(block.timestamp));
    }

    /// @inheritdoc IAEORegistry
    function withdrawCertificate(bytes32 tin, uint16 reason) external {
        address actor = _msgSender();
        _transition(tin, _ACTIVE | _SUSPENDED, CertificateStatus.Withdrawn, actor);
        emit CertificateWithdrawn(tin, actor, reason, uint48(block.timestamp));
    }

    /// @inheritdoc IAEORegistry
    function setVisibility(bytes32 tin, uint8 visibility, bytes32 consentForm) external {
        address actor = _msgSender();
        if (consentForm == 0) {
            if (_holder(tin) != actor) {
                if (hasRole(officerRole(bytes2(tin)), actor)) revert AEOConsentFormRequired(tin);
                revert AEONotHolder(tin, actor);
            }
        } else {
            _checkOfficer(bytes2(tin));
        }
        _setVisibility(tin, visibility, actor, consentForm);
    }

    /// @inheritdoc IAEORegistry
    function setVisibilityBySig(bytes32 tin, uint8 visibility, uint256 deadline, bytes calldata signature) external {
        if (block.timestamp > deadline) revert AEOConsentExpired(deadline);
        address holder = _holder(tin);
        bytes32 domain = keccak256(
            abi.encode(_DOMAIN_TYPEHASH, keccak256("CADENA"), keccak256("1"), block.chainid, address(this))
        );
        bytes32 digest = MessageHashUtils.toTypedDataHash(
            domain,
            keccak256(abi.encode(_CONSENT_TYPEHASH, tin, visibility, _consentStorage().nonces[holder]++, deadline))
        );
        (address signer, ECDSA.RecoverError failure, ) = ECDSA.tryRecover(digest, signature);
        if (failure != ECDSA.RecoverError.NoError || signer != holder || holder == address(0)) {
            revert AEOConsentInvalidSigner(tin, signer);
        }
        _setVisibility(tin, visibility, holder, 0);
    }

    /// @inheritdoc IAEORegistry
    function shareMasterData(bytes32 tin, bytes calldata envelope) external {
        _checkOfficer(bytes2(tin));
        (, uint8 status, , , , uint24 version) = _aeoStorage().records[tin].word.unpack();
        _existing(tin, status);
        emit MasterDataShared(tin, version, envelope);
    }

    /// @inheritdoc IAEORegistry
    function eraseMasterData(bytes32 tin, uint16 reason) external {
        address actor = _checkOfficer(bytes2(tin));
        (, uint8 status, , , , ) = _aeoStorage().records[tin].word.unpack();
        _existing(tin, status);
        emit MasterDataErased(tin, actor, reason, uint48(block.timestamp));
    }

    function _onRegistered(bytes2 country) internal virtual override {
        _aeoStorage().issuers[country].open = true;
    }

    function _onStatusChanged(bytes2 country, bool suspended) internal virtual override {
        super._onStatusChanged(country, suspended);
        _aeoStorage().issuers[country].suspended = suspended;
    }

    /// @dev What decides whether the certificate of `tin` is valid, read from one slot; the status
    /// and visibility as raw uint8, which spares the enum range checks on the verification path.
    function _validity(
        bytes32 tin
    ) internal view returns (uint8 status, uint16 aeoTypes, uint24 validFrom, uint24 expiry, uint8 visibility) {
        CertificateWord word = _aeoStorage().records[tin].word;
        (, status, aeoTypes, validFrom, expiry, ) = word.unpack();
        visibility = word.visibility();
    }

    /// @dev Issues the certificate of `tin` as the caller, an officer of its country; returns the caller.
    function _issue(bytes32 tin, MasterData calldata data, uint16 reason) private returns (address actor) {
        if (!Identifiers.isTIN(tin)) revert AEOInvalidTIN(tin); // before the role check, whose role the TIN names
        bytes2 country = bytes2(tin);
        actor = _msgSender();
        _checkOfficerRole(country, actor);
        _checkMasterData(data);
        Record storage record = _aeoStorage().records[tin];
        (, uint8 status, , , , uint24 version) = record.word.unpack();
        if (status == uint8(CertificateStatus.None)) {
            Issuer storage issuer = _aeoStorage().issuers[country];
            if (!issuer.open) revert CustomsUnknownAdministration(country);
            if (issuer.suspended) revert CustomsAdministrationSuspended(country);
            _aeoStorage().certificateIndex[country][issuer.count++] = tin;
            version = 1;
        } else if (status == uint8(CertificateStatus.Cancelled) || status == uint8(CertificateStatus.Withdrawn)) {
            _checkNotSuspended(country);
            if (version < type(uint24).max) ++version; // the last version number is kept, never a panic
        } else {
            revert AEOInvalidStatus(tin, CertificateStatus(status));
        }
        record.word = _word(data, uint8(CertificateStatus.Active), uint8(data.visibility), version);
        record.commitment = data.commitment;
        emit CertificateIssued(
            tin,
            actor,
            reason,
            uint48(block.timestamp),
            version,
            data.holder,
            data.aeoTypes,
            data.validFrom,
            data.expiry,
            uint8(data.visibility),
            data.commitment,
            data.envelope
        );
    }

    /// @dev The caller, an officer of `country`, whose administration is not suspended.
    function _checkOfficer(bytes2 country) private view returns (address actor) {
        actor = _msgSender();
        _checkOfficerRole(country, actor);
        _checkNotSuspended(country);
    }

    function _checkNotSuspended(bytes2 country) private view {
        if (_aeoStorage().issuers[country].suspended) revert CustomsAdministrationSuspended(country);
    }

    /// @dev Moves the certificate of `tin` to `next` if its status is one of `allowed`; only the
    /// holder (`actor`) may withdraw.
    function _transition(bytes32 tin, uint256 allowed, CertificateStatus next, address actor) private {
        Record storage record = _aeoStorage().records[tin];
        CertificateWord word = record.word;
        (address holder, uint8 status, , , , ) = word.unpack();
        CertificateStatus current = _existing(tin, status);
        if (next == CertificateStatus.Withdrawn && holder != actor) revert AEONotHolder(tin, actor);
        _requireStatus(tin, current, allowed);
        record.word = word.withStatus(uint8(next));
    }

    function _word(
        MasterData calldata data,
        uint8 status,
        uint8 visibility,
        uint24 version
    ) private pure returns (CertificateWord) {
        return
            CertificateWords.pack(data.holder, status, visibility, data.aeoTypes, data.validFrom, data.expiry, version);
    }

    /// @dev The holder of the existing certificate of `tin`.
    function _holder(bytes32 tin) private view returns (address holder) {
        uint8 status;
        (holder, status, , , , ) = _aeoStorage().records[tin].word.unpack();
        _existing(tin, status);
    }

    /// @dev Records `visibility` for the existing certificate of `tin`, as `actor` consented.
    function _setVisibility(bytes32 tin, uint8 visibility, address actor, bytes32 consentForm) private {
        if (visibility > uint8(Visibility.Published)) revert AEOInvalidVisibility(visibility);
        Record storage record = _aeoStorage().records[tin];
        record.word = record.word.withVisibility(visibility);
        emit ConsentChanged(tin, actor, visibility, consentForm, uint48(block.timestamp));
    }

    /// @dev The status of the certificate of `tin`; reverts with {AEOUnknownCertificate} if it was never issued.
    function _existing(bytes32 tin, uint8 status) private pure returns (CertificateStatus) {
        if (status == uint8(CertificateStatus.None)) revert AEOUnknownCertificate(tin);
        return CertificateStatus(status);
    }

    function _requireStatus(bytes32 tin, CertificateStatus current, uint256 allowed) private pure {
        if ((1 << uint8(current)) & allowed == 0) revert AEOInvalidStatus(tin, current);
    }

    function _checkMasterData(MasterData calldata data) private pure {
        if (data.aeoTypes == 0 || data.aeoTypes & ~_AEO_TYPES_MASK != 0) revert AEOInvalidTypes(data.aeoTypes);
        if (data.expiry != 0 && data.expiry <= data.validFrom) revert AEOInvalidValidity(data.validFrom, data.expiry);
    }
}
