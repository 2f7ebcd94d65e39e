// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAEORegistry} from "./interfaces/IAEORegistry.sol";
import {ICadena} from "./interfaces/ICadena.sol";
import {ICadenaLens} from "./interfaces/ICadenaLens.sol";
import {ICustomsAdministrations} from "./interfaces/ICustomsAdministrations.sol";
import {IMRARegistry} from "./interfaces/IMRARegistry.sol";
import {CertificateWord, CertificateWords} from "./libraries/CertificateWord.sol";
import {CountryRoles} from "./libraries/CountryRoles.sol";
import {MRARecord, MRARecords} from "./libraries/MRARecords.sol";
import {StorageSlots} from "./libraries/StorageSlots.sol";

/**
 * @dev Paged and batch views of a CADENA contract, computed from its namespaced storage (see
 * {StorageSlots}) through its `extsload`: one call for a list's length, one for its page. Stateless
 * but for the contract it reads; a new lens can be deployed at any time without a vote.
 */
contract CadenaLens is ICadenaLens {
    using CertificateWords for CertificateWord;

    /// @dev Most entries a paged read returns.
    uint256 private constant _MAX_PAGE = 500;

    ICadena private immutable _cadena;

    constructor(address cadena_) {
        _cadena = ICadena(cadena_);
    }

    /// @inheritdoc ICadenaLens
    function cadena() external view returns (address) {
        return address(_cadena);
    }

    /// @inheritdoc ICadenaLens
    function administrations(uint256 offset, uint256 limit) external view returns (bytes2[] memory page) {
        bytes32 list = _field(StorageSlots.ADMINISTRATIONS, StorageSlots.COUNTRIES);
        page = new bytes2[](_pageLength(uint256(_read(list)), offset, limit));
        bytes32 data = keccak256(abi.encode(list));
        bytes32[] memory slots = new bytes32[](page.length);
        for (uint256 i = 0; i < page.length; ++i) {
            slots[i] = bytes32(uint256(data) + (offset + i) / 16);
        }
        bytes32[] memory words = _cadena.extsload(slots);
        for (uint256 i = 0; i < page.length; ++i) {
            page[i] = bytes2(uint16(uint256(words[i]) >> (16 * ((offset + i) % 16))));
        }
    }

    /// @inheritdoc ICadenaLens
    function certificate(bytes32 tin) external view returns (IAEORegistry.Certificate memory) {
        bytes32[] memory tins = new bytes32[](1);
        tins[0] = tin;
        return this.certificates(tins)[0];
    }

    /// @inheritdoc ICadenaLens
    function certificateCount(bytes2 country) public view returns (uint256) {
        // Issuer {bool open; bool suspended; uint64 count}
        return uint64(uint256(_read(_keyed(country, StorageSlots.AEO_REGISTRY, StorageSlots.ISSUERS))) >> 16);
    }

    /// @inheritdoc ICadenaLens
    function consentNonce(address holder) external view returns (uint256) {
        return uint256(_read(keccak256(abi.encode(holder, _field(StorageSlots.CONSENT, StorageSlots.CONSENT_NONCES)))));
    }

    /// @inheritdoc ICadenaLens
    function administration(bytes2 country) external view returns (ICustomsAdministrations.Administration memory) {
        bytes32 record = _keyed(country, StorageSlots.ADMINISTRATIONS, StorageSlots.ADMINISTRATION_RECORDS);
        bytes32 name = bytes32(uint256(record) + 1); // AdministrationRecord {status; index; string name}
        return
            ICustomsAdministrations.Administration(
                ICustomsAdministrations.AdministrationStatus(uint8(uint256(_read(record)))),
                _string(name, _read(name))
            );
    }

    /// @inheritdoc ICadenaLens
    function adminRole(bytes2 country) external pure returns (bytes32) {
        return CountryRoles.admin(country);
    }

    /// @inheritdoc ICadenaLens
    function officerRole(bytes2 country) external pure returns (bytes32) {
        return CountryRoles.officer(country);
    }

    /// @inheritdoc ICadenaLens
    function credentialSignerRole(bytes2 country) external pure returns (bytes32) {
        return CountryRoles.credentialSigner(country);
    }

    /// @inheritdoc ICadenaLens
    function activeMembers() external view returns (uint256) {
        return uint256(_read(_field(StorageSlots.ADMINISTRATIONS, StorageSlots.ACTIVE_MEMBERS)));
    }

    /// @inheritdoc ICadenaLens
    function memberBit(bytes2 country) public view returns (uint256) {
        return StorageSlots.memberBit(_read(_keyed(country, StorageSlots.ADMINISTRATIONS, StorageSlots.ADMINISTRATION_RECORDS)));
    }

    /// @inheritdoc ICadenaLens
    function administrationCount() external view returns (uint256) {
        return uint256(_read(_field(StorageSlots.ADMINISTRATIONS, StorageSlots.COUNTRIES)));
    }

    /// @inheritdoc ICadenaLens
    function adminCount(bytes2 country) external view returns (uint256) {
        return uint256(_read(_keyed(country, StorageSlots.ADMINISTRATIONS, StorageSlots.ADMIN_COUNT)));
    }

    /// @inheritdoc ICadenaLens
    function exchangeKey(bytes2 country) external view returns (bytes32) {
        return _read(_keyed(country, StorageSlots.EXCHANGE_KEYS, StorageSlots.EXCHANGE_KEY_OF));
    }

    /// @inheritdoc ICadenaLens
    function mraCount() external view returns (uint256) {
        return uint32(uint256(_read(_field(StorageSlots.MRA_REGISTRY, StorageSlots.MRA_COUNT))));
    }

    /// @inheritdoc ICadenaLens
    function mraCountOf(bytes2 country) public view returns (uint256) {
        return uint256(_read(_keyed(country, StorageSlots.MRA_REGISTRY, StorageSlots.MRA_COUNT_OF)));
    }

    /// @inheritdoc ICadenaLens
    function certificates(bytes32[] calldata tins) public view returns (IAEORegistry.Certificate[] memory found) {
        bytes32 records = _field(StorageSlots.AEO_REGISTRY, StorageSlots.RECORDS);
        bytes32[] memory slots = new bytes32[](tins.length * 2);
        for (uint256 i = 0; i < tins.length; ++i) {
            bytes32 record = keccak256(abi.encode(tins[i], records));
            slots[2 * i] = record;
            slots[2 * i + 1] = bytes32(uint256(record) + 1);
        }
        bytes32[] memory words = _cadena.extsload(slots);
        found = new IAEORegistry.Certificate[](tins.length);
        for (uint256 i = 0; i < tins.length; ++i) {
            (address holder, uint8 status, uint16 aeoTypes, uint24 validFrom, uint24 expiry, uint24 version) = CertificateWord
                .wrap(uint256(words[2 * i]))
                .unpack();
            found[i] = IAEORegistry.Certificate({
                holder: holder,
                status: IAEORegistry.CertificateStatus(status),
                aeoTypes: aeoTypes,
                validFrom: validFrom,
                expiry: expiry,
                version: version,
                commitment: words[2 * i + 1],
                visibility: IAEORegistry.Visibility(CertificateWord.wrap(uint256(words[2 * i])).visibility())
            });
        }
    }

    /// @inheritdoc ICadenaLens
    function certificatesOf(bytes2 country, uint256 offset, uint256 limit) external view returns (bytes32[] memory) {
        _requireRegistered(country);
        uint256 count = certificateCount(country);
        bytes32 index = keccak256(abi.encode(country, _field(StorageSlots.AEO_REGISTRY, StorageSlots.CERTIFICATE_INDEX)));
        return _entries(index, count, offset, limit);
    }

    /// @inheritdoc ICadenaLens
    function mra(uint32 id) external view returns (IMRARegistry.MRA memory view_) {
        bytes32 namespace = StorageSlots.MRA_REGISTRY;
        bytes32[] memory slots = new bytes32[](4);
        slots[0] = _field(namespace, StorageSlots.MRA_COUNT);
        slots[1] = keccak256(abi.encode(id, _field(namespace, StorageSlots.MRAS)));
        slots[2] = keccak256(abi.encode(id, _field(namespace, StorageSlots.PARTIES)));
        slots[3] = keccak256(abi.encode(id, _field(namespace, StorageSlots.TITLES)));
        bytes32[] memory words = _cadena.extsload(slots);
        if (id == 0 || id > uint32(uint256(words[0]))) revert IMRARegistry.MRAUnknown(id);
        MRARecord memory record = MRARecords.unpack(words[1]);
        uint256 count = uint256(words[2]);
        bytes32[] memory partyWords = _cadena.extsload(_consecutive(keccak256(abi.encode(slots[2])), (count + 15) / 16));
        bytes2[] memory parties = new bytes2[](count);
        IMRARegistry.PartyStatus[] memory statuses = new IMRARegistry.PartyStatus[](count);
        for (uint256 i = 0; i < count; ++i) {
            parties[i] = bytes2(uint16(uint256(partyWords[i / 16]) >> (16 * (i % 16))));
            statuses[i] = MRARecords.partyStatus(record, uint32(1 << i));
        }
        view_ = IMRARegistry.MRA({
            id: id,
            proposer: record.proposer,
            status: MRARecords.status(record),
            benefits: record.benefits,
            coveredTypes: record.coveredTypes,
            effectiveFrom: record.effectiveFrom,
            title: _string(slots[3], words[3]),
            parties: parties,
            partyStatus: statuses,
            consentRequired: record.consentRequired
        });
    }

    /// @inheritdoc ICadenaLens
    function mrasOf(bytes2 country, uint256 offset, uint256 limit) external view returns (uint32[] memory page) {
        _requireRegistered(country);
        uint256 count = mraCountOf(country);
        bytes32 index = keccak256(abi.encode(country, _field(StorageSlots.MRA_REGISTRY, StorageSlots.MRAS_OF)));
        bytes32[] memory words = _entries(index, count, offset, limit);
        page = new uint32[](words.length);
        for (uint256 i = 0; i < words.length; ++i) {
            page[i] = uint32(uint256(words[i]));
        }
    }

    /// @dev Entries `offset`.. of the mapping(uint256 => word) at `index` that holds `count` of them.
    function _entries(bytes32 index, uint256 count, uint256 offset, uint256 limit) private view returns (bytes32[] memory) {
        bytes32[] memory slots = new bytes32[](_pageLength(count, offset, limit));
        for (uint256 i = 0; i < slots.length; ++i) {
            slots[i] = keccak256(abi.encode(offset + i, index));
        }
        return _cadena.extsload(slots);
    }

    /// @dev The string stored at `slot`, whose first word is `head`: short ones (up to 31 bytes) in the
    /// word itself with twice their length in the last byte, longer ones from keccak256(slot) on.
    function _string(bytes32 slot, bytes32 head) private view returns (string memory) {
        uint256 word = uint256(head);
        if (word & 1 == 0) {
            bytes memory short = abi.encodePacked(head);
            uint256 shortLength = (word & 0xff) / 2;
            assembly ("memory-safe") {
                mstore(short, shortLength)
            }
            return string(short);
        }
        uint256 length = (word - 1) / 2;
        bytes32[] memory data = _cadena.extsload(_consecutive(keccak256(abi.encode(slot)), (length + 31) / 32));
        bytes memory long = abi.encodePacked(data);
        assembly ("memory-safe") {
            mstore(long, length)
        }
        return string(long);
    }

    /// @dev `count` slots from `first` on.
    function _consecutive(bytes32 first, uint256 count) private pure returns (bytes32[] memory slots) {
        slots = new bytes32[](count);
        for (uint256 i = 0; i < count; ++i) {
            slots[i] = bytes32(uint256(first) + i);
        }
    }

    function _requireRegistered(bytes2 country) private view {
        if (memberBit(country) == 0) revert ICustomsAdministrations.CustomsUnknownAdministration(country);
    }

    function _read(bytes32 slot) private view returns (bytes32) {
        bytes32[] memory slots = new bytes32[](1);
        slots[0] = slot;
        return _cadena.extsload(slots)[0];
    }

    /// @dev The slot of `country`'s entry in the mapping at field `position` of the namespace at `namespace`.
    function _keyed(bytes2 country, bytes32 namespace, uint256 position) private pure returns (bytes32) {
        return keccak256(abi.encode(country, _field(namespace, position)));
    }

    /// @dev The slot of field `position` of the namespace at `namespace`.
    function _field(bytes32 namespace, uint256 position) private pure returns (bytes32) {
        return bytes32(uint256(namespace) + position);
    }

    /// @dev Entries a page of a list of `total` holds from `offset`, with `limit` capped at {_MAX_PAGE}.
    function _pageLength(uint256 total, uint256 offset, uint256 limit) private pure returns (uint256) {
        if (offset >= total) return 0;
        uint256 remaining = total - offset;
        if (limit > _MAX_PAGE) limit = _MAX_PAGE;
        return remaining < limit ? remaining : limit;
    }
}
