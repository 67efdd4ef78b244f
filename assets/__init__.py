"""Small data shipped with mmturn: fonts, icons, textures, sample datasets."""

from pathlib import Path

ASSETS = Path(__file__).resolve().parent
FONTS = sorted((ASSETS / "fonts").glob("*.ttf"))
