"""Plugin system (pluggy): how the core's features and a region's own 35% plug in."""
