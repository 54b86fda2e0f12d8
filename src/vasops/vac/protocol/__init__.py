"""Pure protocol layer of the VAC: binary real-time interface, SOAP SP notification, CRM batch files.

No Django and no I/O here; the asyncio server, the ASGI gateway and the SOAP notifier build on it.
"""
