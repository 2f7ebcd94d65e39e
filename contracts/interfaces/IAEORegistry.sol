// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @dev AEO certificates keyed by the WCO Trader Identification Number (TIN): the ISO 3166-1 alpha-2
 * code of the issuing country followed by 1 to 15 characters A-Z 0-9, as ASCII left-aligned in a
 * bytes32 and zero-padded. Dates are whole days since 1970-01-01 (UTC).
 */
interface IAEORegistry {
    enum CertificateStatus {
        None,
        Active,
        Suspended,
        Cancelled,
        Withdrawn
    }

    /// @dev Who may read a certificate's master data, as its holder consented: the issuing
    /// administration only, also the partners of the MRAs that cover it, or every member (published).
    enum Visibility {
        IssuerOnly,
        Partners,
        Published
    }

    /**
     * @dev What the chain learns of a certificate's master data. `expiry` is the last valid day (0: no
     * expiry); `commitment` is the keccak-256 of the full master data with a random salt, held
     * off-chain; `holder` is the company's account (zero if unset), the only account that can
     * withdraw and give consent; `visibility` is the consent recorded at issue; `envelope` is the
     * master data encrypted for the administrations allowed to read it (never stored, only emitted).
     */
    struct MasterData {
        address holder;
        uint16 aeoTypes;
        uint24 validFrom;
        uint24 expiry;
        Visibility visibility;
        bytes32 commitment;
        bytes envelope;
    }

    /// @dev A certificate as stored.
    struct Certificate {
        address holder;
        CertificateStatus status;
        uint16 aeoTypes;
        uint24 validFrom;
        uint24 expiry;
        uint24 version;
        bytes32 commitment;
        Visibility visibility;
    }

    /// @dev `tin` is not a country code followed by 1 to 15 characters A-Z 0-9.
    error AEOInvalidTIN(bytes32 tin);

    /// @dev No certificate was ever issued for `tin`.
    error AEOUnknownCertificate(bytes32 tin);

    /// @dev The operation is not allowed while the certificate of `tin` is in status `current`.
    error AEOInvalidStatus(bytes32 tin, CertificateStatus current);

    /// @dev `aeoTypes` is empty or has bits that are no AEO type.
    error AEOInvalidTypes(uint16 aeoTypes);

    /// @dev `expiry` is not after `validFrom`.
    error AEOInvalidValidity(uint24 validFrom, uint24 expiry);

    /// @dev A batch needs 1 to 100 TINs and as many master data records; it has `tins` and `records`.
    error AEOInvalidBatch(uint256 tins, uint256 records);

    /// @dev `account` is not the holder of the certificate of `tin`.
    error AEONotHolder(bytes32 tin, address account);

    /// @dev `visibility` is no {Visibility}.
    error AEOInvalidVisibility(uint8 visibility);

    /// @dev An officer records a consent only with the reference of the signed form; none was given.
    error AEOConsentFormRequired(bytes32 tin);

    /// @dev The consent signature expired at `deadline`.
    error AEOConsentExpired(uint256 deadline);

    /// @dev The consent for `tin` is signed by `signer`, not by the certificate's holder.
    error AEOConsentInvalidSigner(bytes32 tin, address signer);

    /// @dev Emitted when a certificate is issued, or re-issued as a new `version` after cancellation or withdrawal.
    event CertificateIssued(
        bytes32 indexed tin,
        address indexed actor,
        uint16 reason,
        uint48 time,
        uint24 version,
        address holder,
        uint16 aeoTypes,
        uint24 validFrom,
        uint24 expiry,
        uint8 visibility,
        bytes32 commitment,
        bytes envelope
    );

    /// @dev Emitted when the master data of a certificate is updated or renewed; `visibility` is the consent in force.
    event CertificateUpdated(
        bytes32 indexed tin,
        address indexed actor,
        uint16 reason,
        uint48 time,
        address holder,
        uint16 aeoTypes,
        uint24 validFrom,
        uint24 expiry,
        uint8 visibility,
        bytes32 commitment,
        bytes envelope
    );

    /// @dev Emitted when an Active certificate is suspended.
    event CertificateSuspended(bytes32 indexed tin, address indexed actor, uint16 reason, uint48 time);

    /// @dev Emitted when a Suspended certificate becomes Active again.
    event CertificateReinstated(bytes32 indexed tin, address indexed actor, uint16 reason, uint48 time);

    /// @dev Emitted when the issuing administration cancels a certificate.
    event CertificateCancelled(bytes32 indexed tin, address indexed actor, uint16 reason, uint48 time);

    /// @dev Emitted when the holder withdraws its own certificate.
    event CertificateWithdrawn(bytes32 indexed tin, address indexed actor, uint16 reason, uint48 time);

    /// @dev Emitted when the visibility of a certificate changes: by its holder (`consentForm` zero,
    /// directly or by a relayed signature) or by an officer with the reference of the signed form.
    event ConsentChanged(
        bytes32 indexed tin,
        address indexed actor,
        uint8 visibility,
        bytes32 consentForm,
        uint48 time
    );

