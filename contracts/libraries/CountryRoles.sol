// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @dev The ids of a country's roles, in one place for CADENA, its consortium and its lens: its
 * administration admins, its customs officers and the keys that sign its verifiable credentials.
 */
library CountryRoles {
    function admin(bytes2 country) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("CADENA_ADMIN_", country));
    }

    function officer(bytes2 country) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("CADENA_OFFICER_", country));
    }

    function credentialSigner(bytes2 country) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("CADENA_CREDENTIAL_SIGNER_", country));
    }
}
