// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @dev Customs administrations of the network: one per ISO 3166-1 alpha-2 country, each with
 * country-scoped roles: its admins, who alone appoint and remove its admins, officers and credential
 * signers, and its officers, who alone act on its certificates. The network's authority (the members' consortium)
 * seats administrations, sets their standing and recovers their keys; nothing else.
 */
interface ICustomsAdministrations {
    /// @dev Where an administration stands: a member (Active), suspended by the members' vote
    /// (Suspended, which a vote can reverse) or expelled (Expelled, which only a new admission
    /// reverses). Its history stays in every case.
    enum AdministrationStatus {
        None,
        Active,
        Suspended,
        Expelled
    }

    /// @dev What the chain keeps about one administration.
    struct Administration {
        AdministrationStatus status;
        string name;
    }

    /// @dev `country` is not an ISO 3166-1 alpha-2 code (see {Countries}).
    error CustomsInvalidCountry(bytes2 country);

    /// @dev `country` already has an administration (that was not expelled).
    error CustomsAdministrationExists(bytes2 country);

    /// @dev `country` has no administration on the network.
    error CustomsUnknownAdministration(bytes2 country);

    /// @dev `country` is suspended or expelled: its officers cannot act on certificates and its
    /// admins cannot take part in MRAs or governance until the members reinstate it.
    error CustomsAdministrationSuspended(bytes2 country);

    /// @dev The zero address cannot administer a country.
    error CustomsInvalidAdmin(address admin);

    /// @dev Revoking or renouncing it would leave `country` without an admin: appoint another first.
    error CustomsLastAdmin(bytes2 country);

    /// @dev Only the network's authority (the consortium of its members) may do this; `caller` is not it.
    error CustomsUnauthorized(address caller);

    /// @dev Emitted when the administration of `country` is seated (at bootstrap or admitted by the
    /// members, or readmitted after an expulsion) with its first `admin`.
    event AdministrationRegistered(bytes2 indexed country, address indexed admin, string name);

    /// @dev Emitted when the members' decision `proposal` suspends `country`.
    event AdministrationSuspended(bytes2 indexed country, uint256 indexed proposal);

    /// @dev Emitted when the members' decision `proposal` expels `country`.
    event AdministrationExpelled(bytes2 indexed country, uint256 indexed proposal);

    /// @dev Emitted when the members' decision `proposal` reinstates the suspended `country`.
    event AdministrationReinstated(bytes2 indexed country, uint256 indexed proposal);

    /// @dev Emitted when the members' decision `proposal` replaces every admin of `country` by `admin`.
    event AdministrationRecovered(bytes2 indexed country, address indexed admin, uint256 indexed proposal);

    /// @dev Emitted when `country`'s X25519 public key for sealed master data is set, or cleared (zero),
    /// by its admin `actor` or by a recovery (the authority).
    event ExchangeKeySet(bytes2 indexed country, bytes32 publicKey, address indexed actor);

    /**
     * @dev Seats the administration of `country` named `name` with its first `admin`, or seats again
     * an expelled one (its certificates, MRAs and history stay; its former admins no longer count).
     * Requirements: the caller is the authority; `country` is an ISO code without a seated
     * administration. Emits {AdministrationRegistered}.
     */
    function admitAdministration(bytes2 country, string calldata name, address admin, uint256 proposal) external;

    /**
     * @dev Sets the standing of a seated administration: Suspended, Expelled or Active (reinstated).
     * Requirements: the caller is the authority. Emits {AdministrationSuspended},
     * {AdministrationExpelled} or {AdministrationReinstated}.
     */
    function setAdministrationStatus(bytes2 country, AdministrationStatus status, uint256 proposal) external;

    /**
     * @dev Replaces every admin of `country` by `admin`: the former admins' grants stop counting
     * (a lost key is harmless to remove, a stolen one must go). Requirements: the caller is the
     * authority. Emits {AdministrationRecovered}.
     */
    function recoverAdministration(bytes2 country, address admin, uint256 proposal) external;

    /**
     * @dev Publishes `publicKey`, the X25519 key other administrations seal `country`'s copies of
     * master data to (zero: none, nothing more is sealed to it). Requirements: the caller is an admin
     * of `country`. Emits {ExchangeKeySet}.
     */
    function setExchangeKey(bytes2 country, bytes32 publicKey) external;

    /// @dev The network's authority: the contract of the members' consortium.
    function authority() external view returns (address);

    // The ids of a country's roles (adminRole, officerRole, credentialSignerRole) are the lens's views.

}
