"""viblio-pipeline: a durable video-processing pipeline on Amazon SWF."""

__version__ = "0.1.0"
