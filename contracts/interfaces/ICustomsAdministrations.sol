// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @dev Customs administrations of the network: one per ISO 3166-1 alpha-2 country, each with
 * country-scoped roles: its admins, who alone appoint and remove its admins and officers, and its
 * officers, who alone act on its certificates. The network's authority (the members' consortium)
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

    /// @dev The network's authority: the contract of the members' consortium.
    function authority() external view returns (address);

    /// @dev The role of the administration admin of `country`: grants and revokes its admins and officers,
    /// signs MRAs. Only the country's own admins hold and grant it.
    function adminRole(bytes2 country) external pure returns (bytes32);

    /// @dev The role of a customs officer of `country`: manages that country's certificates.
    function officerRole(bytes2 country) external pure returns (bytes32);

    /// @dev The administration of `country` (status None if there is none).
    function administration(bytes2 country) external view returns (Administration memory);

    /// @dev Number of admins `country` has (at least one once registered).
    function adminCount(bytes2 country) external view returns (uint256);

    /// @dev Number of registered administrations.
    function administrationCount() external view returns (uint256);

    /// @dev The active members as a bit set: bit i is the administration registered i-th (at most 256).
    function activeMembers() external view returns (uint256);

    /// @dev The bit of `country` in {activeMembers} (zero if it has no administration).
    function memberBit(bytes2 country) external view returns (uint256);
}
