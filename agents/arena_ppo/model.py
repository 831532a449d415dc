"""The team policy: one shared actor for every hero of a team (the hero's seat is a one-hot
input), and a critic that may see the global state (MAPPO's centralised value).

Observation and global-state normalisers live in the module as buffers, so a snapshot or a
checkpoint carries the statistics it was trained with.
"""

from __future__ import annotations

import math

import torch
from torch import nn

MASKED = -1e9  # logit of an illegal action


class RunningNorm(nn.Module):
    """Running mean and variance (Chan's parallel update); forward() standardises and clips."""

    def __init__(self, size: int, clip: float = 5.0):
        super().__init__()
        self.clip = clip
        self.register_buffer("mean", torch.zeros(size))
        self.register_buffer("var", torch.ones(size))
        self.register_buffer("count", torch.tensor(1e-4))

    @torch.no_grad()
    def update(self, x: torch.Tensor) -> None:
        x = x.reshape(-1, self.mean.shape[0])
        if len(x) == 0:
            return
        batch_mean, batch_var, n = x.mean(0), x.var(0, unbiased=False), len(x)
        total = self.count + n
        delta = batch_mean - self.mean
        self.mean += delta * n / total
        self.var = (self.var * self.count + batch_var * n + delta**2 * self.count * n / total) / total
        self.count = total

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = (x - self.mean) / torch.sqrt(self.var + 1e-8)
        return z.clamp(-self.clip, self.clip) if math.isfinite(self.clip) else z

    def denormalize(self, z: torch.Tensor) -> torch.Tensor:
        return z * torch.sqrt(self.var + 1e-8) + self.mean


def layer(n_in: int, n_out: int, std: float = math.sqrt(2)) -> nn.Linear:
    """Orthogonal weights, zero bias (the PPO implementation-detail default)."""
    linear = nn.Linear(n_in, n_out)
    nn.init.orthogonal_(linear.weight, std)
    nn.init.zeros_(linear.bias)
    return linear


def _tanh_by_sigmoid(x: torch.Tensor) -> torch.Tensor:
    return torch.sigmoid(x * 2).mul_(2).sub_(1)


