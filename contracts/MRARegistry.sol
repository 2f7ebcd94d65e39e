// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {CustomsAdministrations} from "./CustomsAdministrations.sol";
import {MRARecord, MRARecords} from "./libraries/MRARecords.sol";
import {StorageSlots} from "./libraries/StorageSlots.sol";
import {IMRARegistry} from "./interfaces/IMRARegistry.sol";
import {IRecognition} from "./interfaces/IRecognition.sol";

/**
 * @dev MRAs among registered administrations. An MRA's state fits one storage slot: party status
 * is kept as bit masks by party index. When the second of two parties signs, their pair gets a 48-bit
 * entry (MRA id and both party indexes) in its packed list, and when one of them leaves the entry
 * goes: recognition between two countries reads only the MRAs those two have both signed, so no
 * third party can make it dearer by proposing. The spare top bits of a pair's first slot say which
 * of its two countries is suspended, so that recognition learns it without another read; a
 * suspension sets them in the pairs of the country's MRA partners, one write per partner. A
 * suspended administration proposes, signs and resumes nothing; it may still step back.
 */
abstract contract MRARegistry is IMRARegistry, CustomsAdministrations {
    /// @dev Most parties of one MRA.
    uint256 internal constant _MAX_PARTIES = 32;

    /// @dev Benefits, one bit each: reduced physical inspection, reduced documentary checks,
    /// priority treatment, simplified procedures, business continuity, lower risk score.
    uint16 internal constant _BENEFITS_MASK = 0x003F;

    uint256 private constant _ENTRY_BITS = 48;
    uint256 private constant _ENTRY_MASK = (1 << _ENTRY_BITS) - 1;
    uint256 private constant _ENTRIES_PER_SLOT = 5;
    uint256 private constant _ENTRIES_MASK = (1 << (_ENTRY_BITS * _ENTRIES_PER_SLOT)) - 1;
    /// @dev Flags in the top bits of a pair's first slot: listed among both countries' partners,
    /// and the first or second country (in key order) suspended.
    uint256 private constant _LISTED = 1 << 240;
    uint256 private constant _FIRST_SUSPENDED = 1 << 241;
    uint256 private constant _SECOND_SUSPENDED = 1 << 242;

    /// @custom:storage-location erc7201:cadena.storage.MRARegistry
    struct MRARegistryStorage {
        uint32 mraCount;
        mapping(bytes2 country => uint256) mraCountOf;
        mapping(uint32 id => MRARecord) mras;
        mapping(uint32 id => bytes2[]) parties;
        mapping(uint32 id => mapping(bytes2 country => uint256 indexPlusOne)) partyIndex;
        mapping(uint32 id => string) titles;
        mapping(bytes2 country => mapping(uint256 index => uint32 id)) mrasOf;
        mapping(bytes4 pair => uint256) pairLength;
        /// @dev Entries of a pair, five to a slot; the list ends at the first zero entry (ids start at 1).
        mapping(bytes4 pair => mapping(uint256 slot => uint256 entries)) pairEntries;
        /// @dev The countries a country has ever had an MRA in force with, both signed (at most the members).
        mapping(bytes2 country => bytes2[]) partners;
    }

    function _mraStorage() private pure returns (MRARegistryStorage storage $) {
        bytes32 slot = StorageSlots.MRA_REGISTRY;
        assembly ("memory-safe") {
            $.slot := slot
        }
    }

    /// @inheritdoc IMRARegistry
    function proposeMRA(
        bytes2 proposer,
        bytes2[] calldata parties,
        uint16 benefits,
        uint16 coveredTypes,
        uint24 effectiveFrom,
        string calldata title,
        bool consentRequired
    ) external onlyRole(adminRole(proposer)) returns (uint32 id) {
        _requireActive(proposer);
        uint256 count = parties.length;
        if (count < 2 || count > _MAX_PARTIES) revert MRAInvalidPartyCount(count);
        if (benefits == 0 || benefits & ~_BENEFITS_MASK != 0) revert MRAInvalidBenefits(benefits);
        if (coveredTypes == 0 || coveredTypes & ~_AEO_TYPES_MASK != 0) revert MRAInvalidCoveredTypes(coveredTypes);
        id = ++_mraStorage().mraCount;
        for (uint256 i = 0; i < count; ++i) {
            bytes2 party = parties[i];
            _requireRegistered(party);
            if (_mraStorage().partyIndex[id][party] != 0) revert MRADuplicateParty(party);
            _mraStorage().partyIndex[id][party] = i + 1;
            _mraStorage().mrasOf[party][_mraStorage().mraCountOf[party]++] = id;
        }
        if (_mraStorage().partyIndex[id][proposer] == 0) revert MRAProposerNotParty(proposer);
        _mraStorage().parties[id] = parties;
        _mraStorage().titles[id] = title;
        _mraStorage().mras[id] = MRARecord({
            proposer: proposer,
            benefits: benefits,
            coveredTypes: coveredTypes,
            effectiveFrom: effectiveFrom,
            memberCount: uint8(count),
            unsignedCount: uint8(count),
            signedMask: 0,
            suspendedMask: 0,
            leftMask: 0,
            consentRequired: consentRequired
        });
        emit MRAProposed(
            id,
            proposer,
            _msgSender(),
            parties,
            benefits,
            coveredTypes,
            effectiveFrom,
            title,
            consentRequired
        );
    }

    /// @inheritdoc IMRARegistry
    function setParticipation(
        uint32 id,
        bytes2 party,
        PartyStatus from,
        PartyStatus to
    ) external onlyRole(adminRole(party)) {
        MRARecord storage record = _known(id);
        if (record.memberCount < 2) revert MRAHasTerminated(id);
        uint256 index = _mraStorage().partyIndex[id][party];
        if (index == 0) revert MRANotParty(id, party);
        uint32 bit = uint32(1 << (index - 1));
        PartyStatus current = MRARecords.partyStatus(record, bit);
        if (current != from) revert MRAInvalidPartyStatus(id, party, current);
        if (to == PartyStatus.Signed && (from == PartyStatus.Pending || from == PartyStatus.Suspended)) {
            _requireActive(party);
            if (from == PartyStatus.Pending) _sign(record, id, party, bit);
            else _resume(record, id, party, bit);
        } else if (to == PartyStatus.Suspended && from == PartyStatus.Signed) {
            record.signedMask &= ~bit;
            record.suspendedMask |= bit;
            emit MRAParticipationSuspended(id, party, _msgSender());
        } else if (to == PartyStatus.Left && from != PartyStatus.Left) {
            _leave(record, id, party, bit);
        } else {
            revert MRAInvalidPartyStatus(id, party, current);
        }
    }

    function _sign(MRARecord storage record, uint32 id, bytes2 party, uint32 bit) private {
        uint32 signedBefore = record.signedMask | record.suspendedMask;
        record.signedMask |= bit;
        uint8 unsigned = --record.unsignedCount;
        _forEachPair(id, party, bit, signedBefore, true);
        emit MRASigned(id, party, _msgSender());
        if (unsigned == 0) emit MRAConcluded(id, record.effectiveFrom);
    }

    function _resume(MRARecord storage record, uint32 id, bytes2 party, uint32 bit) private {
        record.suspendedMask &= ~bit;
        record.signedMask |= bit;
        emit MRAParticipationResumed(id, party, _msgSender());
    }

    function _leave(MRARecord storage record, uint32 id, bytes2 party, uint32 bit) private {
        uint32 signedParties = record.signedMask | record.suspendedMask;
        bool wasPending = signedParties & bit == 0;
        if (!wasPending) _forEachPair(id, party, bit, signedParties & ~bit, false);
        record.signedMask &= ~bit;
        record.suspendedMask &= ~bit;
        record.leftMask |= bit;
        uint8 members = --record.memberCount;
        uint8 unsigned = wasPending ? --record.unsignedCount : record.unsignedCount;
        emit MRAPartyLeft(id, party, _msgSender());
        if (members < 2) emit MRATerminated(id);
        else if (wasPending && unsigned == 0) emit MRAConcluded(id, record.effectiveFrom);
    }

    /**
     * @dev Union of the benefits of the MRAs in force between `importer` and `exporter` that cover one
     * of `aeoTypes` on day `today`, and the verdict: Recognised, else NoConsent (an MRA would recognise
     * but needs the consent the trader has not given: `consented` false), TypeNotCovered,
     * MRANotInForce or NoMRA; IssuerSuspended instead of Recognised while the exporter is suspended.
     * Reads the pair's entries slot by slot up to the first empty one.
     */
    function _recognition(
        bytes2 importer,
        bytes2 exporter,
        uint16 aeoTypes,
        uint256 today,
        bool consented
    ) internal view returns (uint16 benefits, IRecognition.Verdict verdict) {
        verdict = IRecognition.Verdict.NoMRA;
        (bytes4 pair, bool importerFirst) = _pairKey(importer, exporter);
        uint256 head = _mraStorage().pairEntries[pair][0];
        uint256 entries = head & _ENTRIES_MASK;
        for (uint256 read = 1; entries != 0; ++read) {
            MRARecord storage record = _mraStorage().mras[uint32(entries)];
            uint32 both = uint32((1 << uint8(entries >> 32)) | (1 << uint8(entries >> 40)));
            if (record.unsignedCount != 0 || today < record.effectiveFrom || record.signedMask & both != both) {
                if (verdict == IRecognition.Verdict.NoMRA) verdict = IRecognition.Verdict.MRANotInForce;
            } else if (record.coveredTypes & aeoTypes == 0) {
                if (verdict != IRecognition.Verdict.Recognised && verdict != IRecognition.Verdict.NoConsent) {
                    verdict = IRecognition.Verdict.TypeNotCovered;
                }
            } else if (record.consentRequired && !consented) {
                if (verdict != IRecognition.Verdict.Recognised) verdict = IRecognition.Verdict.NoConsent;
            } else {
                benefits |= record.benefits;
                verdict = IRecognition.Verdict.Recognised;
            }
            entries >>= _ENTRY_BITS;
            if (read % _ENTRIES_PER_SLOT == 0) entries = _mraStorage().pairEntries[pair][read / _ENTRIES_PER_SLOT];
        }
        if (verdict == IRecognition.Verdict.Recognised && head & (importerFirst ? _SECOND_SUSPENDED : _FIRST_SUSPENDED) != 0) {
            return (0, IRecognition.Verdict.IssuerSuspended);
        }
    }

    /**
     * @dev Adds (`link`) or removes MRA `id` in the lists of the pairs of `party` (whose bit is `bit`)
     * with each party in `others`: at most 31, the MRA's own parties.
     */
    function _forEachPair(uint32 id, bytes2 party, uint32 bit, uint32 others, bool link) private {
        bytes2[] storage parties = _mraStorage().parties[id];
        uint256 index = _bitIndex(bit);
        for (uint256 j = 0; others >> j != 0; ++j) {
            if ((others >> j) & 1 == 0) continue;
            if (link) _addPairEntry(party, index, parties[j], j, id);
            else _removePairEntry(party, parties[j], id);
        }
    }

    /// @dev Adds MRA `id` to the list of the pair of parties `a` (index `ia`) and `b` (index `ib`);
    /// the pair's first entry ever lists each country among the other's partners, with its status.
    function _addPairEntry(bytes2 a, uint256 ia, bytes2 b, uint256 ib, uint32 id) private {
        (bytes4 pair, bool aFirst) = _pairKey(a, b);
        (uint256 first, uint256 second) = aFirst ? (ia, ib) : (ib, ia);
        uint256 k = _mraStorage().pairLength[pair]++;
        uint256 entry = uint256(id) | (first << 32) | (second << 40);
        _mraStorage().pairEntries[pair][k / _ENTRIES_PER_SLOT] |= entry << (_ENTRY_BITS * (k % _ENTRIES_PER_SLOT));
        if (_mraStorage().pairEntries[pair][0] & _LISTED == 0) {
            _mraStorage().partners[a].push(b);
            _mraStorage().partners[b].push(a);
            (bytes2 low, bytes2 high) = aFirst ? (a, b) : (b, a);
            uint256 flags = _LISTED;
            if (_status(low) != AdministrationStatus.Active) flags |= _FIRST_SUSPENDED;
            if (_status(high) != AdministrationStatus.Active) flags |= _SECOND_SUSPENDED;
            _mraStorage().pairEntries[pair][0] |= flags;
        }
    }

    /// @dev Marks `country` suspended or not in the pairs of all its partners.
    function _onStatusChanged(bytes2 country, bool suspended) internal virtual override {
        super._onStatusChanged(country, suspended);
        bytes2[] storage partners = _mraStorage().partners[country];
        for (uint256 i = 0; i < partners.length; ++i) {
            (bytes4 pair, bool first) = _pairKey(country, partners[i]);
            uint256 flag = first ? _FIRST_SUSPENDED : _SECOND_SUSPENDED;
            uint256 head = _mraStorage().pairEntries[pair][0];
            _mraStorage().pairEntries[pair][0] = suspended ? head | flag : head & ~flag;
        }
    }

    /**
     * @dev Removes MRA `id` from the list of the pair `a`, `b`: the last entry takes its place. The
     * search is bounded by the MRAs the two countries both signed.
     */
    function _removePairEntry(bytes2 a, bytes2 b, uint32 id) private {
        (bytes4 pair, ) = _pairKey(a, b);
        mapping(uint256 => uint256) storage entries = _mraStorage().pairEntries[pair];
        uint256 last = --_mraStorage().pairLength[pair];
        uint256 lastShift = _ENTRY_BITS * (last % _ENTRIES_PER_SLOT);
        uint256 lastSlot = entries[last / _ENTRIES_PER_SLOT];
        uint256 moved = (lastSlot >> lastShift) & _ENTRY_MASK;
        entries[last / _ENTRIES_PER_SLOT] = lastSlot & ~(_ENTRY_MASK << lastShift);
        if (uint32(moved) == id) return;
        for (uint256 k = 0; k < last; ++k) {
            uint256 shift = _ENTRY_BITS * (k % _ENTRIES_PER_SLOT);
            uint256 slot = entries[k / _ENTRIES_PER_SLOT];
            if (uint32(slot >> shift) == id) {
                entries[k / _ENTRIES_PER_SLOT] = (slot & ~(_ENTRY_MASK << shift)) | (moved << shift);
                return;
            }
        }
    }

    /// @dev The index of the one bit set in `bit`.
    function _bitIndex(uint32 bit) private pure returns (uint256 index) {
        while (bit >> index != 1) ++index;
    }

    /// @dev Order-independent key of a pair of countries, and whether `a` sorts first.
    function _pairKey(bytes2 a, bytes2 b) private pure returns (bytes4 pair, bool aFirst) {
        aFirst = a < b;
        (bytes2 first, bytes2 second) = aFirst ? (a, b) : (b, a);
        pair = bytes4(first) | (bytes4(second) >> 16);
    }

    function _known(uint32 id) private view returns (MRARecord storage record) {
        if (id == 0 || id > _mraStorage().mraCount) revert MRAUnknown(id);
        record = _mraStorage().mras[id];
    }
}
