// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @dev A stand-in for LACChain's relay hub, written for tests from its documented interface
 * (lacchain/gas-management: IRelayHub, TxRelay, "Interaction with RelaySigner"; the deployed hub's
 * `relayMetaTx` takes the relay's gas limit first, selector 0x1416862c). A writer node sends
 * `relayMetaTx(gasLimit, signingData, v, r, s)`: `signingData` is the RLP of the six fields of the
 * actor's legacy transaction (nonce, gas price, gas, to, value, data), signed without a chain id, whose
 * data ends with `abi.encode(nodeAddress, expiration)`. The hub recovers the actor, checks its nonce
 * (counted per node), keeps it for the recipient's `getMsgSender()` during the call and reports
 * `TransactionRelayed` or `BadTransactionSent`. What LACChain's transaction permissioning refuses
 * before the hub runs (another node's transaction, an expired one, a non-zero gas price) reverts here.
 * Gas accounting per node (GasLimit) is left out.
 */
contract LacchainHubStandIn {
    enum ErrorCode {
        MaxBlockGasLimit,
        BadOriginalSender,
        BadNonce,
        NotEnoughGas,
        IsNotContract,
        EmptyCode,
        InvalidSignature,
        InvalidDestination,
        OK
    }

    event TransactionRelayed(address indexed relay, address indexed from, address indexed to, bool executed, bytes output);
    event BadTransactionSent(address node, address originalSender, ErrorCode errorCode);

    error PermissioningExpired(uint256 expiration, uint256 timestamp);
    error PermissioningWrongNode(address signedFor, address sender);
    error PermissioningNotFree(uint256 gasPrice);
    error PermissioningMalformed();

    mapping(address node => mapping(address from => uint256)) private _nonces;
    address private _sender;

    /// @dev Relays one signed transaction of an actor. Emits {TransactionRelayed} or {BadTransactionSent}.
    function relayMetaTx(uint256, bytes calldata signingData, uint8 v, bytes32 r, bytes32 s) external returns (ErrorCode) {
        (uint256 nonce, uint256 gasPrice, uint256 gas, address to, bytes calldata data) = _fields(signingData);
        if (data.length < 64) revert PermissioningMalformed();
        address node = address(uint160(uint256(bytes32(data[data.length - 64:data.length - 32]))));
        uint256 expiration = uint256(bytes32(data[data.length - 32:]));
        if (node != msg.sender) revert PermissioningWrongNode(node, msg.sender);
        if (expiration < block.timestamp) revert PermissioningExpired(expiration, block.timestamp);
        if (gasPrice != 0) revert PermissioningNotFree(gasPrice);
        address from = ecrecover(keccak256(signingData), v, r, s);
        ErrorCode refused = from == address(0)
            ? ErrorCode.InvalidSignature
            : nonce != _nonces[msg.sender][from]
                ? ErrorCode.BadNonce
                : to.code.length == 0 ? ErrorCode.IsNotContract : ErrorCode.OK;
        if (refused != ErrorCode.OK) {
            emit BadTransactionSent(msg.sender, from, refused);
            return refused;
        }
        ++_nonces[msg.sender][from];
        _sender = from;
        (bool executed, bytes memory output) = to.call{gas: gas}(data);
        _sender = address(0);
        emit TransactionRelayed(msg.sender, from, to, executed, output);
        return ErrorCode.OK;
    }

    /// @dev The next nonce of `from` for transactions relayed by the caller (a node).
    function getNonce(address from) external view returns (uint256) {
        return _nonces[msg.sender][from];
    }

    /// @dev The actor of the transaction being relayed.
    function getMsgSender() external view returns (address) {
        return _sender;
    }

    function _fields(bytes calldata raw)
        private
        pure
        returns (uint256 nonce, uint256 gasPrice, uint256 gas, address to, bytes calldata data)
    {
        (uint256 at,) = _item(raw, 0);
        uint256[6] memory starts;
        uint256[6] memory lengths;
        for (uint256 i; i < 6; ++i) {
            (starts[i], lengths[i]) = _item(raw, at);
            at = starts[i] + lengths[i];
        }
        nonce = _uint(raw[starts[0]:starts[0] + lengths[0]]);
        gasPrice = _uint(raw[starts[1]:starts[1] + lengths[1]]);
        gas = _uint(raw[starts[2]:starts[2] + lengths[2]]);
        to = address(uint160(_uint(raw[starts[3]:starts[3] + lengths[3]])));
        data = raw[starts[5]:starts[5] + lengths[5]];
    }

    /// Where the payload of the RLP item at `at` starts, and its length.
    function _item(bytes calldata raw, uint256 at) private pure returns (uint256 start, uint256 length) {
        uint8 head = uint8(raw[at]);
        if (head < 0x80) return (at, 1);
        if (head < 0xb8) return (at + 1, head - 0x80);
        if (head < 0xc0) return (at + 1 + head - 0xb7, _uint(raw[at + 1:at + 1 + head - 0xb7]));
        if (head < 0xf8) return (at + 1, head - 0xc0);
        return (at + 1 + head - 0xf7, _uint(raw[at + 1:at + 1 + head - 0xf7]));
    }

    function _uint(bytes calldata word) private pure returns (uint256) {
        return word.length == 0 ? 0 : uint256(bytes32(word)) >> (8 * (32 - word.length));
    }
}

/**
 * @dev A recipient as LACChain documents them (BaseRelayRecipient): called by the hub, it asks the hub
 * for the actor; called by anyone else, the caller is the actor. Only its owner may record.
 */
contract LacchainRecipientStandIn {
    error RecipientNotOwner(address sender);

    event Recorded(address indexed by, bytes32 value);

    address private immutable _hub;
    address private immutable _owner;

    constructor(address hub, address owner) {
        _hub = hub;
        _owner = owner;
    }

    /// @dev Records `value` as the owner. Emits a {Recorded} event.
    function record(bytes32 value) external {
        address sender = msg.sender == _hub ? LacchainHubStandIn(_hub).getMsgSender() : msg.sender;
        if (sender != _owner) revert RecipientNotOwner(sender);
        emit Recorded(sender, value);
    }
}
