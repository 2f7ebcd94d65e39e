// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {CustomsAdministrations} from "./CustomsAdministrations.sol";
import {IConsortium} from "./interfaces/IConsortium.sol";

/**
 * @dev The member administrations govern the network by vote; see {IConsortium}. Votes are counted
 * as they are cast (no loop over members); the member count is kept as administrations are
 * admitted, suspended, expelled and reinstated. A decision changes an administration's status or
 * seats one; it never grants or revokes a role of a seated country, except the first admin a
 * recovery appoints after its veto window.
 */
abstract contract Consortium is IConsortium, CustomsAdministrations {
    uint16 private constant _ALL = 10_000; // basis points

    Rules private _rules;
    uint256 private _memberCount;
    uint256 private _proposalCount;
    mapping(uint256 id => Proposal) private _proposals;
    mapping(uint256 id => mapping(bytes2 country => bool)) private _voted;

    /// @dev Seats the founding members and sets the rules; no account keeps any power after this.
    constructor(bytes2[] memory countries, string[] memory names, address[] memory admins, Rules memory initial) {
        _setRules(initial);
        for (uint256 i = 0; i < countries.length; ++i) {
            _admit(countries[i], names[i], admins[i]);
        }
    }

    /// @inheritdoc IConsortium
    function propose(bytes2 proposer, Motion calldata motion) external returns (uint256 id) {
        _requireMember(proposer);
        ProposalKind kind = motion.kind;
        bytes2 country = motion.country;
        if (kind == ProposalKind.Admission) _checkAdmissible(country, motion.account);
        else if (kind == ProposalKind.Suspension) _checkSuspendable(country);
        else if (kind == ProposalKind.Expulsion) _checkExpellable(country);
        else if (kind == ProposalKind.Reinstatement) _checkReinstatable(country);
        else if (kind == ProposalKind.Recovery) _checkRecoverable(country, motion.account);
        else _checkRules(motion.rules);
        id = ++_proposalCount;
        Proposal storage created = _proposals[id];
        created.motion = motion;
        created.state = ProposalState.Open;
        created.proposer = proposer;
        created.expires = uint48(block.timestamp) + _rules.votingPeriod;
        if (kind == ProposalKind.Recovery) created.executableFrom = uint48(block.timestamp) + _rules.recoveryDelay;
        emit ProposalCreated(id, kind, proposer, country, _msgSender());
    }

    /// @inheritdoc IConsortium
    function vote(uint256 id, bytes2 voter, bool support) external {
        _requireMember(voter);
        Proposal storage open = _open(id);
        if (_voted[id][voter] == support) {
            if (support) revert GovernanceAlreadyVoted(id, voter);
            revert GovernanceNotVoted(id, voter);
        }
        _voted[id][voter] = support;
        if (support) emit VoteCast(id, voter, _msgSender(), ++open.votes);
        else emit VoteWithdrawn(id, voter, _msgSender(), --open.votes);
    }

    /// @inheritdoc IConsortium
    function vetoRecovery(uint256 id) external {
        Proposal storage found = _known(id);
        if (found.motion.kind != ProposalKind.Recovery || found.state != ProposalState.Open) {
            revert GovernanceClosed(id, found.state);
        }
        bytes2 country = found.motion.country;
        _checkRole(adminRole(country)); // an admin of the country whose keys were said lost
        found.state = ProposalState.Vetoed;
        emit ProposalVetoed(id, country, _msgSender());
    }

    /// @inheritdoc IConsortium
    function execute(uint256 id) external {
        Proposal storage found = _open(id);
        if (block.timestamp < found.executableFrom) revert GovernanceInVetoWindow(id, found.executableFrom);
        Motion storage motion = found.motion;
        ProposalKind kind = motion.kind;
        uint256 needed = _needed(kind);
        if (found.votes < needed) revert GovernanceBelowThreshold(id, found.votes, needed);
        found.state = ProposalState.Executed;
        bytes2 country = motion.country;
        if (kind == ProposalKind.Admission) {
            _admit(country, motion.name, motion.account);
        } else if (kind == ProposalKind.Suspension) {
            _checkSuspendable(country);
            --_memberCount;
            _setStatus(country, AdministrationStatus.Suspended);
            emit AdministrationSuspended(country, id);
        } else if (kind == ProposalKind.Expulsion) {
            _checkExpellable(country);
            if (_status(country) == AdministrationStatus.Active) --_memberCount;
            _setStatus(country, AdministrationStatus.Expelled);
            emit AdministrationExpelled(country, id);
        } else if (kind == ProposalKind.Reinstatement) {
            _checkReinstatable(country);
            ++_memberCount;
            _setStatus(country, AdministrationStatus.Active);
            emit AdministrationReinstated(country, id);
        } else if (kind == ProposalKind.Recovery) {
            _grantRole(adminRole(country), motion.account);
            emit AdministrationRecovered(country, motion.account, id);
        } else {
            Rules memory set = motion.rules;
            _setRules(set);
            emit RulesChanged(id, set.quorum, set.supermajority, set.votingPeriod, set.recoveryDelay);
        }
        emit ProposalExecuted(id, kind, country, _msgSender());
    }

    /// @inheritdoc IConsortium
    function getProposal(uint256 id) external view returns (Proposal memory) {
        return _known(id);
    }

    /// @inheritdoc IConsortium
    function consortium() external view returns (ConsortiumState memory) {
        return ConsortiumState(_rules, _memberCount, _proposalCount);
    }

    /// @inheritdoc IConsortium
    function hasVoted(uint256 id, bytes2 country) external view returns (bool) {
        return _voted[id][country];
    }

    /// @dev Votes a proposal of `kind` needs from the current members: its threshold, rounded up.
    function _needed(ProposalKind kind) private view returns (uint256) {
        uint256 threshold = kind == ProposalKind.Admission || kind == ProposalKind.Reinstatement
            ? _rules.quorum
            : _rules.supermajority;
        return (_memberCount * threshold + _ALL - 1) / _ALL;
    }

    /// @dev The open, unexpired proposal `id`.
    function _open(uint256 id) private view returns (Proposal storage found) {
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
        if (_status(country) != AdministrationStatus.Active) revert GovernanceNotMember(country);
    }

    function _checkSuspendable(bytes2 country) private view {
        if (_status(country) != AdministrationStatus.Active) revert GovernanceInvalidStatus(country, _status(country));
    }

    function _checkExpellable(bytes2 country) private view {
        AdministrationStatus status = _status(country);
        if (status != AdministrationStatus.Active && status != AdministrationStatus.Suspended) {
            revert GovernanceInvalidStatus(country, status);
        }
    }

    function _checkRecoverable(bytes2 country, address admin) private view {
        _requireRegistered(country);
        if (admin == address(0)) revert CustomsInvalidAdmin(admin);
    }

    function _checkReinstatable(bytes2 country) private view {
        if (_status(country) != AdministrationStatus.Suspended) revert GovernanceInvalidStatus(country, _status(country));
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
        if (!valid) {
            revert GovernanceInvalidRules(
                candidate.quorum,
                candidate.supermajority,
                candidate.votingPeriod,
                candidate.recoveryDelay
            );
        }
    }
}
