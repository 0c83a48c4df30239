"""Models built from the layers in `cs231n.rnn_layers`."""
