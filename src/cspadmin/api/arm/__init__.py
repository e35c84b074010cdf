"""Azure Resource Manager: subscriptions, resource groups, resources and RBAC."""
