"""Reverse sequences of digits with a tiny encoder-decoder transformer (nn.Transformer):
token and position embeddings, sequences of different lengths padded and masked
(src/tgt/memory key-padding masks), a causal target mask from
generate_square_subsequent_mask, teacher forcing with a cross-entropy that ignores the padding,
Adam with gradient clipping, then greedy decoding of unseen sequences in evaluation mode.

In the style of PyTorch's sequence-to-sequence tutorials. Run it with symgrad by
``python -m symgrad.testing.as_torch <this file>``.
"""

import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
PAD, BOS, DIGITS, MAX_LEN = 0, 1, 8, 6
VOCAB = DIGITS + 2


def make_batch(n):
    """Random digit sequences of lengths 3 to MAX_LEN, padded with PAD; the target is each
    sequence reversed, fed to the decoder after BOS (teacher forcing)."""
    lengths = torch.randint(3, MAX_LEN + 1, (n,))
    src = torch.randint(2, VOCAB, (n, MAX_LEN))
    positions = torch.arange(MAX_LEN).unsqueeze(0)
    padding = positions >= lengths.unsqueeze(1)
    src = src.masked_fill(padding, PAD)
    reversed_src = torch.stack([torch.cat([s[:k].flip(0), s[k:]])
                                for s, k in zip(src, lengths.tolist(), strict=True)])
    tgt_in = torch.cat([torch.full((n, 1), BOS), reversed_src[:, :-1]], dim=1)
    return src, tgt_in, reversed_src, padding


class Reverser(nn.Module):
    def __init__(self, width=16):
        super().__init__()
        self.tokens = nn.Embedding(VOCAB, width, padding_idx=PAD)
        self.positions = nn.Embedding(MAX_LEN, width)
        self.transformer = nn.Transformer(width, nhead=2, num_encoder_layers=1,
                                          num_decoder_layers=1, dim_feedforward=32,
                                          dropout=0.1, batch_first=True)
        self.head = nn.Linear(width, VOCAB)

    def embed(self, x):
        return self.tokens(x) + self.positions(torch.arange(x.shape[1]))

    def forward(self, src, tgt_in, src_padding, tgt_padding):
        causal = nn.Transformer.generate_square_subsequent_mask(tgt_in.shape[1])
        out = self.transformer(self.embed(src), self.embed(tgt_in), tgt_mask=causal,
                               src_key_padding_mask=src_padding,
                               tgt_key_padding_mask=tgt_padding,
                               memory_key_padding_mask=src_padding)
        return self.head(out)


model = Reverser()
print("parameters:", sum(p.numel() for p in model.parameters()))
print("first keys:", list(model.state_dict())[:3])
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

for step in range(120):
    src, tgt_in, tgt_out, padding = make_batch(32)
    # A float padding mask, as the causal mask is float (mixing bool and float is deprecated).
    tgt_padding = torch.zeros(tgt_in.shape).masked_fill(tgt_in == PAD, float("-inf"))
    logits = model(src, tgt_in, padding, tgt_padding)
    loss = F.cross_entropy(logits.reshape(-1, VOCAB), tgt_out.reshape(-1), ignore_index=PAD)
    optimizer.zero_grad()
    loss.backward()
    norm = nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    if step % 20 == 19:
        print(f"{step:2d} loss {loss.item():.4f} grad norm {norm.item():.4f}")

model.eval()
src, _, tgt_out, padding = make_batch(6)
with torch.no_grad():
    memory = model.transformer.encoder(model.embed(src), src_key_padding_mask=padding)
    decoded = torch.full((6, 1), BOS)
    for _ in range(MAX_LEN):
        causal = nn.Transformer.generate_square_subsequent_mask(decoded.shape[1])
        out = model.transformer.decoder(model.embed(decoded), memory, tgt_mask=causal,
                                        memory_key_padding_mask=padding)
        next_token = model.head(out[:, -1]).argmax(-1, keepdim=True)
        decoded = torch.cat([decoded, next_token], dim=1)
decoded = decoded[:, 1:].masked_fill(padding, PAD)
correct = (decoded == tgt_out) | padding
print("memory norm:", round(memory.norm().item(), 3))
print("tokens right:", int(correct.sum()) - int(padding.sum()), "of", int((~padding).sum()))
for s, d in zip(src[:3].tolist(), decoded[:3].tolist(), strict=True):
    print([t - 2 for t in s if t != PAD], "->", [t - 2 for t in d if t != PAD])
