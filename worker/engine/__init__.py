"""Model store and inference engine: registry, pull/convert, loader + LRU cache, batched generation.

Import the submodules you need (`worker.engine.engine.get_engine`, `app.kernel.registry.registry.get_registry`,
`worker.engine.store.pull_model`, ...). This package imports nothing eagerly, so the API process can read the
registry and the store without loading torch.
"""
