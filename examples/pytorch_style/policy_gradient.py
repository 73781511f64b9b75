"""REINFORCE on a contextual bandit with a Categorical policy, then a reparameterised (VAE-like)
objective with Normal.rsample and kl_divergence.

In the style of PyTorch's reinforcement-learning examples (torch.distributions). Run it with
symgrad by ``python -m symgrad.testing.as_torch <this file>``.
"""

import torch
from torch import nn
from torch.distributions import Categorical, Independent, Normal, kl_divergence

torch.manual_seed(0)

# A bandit with 4 arms whose best arm depends on a 3-feature context.
n_arms, n_features = 4, 3
arm_weights = torch.randn(n_features, n_arms)


def pull(contexts, actions):
    """Reward: the chosen arm's score for the context, plus a little noise."""
    scores = contexts @ arm_weights
    noise = Normal(0.0, 0.1).sample(actions.shape)
    return scores.gather(1, actions.unsqueeze(1)).squeeze(1) + noise


policy = nn.Sequential(nn.Linear(n_features, 16), nn.Tanh(), nn.Linear(16, n_arms))
optimizer = torch.optim.Adam(policy.parameters(), lr=0.05)
baseline = 0.0

for step in range(40):
    contexts = torch.randn(32, n_features)
    dist = Categorical(logits=policy(contexts))
    actions = dist.sample()
    rewards = pull(contexts, actions)
    baseline = 0.9 * baseline + 0.1 * rewards.mean().item()
    loss = -((rewards - baseline) * dist.log_prob(actions)).mean() - 0.01 * dist.entropy().mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 5 == 0:
        print(f"step {step:2d} loss {loss.item():8.4f} reward {rewards.mean().item():7.4f} "
              f"actions {actions[:8].tolist()}")

test_contexts = torch.randn(6, n_features)
with torch.no_grad():
    greedy = Categorical(logits=policy(test_contexts)).probs.argmax(-1)
best = (test_contexts @ arm_weights).argmax(-1)
print("greedy arms", greedy.tolist(), "best arms", best.tolist())

# A reparameterised objective: fit q = N(mu, sigma) (per dimension) to data under a N(0, 1)
# prior, the shape of a VAE's ELBO with the encoder reduced to free parameters.
data = 1.5 + 0.5 * torch.randn(64, 2)
mu = torch.zeros(2, requires_grad=True)
log_sigma = torch.zeros(2, requires_grad=True)
opt = torch.optim.SGD([mu, log_sigma], lr=0.05)
prior = Independent(Normal(torch.zeros(2), torch.ones(2)), 1)
for step in range(30):
    q = Independent(Normal(mu, log_sigma.exp()), 1)
    z = q.rsample((16,))
    likelihood = Normal(z.unsqueeze(1), 0.5).log_prob(data).sum(-1).mean()
    loss = -(likelihood - kl_divergence(q, prior) / len(data))
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 10 == 0:
        means = [round(v, 3) for v in mu.tolist()]
        print(f"elbo step {step:2d} loss {loss.item():9.4f} mu {means}")
print(f"q mean {[round(v, 3) for v in mu.tolist()]} "
      f"sigma {[round(v, 3) for v in log_sigma.exp().tolist()]}")
