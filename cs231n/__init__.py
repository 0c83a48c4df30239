"""CS231n-style image captioning with vanilla RNNs and LSTMs, in NumPy."""
