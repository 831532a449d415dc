"""MuZero's three functions: representation h, dynamics g, prediction f.

The network sees the observation plus a one-hot of the player to move, so every value is
from the mover's view (negamax) even where the game's observation is not egocentric
(OpenSpiel's tic-tac-toe and Connect Four tensors are the same for both players).
Hidden states are min-max scaled to [0, 1]; value and reward heads are tanh for ±1 outcomes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


@dataclass(frozen=True)
class NetConfig:
    obs_shape: tuple[int, ...]
    num_actions: int
    num_players: int = 2
    kind: str = "mlp"  # "mlp" for small boards, "resnet" for board planes (C, H, W)
    hidden: int = 64  # mlp: latent size
    width: int = 128  # mlp: layer width
    layer_norm: bool = False  # mlp: LayerNorm before each hidden ReLU
    channels: int = 32  # resnet
    blocks: int = 2  # resnet
    dynamics_blocks: int | None = None  # resnet: blocks of the dynamics (default: blocks)
    action_planes: str = "board"  # resnet: "board" marks the move's column or cell; "broadcast": one-hot planes

    def to_dict(self) -> dict:
        return {**asdict(self), "obs_shape": list(self.obs_shape)}

    @classmethod
    def from_dict(cls, data: dict) -> NetConfig:
        data = {"action_planes": "broadcast", **data}  # what checkpoints from before the option used
        return cls(**{**data, "obs_shape": tuple(data["obs_shape"])})


def board_moves(obs_shape: tuple[int, ...], num_actions: int) -> np.ndarray | None:
    """(A, H, W) masks of where each move plays on (C, H, W) board planes, when the moves
    are the columns (Connect Four) or the cells in row-major order (tic-tac-toe); else None."""
    if len(obs_shape) != 3:
        return None
    _, H, W = obs_shape
    if num_actions == W:
        return np.broadcast_to(np.eye(W, dtype=np.float32)[:, None, :], (W, H, W)).copy()
    if num_actions == H * W:
        return np.eye(H * W, dtype=np.float32).reshape(H * W, H, W)
    return None


def scale_hidden(h: torch.Tensor) -> torch.Tensor:
    """Min-max scale each hidden state to [0, 1] (keeps dynamics inputs on one scale)."""
    flat = h.flatten(1)
    lo, hi = flat.min(1, keepdim=True).values, flat.max(1, keepdim=True).values
    return ((flat - lo) / (hi - lo).clamp_min(1e-5)).view_as(h)


def mlp(sizes: list[int], layer_norm: bool = False) -> nn.Sequential:
    """Linear layers with ReLU between them; with `layer_norm`, a LayerNorm before each ReLU
    keeps the units alive (measured without it: about half of every hidden layer of the
    tic-tac-toe network was dead, ReLU never positive on any reachable position)."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.extend([nn.LayerNorm(b), nn.ReLU()] if layer_norm else [nn.ReLU()])
    return nn.Sequential(*layers)


class MLPNet(nn.Module):
    def __init__(self, cfg: NetConfig):
        super().__init__()
        obs_dim = int(np.prod(cfg.obs_shape))
        A, H, W = cfg.num_actions, cfg.hidden, cfg.width
        norm = cfg.layer_norm
        self.represent = mlp([obs_dim + cfg.num_players, W, W, H], norm)
        self.dynamics = mlp([H + A, W, W, H], norm)  # next hidden state
        # The reward gets its own layers: sharing them with the next state let the noisy
        # value and policy targets drown the reward signal (measured: no learning in 1k steps).
        self.reward = mlp([H + A, W, 1], norm)
        self.predict = mlp([H, W, A + 1], norm)  # policy logits and value
        self.num_actions, self.num_players = A, cfg.num_players

    def initial(self, obs, player):
        x = torch.cat([obs.reshape(len(obs), -1), F.one_hot(player, self.num_players).float()], 1)
        h = scale_hidden(self.represent(x))
        return (h, *self._heads(h))

    def recurrent(self, h, action):
        x = torch.cat([h, F.one_hot(action, self.num_actions).float()], 1)
        h_next = scale_hidden(self.dynamics(x))
        return (h_next, torch.tanh(self.reward(x)[:, 0]), *self._heads(h_next))

    def _heads(self, h):
        out = self.predict(h)
        return out[:, :-1], torch.tanh(out[:, -1])


