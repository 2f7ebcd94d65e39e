// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ICustomsAdministrations} from "./interfaces/ICustomsAdministrations.sol";
import {Identifiers} from "./libraries/Identifiers.sol";

/**
 * @dev The network's customs administrations and their country-scoped roles. Governance seats an
 * administration with its first admin and sets its status; nothing else: a country's admin role
 * administers itself and the country's officer role, so only a country's own admins appoint, rotate
 * and revoke its admins and officers, and its last admin cannot be removed. No role of a country
 * exists before it is seated, and no other role exists at all (no default admin). What the other
 * modules keep per country (certificates, MRAs) they keep themselves, told of status changes by
 * {_onStatusChanged}.
 */
abstract contract CustomsAdministrations is ICustomsAdministrations, AccessControl {
    /// @dev Most entries a paged read returns.
    uint256 internal constant _MAX_PAGE = 500;

    /// @dev AEO types, one bit each: importer, exporter, manufacturer, warehouse, customs broker,
    /// carrier, logistics operator, AEO-S (security), AEO-C (customs simplifications).
    uint16 internal constant _AEO_TYPES_MASK = 0x01FF;

    /// @dev The country whose admin or officer role a role is (zero for any other role).
    struct CountryRole {
        bytes2 country;
        bool admin;
    }

    mapping(bytes2 country => Administration) private _administrations;
    bytes2[] private _countries;
    mapping(bytes32 role => CountryRole) private _countryRoles;
    mapping(bytes2 country => uint256) private _adminCount;

    /// @dev Registers the administration of `country` with its first `admin` (at bootstrap, or when
    /// the members admit it).
    function _register(bytes2 country, string memory name, address admin) internal {
        _checkAdmissible(country, admin);
        Administration storage record = _administrations[country];
        record.status = AdministrationStatus.Active;
        record.name = name;
        _countries.push(country);
        bytes32 admins = adminRole(country);
        _countryRoles[admins] = CountryRole(country, true);
        _countryRoles[officerRole(country)] = CountryRole(country, false);
        _setRoleAdmin(admins, admins);
        _setRoleAdmin(officerRole(country), admins);
        _onRegistered(country);
        emit AdministrationRegistered(country, admin, name);
        _grantRole(adminRole(country), admin);
    }

    /// @inheritdoc ICustomsAdministrations
    function adminRole(bytes2 country) public pure returns (bytes32) {
        return keccak256(abi.encodePacked("CADENA_ADMIN_", country));
    }

    /// @inheritdoc ICustomsAdministrations
    function officerRole(bytes2 country) public pure returns (bytes32) {
        return keccak256(abi.encodePacked("CADENA_OFFICER_", country));
    }

    /// @inheritdoc ICustomsAdministrations
    function administration(bytes2 country) external view returns (Administration memory) {
        return _administrations[country];
    }

    /// @inheritdoc ICustomsAdministrations
    function administrationCount() external view returns (uint256) {
        return _countries.length;
    }

    /// @inheritdoc ICustomsAdministrations
    function administrations(uint256 offset, uint256 limit) external view returns (bytes2[] memory page) {
        page = new bytes2[](_pageLength(_countries.length, offset, limit));
        for (uint256 i = 0; i < page.length; ++i) {
            page[i] = _countries[offset + i];
        }
    }

    /// @inheritdoc ICustomsAdministrations
    function adminCount(bytes2 country) external view returns (uint256) {
        return _adminCount[country];
    }

    /// @dev Grants a role and counts each country's admins. Only a country's admins hold the admin
    /// role of its roles, and no account holds the default admin role (the admin of every role of a
    /// country not seated), so no role of a country can be granted before it is seated.
    function _grantRole(bytes32 role, address account) internal virtual override returns (bool granted) {
        granted = super._grantRole(role, account);
        CountryRole memory owner = _countryRoles[role];
        if (granted && owner.admin) ++_adminCount[owner.country];
    }

    /// @dev Revokes a role (renouncing one too), but never a country's last admin.
    function _revokeRole(bytes32 role, address account) internal virtual override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        CountryRole memory owner = _countryRoles[role];
        if (revoked && owner.admin && --_adminCount[owner.country] == 0) revert CustomsLastAdmin(owner.country);
    }

    /// @dev Sets the status of a seated administration and tells the modules whether it may act.
    function _setStatus(bytes2 country, AdministrationStatus status) internal {
        _administrations[country].status = status;
        _onStatusChanged(country, status != AdministrationStatus.Active);
    }

    /// @dev Called when `country` is registered, for the modules that keep state per country.
    function _onRegistered(bytes2 country) internal virtual {}

    /// @dev Called when `country` is suspended or expelled (`suspended`) or reinstated.
    function _onStatusChanged(bytes2 country, bool suspended) internal virtual {}

    /// @dev Reverts unless `country` is a country code without an administration and `admin` an account.
    function _checkAdmissible(bytes2 country, address admin) internal view {
        if (!Identifiers.isCountryCode(country)) revert CustomsInvalidCountry(country);
        if (_isRegistered(country)) revert CustomsAdministrationExists(country);
        if (admin == address(0)) revert CustomsInvalidAdmin(admin);
    }

    function _status(bytes2 country) internal view returns (AdministrationStatus) {
        return _administrations[country].status;
    }

    function _isRegistered(bytes2 country) internal view returns (bool) {
        return _status(country) != AdministrationStatus.None;
    }

    /// @dev Reverts with {CustomsUnknownAdministration} unless `country` has an administration.
    function _requireRegistered(bytes2 country) internal view {
        if (!_isRegistered(country)) revert CustomsUnknownAdministration(country);
    }

    /// @dev Reverts unless `country` is a member in good standing (seated, neither suspended nor expelled).
    function _requireActive(bytes2 country) internal view {
        _requireRegistered(country);
        if (_status(country) != AdministrationStatus.Active) revert CustomsAdministrationSuspended(country);
    }

    /// @dev Entries a page of a list of `total` holds from `offset`, with `limit` capped at {_MAX_PAGE}.
    function _pageLength(uint256 total, uint256 offset, uint256 limit) internal pure returns (uint256) {
        if (offset >= total) return 0;
        uint256 remaining = total - offset;
        if (limit > _MAX_PAGE) limit = _MAX_PAGE;
        return remaining < limit ? remaining : limit;
    }
}
