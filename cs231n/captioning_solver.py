"""Minibatch training loop for captioning models."""

import copy

import numpy as np

from cs231n import optim
from cs231n.coco_utils import sample_coco_minibatch


class CaptioningSolver:
    """Trains a captioning model with minibatch first-order optimisation.

    The model must provide:
    - model.params: Dictionary mapping parameter names to numpy arrays
    - model.loss(features, captions): Returns (loss, grads), where loss is a scalar
      and grads is a dictionary with the same keys as model.params holding the
      gradient of the loss with respect to each parameter

    The data dictionary is the one returned by load_coco_data (only the train_*
    captions, image_idxs, features and urls are used).

    Example:

        data = load_coco_data(max_train=10000)
        model = CaptioningRNN(...)
        solver = CaptioningSolver(model, data, update_rule='adam',
                                  optim_config={'learning_rate': 5e-3},
                                  lr_decay=0.995, num_epochs=10, batch_size=100)
        solver.train()
        plt.plot(solver.loss_history)

    After train(), model.params holds the trained weights, loss_history the loss
    of every iteration, epoch the number of completed epochs and iterations_run
    the number of iterations of the last call to train(). A budget in iterations
    (num_iterations) gives the same training on every machine, fast or busy.
    """

    def __init__(self, model, data: dict, **kwargs) -> None:
        """Build a solver.

        Inputs:
        - model: Model object as described in the class docstring
        - data: Dictionary of training data from load_coco_data

        Optional keyword arguments:
        - update_rule: Name of an update rule in cs231n.optim (default 'sgd')
        - optim_config: Dictionary of hyperparameters for the update rule, e.g.
          {'learning_rate': 1e-3}; each parameter gets its own deep copy (default {})
        - lr_decay: Every parameter's learning rate is multiplied by this at the
          end of each epoch (default 1.0)
        - batch_size: Number of captions per minibatch (default 100)
        - num_epochs: Number of epochs to train for (default 10)
        - print_every: Print the loss every print_every iterations (default 10)
        - verbose: If False, print nothing during training (default True)
        - seed: If not None, minibatches are drawn from np.random.default_rng(seed),
          so that training with the same model initialisation is reproducible;
          None uses the global np.random state (default None)
        - num_iterations: If not None, train() runs exactly this many iterations
          instead of num_epochs epochs; learning rates still decay at the end of
          every epoch (default None)

        Raises ValueError for an unknown keyword argument or update rule.
        """
        self.model = model
        self.data = data

        self.update_rule_name = kwargs.pop("update_rule", "sgd")
        self.optim_config = kwargs.pop("optim_config", {})
        self.lr_decay = kwargs.pop("lr_decay", 1.0)
        self.batch_size = kwargs.pop("batch_size", 100)
        self.num_epochs = kwargs.pop("num_epochs", 10)
        self.print_every = kwargs.pop("print_every", 10)
        self.verbose = kwargs.pop("verbose", True)
        self.seed = kwargs.pop("seed", None)
        self.num_iterations = kwargs.pop("num_iterations", None)

        if kwargs:
            raise ValueError(f"Unrecognized arguments: {', '.join(sorted(kwargs))}")
        if self.update_rule_name not in optim.__all__:
            raise ValueError(
                f"Unknown update rule {self.update_rule_name!r}; choose one of {optim.__all__}"
            )
        self.update_rule = getattr(optim, self.update_rule_name)

        self.rng = None if self.seed is None else np.random.default_rng(self.seed)
        self.epoch = 0
        self.iterations_run = 0
        self.loss_history: list[float] = []
        self.optim_configs = {name: copy.deepcopy(self.optim_config) for name in model.params}

    def _step(self) -> None:
        """Run one gradient update on a random training minibatch."""
        captions, features, _ = sample_coco_minibatch(
            self.data, batch_size=self.batch_size, split="train", rng=self.rng
        )
        loss, grads = self.model.loss(features, captions)
        self.loss_history.append(float(loss))

        for name, w in self.model.params.items():
            next_w, self.optim_configs[name] = self.update_rule(
                w, grads[name], self.optim_configs[name]
            )
            self.model.params[name] = next_w

    def train(self) -> None:
        """Train for num_iterations iterations if set, else for num_epochs epochs.

        An epoch is max(1, num_train // batch_size) iterations. The loss is printed
        on the first iteration and every print_every iterations after it, and the
        learning rates are decayed at the end of each epoch.
        """
        num_train = self.data["train_captions"].shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_iterations
        if num_iterations is None:
            num_iterations = self.num_epochs * iterations_per_epoch
        self.iterations_run = 0

        for t in range(num_iterations):
            self._step()
            self.iterations_run += 1

            if self.verbose and t % self.print_every == 0:
                print(f"(Iteration {t + 1} / {num_iterations}) loss: {self.loss_history[-1]:f}")

            if (t + 1) % iterations_per_epoch == 0:
                self.epoch += 1
                for config in self.optim_configs.values():
                    config["learning_rate"] *= self.lr_decay
