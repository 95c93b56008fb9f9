"""The MplusKASSA (MplusQapi, SOAP) emulator."""
