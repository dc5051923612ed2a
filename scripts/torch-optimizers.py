#!/usr/bin/env python3
"""Writes tests/data/torch-optimizers.json: small networks trained with torch.optim, in float64.

The tests compare the tool's JSON (`W_after`, `b_after`, `state`, `loss_after`) with these
values for the optimizer forms that are PyTorch's own: sgd, momentum with `form = pytorch`,
nesterov, adagrad, rmsprop and adam (`form = paper`), each with and without weight decay and
dropout. Run once by hand, not in CI (torch is a 3 GB install):

    python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch numpy
    /tmp/torchenv/bin/python scripts/torch-optimizers.py > tests/data/torch-optimizers.json

Every case is drawn from a seeded generator, so the file is the same on every run with the
same torch version (recorded in the file).
"""

import json
import random
import sys

import torch

torch.set_default_dtype(torch.float64)

ACTIVATIONS = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "identity": lambda a: a,
    "softplus": torch.nn.functional.softplus,
}


def number(rng, low=-1.0, high=1.0):
    """A two-decimal number, as `gen` writes them."""
    return round(rng.uniform(low, high), 2)


def matrix(rows, cols, draw):
    return [[draw() for _ in range(cols)] for _ in range(rows)]


def text(values):
    """A number or nested list in the .nn syntax."""
    if isinstance(values, list):
        return "[" + ", ".join(text(v) for v in values) + "]"
    return repr(values)


class Case:
    def __init__(self, rng, optimizer, decay, dropout):
        self.optimizer = optimizer
        self.samples = rng.randint(1, 3)
        self.steps = rng.randint(1, 4)
        depth = rng.randint(2, 3)
        self.sizes = [rng.randint(1, 3) for _ in range(depth + 1)]
        self.loss = rng.choice(["sum_squared", "mean_squared", "cross_entropy"])
        hidden = [rng.choice(["sigmoid", "tanh", "softplus"]) for _ in range(depth - 1)]
        if self.loss == "cross_entropy":
            self.sizes[-1] = max(2, self.sizes[-1])
            output = "softmax"
        else:
            output = rng.choice(["identity", "sigmoid"])
        self.activations = hidden + [output]
        self.x = matrix(self.samples, self.sizes[0], lambda: number(rng))
        if output == "softmax":
            self.t = []
            for _ in range(self.samples):
                row = [0] * self.sizes[-1]
                row[rng.randrange(self.sizes[-1])] = 1
                self.t.append(row)
        else:
            self.t = matrix(self.samples, self.sizes[-1], lambda: number(rng, 0.0, 1.0))
        self.weights = [
            matrix(self.sizes[l + 1], self.sizes[l], lambda: number(rng))
            for l in range(depth)
        ]
        self.biases = [
            [number(rng) for _ in range(self.sizes[l + 1])] if rng.random() < 0.7 else None
            for l in range(depth)
        ]
        self.decay = round(rng.choice([0.01, 0.05, 0.1]), 2) if decay else None
        # A mask per hidden layer, a row per sample; the same mask at every step.
        self.dropout = {}
        if dropout:
            for l in range(depth - 1):
                if rng.random() < 0.7 or not self.dropout:
                    keep = rng.choice([0.5, 0.8])
                    scale = rng.choice(["inverted", "none"])
                    mask = matrix(self.samples, self.sizes[l + 1], lambda: rng.choice([0, 1, 1]))
                    self.dropout[l] = (mask, keep, scale)
        self.params = optimizer_params(rng, optimizer)

    def nn(self):
        lines = [f"# torch.optim case: {self.optimizer}"]
        lines.append(f"input x = {text(self.x if self.samples > 1 else self.x[0])}")
        for l, (w, b) in enumerate(zip(self.weights, self.biases)):
            lines.append(f"layer {self.activations[l]}")
            lines.append(f"  W = {text(w)}")
            if b is not None:
                lines.append(f"  b = {text(b)}")
            if l in self.dropout:
                mask, keep, scale = self.dropout[l]
                # `keep` has no effect with `scale = none`, and the language refuses it there.
                line = f"  dropout mask = {text(mask)}, " + (
                    "scale = none" if scale == "none" else f"keep = {keep}"
                )
                lines.append(line)
        lines.append(f"target t = {text(self.t if self.samples > 1 else self.t[0])}")
        lines.append(f"loss {self.loss}")
        if self.decay is not None:
            lines.append(f"weight_decay {self.decay}")
        name, form, settings = self.params
        written = ", ".join(f"{k} = {v}" for k, v in settings.items())
        if form is not None:
            written += f", form = {form}"
        lines.append(f"optimizer {name} {written}, steps = {self.steps}")
        return "\n".join(lines) + "\n"

    def network(self):
        """The case as data, for tests that do not parse the .nn text."""
        name, form, settings = self.params
        return {
            "x": self.x,
            "t": self.t,
            "activations": self.activations,
            "W": self.weights,
            "b": self.biases,
            "loss": self.loss,
            "steps": self.steps,
            "optimizer": {"name": name, "form": form, **settings},
            "weight_decay": self.decay,
            "dropout": [
                {"mask": m, "keep": k, "scale": s} if (m, k, s) != (None, None, None) else None
                for (m, k, s) in (self.dropout.get(l, (None, None, None)) for l in range(len(self.weights)))
            ],
        }

    def forward(self, ws, bs, dropout):
        z = torch.tensor(self.x)
        for l, (w, b) in enumerate(zip(ws, bs)):
            a = z @ w.T
            if b is not None:
                a = a + b
            if self.activations[l] == "softmax":
                z = torch.softmax(a, dim=1)
            else:
                z = ACTIVATIONS[self.activations[l]](a)
            if dropout and l in self.dropout:
                mask, keep, scale = self.dropout[l]
                z = z * torch.tensor(mask, dtype=torch.float64)
                if scale == "inverted":
                    z = z / keep
        return z

    def data_loss(self, y):
        t = torch.tensor(self.t, dtype=torch.float64)
        if self.loss == "sum_squared":
            return 0.5 * ((y - t) ** 2).sum()
        if self.loss == "mean_squared":
            per_sample = ((y - t) ** 2).sum(dim=1) / y.shape[1]
            return per_sample.mean()
        return -(t * torch.log(y)).sum()

    def train(self):
        ws = [torch.tensor(w, requires_grad=True) for w in self.weights]
        bs = [torch.tensor(b, requires_grad=True) if b is not None else None for b in self.biases]
        groups = [{"params": ws, "weight_decay": self.decay or 0.0}]
        biases = [b for b in bs if b is not None]
        if biases:
            groups.append({"params": biases, "weight_decay": 0.0})
        optimizer = make_optimizer(self.params, groups)
        steps = []
        for _ in range(self.steps):
            optimizer.zero_grad()
            loss = self.data_loss(self.forward(ws, bs, dropout=True))
            loss.backward()
            with torch.no_grad():
                penalty = sum((w**2).sum() for w in ws).item() * (self.decay or 0.0) / 2
            optimizer.step()
            steps.append(
                {
                    # E with dropout, and E~ = E + (λ/2) Σ w² (the weights before the step).
                    "loss": loss.item(),
                    "loss_decayed": loss.item() + penalty,
                    "layers": [
                        {
                            "W_after": w.detach().tolist(),
                            "b_after": b.detach().tolist() if b is not None else None,
                            "state": state_of(self.params[0], optimizer, w, b),
                        }
                        for w, b in zip(ws, bs)
                    ],
                }
            )
        with torch.no_grad():
            after = self.data_loss(self.forward(ws, bs, dropout=False)).item()
        return steps, after


