"""Actions: the store-backed work below the engine (receiving, link import, history, events, transactions, the
host's stock items, explanations, order-line matching, purchase-order import). None imports the engine.

How an action gets what it needs (one pattern, everywhere): an action is a module-level function whose leading
parameters are the collaborators it uses, typed by their concrete classes and always in this order, each only if
used:

- ``store: Store`` (:mod:`barcode_plugins.store`): the SQL;
- ``decoder: Decoder`` (:mod:`barcode_plugins.decoder`): decoding and link keys;
- ``plugins: PluginManager`` (:mod:`barcode_plugins.hooks.manager`): every other hook call and failure record;
- ``transactions: Transactions`` (:mod:`barcode_plugins.actions.transaction`): opening a write transaction and
  the per-thread state that event announcements and in-transaction hooks need.

The engine builds each collaborator once and passes its own (``receive_one(self.store, self.decoder,
self.plugins, self.transactions, raw, ...)``). An action never reaches one collaborator through another
(``decoder.plugins``, ``transactions.store``): what it uses is in its signature.
"""
