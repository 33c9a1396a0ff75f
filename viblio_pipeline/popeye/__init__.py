"""Popeye: where uploads land before the pipeline takes them."""