class _Tanh(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        y = _tanh_by_sigmoid(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        (y,) = ctx.saved_tensors
        return torch.ops.aten.tanh_backward(grad, y)


class Tanh(nn.Module):
    """tanh as 2σ(2x) − 1 on large batches: the same function (within 2e-7), but torch's CPU
    tanh costs 4x its sigmoid here, as much as the linear layers around it; on small ones, one
    kernel beats four (benchmarks/bench_ppo_turns_throughput.py, bench_ppo_throughput.py).
    Without parameters, so checkpoints are the same either way."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.numel() < 32_768:
            return torch.tanh(x)
        if torch.is_grad_enabled() and x.requires_grad:
            return _Tanh.apply(x)
        return _tanh_by_sigmoid(x)


def mlp(n_in: int, hidden: int, n_out: int, out_std: float) -> nn.Sequential:
    return nn.Sequential(layer(n_in, hidden), Tanh(), layer(hidden, hidden), Tanh(),
                         layer(hidden, n_out, out_std))


class BoardNet(nn.Module):
    """Three 3×3 convolutions over a board-shaped observation, then a hidden layer that also
    takes the rest of the input (the seat one-hot, a critic's state) and the output layer.

    `shape` is the observation's: channels first (OpenSpiel), or channels last where the last
    axis is the shortest (PettingZoo classic, e.g. (6, 7, 2))."""

    def __init__(self, shape, n_extra: int, channels: int, hidden: int, n_out: int, out_std: float):
        super().__init__()
        self.channels_last = shape[-1] < shape[0]
        c, h, w = (shape[2], shape[0], shape[1]) if self.channels_last else shape
        self.shape, self.board_size = tuple(shape), c * h * w
        self.torso = nn.Sequential(conv(c, channels), nn.ReLU(), conv(channels, channels), nn.ReLU(),
                                   conv(channels, channels), nn.ReLU(), nn.Flatten())
        self.head = nn.Sequential(layer(channels * h * w + n_extra, hidden), nn.ReLU(),
                                  layer(hidden, n_out, out_std))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        board = x[:, :self.board_size].reshape(-1, *self.shape)
        if self.channels_last:
            board = board.permute(0, 3, 1, 2)
        return self.head(torch.cat([self.torso(board), x[:, self.board_size:]], dim=-1))


def conv(c_in: int, c_out: int) -> nn.Conv2d:
    """A 3×3 convolution that keeps the board's size, initialised as `layer`."""
    c = nn.Conv2d(c_in, c_out, 3, padding=1)
    nn.init.orthogonal_(c.weight, math.sqrt(2))
    nn.init.zeros_(c.bias)
    return c


class TeamPolicy(nn.Module):
    """Actor π(a | obs, seat) and critic V(obs, seat[, global state]).

    The critic predicts returns standardised by `value_norm`; `value()` gives them back in
    reward units. With `critic_outputs` = num_actions it predicts one return per action,
    Q(state, ·), instead (`q()`). With `board` (the observation's shape) and `channels`,
    actor and critic are `BoardNet`s: convolutions see a board game's board as a board."""

    def __init__(self, obs_dim: int, num_seats: int, num_actions: int, state_dim: int = 0,
                 hidden: int = 64, critic_outputs: int = 1, board: tuple[int, ...] | None = None,
                 channels: int = 0):
        super().__init__()
        self.num_seats, self.num_actions, self.critic_outputs = num_seats, num_actions, critic_outputs
        self.board = tuple(board) if board is not None and channels > 0 else None
        self.channels = channels if self.board else 0
        self.obs_norm = RunningNorm(obs_dim)
        self.state_norm = RunningNorm(max(state_dim, 1))
        self.value_norm = RunningNorm(1, clip=math.inf)
        self.state_dim = state_dim
        if self.board:
            self.actor: nn.Module = BoardNet(self.board, num_seats, channels, hidden, num_actions, out_std=0.01)
            self.critic: nn.Module = BoardNet(self.board, num_seats + state_dim, channels, hidden, critic_outputs,
                                              out_std=1.0)
        else:
            self.actor = mlp(obs_dim + num_seats, hidden, num_actions, out_std=0.01)
            self.critic = mlp(obs_dim + num_seats + state_dim, hidden, critic_outputs, out_std=1.0)

    def features(self, obs: torch.Tensor, seat: torch.Tensor) -> torch.Tensor:
        onehot = nn.functional.one_hot(seat, self.num_seats).to(obs.dtype)
        return torch.cat([self.obs_norm(obs), onehot], dim=-1)

    def logits(self, obs: torch.Tensor, seat: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.actor(self.features(obs, seat)).masked_fill(~mask, MASKED)

    def critic_normalized(self, obs: torch.Tensor, seat: torch.Tensor,
                          state: torch.Tensor | None) -> torch.Tensor:
        x = self.features(obs, seat)
        if self.state_dim:
            x = torch.cat([x, self.state_norm(state)], dim=-1)
        return self.critic(x)

    def value_normalized(self, obs: torch.Tensor, seat: torch.Tensor,
                         state: torch.Tensor | None) -> torch.Tensor:
        return self.critic_normalized(obs, seat, state).squeeze(-1)

    def q(self, obs, seat, state) -> torch.Tensor:
        """Q(state, ·) in reward units (a critic with one output per action)."""
        return self.value_norm.denormalize(self.critic_normalized(obs, seat, state))

    def value(self, obs, seat, state) -> torch.Tensor:
        return self.value_norm.denormalize(self.value_normalized(obs, seat, state).unsqueeze(-1)).squeeze(-1)


def sample(logits: torch.Tensor, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Actions drawn from masked logits, and their log-probabilities."""
    logp_all = torch.log_softmax(logits, dim=-1)
    action = torch.multinomial(logp_all.exp(), 1, generator=generator).squeeze(-1)
    return action, logp_all.gather(-1, action.unsqueeze(-1)).squeeze(-1)


def logp_entropy(logits: torch.Tensor, action: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Log-probability of `action` and the policy's entropy (masked actions count zero)."""
    logp_all = torch.log_softmax(logits, dim=-1)
    probs = logp_all.exp()
    entropy = -(probs * logp_all).sum(-1)
    return logp_all.gather(-1, action.unsqueeze(-1)).squeeze(-1), entropy
