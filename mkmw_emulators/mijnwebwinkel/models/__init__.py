"""The MijnWebwinkel emulator's backend, one module per entity (as moto does it)."""
