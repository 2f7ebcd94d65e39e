// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @dev Where CADENA keeps its state: one ERC-7201 namespace per module, and the position of each
 * field in it. The modules place their storage structs at these slots; {CadenaLens} reads the lists
 * they keep at the positions below, so a field never moves (the upgrade check in CI refuses it).
 */
library StorageSlots {
    // keccak256(abi.encode(uint256(keccak256("cadena.storage.CustomsAdministrations")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant ADMINISTRATIONS = 0x6768e9eb66dd746003f92e855eb80259c1dde2d01a033c49a361a34bc35f9d00;
    // keccak256(abi.encode(uint256(keccak256("cadena.storage.AEORegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant AEO_REGISTRY = 0x8ead41e92fa359a4669a31ec24c8d0791fd8f38b31b0bf6d1e4dc680beace800;
    // keccak256(abi.encode(uint256(keccak256("cadena.storage.MRARegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant MRA_REGISTRY = 0x7a0a330f134c87097abd274d8cc301f552f08bb704c24f0f92832f27702df700;
    // keccak256(abi.encode(uint256(keccak256("cadena.storage.Consent")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant CONSENT = 0x1b636a6ffa871637f259e292d3171ebb2f6c4130b035a3515b32f433169ff300;
    // keccak256(abi.encode(uint256(keccak256("cadena.storage.ExchangeKeys")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant EXCHANGE_KEYS = 0xf763182f825f4c51122a61770622f39924eb4d9159c10248c62acf9e93465f00;

    /// @dev CustomsAdministrationsStorage.countries: the registered countries, sixteen bytes2 a slot.
    uint256 internal constant ACTIVE_MEMBERS = 1;
    uint256 internal constant COUNTRIES = 3;
    /// @dev CustomsAdministrationsStorage.administrations (status and index, then the name) and .adminCount.
    uint256 internal constant ADMINISTRATION_RECORDS = 2;
    uint256 internal constant ADMIN_COUNT = 5;
    /// @dev ConsentStorage.nonces and ExchangeKeysStorage.keys, each its namespace's first field.
    uint256 internal constant CONSENT_NONCES = 0;
    uint256 internal constant EXCHANGE_KEY_OF = 0;
    /// @dev AEORegistryStorage.records (two slots a TIN), .issuers (the count in bits 16-79), .certificateIndex.
    uint256 internal constant RECORDS = 0;
    uint256 internal constant ISSUERS = 1;
    uint256 internal constant CERTIFICATE_INDEX = 2;
    /// @dev MRARegistryStorage.mraCount (a uint32), .mraCountOf, .mras (one word an MRA), .parties,
    /// .titles and .mrasOf.
    uint256 internal constant MRA_COUNT = 0;
    uint256 internal constant MRA_COUNT_OF = 1;
    uint256 internal constant MRAS = 2;
    uint256 internal constant PARTIES = 3;
    uint256 internal constant TITLES = 5;
    uint256 internal constant MRAS_OF = 6;

    /// @dev The bit among the members of the administration whose record's first word is `record`
    /// (AdministrationRecord {uint8 status; uint8 index; ...}): zero if it has none.
    function memberBit(bytes32 record) internal pure returns (uint256) {
        uint256 word = uint256(record);
        return uint8(word) == 0 ? 0 : 1 << uint8(word >> 8);
    }
}
