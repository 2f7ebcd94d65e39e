// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {CadenaLens} from "./CadenaLens.sol";
import {ICadena} from "./interfaces/ICadena.sol";
import {IConsortium} from "./interfaces/IConsortium.sol";
import {ICustomsAdministrations} from "./interfaces/ICustomsAdministrations.sol";
import {Countries} from "./libraries/Countries.sol";
import {CountryRoles} from "./libraries/CountryRoles.sol";
import {StorageSlots} from "./libraries/StorageSlots.sol";
import {RelayKind, RelayedContext} from "./RelayedContext.sol";

/**
 * @dev The members' consortium: the only authority of the CADENA contract, which it creates behind
 * an ERC-1967 proxy; see {IConsortium}. Votes are kept as bit sets of members (at most 256, one per
 * ISO country code), so an electorate is one word and counting one is a loop over its bits, never a
 * loop over a stored list. The delays' floors are constants: no rules change can lower them.
 */
contract Consortium is IConsortium, ERC2771Context, RelayedContext {
    uint16 private constant _ALL = 10_000; // basis points

    /// @dev How long a decision on membership or the rules waits once it has its votes.
    uint32 public constant DECISION_DELAY = 2 days;
    /// @dev The shortest veto window of a key recovery, whatever the rules say.
    uint32 public constant MIN_RECOVERY_DELAY = 7 days;
    /// @dev The public window of an upgrade once it has its votes, in which any single member can veto it.
    uint32 public constant UPGRADE_WINDOW = 7 days;
    /// @dev Bounds of the voting period, and the lowest supermajority the rules may set (two thirds).
    uint32 public constant MIN_VOTING_PERIOD = 1 days;
    uint32 public constant MAX_VOTING_PERIOD = 90 days;
    uint16 public constant MIN_SUPERMAJORITY = 6666;

    ICadena private immutable _cadena;
    address private immutable _lens;

    Rules private _rules;
    uint256 private _proposalCount;
    mapping(uint256 id => Proposal) private _proposals;

    /// @dev Sets the rules, and creates the CADENA contract, an ERC-1967 proxy of `implementation`
    /// seating the founding members under this consortium, and its lens; relayed calls are trusted from
    /// `forwarder`, of relay kind `relayKind_` (as the implementation's). No account keeps any power after this.
    constructor(
        address implementation,
        bytes2[] memory countries,
        string[] memory names,
        address[] memory admins,
        Rules memory initial,
        address forwarder,
        RelayKind relayKind_
    ) ERC2771Context(forwarder) RelayedContext(forwarder, relayKind_) {
        _checkRules(initial);
        _rules = initial;
        ICadena created = ICadena(
            address(new ERC1967Proxy(implementation, abi.encodeCall(ICadena.initialize, (address(this)))))
        );
        for (uint256 i = 0; i < countries.length; ++i) {
            created.admitAdministration(countries[i], names[i], admins[i], 0);
        }
        _cadena = created;
        _lens = address(new CadenaLens(address(created)));
    }

    /// @inheritdoc IConsortium
    function propose(bytes2 proposer, Motion calldata motion) external returns (uint256 id) {
        _requireMember(proposer);
        _checkMotion(motion);
        ProposalKind kind = motion.kind;
        uint256 electorate = _activeMembers();
        uint256 threshold = kind == ProposalKind.Reinstatement ? _rules.quorum : _rules.supermajority;
        uint256 needed = (_bitCount(electorate) * threshold + _ALL - 1) / _ALL;
        id = ++_proposalCount;
        Proposal storage created = _proposals[id];
        created.motion = motion;
        created.state = ProposalState.Open;
        created.proposer = proposer;
        created.needed = uint16(needed == 0 ? 1 : needed);
        created.expires = uint48(block.timestamp) + _rules.votingPeriod;
        created.electorate = electorate;
        emit ProposalCreated(id, kind, proposer, motion.country, _msgSender());
    }

    /// @inheritdoc IConsortium
    function vote(uint256 id, bytes2 voter, bool support) external {
        _requireMember(voter);
        Proposal storage found = _live(id);
        uint256 bit = _memberBit(voter);
        if (found.electorate & bit == 0) revert GovernanceNotElector(id, voter);
        if ((found.ballots & bit != 0) == support) {
            if (support) revert GovernanceAlreadyVoted(id, voter);
            revert GovernanceNotVoted(id, voter);
        }
        if (support) {
            found.ballots |= bit;
            emit VoteCast(id, voter, _msgSender(), ++found.votes);
        } else {
            found.ballots &= ~bit;
            emit VoteWithdrawn(id, voter, _msgSender(), --found.votes);
        }
    }

    /// @inheritdoc IConsortium
    function veto(uint256 id, bytes2 country) external {
        Proposal storage found = _known(id);
        if (found.state != ProposalState.Open && found.state != ProposalState.Queued) {
            revert GovernanceClosed(id, found.state);
        }
        ProposalKind kind = found.motion.kind;
        _requireAdmin(country);
        if (kind == ProposalKind.Recovery) {
            if (country != found.motion.country) revert GovernanceNotVetoable(id, country);
        } else if (kind == ProposalKind.Upgrade) {
            ICustomsAdministrations.AdministrationStatus status = _status(country);
            if (status != ICustomsAdministrations.AdministrationStatus.Active && status != ICustomsAdministrations.AdministrationStatus.Suspended) {
                revert GovernanceNotMember(country);
            }
        } else {
            revert GovernanceNotVetoable(id, country);
        }
        found.state = ProposalState.Vetoed;
        emit ProposalVetoed(id, country, _msgSender());
    }

    /// @inheritdoc IConsortium
    function execute(uint256 id) external {
        Proposal storage found = _live(id);
        uint256 votes = countedVotes(id);
        if (votes < found.needed) revert GovernanceBelowThreshold(id, votes, found.needed);
        Motion storage motion = found.motion;
        ProposalKind kind = motion.kind;
        if (found.state == ProposalState.Open) {
            uint48 executableFrom = uint48(block.timestamp + delayOf(kind));
            found.state = ProposalState.Queued;
            found.executableFrom = executableFrom;
            found.expires = executableFrom + _rules.votingPeriod;
            emit ProposalQueued(id, executableFrom, found.expires);
            return;
        }
        if (block.timestamp < found.executableFrom) revert GovernanceInVetoWindow(id, found.executableFrom);
        _checkMotion(motion);
        found.state = ProposalState.Executed;
        bytes2 country = motion.country;
        if (kind == ProposalKind.Admission) {
            _cadena.admitAdministration(country, motion.name, motion.account, id);
        } else if (kind == ProposalKind.Suspension) {
            _cadena.setAdministrationStatus(country, ICustomsAdministrations.AdministrationStatus.Suspended, id);
        } else if (kind == ProposalKind.Expulsion) {
            _cadena.setAdministrationStatus(country, ICustomsAdministrations.AdministrationStatus.Expelled, id);
        } else if (kind == ProposalKind.Reinstatement) {
            _cadena.setAdministrationStatus(country, ICustomsAdministrations.AdministrationStatus.Active, id);
        } else if (kind == ProposalKind.Recovery) {
            _cadena.recoverAdministration(country, motion.account, id);
        } else if (kind == ProposalKind.Rules) {
            Rules memory set = motion.rules;
            _rules = set;
            emit RulesChanged(id, set.quorum, set.supermajority, set.votingPeriod, set.recoveryDelay);
        } else {
            _cadena.upgradeToAndCall(motion.account, "");
        }
        emit ProposalExecuted(id, kind, country, _msgSender());
    }

    /// @inheritdoc IConsortium
    function cadena() external view returns (address) {
        return address(_cadena);
    }

    /// @inheritdoc IConsortium
    function lens() external view returns (address) {
        return _lens;
    }

    /// @inheritdoc IConsortium
    function delayOf(ProposalKind kind) public view returns (uint256) {
        if (kind == ProposalKind.Recovery) return _rules.recoveryDelay;
        if (kind == ProposalKind.Upgrade) return UPGRADE_WINDOW;
        return DECISION_DELAY;
    }

    /// @inheritdoc IConsortium
    function countedVotes(uint256 id) public view returns (uint256) {
        Proposal storage found = _known(id);
        return _bitCount(found.ballots & found.electorate & _activeMembers());
    }

    /// @inheritdoc IConsortium
    function getProposal(uint256 id) external view returns (Proposal memory) {
        return _known(id);
    }

    /// @inheritdoc IConsortium
    function consortium() external view returns (ConsortiumState memory) {
        return ConsortiumState(_rules, _bitCount(_activeMembers()), _proposalCount);
    }

    /// @inheritdoc IConsortium
    function hasVoted(uint256 id, bytes2 country) external view returns (bool) {
        return _known(id).ballots & _memberBit(country) != 0;
    }

    /// @dev The open or queued, unexpired proposal `id`.
    function _live(uint256 id) private view returns (Proposal storage found) {
        found = _known(id);
        if (found.state != ProposalState.Open && found.state != ProposalState.Queued) {
            revert GovernanceClosed(id, found.state);
        }
        if (block.timestamp > found.expires) revert GovernanceExpired(id, found.expires);
    }

    function _known(uint256 id) private view returns (Proposal storage found) {
        if (id == 0 || id > _proposalCount) revert GovernanceUnknownProposal(id);
        found = _proposals[id];
    }

    /// @dev The caller is an admin of `country`, an active member.
    function _requireMember(bytes2 country) private view {
        _requireAdmin(country);
        if (_status(country) != ICustomsAdministrations.AdministrationStatus.Active) revert GovernanceNotMember(country);
    }

    /// @dev The caller is an admin of `country` (of its current generation of admins).
    function _requireAdmin(bytes2 country) private view {
        address caller = _msgSender();
        if (!_cadena.hasRole(CountryRoles.admin(country), caller)) revert GovernanceNotAdmin(country, caller);
    }

    /// @dev The status of `country`'s administration, the first byte of its record in CADENA's storage.
    function _status(bytes2 country) private view returns (ICustomsAdministrations.AdministrationStatus) {
        return ICustomsAdministrations.AdministrationStatus(uint8(uint256(_administrationRecord(country))));
    }

    /// @dev The bit of `country` among the members (zero if it has no administration).
    function _memberBit(bytes2 country) private view returns (uint256) {
        return StorageSlots.memberBit(_administrationRecord(country));
    }

    /// @dev The active members as a bit set, as CADENA keeps them.
    function _activeMembers() private view returns (uint256) {
        return uint256(_cadenaWord(bytes32(uint256(StorageSlots.ADMINISTRATIONS) + StorageSlots.ACTIVE_MEMBERS)));
    }

    function _administrationRecord(bytes2 country) private view returns (bytes32) {
        return
            _cadenaWord(
                keccak256(abi.encode(country, uint256(StorageSlots.ADMINISTRATIONS) + StorageSlots.ADMINISTRATION_RECORDS))
            );
    }

    /// @dev The word at `slot` of CADENA's storage.
    function _cadenaWord(bytes32 slot) private view returns (bytes32) {
        bytes32[] memory slots = new bytes32[](1);
        slots[0] = slot;
        return _cadena.extsload(slots)[0];
    }

    /// @dev Reverts unless `motion` can be carried out now.
    function _checkMotion(Motion memory motion) private view {
        ProposalKind kind = motion.kind;
        bytes2 country = motion.country;
        if (kind == ProposalKind.Rules) {
            _checkRules(motion.rules);
            return;
        }
        if (kind == ProposalKind.Upgrade) {
            address implementation = motion.account;
            if (motion.codeHash == bytes32(0) || implementation.code.length == 0 || implementation.codehash != motion.codeHash) {
                revert GovernanceInvalidImplementation(implementation, motion.codeHash);
            }
            return;
        }
        ICustomsAdministrations.AdministrationStatus status = _status(country);
        bool valid;
        if (kind == ProposalKind.Admission) {
            if (!Countries.isAssigned(country)) revert ICustomsAdministrations.CustomsInvalidCountry(country);
            if (motion.account == address(0)) revert ICustomsAdministrations.CustomsInvalidAdmin(motion.account);
            valid = status == ICustomsAdministrations.AdministrationStatus.None || status == ICustomsAdministrations.AdministrationStatus.Expelled;
            if (!valid) revert ICustomsAdministrations.CustomsAdministrationExists(country);
        } else if (kind == ProposalKind.Reinstatement) {
            valid = status == ICustomsAdministrations.AdministrationStatus.Suspended;
        } else if (kind == ProposalKind.Recovery) {
            if (motion.account == address(0)) revert ICustomsAdministrations.CustomsInvalidAdmin(motion.account);
            valid = status == ICustomsAdministrations.AdministrationStatus.Active || status == ICustomsAdministrations.AdministrationStatus.Suspended;
        } else {
            valid = status == ICustomsAdministrations.AdministrationStatus.Active || (kind == ProposalKind.Expulsion && status == ICustomsAdministrations.AdministrationStatus.Suspended);
            if (valid && status == ICustomsAdministrations.AdministrationStatus.Active && _activeMembers() == _memberBit(country)) {
                revert GovernanceLastMember(country);
            }
        }
        if (!valid) revert GovernanceInvalidStatus(country, status);
    }

    function _checkRules(Rules memory candidate) private pure {
        bool valid = candidate.quorum > _ALL / 2 &&
            candidate.quorum <= candidate.supermajority &&
            candidate.supermajority >= MIN_SUPERMAJORITY &&
            candidate.supermajority <= _ALL &&
            candidate.votingPeriod >= MIN_VOTING_PERIOD &&
            candidate.votingPeriod <= MAX_VOTING_PERIOD &&
            candidate.recoveryDelay >= MIN_RECOVERY_DELAY &&
            candidate.recoveryDelay <= candidate.votingPeriod;
        if (!valid) {
            revert GovernanceInvalidRules(
                candidate.quorum,
                candidate.supermajority,
                candidate.votingPeriod,
                candidate.recoveryDelay
            );
        }
    }

    /// @dev Members in a bit set (at most 256 iterations, one per member).
    function _bitCount(uint256 set) private pure returns (uint256 count) {
        for (; set != 0; set &= set - 1) ++count;
    }

    function _msgSender() internal view override returns (address) {
        if (msg.sender != trustedForwarder()) return msg.sender; // called directly: the common case, first
        return _trustsHub() ? _hubSender() : ERC2771Context._msgSender();
    }

    function _msgData() internal view override returns (bytes calldata) {
        return msg.sender == trustedForwarder() && _trustsHub() ? _hubData() : ERC2771Context._msgData();
    }

    function _contextSuffixLength() internal view override returns (uint256) {
        return _relaySuffixLength(ERC2771Context._contextSuffixLength());
    }
}
