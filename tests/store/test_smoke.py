from cspadmin.store.database import Database
from cspadmin.store.rbac import count_role_assignments


def test_a_fresh_store_holds_no_role_assignments(database: Database) -> None:
    with database.connect() as connection:
        assert count_role_assignments(connection) == 0
