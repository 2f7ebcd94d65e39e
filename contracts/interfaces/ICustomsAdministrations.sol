// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @dev Customs administrations of the network: one per ISO 3166-1 alpha-2 country, each with
 * country-scoped roles: its admins, who alone appoint and remove its admins and officers, and its
 * officers, who alone act on its certificates.
 */
interface ICustomsAdministrations {
    /// @dev Where an administration stands: a member (Active), suspended by the members' vote
    /// (Suspended, which a vote can reverse) or expelled (Expelled, for good). Its history stays in
    /// every case.
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

    /// @dev `country` is not two upper-case letters A-Z.
    error CustomsInvalidCountry(bytes2 country);

    /// @dev `country` already has an administration.
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

    /// @dev Emitted when the administration of `country` is seated, at bootstrap or admitted by the
    /// members, with its first `admin`.
    event AdministrationRegistered(bytes2 indexed country, address indexed admin, string name);

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

    /// @dev Countries of registered administrations, in registration order, from `offset`, at most `limit` (capped at 500).
    function administrations(uint256 offset, uint256 limit) external view returns (bytes2[] memory);
}