def optimizer_params(rng, name):
    lr = rng.choice([0.1, 0.5, 0.05])
    if name == "sgd":
        return ("sgd", None, {"lr": lr})
    if name == "momentum":
        return ("momentum", "pytorch", {"lr": lr, "momentum": rng.choice([0.9, 0.5])})
    if name == "nesterov":
        return ("nesterov", None, {"lr": lr, "momentum": rng.choice([0.9, 0.5])})
    if name == "adagrad":
        return ("adagrad", None, {"lr": lr, "eps": 1e-07})
    if name == "rmsprop":
        return ("rmsprop", None, {"lr": rng.choice([0.01, 0.1]), "decay": 0.99, "eps": 1e-08})
    return (
        "adam",
        "paper",
        {"lr": rng.choice([0.001, 0.01, 0.1]), "beta1": 0.9, "beta2": 0.999, "eps": 1e-08},
    )


def make_optimizer(params, groups):
    name, _, p = params
    if name == "sgd":
        return torch.optim.SGD(groups, lr=p["lr"])
    if name == "momentum":
        return torch.optim.SGD(groups, lr=p["lr"], momentum=p["momentum"])
    if name == "nesterov":
        return torch.optim.SGD(groups, lr=p["lr"], momentum=p["momentum"], nesterov=True)
    if name == "adagrad":
        return torch.optim.Adagrad(groups, lr=p["lr"], eps=p["eps"])
    if name == "rmsprop":
        return torch.optim.RMSprop(groups, lr=p["lr"], alpha=p["decay"], eps=p["eps"])
    return torch.optim.Adam(groups, lr=p["lr"], betas=(p["beta1"], p["beta2"]), eps=p["eps"])


def state_of(name, optimizer, w, b):
    """The optimizer's state after the step, named as the tool's JSON names it."""
    keys = {
        "sgd": {},
        "momentum": {"v": "momentum_buffer"},
        "nesterov": {"v": "momentum_buffer"},
        "adagrad": {"h": "sum"},
        "rmsprop": {"h": "square_avg"},
        "adam": {"m": "exp_avg", "v": "exp_avg_sq"},
    }[name]
    state = {}
    for ours, theirs in keys.items():
        state[ours] = optimizer.state[w][theirs].tolist()
        if b is not None:
            state[ours + "_b"] = optimizer.state[b][theirs].tolist()
    return state


def main():
    rng = random.Random(20261201)
    cases = []
    for optimizer in ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]:
        for decay in [False, True]:
            for dropout in [False, True]:
                for _ in range(2):
                    case = Case(rng, optimizer, decay, dropout)
                    steps, after = case.train()
                    cases.append(
                        {
                            "nn": case.nn(),
                            "network": case.network(),
                            "steps": steps,
                            "loss_after": after,
                        }
                    )
    json.dump(
        {"torch": torch.__version__, "cases": cases}, sys.stdout, indent=1, sort_keys=False
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
