"""LoRA / QLoRA fine-tuning: dataset validation, training loop, adapter metadata, merge for export."""