    /// @dev Emitted when an officer seals version `version`'s master data to more readers.
    event MasterDataShared(bytes32 indexed tin, uint24 version, bytes envelope);

    /// @dev Emitted when the issuing administration erases the master data: every reader deletes its copy.
    event MasterDataErased(bytes32 indexed tin, address indexed actor, uint16 reason, uint48 time);

    /**
     * @dev Issues the certificate of `tin`, or re-issues a Cancelled or Withdrawn one as a new version.
     *
     * Requirements: the caller is an officer of the TIN's country; the TIN is well formed; the
     * certificate does not exist or is Cancelled or Withdrawn; `data` has valid AEO types and validity.
     *
     * Emits a {CertificateIssued} event.
     */
    function issueCertificate(bytes32 tin, MasterData calldata data, uint16 reason) external;

    /**
     * @dev Issues `tins[i]` with `data[i]` for each i, as {issueCertificate} does, in one transaction;
     * all or none. Where bit i of `suspended` is set, certificate i is suspended in the same
     * transaction, so it is never recognised, not even for a block (an AEO list that marks an
     * operator suspended). Requirements: 1 to 100 records, and those of {issueCertificate} for each.
     *
     * Emits a {CertificateIssued} event per certificate, followed by a {CertificateSuspended} event
     * (reason 0) for each one issued suspended.
     */
    function issueCertificates(
        bytes32[] calldata tins,
        MasterData[] calldata data,
        uint16 reason,
        uint256 suspended
    ) external;

    /**
     * @dev Replaces the master data of an Active or Suspended certificate (update, renewal).
     *
     * Requirements: the caller is an officer of the TIN's country; `data` is valid.
     *
     * Emits a {CertificateUpdated} event.
     */
    function updateCertificate(bytes32 tin, MasterData calldata data, uint16 reason) external;

    /**
     * @dev Active -> Suspended. Requirements: the caller is an officer of the TIN's country.
     *
     * Emits a {CertificateSuspended} event.
     */
    function suspendCertificate(bytes32 tin, uint16 reason) external;

    /**
     * @dev Suspended -> Active. Requirements: the caller is an officer of the TIN's country.
     *
     * Emits a {CertificateReinstated} event.
     */
    function reinstateCertificate(bytes32 tin, uint16 reason) external;

    /**
     * @dev Active, Suspended or Withdrawn -> Cancelled: customs records its cancellation even after the
     * company withdrew (the history keeps both). Requirements: the caller is an officer of the TIN's country.
     *
     * Emits a {CertificateCancelled} event.
     */
    function cancelCertificate(bytes32 tin, uint16 reason) external;

    /**
     * @dev Active or Suspended -> Withdrawn. Requirements: the caller is the certificate's holder.
     *
     * Emits a {CertificateWithdrawn} event.
     */
    function withdrawCertificate(bytes32 tin, uint16 reason) external;

    /**
     * @dev Sets who may read the master data of `tin`: by its holder (`consentForm` zero), or by an
     * officer of its country recording the consent the holder signed on paper (`consentForm`: the
     * hash or reference of the form). Takes effect on `verify` from the next block.
     *
     * Requirements: the certificate exists; `visibility` is a {Visibility}; the caller is the holder,
     * or an officer of the TIN's country with a form.
     *
     * Emits a {ConsentChanged} event.
     */
    function setVisibility(bytes32 tin, uint8 visibility, bytes32 consentForm) external;

    /**
     * @dev Sets the visibility of `tin` as its holder signed it (EIP-712, domain "CADENA" version "1":
     * `Consent(bytes32 tin,uint8 visibility,uint256 nonce,uint256 deadline)` with the holder's
     * {consentNonce}); anyone relays it, so the holder needs no ether.
     *
     * Requirements: `deadline` has not passed; the signature is the holder's for its current nonce.
     *
     * Emits a {ConsentChanged} event (actor: the holder).
     */
    function setVisibilityBySig(bytes32 tin, uint8 visibility, uint256 deadline, bytes calldata signature) external;

    /**
     * @dev Publishes master data of the current version of `tin` sealed to more readers (after a
     * consent or a new MRA). Requirements: the caller is an officer of the TIN's country; the certificate exists.
     *
     * Emits a {MasterDataShared} event.
     */
    function shareMasterData(bytes32 tin, bytes calldata envelope) external;

    /**
     * @dev Tells every reader to delete the master data of `tin`; its commitment, status and history
     * stay. Requirements: the caller is an officer of the TIN's country; the certificate exists.
     *
     * Emits a {MasterDataErased} event.
     */
    function eraseMasterData(bytes32 tin, uint16 reason) external;

    // The certificate views ({ICadenaLens-certificate}, its count and consent nonces) are the lens's.
}