class ResBlock(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(c, c, 3, padding=1), nn.Conv2d(c, c, 3, padding=1)
        self.n1, self.n2 = nn.BatchNorm2d(c), nn.BatchNorm2d(c)

    def forward(self, x):
        return F.relu(x + self.n2(self.c2(F.relu(self.n1(self.c1(x))))))


def _conv_head(c: int, planes: int) -> list[nn.Module]:
    return [nn.Conv2d(c, planes, 1), nn.BatchNorm2d(planes), nn.ReLU(), nn.Flatten()]


class ResNet(nn.Module):
    """Board games with (C, H, W) planes. The move enters the dynamics as one plane that
    marks its column or cell. One-hot planes broadcast over the board (the older way) leave
    the convolutions to work out where column c is from the board's edges alone; measured
    on Connect Four, the dynamics then misplaced pieces stacked in a column: the search
    blocked a threat and believed the threat was still there."""

    def __init__(self, cfg: NetConfig):
        super().__init__()
        C, Hh, Ww = cfg.obs_shape
        c, A = cfg.channels, cfg.num_actions
        self.represent = nn.Sequential(nn.Conv2d(C + cfg.num_players, c, 3, padding=1),
                                       nn.BatchNorm2d(c), nn.ReLU(),
                                       *[ResBlock(c) for _ in range(cfg.blocks)])
        moves = board_moves(cfg.obs_shape, A) if cfg.action_planes == "board" else None
        if moves is None:  # one constant plane per action
            planes = np.broadcast_to(np.eye(A, dtype=np.float32)[:, :, None, None], (A, A, Hh, Ww))
        else:
            planes = moves[:, None]
        self.register_buffer("move_planes", torch.from_numpy(planes.copy()), persistent=False)  # (A, P, H, W)
        self.dyn_in = nn.Sequential(nn.Conv2d(c + planes.shape[1], c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU())
        dyn_blocks = cfg.blocks if cfg.dynamics_blocks is None else cfg.dynamics_blocks
        self.dyn_blocks = nn.Sequential(*[ResBlock(c) for _ in range(dyn_blocks)])
        # Heads as in AlphaZero: 1x1 conv, batch norm, ReLU, then linear. Without the batch
        # norm every hidden unit of the reward head died within minutes (measured: a constant
        # reward for winning and other moves alike, so the search never saw a win coming).
        self.reward = nn.Sequential(*_conv_head(c, 8), nn.Linear(8 * Hh * Ww, 1))
        self.policy = nn.Sequential(*_conv_head(c, 4), nn.Linear(4 * Hh * Ww, A))
        self.value = nn.Sequential(*_conv_head(c, 4), nn.Linear(4 * Hh * Ww, 32), nn.ReLU(), nn.Linear(32, 1))
        self.num_actions, self.num_players = A, cfg.num_players

    def _planes(self, onehot, like):
        return onehot[:, :, None, None].expand(-1, -1, *like.shape[2:])

    def initial(self, obs, player):
        p = F.one_hot(player, self.num_players).float()
        h = scale_hidden(self.represent(torch.cat([obs, self._planes(p, obs)], 1)))
        return (h, *self._heads(h))

    def recurrent(self, h, action):
        x = self.dyn_blocks(self.dyn_in(torch.cat([h, self.move_planes[action]], 1)))
        h_next = scale_hidden(x)
        return (h_next, torch.tanh(self.reward(x)[:, 0]), *self._heads(h_next))

    def _heads(self, h):
        return self.policy(h), torch.tanh(self.value(h)[:, 0])


def build(cfg: NetConfig) -> nn.Module:
    return ResNet(cfg) if cfg.kind == "resnet" else MLPNet(cfg)


class NumpyModel:
    """The network behind the numpy interface the search uses (no gradients)."""

    def __init__(self, net: nn.Module, obs_shape: tuple[int, ...]):
        self.net, self.obs_shape = net, obs_shape

    @torch.no_grad()
    def initial(self, obs: np.ndarray, player: np.ndarray):
        obs_t = torch.as_tensor(obs, dtype=torch.float32).view(-1, *self.obs_shape)
        h, logits, value = self.net.initial(obs_t, torch.as_tensor(player, dtype=torch.long))
        return h.numpy(), logits.numpy().astype(np.float64), value.numpy().astype(np.float64)

    @torch.no_grad()
    def recurrent(self, h: np.ndarray, action: np.ndarray):
        h2, r, logits, v = self.net.recurrent(torch.from_numpy(h), torch.as_tensor(action, dtype=torch.long))
        return h2.numpy(), r.numpy().astype(np.float64), logits.numpy().astype(np.float64), v.numpy().astype(np.float64)
