"""The HTTP API and the scanning-station page (``barcode-plugins serve``, extra ``barcode-plugins[server]``).

This package's ``__init__`` and :mod:`.tokens` import nothing heavy, so the ``token`` commands work without the
server extra; :mod:`.app` is the Litestar application and is imported only by ``serve`` and the tests.
"""
