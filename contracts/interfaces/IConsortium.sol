// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ICustomsAdministrations} from "./ICustomsAdministrations.sol";

/**
 * @dev Governance by the member administrations: no account rules the network. Members admit new
 * administrations, suspend, expel and reinstate members, recover a member's lost admin keys and
 * change the rules, each by a vote of the members (one vote per administration, cast by any of its
 * admins). Proposals expire; a vote can be withdrawn until execution; execution is a separate step
 * anyone may take once the threshold holds against the current member count. Thresholds are in
 * basis points of the active members: `quorum` for admission and reinstatement, `supermajority`
 * for suspension, expulsion, recovery and rule changes. A recovery waits out a veto window in
 * which any admin of the country concerned can stop it.
 */
interface IConsortium {
    enum ProposalKind {
        Admission,
        Suspension,
        Expulsion,
        Reinstatement,
        Recovery,
        Rules
    }

    enum ProposalState {
        None,
        Open,
        Executed,
        Vetoed
    }

    /// @dev The vote thresholds (basis points of active members) and durations (seconds).
    struct Rules {
        uint16 quorum;
        uint16 supermajority;
        uint32 votingPeriod;
        uint32 recoveryDelay;
    }

    /// @dev What a proposal asks: `country` to admit (named `name`, first admin `account`), suspend,
    /// expel or reinstate, or whose lost admin keys to replace by `account`; or new `rules`.
    struct Motion {
        ProposalKind kind;
        bytes2 country;
        address account;
        string name;
        Rules rules;
    }

    struct Proposal {
        Motion motion;
        ProposalState state;
        bytes2 proposer;
        uint16 votes;
        uint48 expires;
        uint48 executableFrom; // a recovery's veto window ends here
    }

    /// @dev The rules in force, the active members (who vote, and against whom thresholds count), and
    /// the proposals made so far (ids run from 1).
    struct ConsortiumState {
        Rules rules;
        uint256 members;
        uint256 proposals;
    }

    error GovernanceNotMember(bytes2 country);
    error GovernanceInvalidRules(uint16 quorum, uint16 supermajority, uint32 votingPeriod, uint32 recoveryDelay);
    error GovernanceUnknownProposal(uint256 id);
    error GovernanceClosed(uint256 id, ProposalState state);
    error GovernanceExpired(uint256 id, uint48 expires);
    error GovernanceAlreadyVoted(uint256 id, bytes2 country);
    error GovernanceNotVoted(uint256 id, bytes2 country);
    error GovernanceBelowThreshold(uint256 id, uint256 votes, uint256 needed);
    error GovernanceInVetoWindow(uint256 id, uint48 executableFrom);
    error GovernanceInvalidStatus(bytes2 country, ICustomsAdministrations.AdministrationStatus status);

    event ProposalCreated(uint256 indexed id, ProposalKind kind, bytes2 indexed proposer, bytes2 indexed country, address actor);
    event VoteCast(uint256 indexed id, bytes2 indexed country, address indexed actor, uint16 votes);
    event VoteWithdrawn(uint256 indexed id, bytes2 indexed country, address indexed actor, uint16 votes);
    event ProposalVetoed(uint256 indexed id, bytes2 indexed country, address indexed actor);
    event ProposalExecuted(uint256 indexed id, ProposalKind kind, bytes2 indexed country, address actor);
    event AdministrationSuspended(bytes2 indexed country, uint256 indexed proposal);
    event AdministrationExpelled(bytes2 indexed country, uint256 indexed proposal);
    event AdministrationReinstated(bytes2 indexed country, uint256 indexed proposal);
    event AdministrationRecovered(bytes2 indexed country, address indexed admin, uint256 indexed proposal);
    event RulesChanged(uint256 indexed proposal, uint16 quorum, uint16 supermajority, uint32 votingPeriod, uint32 recoveryDelay);

    /// @dev An active member's admin proposes `motion` for `proposer`; returns the proposal's id.
    function propose(bytes2 proposer, Motion calldata motion) external returns (uint256);

    /// @dev An admin of the active member `voter` casts (`support`) or withdraws its vote on proposal `id`.
    function vote(uint256 id, bytes2 voter, bool support) external;

    /// @dev An admin of the country a recovery names stops it during its veto window (or at any time before execution).
    function vetoRecovery(uint256 id) external;

    /// @dev Carries out proposal `id` once its votes reach the threshold and any veto window is over; anyone may call.
    function execute(uint256 id) external;

    function getProposal(uint256 id) external view returns (Proposal memory);

    function consortium() external view returns (ConsortiumState memory);

    function hasVoted(uint256 id, bytes2 country) external view returns (bool);
}
