"""Media processing: probing, transcoding, previews (ffmpeg and PyAV), faces.

Pure planning lives beside the I/O that uses it; nothing here knows about SWF,
the object store or the catalog: stage handlers in `activities` do the wiring.
"""

from viblio_pipeline.media.errors import FfmpegFailed, FfmpegStalled, MediaError, UnsupportedMedia

__all__ = ["FfmpegFailed", "FfmpegStalled", "MediaError", "UnsupportedMedia"]
