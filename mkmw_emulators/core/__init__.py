"""Shared emulator infrastructure: fault injection, serving, the vendor contracts."""
