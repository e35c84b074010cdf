"""The directory as Microsoft Graph serves it, and who may read and change it.

- `rules`: the directory-role rule: who may read, manage users, reset passwords
  (`RESET_BY`) and handle licenses, and the roles a caller or target holds.
- `errors`: the refusals, with Graph's codes.
- `users`: the user use cases (list, get, `/me`, create, update, delete);
  `checks`: the property values and password policy they enforce.
- `groups`: groups and their members.
- `directory_roles`: activated directory roles and their holders.
- `licenses`: a tenant's subscribed SKUs, assigning licenses to users and their license
  details.
- `objects`: directory objects of any kind, and getByIds.
- `paging`: the `Window` a caller asks for and the `Page` it gets.

Import from the module that holds a thing; this package re-exports nothing.
"""
