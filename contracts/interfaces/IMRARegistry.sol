// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @dev Mutual Recognition Arrangements between customs administrations. An MRA is in force among
 * its parties once every remaining party has signed and its effective day is reached, while at
 * least two remain.
 */
interface IMRARegistry {
    enum MRAStatus {
        None,
        Proposed,
        Concluded,
        InForce,
        Terminated,
        Suspended // in force on paper, but fewer than two parties take part (the others suspended)
    }

    enum PartyStatus {
        None,
        Pending,
        Signed,
        Suspended,
        Left
    }

    /// @dev An MRA as read by partners.
    struct MRA {
        uint32 id;
        bytes2 proposer;
        MRAStatus status;
        uint16 benefits;
        uint16 coveredTypes;
        uint24 effectiveFrom;
        string title;
        bytes2[] parties;
        PartyStatus[] partyStatus;
        bool consentRequired;
    }

    /// @dev An MRA has 2 to 32 parties; `count` is not in that range.
    error MRAInvalidPartyCount(uint256 count);

    /// @dev `country` appears twice among the parties.
    error MRADuplicateParty(bytes2 country);

    /// @dev The proposing administration `country` is not among the parties.
    error MRAProposerNotParty(bytes2 country);

    /// @dev `benefits` is empty or has bits that are no benefit.
    error MRAInvalidBenefits(uint16 benefits);

    /// @dev `coveredTypes` is empty or has bits that are no AEO type.
    error MRAInvalidCoveredTypes(uint16 coveredTypes);

    /// @dev No MRA has id `id`.
    error MRAUnknown(uint32 id);

    /// @dev `country` is not a party of MRA `id`.
    error MRANotParty(uint32 id, bytes2 country);

    /// @dev The operation is not allowed while `party` is in status `current` in MRA `id`.
    error MRAInvalidPartyStatus(uint32 id, bytes2 party, PartyStatus current);

    /// @dev MRA `id` has ended: fewer than two parties remain.
    error MRAHasTerminated(uint32 id);

    event MRAProposed(
        uint32 indexed id,
        bytes2 indexed proposer,
        address indexed actor,
        bytes2[] parties,
        uint16 benefits,
        uint16 coveredTypes,
        uint24 effectiveFrom,
        string title,
        bool consentRequired
    );
    event MRASigned(uint32 indexed id, bytes2 indexed party, address indexed actor);

    /// @dev Emitted when the last remaining party signs: the MRA is in force from `effectiveFrom`.
    event MRAConcluded(uint32 indexed id, uint24 effectiveFrom);
    event MRAParticipationSuspended(uint32 indexed id, bytes2 indexed party, address indexed actor);
    event MRAParticipationResumed(uint32 indexed id, bytes2 indexed party, address indexed actor);
    event MRAPartyLeft(uint32 indexed id, bytes2 indexed party, address indexed actor);

    /// @dev Emitted when fewer than two parties remain.
    event MRATerminated(uint32 indexed id);

    /**
     * @dev Proposes an MRA among `parties` (2..32 registered countries including `proposer`) granting
     * `benefits` to AEOs of the `coveredTypes`, in force from day `effectiveFrom` once all have signed;
     * with `consentRequired`, only to AEOs whose holder consented to share their data with partners.
     *
     * Requirements: the caller is the administration admin of `proposer`.
     *
     * Emits an {MRAProposed} event.
     */
    function proposeMRA(
        bytes2 proposer,
        bytes2[] calldata parties,
        uint16 benefits,
        uint16 coveredTypes,
        uint24 effectiveFrom,
        string calldata title,
        bool consentRequired
    ) external returns (uint32 id);

    /**
     * @dev `party`'s administration admin moves its participation in MRA `id` from `from` (what
     * the caller saw; the call reverts if it changed) to `to`: Pending to Signed signs, Suspended to
     * Signed resumes, Signed to Suspended suspends (the MRA no longer applies between the party and
     * the others), and any status to Left leaves the MRA for good. Requirements: the caller is
     * `party`'s administration admin; the MRA has not terminated; to sign or resume, the
     * administration is not suspended.
     *
     * Emits {MRASigned} (and {MRAConcluded} with the last signature), {MRAParticipationResumed},
     * {MRAParticipationSuspended}, or {MRAPartyLeft} (and {MRAConcluded} if the others had all
     * signed, {MRATerminated} if fewer than two parties remain).
     */
    function setParticipation(uint32 id, bytes2 party, PartyStatus from, PartyStatus to) external;
}
