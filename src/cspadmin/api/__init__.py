"""HTTP: the token service, ARM, Microsoft Graph and Partner Center, on Azure's wire."""
