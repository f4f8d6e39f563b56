"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) under /open311/v2/ (docs/open311.md).

Outside systems (a city 12345 platform, a resident app) read our public categories as services,
post service requests with an API key, and follow them by number. `render` writes the bodies in
JSON and XML from one description, `service_requests` turns cases into requests and back, and
`views` are the thin endpoints that call the case services and selectors.
"""
