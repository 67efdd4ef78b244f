"""Pixel-level image metrics for consistency and no-reference quality (pure functions on RGB uint8)."""

from __future__ import annotations

import cv2
import numpy as np
from skimage.measure import blur_effect
from skimage.metrics import structural_similarity

_IMMERKAER = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float64)


def l1_similarity(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> float:
    """1 - mean |a - b| / 255 over the pixels where ``mask`` is true (all pixels when None)."""
    diff = np.abs(a.astype(np.int16) - b.astype(np.int16)).mean(axis=2)
    values = diff if mask is None else diff[mask]
    return 1.0 if values.size == 0 else float(1.0 - values.mean() / 255.0)


def ssim(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> float:
    """SSIM (Wang et al. 2004; 7x7 window, data range 255) averaged over the masked pixels, clipped to [0, 1]."""
    if min(a.shape[:2]) < 7:
        return l1_similarity(a, b, mask)
    _, full = structural_similarity(a, b, channel_axis=2, data_range=255, full=True)
    values = full.mean(axis=2) if mask is None else full.mean(axis=2)[mask]
    return 1.0 if values.size == 0 else float(np.clip(values.mean(), 0.0, 1.0))


def blur(image: np.ndarray) -> float:
    """Crete-Roffet et al. (2007) no-reference blur: 0 for sharp, 1 for fully blurred; robust to how much content
    there is."""
    return float(blur_effect(image, channel_axis=2)) if min(image.shape[:2]) >= 3 else 0.0


def noise_sigma(image: np.ndarray) -> float:
    """Immerkaer (1996) fast noise estimate: sqrt(pi/2) / (6 (W-2)(H-2)) * sum |I * N| on the grey image."""
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float64)
    h, w = grey.shape
    if h < 3 or w < 3:
        return 0.0
    response = cv2.filter2D(grey, -1, _IMMERKAER, borderType=cv2.BORDER_REPLICATE)[1:-1, 1:-1]
    return float(np.sqrt(np.pi / 2) * np.abs(response).sum() / (6.0 * (w - 2) * (h - 2)))


def quality(image: np.ndarray, reference: np.ndarray) -> dict[str, float]:
    """No-reference quality of an edited image relative to the episode's start image: ``quality_sharpness``
    = min(1, (1 - blur) / (1 - start's blur)), ``quality_noise`` = min(1, (sigma_start + 1) / (sigma + 1)),
    ``quality`` the smaller of the two (blur and added noise both accumulate over edits)."""
    ref_sharp = 1.0 - blur(reference)
    sharp = 1.0 if ref_sharp <= 0 else float(np.clip((1.0 - blur(image)) / ref_sharp, 0.0, 1.0))
    noise = min(1.0, (noise_sigma(reference) + 1.0) / (noise_sigma(image) + 1.0))
    return {"quality_sharpness": sharp, "quality_noise": noise, "quality": min(sharp, noise)}
