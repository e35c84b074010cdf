"""Partner Center's REST surface (`https://api.partnercenter.microsoft.com/v1/...`), served
under `/v1` on this server."""
