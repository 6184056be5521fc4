"""The model registry, torch-free: entries (spec), the catalogue plus admin additions (registry), what is on disk
(model_files) and the errors engines raise (errors)."""
