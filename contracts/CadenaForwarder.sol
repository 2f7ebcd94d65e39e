// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

// OpenZeppelin 5.0.2 (pinned in package.json): from 5.2 on its string helpers use MCOPY (Cancun),
// which Berlin-level chains lack.
import {ERC2771Forwarder} from "@openzeppelin/contracts/metatx/ERC2771Forwarder.sol";

/**
 * @dev OpenZeppelin's ERC-2771 forwarder under CADENA's EIP-712 domain name: a relayer submits the
 * requests officers, admins and companies sign, and the CADENA contract reads their signer as the actor.
 */
contract CadenaForwarder is ERC2771Forwarder {
    constructor() ERC2771Forwarder("CadenaForwarder") {}
}
