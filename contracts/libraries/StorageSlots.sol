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

    /// @dev CustomsAdministrationsStorage.countries: the registered countries, sixteen bytes2 a slot.
    uint256 internal constant COUNTRIES = 3;
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
}
