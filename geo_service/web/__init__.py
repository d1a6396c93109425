"""Flask blueprints: thin adapters over the Flask-free core."""
