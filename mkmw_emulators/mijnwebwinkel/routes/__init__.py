"""The MijnWebwinkel emulator's REST handlers, one module per entity."""
