"""emulators layer."""
