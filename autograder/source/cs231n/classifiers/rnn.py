"""The captioning model: image features in, word scores out, an RNN or LSTM between."""

import numpy as np

from cs231n.rnn_layers import (
    affine_backward,
    affine_forward,
    lstm_backward,
    lstm_forward,
    lstm_step_forward,
    rnn_backward,
    rnn_forward,
    rnn_step_forward,
    temporal_affine_backward,
    temporal_affine_forward,
    temporal_softmax_loss,
    word_embedding_backward,
    word_embedding_forward,
)


class CaptioningRNN:
    """Generates captions from image features with a recurrent network.

    An affine projection of the image features is the initial hidden state; the
    words of the caption, embedded as vectors, are the inputs of the RNN; an affine
    layer turns every hidden state into scores over the vocabulary.

    The model has no regularisation. Inputs have dimension D, word vectors
    dimension W, the hidden state dimension H, the vocabulary size V, and
    minibatches of N captions of length T.
    """

    def __init__(
        self,
        word_to_idx: dict,
        input_dim: int = 512,
        wordvec_dim: int = 128,
        hidden_dim: int = 128,
        cell_type: str = "rnn",
        dtype: type = np.float32,
    ):
        """Build a new CaptioningRNN with randomly initialised weights.

        Inputs:
        - word_to_idx: Vocabulary of V words, mapping each word to an index in [0, V)
        - input_dim: Dimension D of the image features
        - wordvec_dim: Dimension W of the word vectors
        - hidden_dim: Dimension H of the hidden state
        - cell_type: 'rnn' or 'lstm'
        - dtype: numpy dtype of the parameters; float32 to train, float64 to check
          gradients numerically
        """
        if cell_type not in {"rnn", "lstm"}:
            raise ValueError(f"Invalid cell_type {cell_type!r}: use 'rnn' or 'lstm'")

        self.cell_type = cell_type
        self.dtype = dtype
        self.word_to_idx = word_to_idx
        self.idx_to_word = {i: w for w, i in word_to_idx.items()}
        self.params = {}

        vocab_size = len(word_to_idx)
        self._null = word_to_idx["<NULL>"]
        self._start = word_to_idx.get("<START>", None)
        self._end = word_to_idx.get("<END>", None)

        gates = {"lstm": 4, "rnn": 1}[cell_type]
        D, W, H, V = input_dim, wordvec_dim, hidden_dim, vocab_size
        self.params["W_embed"] = np.random.randn(V, W) / 100
        self.params["W_proj"] = np.random.randn(D, H) / np.sqrt(D)
        self.params["b_proj"] = np.zeros(H)
        self.params["Wx"] = np.random.randn(W, gates * H) / np.sqrt(W)
        self.params["Wh"] = np.random.randn(H, gates * H) / np.sqrt(H)
        self.params["b"] = np.zeros(gates * H)
        self.params["W_vocab"] = np.random.randn(H, V) / np.sqrt(H)
        self.params["b_vocab"] = np.zeros(V)

        for name, value in self.params.items():
            self.params[name] = value.astype(self.dtype)

    def loss(self, features: np.ndarray, captions: np.ndarray) -> tuple[float, dict]:
        """Training loss and gradients for a minibatch.

        The model reads captions[:, :-1] and learns to predict captions[:, 1:];
        target positions holding <NULL> do not count towards the loss.

        Inputs:
        - features: Image features, of shape (N, D)
        - captions: Ground-truth captions, an integer array of shape (N, T + 1),
          each element in [0, V)

        Returns a tuple of:
        - loss: Scalar loss
        - grads: Dict with the same keys as self.params, the gradient of the loss
          with respect to each parameter
        """
        captions_in = captions[:, :-1]
        captions_out = captions[:, 1:]
        mask = captions_out != self._null

        W_proj, b_proj = self.params["W_proj"], self.params["b_proj"]
        W_embed = self.params["W_embed"]
        Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]
        W_vocab, b_vocab = self.params["W_vocab"], self.params["b_vocab"]

        loss, grads = 0.0, {}
        # TODO: the forward pass in four steps (project the features to h0, embed
        # captions_in, run the RNN or LSTM, score the vocabulary at every timestep)
        # with temporal_softmax_loss on top, then the backward pass through the same
        # layers in reverse, filling grads with one entry per parameter.
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        ### BEGIN SOLUTION
        h0, proj_cache = affine_forward(features, W_proj, b_proj)
        x, embed_cache = word_embedding_forward(captions_in, W_embed)
        if self.cell_type == "rnn":
            h, recurrent_cache = rnn_forward(x, h0, Wx, Wh, b)
        else:
            h, recurrent_cache = lstm_forward(x, h0, Wx, Wh, b)
        scores, scores_cache = temporal_affine_forward(h, W_vocab, b_vocab)
        loss, dscores = temporal_softmax_loss(scores, captions_out, mask)

        dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, scores_cache)
        recurrent_backward = rnn_backward if self.cell_type == "rnn" else lstm_backward
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = recurrent_backward(dh, recurrent_cache)
        grads["W_embed"] = word_embedding_backward(dx, embed_cache)
        _, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, proj_cache)
        ### END SOLUTION
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        return loss, grads

    def sample(self, features: np.ndarray, max_length: int = 30) -> np.ndarray:
        """Greedy decoding: caption images by taking the most likely word each step.

        The first input word is <START>; each following input is the word chosen at
        the previous step. The initial cell state of an LSTM is zero.

        Inputs:
        - features: Image features, of shape (N, D)
        - max_length: Length T of the generated captions

        Returns:
        - captions: Integer array of shape (N, max_length); column 0 holds the first
          generated word, and positions that are never written hold <NULL>
        """
        N = features.shape[0]
        captions = self._null * np.ones((N, max_length), dtype=np.int32)

        W_proj, b_proj = self.params["W_proj"], self.params["b_proj"]
        W_embed = self.params["W_embed"]
        Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]
        W_vocab, b_vocab = self.params["W_vocab"], self.params["b_vocab"]

        # TODO: start from h0 (and a zero cell state for the LSTM, with h0's dtype) and
        # the <START> word; at every step embed the previous word, take one RNN or LSTM
        # step, score the vocabulary and write the best word into captions[:, t].
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        ### BEGIN SOLUTION
        h, _ = affine_forward(features, W_proj, b_proj)
        c = np.zeros_like(h)
        words = np.full(N, self._start)
        for t in range(max_length):
            x = W_embed[words]
            if self.cell_type == "rnn":
                h, _ = rnn_step_forward(x, h, Wx, Wh, b)
            else:
                h, c, _ = lstm_step_forward(x, h, c, Wx, Wh, b)
            scores, _ = affine_forward(h, W_vocab, b_vocab)
            words = scores.argmax(axis=1)
            captions[:, t] = words
        ### END SOLUTION
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        return captions
