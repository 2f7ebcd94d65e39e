// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ICustomsAdministrations} from "./ICustomsAdministrations.sol";

/**
 * @dev What the consortium and the lens use of the CADENA contract: the administrations, their
 * roles, the initializer its proxy runs once, the UUPS upgrade only the consortium may call, and
 * raw storage reads.
 */
interface ICadena is ICustomsAdministrations {
    function initialize(address authority) external;

    function hasRole(bytes32 role, address account) external view returns (bool);

    function upgradeToAndCall(address newImplementation, bytes calldata data) external payable;

    /// @dev The words of storage at `slots`, for {CadenaLens}, which reads the lists the modules keep.
    function extsload(bytes32[] calldata slots) external view returns (bytes32[] memory);
}
