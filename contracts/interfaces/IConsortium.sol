// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @dev Governance by the member administrations: no account rules the network. Members admit new
 * administrations, suspend and reinstate members, recover a member's lost admin keys and change the
 * rules, each by a vote of the members (one vote per administration, cast by any of its admins).
 * Proposals expire; a vote can be withdrawn until execution; execution is a separate step anyone
 * may take once the threshold holds against the current member count. Thresholds are in basis
 * points of the active members: `quorum` for admission and reinstatement, `supermajority` for
 * suspension, recovery and rule changes.
 */
interface IConsortium {
    enum ProposalKind {
        Admission,
        Suspension,
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

    struct Proposal {
        ProposalKind kind;
        ProposalState state;
        bytes2 proposer;
        bytes2 country; // the administration admitted, suspended, reinstated or recovered
        address account; // the first admin of an admission or a recovery
        uint16 votes;
        uint48 expires;
        uint48 executableFrom; // a recovery's veto window ends here
        Rules rules; // the new rules of a Rules proposal
        string name; // the name of an admitted administration
    }

    error GovernanceNotMember(bytes2 country);
    error GovernanceInvalidRules(Rules rules);
    error GovernanceUnknownProposal(uint256 id);
    error GovernanceClosed(uint256 id, ProposalState state);
    error GovernanceExpired(uint256 id, uint48 expires);
    error GovernanceAlreadyVoted(uint256 id, bytes2 country);
    error GovernanceNotVoted(uint256 id, bytes2 country);
    error GovernanceBelowThreshold(uint256 id, uint256 votes, uint256 needed);
    error GovernanceInVetoWindow(uint256 id, uint48 executableFrom);
    error GovernanceNotSuspendable(bytes2 country);
    error GovernanceNotSuspended(bytes2 country);

    event ProposalCreated(uint256 indexed id, ProposalKind kind, bytes2 indexed proposer, bytes2 indexed country, address actor);
    event VoteCast(uint256 indexed id, bytes2 indexed country, address indexed actor, uint16 votes);
    event VoteWithdrawn(uint256 indexed id, bytes2 indexed country, address indexed actor, uint16 votes);
    event ProposalVetoed(uint256 indexed id, bytes2 indexed country, address indexed actor);
    event ProposalExecuted(uint256 indexed id, ProposalKind kind, bytes2 indexed country, address actor);
    event AdministrationSuspended(bytes2 indexed country, uint256 indexed proposal);
    event AdministrationReinstated(bytes2 indexed country, uint256 indexed proposal);
    event AdministrationRecovered(bytes2 indexed country, address indexed admin, uint256 indexed proposal);
    event RulesChanged(uint256 indexed proposal, uint16 quorum, uint16 supermajority, uint32 votingPeriod, uint32 recoveryDelay);

    function proposeAdmission(bytes2 proposer, bytes2 country, string calldata name, address admin) external returns (uint256);
    function proposeSuspension(bytes2 proposer, bytes2 country) external returns (uint256);
    function proposeReinstatement(bytes2 proposer, bytes2 country) external returns (uint256);
    function proposeRecovery(bytes2 proposer, bytes2 country, address admin) external returns (uint256);
    function proposeRules(bytes2 proposer, Rules calldata rules) external returns (uint256);
    function vote(uint256 id, bytes2 voter) external;
    function unvote(uint256 id, bytes2 voter) external;
    function veto(uint256 id) external;
    function execute(uint256 id) external;
    function proposal(uint256 id) external view returns (Proposal memory);
    function rules() external view returns (Rules memory);
    function memberCount() external view returns (uint256);
    function hasVoted(uint256 id, bytes2 country) external view returns (bool);
}
