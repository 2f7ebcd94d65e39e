// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @dev What a recipient asks LACChain's relay hub (lacchain/gas-management, `IRelayHub`): the actor of
 * the transaction it is relaying. The hub recovers it from the actor's signature and keeps it for the
 * duration of the call; the calldata it forwards ends with `abi.encode(nodeAddress, expiration)`.
 */
interface IRelayHub {
    function getMsgSender() external view returns (address);
}
