"""Predict the next character of a short text with a tiny causal transformer: token and
position embeddings, a TransformerEncoder (pre-norm, dropout) with a causal mask, a linear
head; AdamW, then a MultiheadAttention's weights over the embeddings and a greedy continuation
(a toy: it sees each text window at one offset only).

In the style of PyTorch's language-model tutorials. Run it with symgrad by
``python -m symgrad.testing.as_torch <this file>``.
"""

import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
text = "the cat sat on the mat. the dog sat on the log. "
chars = sorted(set(text))
ids = torch.tensor([chars.index(c) for c in text])
block = 12
starts = torch.arange(0, len(text) - block - 1, 3)
inputs = torch.stack([ids[s:s + block] for s in starts.tolist()])
targets = torch.stack([ids[s + 1:s + block + 1] for s in starts.tolist()])
causal = torch.triu(torch.full((block, block), float("-inf")), diagonal=1)


class TinyLM(nn.Module):
    def __init__(self, vocab, width=16):
        super().__init__()
        self.tokens = nn.Embedding(vocab, width)
        self.positions = nn.Embedding(block, width)
        layer = nn.TransformerEncoderLayer(width, nhead=2, dim_feedforward=32, dropout=0.1,
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        self.head = nn.Linear(width, vocab)

    def forward(self, x):
        h = self.tokens(x) + self.positions(torch.arange(x.shape[1]))
        return self.head(self.encoder(h, mask=causal[:x.shape[1], :x.shape[1]]))


model = TinyLM(len(chars))
print("parameters:", sum(p.numel() for p in model.parameters()))
optimizer = torch.optim.AdamW(model.parameters(), lr=0.01)

for step in range(40):
    logits = model(inputs)
    loss = F.cross_entropy(logits.reshape(-1, len(chars)), targets.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 8 == 7:
        print(f"{step:2d} loss {loss.item():.4f}")

model.eval()
with torch.no_grad():
    attention = nn.MultiheadAttention(16, 2, batch_first=True)
    h = model.tokens(inputs[:1])
    _, weights = attention(h, h, h, attn_mask=causal)
    print("causal attention, row 3:", [round(v, 3) for v in weights[0, 3, :5].tolist()])
    context = ids[:block].tolist()
    for _ in range(12):
        logits = model(torch.tensor([context[-block:]]))
        context.append(int(logits[0, -1].argmax()))
print("continuation:", repr("".join(chars[i] for i in context[block:])))
