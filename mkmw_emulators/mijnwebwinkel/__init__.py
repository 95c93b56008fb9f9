"""The MijnWebwinkel (Connect REST API) emulator."""
