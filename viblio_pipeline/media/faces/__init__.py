"""Faces in videos: sample frames, detect, describe, track, score; all offline.

Pure logic (geometry, quality, tracking, matching, the faces document) has no
I/O; the dlib models and PyAV decoding sit behind `engine` and `frames`.
"""
