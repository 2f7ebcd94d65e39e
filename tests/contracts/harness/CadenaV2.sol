// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Cadena} from "contracts/Cadena.sol";
import {RelayKind} from "contracts/RelayedContext.sol";

/**
 * @dev A second implementation of CADENA for the upgrade test: version 2, with a new view. Its state
 * is the first's (the same namespaces), so an upgrade keeps every certificate, role, MRA and vote.
 * @custom:oz-upgrades-from Cadena
 */
contract CadenaV2 is Cadena {
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(address forwarder, RelayKind kind) Cadena(forwarder, kind) {}

    function version() external pure override returns (uint256) {
        return 2;
    }

    /// @dev Whether the certificate of `tin` is active (a view the first implementation lacks).
    function isActive(bytes32 tin) external view returns (bool) {
        (uint8 status, , , , ) = _validity(tin);
        return status == uint8(CertificateStatus.Active);
    }
}
