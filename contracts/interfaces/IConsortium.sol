// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ICustomsAdministrations} from "./ICustomsAdministrations.sol";

/**
 * @dev Governance by the member administrations: no account rules the network. Members admit (or
 * readmit) administrations, suspend, expel and reinstate members, recover a member's lost admin keys,
 * change the rules and upgrade the CADENA contract, each by a vote of the members (one vote per
 * administration, cast by any of its admins).
 *
 * A proposal's electorate is fixed when it is made: the active members then. A vote counts only if
 * its member was in that electorate and is still active when the proposal is queued and executed;
 * the votes it needs are its threshold of that electorate, rounded up, and at least one. Thresholds
 * are in basis points: `quorum` to reinstate, `supermajority` for everything else. A proposal with
 * its votes is queued, and carried out after a delay whose floors are in the code: a decision on
 * membership or the rules waits {DECISION_DELAY}; a recovery waits `recoveryDelay` (at least
 * {MIN_RECOVERY_DELAY}), in which any admin of the country concerned can veto it; an upgrade waits
 * {UPGRADE_WINDOW}, in which any single member, suspended ones included, can veto it. Votes can be
 * withdrawn until execution, which checks them again.
 */
interface IConsortium {
    enum ProposalKind {
        Admission,
        Suspension,
        Expulsion,
        Reinstatement,
        Recovery,
        Rules,
        Upgrade
    }

    enum ProposalState {
        None,
        Open,
        Executed,
        Vetoed,
        Queued
    }

    /// @dev The vote thresholds (basis points of the electorate) and durations (seconds).
    struct Rules {
        uint16 quorum;
        uint16 supermajority;
        uint32 votingPeriod;
        uint32 recoveryDelay;
    }

    /// @dev What a proposal asks: `country` to admit (named `name`, first admin `account`), suspend,
    /// expel or reinstate, or whose admins to replace by `account`; new `rules`; or the CADENA
    /// contract upgraded to the implementation `account` whose runtime code hashes to `codeHash`.
    struct Motion {
        ProposalKind kind;
        bytes2 country;
        address account;
        string name;
        Rules rules;
        bytes32 codeHash;
    }

    struct Proposal {
        Motion motion;
        ProposalState state;
        bytes2 proposer;
        uint16 votes; // ballots cast and not withdrawn
        uint16 needed; // votes it needs from its electorate
        uint48 expires; // last moment to queue it or, once queued, to execute it
        uint48 executableFrom; // once queued: the end of its delay
        uint256 electorate; // the active members when it was made, by {ICustomsAdministrations-memberBit}
        uint256 ballots; // the members whose admins voted for it
    }

    /// @dev The rules in force, the active members, and the proposals made so far (ids run from 1).
    struct ConsortiumState {
        Rules rules;
        uint256 members;
        uint256 proposals;
    }

    error GovernanceNotMember(bytes2 country);
    error GovernanceNotAdmin(bytes2 country, address account);
    error GovernanceNotElector(uint256 id, bytes2 country);
    error GovernanceInvalidRules(uint16 quorum, uint16 supermajority, uint32 votingPeriod, uint32 recoveryDelay);
    error GovernanceUnknownProposal(uint256 id);
    error GovernanceClosed(uint256 id, ProposalState state);
    error GovernanceExpired(uint256 id, uint48 expires);
    error GovernanceAlreadyVoted(uint256 id, bytes2 country);
    error GovernanceNotVoted(uint256 id, bytes2 country);
    error GovernanceBelowThreshold(uint256 id, uint256 votes, uint256 needed);
    error GovernanceInVetoWindow(uint256 id, uint48 executableFrom);
    error GovernanceInvalidStatus(bytes2 country, ICustomsAdministrations.AdministrationStatus status);
    error GovernanceLastMember(bytes2 country);
    error GovernanceNotVetoable(uint256 id, bytes2 country);
    error GovernanceInvalidImplementation(address implementation, bytes32 codeHash);

    event ProposalCreated(uint256 indexed id, ProposalKind kind, bytes2 indexed proposer, bytes2 indexed country, address actor);
    event VoteCast(uint256 indexed id, bytes2 indexed country, address indexed actor, uint16 votes);
    event VoteWithdrawn(uint256 indexed id, bytes2 indexed country, address indexed actor, uint16 votes);
    event ProposalQueued(uint256 indexed id, uint48 executableFrom, uint48 expires);
    event ProposalVetoed(uint256 indexed id, bytes2 indexed country, address indexed actor);
    event ProposalExecuted(uint256 indexed id, ProposalKind kind, bytes2 indexed country, address actor);
    event RulesChanged(uint256 indexed proposal, uint16 quorum, uint16 supermajority, uint32 votingPeriod, uint32 recoveryDelay);

    /**
     * @dev An active member's admin proposes `motion` for `proposer`; returns the proposal's id.
     * Emits {ProposalCreated}.
     */
    function propose(bytes2 proposer, Motion calldata motion) external returns (uint256);

    /**
     * @dev An admin of the active member `voter`, which belongs to the proposal's electorate, casts
     * (`support`) or withdraws its vote on the open or queued proposal `id`. Emits {VoteCast} or {VoteWithdrawn}.
     */
    function vote(uint256 id, bytes2 voter, bool support) external;

    /**
     * @dev An admin of `country` stops proposal `id` before it is carried out: a recovery of `country`'s
     * keys, or any upgrade (then `country` is any member, suspended ones included). Emits {ProposalVetoed}.
     */
    function veto(uint256 id, bytes2 country) external;

    /**
     * @dev Anyone moves proposal `id` on: an open one whose counted votes reach what it needs is queued
     * (its delay starts); a queued one whose delay is over and whose votes still count is carried out.
     * Emits {ProposalQueued}, or {ProposalExecuted} (and the decision's own event).
     */
    function execute(uint256 id) external;

    /// @dev The CADENA contract (its proxy) this consortium governs.
    function cadena() external view returns (address);

    /// @dev The lens of the CADENA contract: its paged and batch views.
    function lens() external view returns (address);

    /// @dev How long a proposal of `kind` waits once queued.
    function delayOf(ProposalKind kind) external view returns (uint256);

    /// @dev The votes proposal `id` has now from its electorate's members still active.
    function countedVotes(uint256 id) external view returns (uint256);

    function getProposal(uint256 id) external view returns (Proposal memory);

    function consortium() external view returns (ConsortiumState memory);

    function hasVoted(uint256 id, bytes2 country) external view returns (bool);
}
