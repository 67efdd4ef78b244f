"""The web GUI family: MiniWob++ tasks in a real (headless Chromium) browser."""
