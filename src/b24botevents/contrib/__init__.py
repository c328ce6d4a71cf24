"""Adapters: one small module per web framework, each only moving bytes to and from
``Dispatcher.handle``/``ahandle``.

Every adapter answers 405 to anything but POST, enforces ``Dispatcher.max_body_bytes``
while reading (a larger body gets 413 and is never buffered whole), and passes the
content type through. ``wsgi`` and ``asgi`` need no framework; the others need their
extra (``pip install 'b24botevents[flask]'`` and so on).
"""
