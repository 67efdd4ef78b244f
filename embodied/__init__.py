"""Embodied families: GUI (Android-style screens) and navigation (MiniWorld, habitat-sim)."""
