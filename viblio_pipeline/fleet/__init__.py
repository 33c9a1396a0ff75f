"""Running the fleet: supervisord config, the local fleet, daemon mode."""
