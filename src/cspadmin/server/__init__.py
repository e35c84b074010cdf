"""Running the control plane: TLS material, signing keys, and the uvicorn processes."""
