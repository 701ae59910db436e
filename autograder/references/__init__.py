"""PyTorch reference implementations that the hidden tests compare student code to (one module per chapter)."""
