"""Adapters: one small module per web framework, each only moving bytes to and from
``Dispatcher.handle``/``ahandle``.

Every adapter answers 405 to anything but POST, enforces ``Dispatcher.max_body_bytes``
while reading (a larger body gets 413 and is never buffered whole), and passes the
content type through. That flow is written once, in ``_flow`` (sync and async); each
adapter keeps only its framework's I/O and a ``to_<framework>_response``. ``wsgi`` and
``asgi`` need no framework; the others need their extra (``pip install
'b24botevents[flask]'`` and so on).
"""
