#!/usr/bin/env python3
"""Train a small character language model in PyTorch and save it for strand.

Run by hand (the tests never run Python; they use the files this script committed in ./model):

    npx tsx examples/pytorch-to-edge/write-corpus.ts /tmp/corpus.txt      # or any UTF-8 text
    python3 examples/pytorch-to-edge/train_char_lm.py --text /tmp/corpus.txt --out examples/pytorch-to-edge/model

It writes, into --out:
  model.safetensors  the state dict (with the `safetensors` package when installed, else by hand:
                     the format is an 8-byte header length, a JSON header and the raw data)
  model.pt           the same state dict through torch.save
  model.onnx         torch.onnx.export of the model, time-major, opset 17
  vocab.json         the vocabulary in strand's Vocab JSON form ({"level": "char", "tokens": [...]},
                     ids 0-2 = <PAD>, <UNK>, <EOS>), so strand can encode prompts and decode samples
  reference.json     the model's next-character log-probabilities after a fixed prompt, for the tests

Needs torch (tested with Debian's python3-torch 1.13) and, for the ONNX export, onnx.
"""
import argparse
import collections
import json
import math
import os
import struct
import time

import torch
from torch import nn

SPECIALS = ["<PAD>", "<UNK>", "<EOS>"]
PROMPT = "MARLOW:"


class CharLM(nn.Module):
    """Embedding -> LSTM -> Linear at every step; input and output time-major (T, B)."""

    def __init__(self, vocab, embed, hidden):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden)
        self.fc = nn.Linear(hidden, vocab)

    def forward(self, x):
        out, _ = self.lstm(self.embedding(x))
        return self.fc(out)


def build_vocab(text):
    counts = collections.Counter(text)
    # strand's order: specials, then characters by descending count, ties in first-seen order
    first = {}
    for i, ch in enumerate(text):
        first.setdefault(ch, i)
    chars = sorted(counts, key=lambda ch: (-counts[ch], first[ch]))
    return SPECIALS + [ch for ch in chars if ch not in SPECIALS]


def save_safetensors(state, path):
    try:
        from safetensors.torch import save_file

        save_file({k: v.contiguous() for k, v in state.items()}, path, metadata={"format": "pt"})
        return
    except ImportError:
        pass
    header, offset, blobs = {}, 0, []
    for name, tensor in state.items():
        data = tensor.detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    header["__metadata__"] = {"format": "pt"}
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw + b"".join(blobs))


def write_reference(model, tokens, out, extra):
    """reference.json: log-probabilities after each prompt character (T, V), and 60 greedy characters."""
    index = {t: i for i, t in enumerate(tokens)}
    ids = [index[ch] for ch in PROMPT]
    with torch.no_grad():
        logp = torch.log_softmax(model(torch.tensor([[i] for i in ids])), dim=-1)[:, 0, :]  # (T, V)
        greedy, state = [], None
        x = torch.tensor([[i] for i in ids])
        for _ in range(60):
            h, state = model.lstm(model.embedding(x), state)
            nxt = int(model.fc(h[-1, 0]).argmax())
            greedy.append(nxt)
            x = torch.tensor([[nxt]])
    text = "".join(tokens[i] if i >= len(SPECIALS) else "" for i in greedy)
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump({"prompt": PROMPT, **extra, "greedy": text, "logProbs": logp.tolist()}, f)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--text", required=True, help="a UTF-8 text file to learn")
    ap.add_argument("--out", required=True, help="folder for the saved files")
    ap.add_argument("--embed", type=int, default=16)
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reference-only", action="store_true", help="only rewrite reference.json from --out's model.pt")
    args = ap.parse_args()
    if args.reference_only:
        tokens = json.load(open(os.path.join(args.out, "vocab.json"), encoding="utf-8"))["tokens"]
        state = torch.load(os.path.join(args.out, "model.pt"))
        model = CharLM(len(tokens), state["embedding.weight"].shape[1], state["lstm.weight_hh_l0"].shape[1])
        model.load_state_dict(state)
        old = json.load(open(os.path.join(args.out, "reference.json")))
        write_reference(model.eval(), tokens, args.out, {k: old[k] for k in ("steps", "loss") if k in old})
        return

    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    text = open(args.text, encoding="utf-8").read()
    tokens = build_vocab(text)
    index = {t: i for i, t in enumerate(tokens)}
    ids = torch.tensor([index[ch] for ch in text])
    model = CharLM(len(tokens), args.embed, args.hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    T, B = 64, 32
    start, step = time.time(), 0
    while time.time() - start < args.seconds:
        starts = torch.randint(0, len(ids) - T - 1, (B,))
        batch = torch.stack([ids[s : s + T + 1] for s in starts], dim=1)  # (T + 1, B)
        logits = model(batch[:-1])
        loss = nn.functional.cross_entropy(logits.reshape(-1, len(tokens)), batch[1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        step += 1
        if step % 200 == 0:
            print(f"step {step}: loss {loss.item():.3f} nats/char")
    model.eval()

    os.makedirs(args.out, exist_ok=True)
    state = model.state_dict()
    save_safetensors(state, os.path.join(args.out, "model.safetensors"))
    torch.save(state, os.path.join(args.out, "model.pt"))
    example = torch.tensor([[index[ch]] for ch in PROMPT])  # (T, 1)
    torch.onnx.export(
        model,
        (example,),
        os.path.join(args.out, "model.onnx"),
        input_names=["input"],
        output_names=["output"],
        dynamic_axes={"input": {0: "T", 1: "B"}, "output": {0: "T", 1: "B"}},
        opset_version=17,
    )
    with open(os.path.join(args.out, "vocab.json"), "w") as f:
        json.dump({"level": "char", "tokens": tokens}, f, ensure_ascii=False)
    write_reference(model, tokens, args.out, {"steps": step, "loss": loss.item()})
    print(f"{step} steps, last loss {loss.item():.3f}; wrote {args.out}")


if __name__ == "__main__":
    main()
