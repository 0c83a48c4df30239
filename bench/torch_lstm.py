"""Optional PyTorch CPU baseline of the LSTM captioning model for bench_lstm.py.

torch is not a dependency of the kit: `import_torch()` returns None when it is
missing, and nothing here imports torch at module level. The baseline is built
from the NumPy parameters (CaptioningRNN.params) and computes the same thing as
CaptioningRNN.loss: nn.Linear projection to h0, nn.Embedding, nn.LSTM with a zero
initial cell state, nn.Linear scores, and a cross-entropy summed over the
timesteps whose target is not <NULL>, divided by N; torch.optim.Adam updates
every parameter. nn.LSTM orders its gates i, f, g, o, the kit i, f, o, g.
"""

from collections.abc import Callable

import numpy as np


def import_torch():
    """Return the torch module, or None when torch is not installed."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def to_torch_gates(W: np.ndarray) -> np.ndarray:
    """Reorder the gate blocks of the last axis of W from i, f, o, g to i, f, g, o.

    Inputs:
    - W: Array of shape (..., 4H)

    Returns:
    - Array of shape (..., 4H)
    """
    i, f, o, g = np.split(W, 4, axis=-1)
    return np.concatenate([i, f, g, o], axis=-1)


def from_torch_gates(W: np.ndarray) -> np.ndarray:
    """Inverse of to_torch_gates: reorder i, f, g, o blocks to i, f, o, g."""
    i, f, g, o = np.split(W, 4, axis=-1)
    return np.concatenate([i, f, o, g], axis=-1)


def as_tensor(torch, a: np.ndarray):
    """A torch tensor with a C-contiguous copy of a's values (a is never shared)."""
    return torch.from_numpy(np.array(a, order="C"))


def make_lstm(torch, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray):
    """An nn.LSTM layer (batch_first) holding the kit's LSTM weights.

    Inputs:
    - torch: The torch module
    - Wx: Input-to-hidden weights, of shape (D, 4H)
    - Wh: Hidden-to-hidden weights, of shape (H, 4H)
    - b: Biases, of shape (4H,); nn.LSTM's second bias (bias_hh) is frozen at zero

    Returns:
    - lstm: torch.nn.LSTM with the dtype of Wx
    """
    D, H = Wx.shape[0], Wh.shape[0]
    lstm = torch.nn.LSTM(D, H, batch_first=True, dtype=as_tensor(torch, Wx).dtype)
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(as_tensor(torch, to_torch_gates(Wx).T))
        lstm.weight_hh_l0.copy_(as_tensor(torch, to_torch_gates(Wh).T))
        lstm.bias_ih_l0.copy_(as_tensor(torch, to_torch_gates(b)))
        lstm.bias_hh_l0.zero_()
    lstm.bias_hh_l0.requires_grad_(False)
    return lstm


def torch_lstm_pass(
    torch,
    x: np.ndarray,
    h0: np.ndarray,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
    dh: np.ndarray,
) -> Callable[[], np.ndarray]:
    """Prepare a forward and backward pass of nn.LSTM, like lstm_forward + lstm_backward.

    Inputs:
    - torch: The torch module
    - x: Input data, of shape (N, T, D)
    - h0: Initial hidden state, of shape (N, H); the initial cell state is zero
    - Wx, Wh, b: LSTM weights and biases, as in cs231n.rnn_layers.lstm_forward
    - dh: Upstream gradient of the hidden states, of shape (N, T, H)

    Returns:
    - run: Function of no arguments that runs the pass (gradients of x, h0 and
      every weight) and returns dWx in the kit's layout, of shape (D, 4H)
    """
    lstm = make_lstm(torch, Wx, Wh, b)
    x_t = as_tensor(torch, x).requires_grad_(True)
    h0_t = as_tensor(torch, h0[None]).requires_grad_(True)
    c0_t = torch.zeros_like(h0_t)
    dh_t = as_tensor(torch, dh)

    def run() -> np.ndarray:
        lstm.zero_grad(set_to_none=True)
        x_t.grad, h0_t.grad = None, None
        h, _ = lstm(x_t, (h0_t, c0_t))
        h.backward(dh_t)
        return from_torch_gates(lstm.weight_ih_l0.grad.numpy().T)

    return run


class TorchCaptioner:
    """The LSTM captioning model and its Adam updates in PyTorch, on the CPU."""

    def __init__(self, torch, params: dict, null_idx: int, learning_rate: float = 1e-3):
        """Copy the NumPy parameters into torch modules.

        Inputs:
        - torch: The torch module
        - params: CaptioningRNN.params of an LSTM model; their dtype is kept
        - null_idx: Index of <NULL>, whose targets do not count towards the loss
        - learning_rate: Adam step size; the other hyperparameters are the
          defaults of both torch.optim.Adam and cs231n.optim.adam
        """
        nn = torch.nn
        self.torch = torch
        self.null_idx = null_idx
        dtype = as_tensor(torch, params["Wx"]).dtype
        (D, H), (V, W) = params["W_proj"].shape, params["W_embed"].shape
        self.proj = nn.Linear(D, H, dtype=dtype)
        self.embed = nn.Embedding(V, W, dtype=dtype)
        self.lstm = make_lstm(torch, params["Wx"], params["Wh"], params["b"])
        self.vocab = nn.Linear(H, V, dtype=dtype)
        with torch.no_grad():
            self.proj.weight.copy_(as_tensor(torch, params["W_proj"].T))
            self.proj.bias.copy_(as_tensor(torch, params["b_proj"]))
            self.embed.weight.copy_(as_tensor(torch, params["W_embed"]))
            self.vocab.weight.copy_(as_tensor(torch, params["W_vocab"].T))
            self.vocab.bias.copy_(as_tensor(torch, params["b_vocab"]))
        modules = (self.proj, self.embed, self.lstm, self.vocab)
        trained = [p for m in modules for p in m.parameters() if p.requires_grad]
        self.optimizer = torch.optim.Adam(trained, lr=learning_rate)

    def train_step(self, features: np.ndarray, captions: np.ndarray) -> float:
        """Loss, gradients and one Adam update of every parameter.

        Inputs:
        - features: Image features, of shape (N, D)
        - captions: Integer array of shape (N, T + 1)

        Returns:
        - loss: The loss before the update
        """
        torch = self.torch
        features_t = torch.from_numpy(features)
        captions_t = torch.from_numpy(captions).long()
        N, V = features.shape[0], self.vocab.out_features

        self.optimizer.zero_grad(set_to_none=True)
        h0 = self.proj(features_t)[None]
        h, _ = self.lstm(self.embed(captions_t[:, :-1]), (h0, torch.zeros_like(h0)))
        scores = self.vocab(h)
        loss = torch.nn.functional.cross_entropy(
            scores.reshape(-1, V),
            captions_t[:, 1:].reshape(-1),
            ignore_index=self.null_idx,
            reduction="sum",
        )
        loss = loss / N
        loss.backward()
        self.optimizer.step()
        return loss.item()
