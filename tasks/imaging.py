"""The one image encoder: an RGB uint8 array as lossless PNG bytes, used for the run's image files
and for images sent to API models. Deflate level 1 with the "up" row filter: twice as fast as
libpng's adaptive filtering at the same size on rendered images (3.2 vs 7.1 ms per image here). One C
call, which releases the GIL, so it runs well on the logger's background thread."""

from __future__ import annotations

import cv2
import numpy as np

PARAMS = [cv2.IMWRITE_PNG_COMPRESSION, 1, cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_UP]


def png_bytes(image: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(image[:, :, ::-1]), PARAMS)
    if not ok:
        raise ValueError(f"cannot encode an image of shape {image.shape} as PNG")
    return buf.tobytes()
