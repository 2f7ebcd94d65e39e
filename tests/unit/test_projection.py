"""What events project into the mirror's tables, event by event."""

from cadena_client.contract.codec import country_roles
from cadena_client.domain.event import Event
from cadena_client.mirror import projection
from cadena_client.mirror.store import Store

OLD, STOLEN, NEW = "0x" + "11" * 20, "0x" + "22" * 20, "0x" + "33" * 20


def event(name: str, log_index: int, **args) -> Event:
    return Event(name, 1, log_index, "0x" + "00" * 32, 0, None, args.get("country"), None, None, None, args)


def role(account: str, country: str = "CO") -> Event:
    admins = next(key for key, held in country_roles().items() if held == (country, "admin"))
    return event("RoleGranted", 0, role="0x" + admins.hex(), account=account, sender=account)


def test_a_recovery_leaves_the_recovered_admin_alone_with_the_country_s_admin_role():
    db = Store(":memory:", 1, "0x" + "00" * 20, 0).db
    projection.apply(db, [role(OLD), role(STOLEN), role(NEW, "MX")])
    projection.apply(db, [event("AdministrationRecovered", 2, country="CO", admin=NEW, proposal=1)])
    held = set(db.execute("SELECT account, country, role FROM roles"))
    assert held == {(NEW, "CO", "admin"), (NEW, "MX", "admin")}
