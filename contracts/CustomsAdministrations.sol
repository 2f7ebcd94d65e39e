// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {StorageSlots} from "./libraries/StorageSlots.sol";
import {ICustomsAdministrations} from "./interfaces/ICustomsAdministrations.sol";
import {Countries} from "./libraries/Countries.sol";
import {CountryRoles} from "./libraries/CountryRoles.sol";

/**
 * @dev The network's customs administrations and their country-scoped roles. The authority (the
 * members' consortium) seats an administration with its first admin, sets its standing and recovers
 * its keys; nothing else: a country's admin role administers itself and the country's officer and
 * credential signer roles, so only a country's own admins appoint, rotate and revoke them, and its last
 * admin cannot be removed. No role of a country exists before it is seated, and no other role
 * exists at all (no default admin). A recovery starts a new admin generation of the country: the
 * grants of earlier generations stop counting without a loop over them. What the other modules keep
 * per country (certificates, MRAs) they keep themselves, told of status changes by {_onStatusChanged}.
 */
abstract contract CustomsAdministrations is ICustomsAdministrations, AccessControlUpgradeable {
    /// @dev AEO types, one bit each: importer, exporter, manufacturer, warehouse, customs broker,
    /// carrier, logistics operator, AEO-S (security), AEO-C (customs simplifications).
    uint16 internal constant _AEO_TYPES_MASK = 0x01FF;

    /// @dev The country whose admin or officer role a role is, and for an admin role the generation
    /// of grants that count (zero for any other role).
    struct CountryRole {
        bytes2 country;
        bool admin;
        uint32 generation;
    }

    /// @dev An administration: its standing, its bit among the members (registration order) and name.
    struct AdministrationRecord {
        AdministrationStatus status;
        uint8 index;
        string name;
    }

    /// @custom:storage-location erc7201:cadena.storage.CustomsAdministrations
    struct CustomsAdministrationsStorage {
        address authority;
        uint256 activeMembers;
        mapping(bytes2 country => AdministrationRecord) administrations;
        bytes2[] countries;
        mapping(bytes32 role => CountryRole) countryRoles;
        mapping(bytes2 country => uint256) adminCount;
        mapping(bytes32 role => mapping(address account => uint32 generation)) grantGeneration;
    }

    /// @custom:storage-location erc7201:cadena.storage.ExchangeKeys
    struct ExchangeKeysStorage {
        mapping(bytes2 country => bytes32 publicKey) keys;
    }

    function _exchangeKeys() private pure returns (ExchangeKeysStorage storage $) {
        bytes32 slot = StorageSlots.EXCHANGE_KEYS;
        assembly ("memory-safe") {
            $.slot := slot
        }
    }

    function _administrationsStorage() private pure returns (CustomsAdministrationsStorage storage $) {
        bytes32 slot = StorageSlots.ADMINISTRATIONS;
        assembly ("memory-safe") {
            $.slot := slot
        }
    }

    modifier onlyAuthority() {
        if (msg.sender != _administrationsStorage().authority) revert CustomsUnauthorized(msg.sender);
        _;
    }

    /// @dev Puts the administrations under `authority_`, which seats them.
    function __CustomsAdministrations_init(address authority_) internal onlyInitializing {
        _administrationsStorage().authority = authority_;
    }

    /// @inheritdoc ICustomsAdministrations
    function admitAdministration(
        bytes2 country,
        string calldata name,
        address admin,
        uint256
    ) external onlyAuthority {
        _admit(country, name, admin);
    }

    /// @inheritdoc ICustomsAdministrations
    function setAdministrationStatus(
        bytes2 country,
        AdministrationStatus status,
        uint256 proposal
    ) external onlyAuthority {
        _requireRegistered(country);
        _setStatus(country, status);
        if (status == AdministrationStatus.Suspended) emit AdministrationSuspended(country, proposal);
        else if (status == AdministrationStatus.Expelled) emit AdministrationExpelled(country, proposal);
        else emit AdministrationReinstated(country, proposal);
    }

    /// @inheritdoc ICustomsAdministrations
    function recoverAdministration(bytes2 country, address admin, uint256 proposal) external onlyAuthority {
        _requireRegistered(country);
        _newAdminGeneration(country, admin);
        emit AdministrationRecovered(country, admin, proposal);
        delete _exchangeKeys().keys[country]; // its private key may be lost or stolen with the admin's
        emit ExchangeKeySet(country, 0, msg.sender);
    }

    /// @inheritdoc ICustomsAdministrations
    function setExchangeKey(bytes2 country, bytes32 publicKey) external onlyRole(adminRole(country)) {
        _exchangeKeys().keys[country] = publicKey;
        emit ExchangeKeySet(country, publicKey, _msgSender());
    }

    /// @inheritdoc ICustomsAdministrations
    function authority() external view returns (address) {
        return _administrationsStorage().authority;
    }

    /// @dev The role of `country`'s administration admins (see {CountryRoles}).
    function adminRole(bytes2 country) internal pure returns (bytes32) {
        return CountryRoles.admin(country);
    }

    /// @dev The role of `country`'s customs officers.
    function officerRole(bytes2 country) internal pure returns (bytes32) {
        return CountryRoles.officer(country);
    }

    /// @dev Whether `account` holds `role`; for a country's admin role, granted in its current generation.
    function hasRole(bytes32 role, address account) public view virtual override returns (bool) {
        if (!super.hasRole(role, account)) return false;
        CustomsAdministrationsStorage storage $ = _administrationsStorage();
        CountryRole memory owner = $.countryRoles[role];
        return !owner.admin || $.grantGeneration[role][account] == owner.generation;
    }

    /// @dev Reverts unless `account` is an officer of `country`: the cheap check of the certificate
    /// paths (officer grants have no generation).
    function _checkOfficerRole(bytes2 country, address account) internal view {
        bytes32 role = officerRole(country);
        if (!super.hasRole(role, account)) revert AccessControlUnauthorizedAccount(account, role);
    }

    /// @dev Grants a role and counts each country's admins, recording an admin's generation. Only a
    /// country's admins hold the admin role of its roles, and no account holds the default admin role
    /// (the admin of every role of a country not seated), so no role of a country can be granted
    /// before it is seated.
    function _grantRole(bytes32 role, address account) internal virtual override returns (bool granted) {
        granted = super._grantRole(role, account);
        CustomsAdministrationsStorage storage $ = _administrationsStorage();
        CountryRole memory owner = $.countryRoles[role];
        if (granted && owner.admin) {
            ++$.adminCount[owner.country];
            if (owner.generation != 0) $.grantGeneration[role][account] = owner.generation;
        }
    }

    /// @dev Revokes a role (renouncing one too), but never a country's last admin.
    function _revokeRole(bytes32 role, address account) internal virtual override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        CustomsAdministrationsStorage storage $ = _administrationsStorage();
        CountryRole memory owner = $.countryRoles[role];
        if (revoked && owner.admin && --$.adminCount[owner.country] == 0) revert CustomsLastAdmin(owner.country);
    }

    /// @dev Seats `country` (new, or expelled before) with its first `admin`.
    function _admit(bytes2 country, string calldata name, address admin) private {
        if (!Countries.isAssigned(country)) revert CustomsInvalidCountry(country);
        if (admin == address(0)) revert CustomsInvalidAdmin(admin);
        CustomsAdministrationsStorage storage $ = _administrationsStorage();
        AdministrationRecord storage record = $.administrations[country];
        AdministrationStatus status = record.status;
        if (status == AdministrationStatus.None) {
            record.index = uint8($.countries.length); // at most 256 ISO codes
            $.countries.push(country);
            bytes32 admins = adminRole(country);
            $.countryRoles[admins] = CountryRole(country, true, 0);
            $.countryRoles[officerRole(country)] = CountryRole(country, false, 0);
            $.countryRoles[CountryRoles.credentialSigner(country)] = CountryRole(country, false, 0);
            _setRoleAdmin(admins, admins);
            _setRoleAdmin(officerRole(country), admins);
            _setRoleAdmin(CountryRoles.credentialSigner(country), admins);
            record.status = AdministrationStatus.Active;
            $.activeMembers |= 1 << record.index;
            record.name = name;
            _onRegistered(country);
            emit AdministrationRegistered(country, admin, name);
            _grantRole(admins, admin);
        } else if (status == AdministrationStatus.Expelled) {
            record.name = name;
            _setStatus(country, AdministrationStatus.Active);
            emit AdministrationRegistered(country, admin, name);
            _newAdminGeneration(country, admin);
        } else {
            revert CustomsAdministrationExists(country);
        }
    }

    /// @dev Makes `admin` the only admin of `country`: a new generation, in which earlier grants do not count.
    function _newAdminGeneration(bytes2 country, address admin) private {
        if (admin == address(0)) revert CustomsInvalidAdmin(admin);
        CustomsAdministrationsStorage storage $ = _administrationsStorage();
        bytes32 admins = adminRole(country);
        ++$.countryRoles[admins].generation;
        $.adminCount[country] = 0;
        _grantRole(admins, admin);
    }

    /// @dev Sets the status of a seated administration and tells the modules whether it may act.
    function _setStatus(bytes2 country, AdministrationStatus status) private {
        CustomsAdministrationsStorage storage $ = _administrationsStorage();
        AdministrationRecord storage record = $.administrations[country];
        record.status = status;
        uint256 bit = 1 << record.index;
        bool active = status == AdministrationStatus.Active;
        $.activeMembers = active ? $.activeMembers | bit : $.activeMembers & ~bit;
        _onStatusChanged(country, !active);
    }

    /// @dev Called when `country` is registered, for the modules that keep state per country.
    function _onRegistered(bytes2 country) internal virtual {}

    /// @dev Called when `country` is suspended or expelled (`suspended`) or reinstated.
    function _onStatusChanged(bytes2 country, bool suspended) internal virtual {}

    function _status(bytes2 country) internal view returns (AdministrationStatus) {
        return _administrationsStorage().administrations[country].status;
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
}
