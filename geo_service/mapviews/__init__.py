"""Flask-free building of the service's maps and pages (coverage, employment gaps, gaps in
support, commune and initiative profiles). Every function takes plain data (boundaries, the
catalogue, the indicators) plus a translation function ``t`` and returns HTML fragments or
dictionaries for templates; the blueprints in ``geo_service.web`` only cache and render them.

User-provided text (initiative names, descriptions, nominations) is escaped here, in Python,
because Leaflet and folium insert popup and tooltip content as HTML.
"""
