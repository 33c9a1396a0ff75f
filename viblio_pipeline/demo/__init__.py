"""`make demo`: the local fleet processing a sample video with real faces."""
