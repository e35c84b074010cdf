"""Microsoft Graph v1.0: users, groups, directory objects and directory roles."""
