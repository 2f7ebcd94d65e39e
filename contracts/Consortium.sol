// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {CustomsAdministrations} from "./CustomsAdministrations.sol";
import {IConsortium} from "./interfaces/IConsortium.sol";

/**
 * @dev DRAFT (branch `governance`, not on main): the member administrations govern the network by
 * vote; see {IConsortium}. Votes are counted as they are cast (no loop over members); the member
 * count is kept as administrations are admitted, suspended and reinstated.
 *
 * Still to do: what suspension does to the suspended administration's officers and certificates
 * (verify must stop recognising them within its 30,000-gas target), tests, client and CLI.
 */
abstract contract Consortium is IConsortium, CustomsAdministrations {
    uint16 private constant _ALL = 10_000; // basis points

    Rules private _rules;
    uint256 private _memberCount;
    uint256 private _proposalCount;
    mapping(uint256 id => Proposal) private _proposals;
    mapping(uint256 id => mapping(bytes2 country => bool)) private _voted;
    mapping(bytes2 country => bool) private _suspended;

    /// @dev Seats the founding members and sets the rules; no account keeps any power after this.
    constructor(bytes2[] memory countries, string[] memory names, address[] memory admins, Rules memory initial) {
        _setRules(initial);
        for (uint256 i = 0; i < countries.length; ++i) {
            _admit(countries[i], names[i], admins[i]);
        }
    }

    /// @inheritdoc IConsortium
    function proposeAdmission(
        bytes2 proposer,
        bytes2 country,
        string calldata name,
        address admin
    ) external returns (uint256 id) {
        _checkAdmissible(country, admin);
        id = _propose(proposer, ProposalKind.Admission, country);
        _proposals[id].name = name;
        _proposals[id].account = admin;
    }

    /// @inheritdoc IConsortium
    function proposeSuspension(bytes2 proposer, bytes2 country) external returns (uint256) {
        if (!_isActiveMember(country)) revert GovernanceNotSuspendable(country);
        return _propose(proposer, ProposalKind.Suspension, country);
    }

    /// @inheritdoc IConsortium
    function proposeReinstatement(bytes2 proposer, bytes2 country) external returns (uint256) {
        if (!_suspended[country]) revert GovernanceNotSuspended(country);
        return _propose(proposer, ProposalKind.Reinstatement, country);
    }

    /// @inheritdoc IConsortium
    function proposeRecovery(bytes2 proposer, bytes2 country, address admin) external returns (uint256 id) {
        _requireRegistered(country);
        id = _propose(proposer, ProposalKind.Recovery, country);
        _proposals[id].account = admin;
        _proposals[id].executableFrom = uint48(block.timestamp) + _rules.recoveryDelay;
    }

    /// @inheritdoc IConsortium
    function proposeRules(bytes2 proposer, Rules calldata newRules) external returns (uint256 id) {
        _checkRules(newRules);
        id = _propose(proposer, ProposalKind.Rules, proposer);
        _proposals[id].rules = newRules;
    }

    /// @inheritdoc IConsortium
    function vote(uint256 id, bytes2 voter) external {
        Proposal storage open = _open(id, voter);
        if (_voted[id][voter]) revert GovernanceAlreadyVoted(id, voter);
        _voted[id][voter] = true;
        emit VoteCast(id, voter, _msgSender(), ++open.votes);
    }

    /// @inheritdoc IConsortium
    function unvote(uint256 id, bytes2 voter) external {
        Proposal storage open = _open(id, voter);
        if (!_voted[id][voter]) revert GovernanceNotVoted(id, voter);
        _voted[id][voter] = false;
        emit VoteWithdrawn(id, voter, _msgSender(), --open.votes);
    }

    /// @inheritdoc IConsortium
    function veto(uint256 id) external {
        Proposal storage found = _known(id);
        if (found.kind != ProposalKind.Recovery || found.state != ProposalState.Open) {
            revert GovernanceClosed(id, found.state);
        }
        _checkRole(adminRole(found.country)); // an admin of the country whose keys were said lost
        found.state = ProposalState.Vetoed;
        emit ProposalVetoed(id, found.country, _msgSender());
    }

    /// @inheritdoc IConsortium
    function execute(uint256 id) external {
        Proposal storage found = _known(id);
        if (found.state != ProposalState.Open) revert GovernanceClosed(id, found.state);
        if (block.timestamp > found.expires) revert GovernanceExpired(id, found.expires);
        if (block.timestamp < found.executableFrom) revert GovernanceInVetoWindow(id, found.executableFrom);
        uint256 needed = _needed(found.kind);
        if (found.votes < needed) revert GovernanceBelowThreshold(id, found.votes, needed);
        found.state = ProposalState.Executed;
        bytes2 country = found.country;
        if (found.kind == ProposalKind.Admission) {
            _admit(country, found.name, found.account);
        } else if (found.kind == ProposalKind.Suspension) {
            if (!_isActiveMember(country)) revert GovernanceNotSuspendable(country);
            _suspended[country] = true;
            --_memberCount;
            emit AdministrationSuspended(country, id);
        } else if (found.kind == ProposalKind.Reinstatement) {
            if (!_suspended[country]) revert GovernanceNotSuspended(country);
            _suspended[country] = false;
            ++_memberCount;
            emit AdministrationReinstated(country, id);
        } else if (found.kind == ProposalKind.Recovery) {
            _grantRole(adminRole(country), found.account);
            emit AdministrationRecovered(country, found.account, id);
        } else {
            _setRules(found.rules);
            Rules memory set = found.rules;
            emit RulesChanged(id, set.quorum, set.supermajority, set.votingPeriod, set.recoveryDelay);
        }
        emit ProposalExecuted(id, found.kind, country, _msgSender());
    }

    /// @inheritdoc IConsortium
    function proposal(uint256 id) external view returns (Proposal memory) {
        return _known(id);
    }

    /// @inheritdoc IConsortium
    function rules() external view returns (Rules memory) {
        return _rules;
    }

    /// @inheritdoc IConsortium
    function memberCount() external view returns (uint256) {
        return _memberCount;
    }

    /// @inheritdoc IConsortium
    function hasVoted(uint256 id, bytes2 country) external view returns (bool) {
        return _voted[id][country];
    }

    /// @dev Votes a proposal of `kind` needs with the current members: its threshold, rounded up.
    function _needed(ProposalKind kind) private view returns (uint256) {
        uint256 threshold = kind == ProposalKind.Admission || kind == ProposalKind.Reinstatement
            ? _rules.quorum
            : _rules.supermajority;
        return (_memberCount * threshold + _ALL - 1) / _ALL;
    }

    function _propose(bytes2 proposer, ProposalKind kind, bytes2 country) private returns (uint256 id) {
        _requireMember(proposer);
        id = ++_proposalCount;
        Proposal storage created = _proposals[id];
        created.kind = kind;
        created.state = ProposalState.Open;
        created.proposer = proposer;
        created.country = country;
        created.expires = uint48(block.timestamp) + _rules.votingPeriod;
        emit ProposalCreated(id, kind, proposer, country, _msgSender());
    }

    /// @dev The open, unexpired proposal `id`, for a vote of active member `voter` cast by one of its admins.
    function _open(uint256 id, bytes2 voter) private view returns (Proposal storage found) {
        _requireMember(voter);
        found = _known(id);
        if (found.state != ProposalState.Open) revert GovernanceClosed(id, found.state);
        if (block.timestamp > found.expires) revert GovernanceExpired(id, found.expires);
    }

    function _known(uint256 id) private view returns (Proposal storage found) {
        if (id == 0 || id > _proposalCount) revert GovernanceUnknownProposal(id);
        found = _proposals[id];
    }

    /// @dev The caller is an admin of `country`, an active member.
    function _requireMember(bytes2 country) private view {
        _checkRole(adminRole(country));
        if (!_isActiveMember(country)) revert GovernanceNotMember(country);
    }

    function _isActiveMember(bytes2 country) private view returns (bool) {
        return _isRegistered(country) && !_suspended[country];
    }

    function _admit(bytes2 country, string memory name, address admin) private {
        _register(country, name, admin);
        ++_memberCount;
    }

    function _setRules(Rules memory newRules) private {
        _checkRules(newRules);
        _rules = newRules;
    }

    function _checkRules(Rules memory candidate) private pure {
        bool valid = candidate.quorum > _ALL / 2 &&
            candidate.quorum <= candidate.supermajority &&
            candidate.supermajority <= _ALL &&
            candidate.votingPeriod > 0;
        if (!valid) revert GovernanceInvalidRules(candidate);
    }
}
