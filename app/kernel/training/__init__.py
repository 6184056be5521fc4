"""Fine-tuning contracts the API and the training worker share: job configuration, dataset validation (with a
torch-free tokenizer), chat encoding, file naming and errors."""
