"""A tiny BPE tokenizer in exactly Gemma's tokenizer.json layout, so the
loader that reads Gemma's 256 000-token tokenizer reads this one too:

  ids 0-3   <pad> <eos> <bos> <unk> (added, special)
  ids 4-259 byte tokens <0x00>..<0xFF> (byte fallback)
  then      single characters: '\u2581' (the space), a-z, 0-9, punctuation
  then      merged pieces, in merge order.

The normalizer only replaces ' ' with '\u2581' (no prepended space, no
pre-tokenizer), so a text's first word is a bare token ("red") and later
words carry the space ("\u2581red"). The merges are learnt by plain BPE on the
caption vocabulary (each word bare and with '\u2581'), continued until every
caption word is one token.

SigLIP 2 framing (as Hugging Face's processor does it): no <bos>, <eos>
appended, right-padded with <pad> to the text length, texts cut to
length-1 tokens before the <eos>.
"""

import json

SPACE = "\u2581"
SPECIALS = ["<pad>", "<eos>", "<bos>", "<unk>"]
PAD, EOS, BOS, UNK = 0, 1, 2, 3
CHARS = [SPACE] + [chr(c) for c in range(ord("a"), ord("z") + 1)] + \
    [str(d) for d in range(10)] + list(".,!?'-:;()\"/&")


def learn_merges(words):
    """BPE merges that make every word (bare and with a leading space) one
    token. The most frequent adjacent pair merges first; ties go to the
    lexicographically smallest pair, so the result is deterministic."""
    corpus = {}
    for w in words:
        for form in (w, SPACE + w):
            corpus[tuple(form)] = corpus.get(tuple(form), 0) + 1
    merges = []
    while True:
        counts = {}
        for seq, f in corpus.items():
            for a, b in zip(seq, seq[1:]):
                counts[(a, b)] = counts.get((a, b), 0) + f
        if not counts:
            return merges
        best = min(counts, key=lambda p: (-counts[p], p))
        merges.append(best)
        new = {}
        for seq, f in corpus.items():
            out, i = [], 0
            while i < len(seq):
                if i + 1 < len(seq) and (seq[i], seq[i + 1]) == best:
                    out.append(seq[i] + seq[i + 1])
                    i += 2
                else:
                    out.append(seq[i])
                    i += 1
            new[tuple(out)] = new.get(tuple(out), 0) + f
        corpus = new


class Tokenizer:
    """BPE with byte fallback over a vocabulary and merge list, encoding as
    Hugging Face's tokenizers does for this layout."""

    def __init__(self, vocab, merges):
        self.vocab = vocab
        self.ranks = {m: i for i, m in enumerate(merges)}
        self.merges = merges
        self._cache = {}

    @classmethod
    def build(cls, words):
        vocab = {}
        for t in SPECIALS:
            vocab[t] = len(vocab)
        for b in range(256):
            vocab[f"<0x{b:02X}>"] = len(vocab)
        for c in CHARS:
            vocab[c] = len(vocab)
        merges = learn_merges(words)
        for a, b in merges:
            if a + b not in vocab:
                vocab[a + b] = len(vocab)
        return cls(vocab, merges)

    @classmethod
    def load(cls, path):
        j = json.load(open(path, encoding="utf-8"))
        merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in j["model"]["merges"]]
        return cls(j["model"]["vocab"], merges)

    def encode(self, text):
        """Token ids of text, no special tokens added. Added tokens written
        in the text (<eos>, <pad>, ...) are cut out first, leftmost-longest,
        as Hugging Face's tokenizers does."""
        if text in self._cache:
            return list(self._cache[text])
        ids, start, i = [], 0, 0
        while i < len(text):
            hit = max((t for t in SPECIALS if text.startswith(t, i)), key=len, default=None)
            if hit is None:
                i += 1
                continue
            ids += self._bpe(text[start:i]) + [self.vocab[hit]]
            i += len(hit)
            start = i
        ids += self._bpe(text[start:])
        self._cache[text] = tuple(ids)
        return ids

    def _bpe(self, text):
        syms = []
        for ch in text.replace(" ", SPACE):
            if ch in self.vocab:
                syms.append(ch)
            else:
                syms.extend(f"<0x{b:02X}>" for b in ch.encode("utf-8"))
        while len(syms) > 1:
            best, at = None, -1
            for i in range(len(syms) - 1):
                r = self.ranks.get((syms[i], syms[i + 1]))
                if r is not None and (best is None or r < best):
                    best, at = r, i
            if best is None:
                break
            syms[at:at + 2] = [syms[at] + syms[at + 1]]
        return [self.vocab[s] for s in syms]

    def siglip(self, text, length):
        """SigLIP 2 framing: ids[:length-1] + <eos>, padded with <pad>."""
        ids = self.encode(text)[:length - 1] + [EOS]
        return ids + [PAD] * (length - len(ids))

    def json(self):
        """tokenizer.json content in Gemma's layout."""
        added = [dict(id=i, content=t, single_word=False, lstrip=False, rstrip=False,
                      normalized=False, special=True) for i, t in enumerate(SPECIALS)]
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": added,
            "normalizer": {"type": "Replace", "pattern": {"String": " "}, "content": SPACE},
            "pre_tokenizer": None,
            "post_processor": {
                "type": "TemplateProcessing",
                "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "<eos>", "type_id": 0}}],
                "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "<eos>", "type_id": 0}},
                         {"Sequence": {"id": "B", "type_id": 1}}, {"SpecialToken": {"id": "<eos>", "type_id": 1}}],
                "special_tokens": {"<eos>": {"id": "<eos>", "ids": [EOS], "tokens": ["<eos>"]}},
            },
            "decoder": {"type": "Sequence", "decoders": [
                {"type": "Replace", "pattern": {"String": SPACE}, "content": " "},
                {"type": "ByteFallback"}, {"type": "Fuse"}]},
            "model": {
                "type": "BPE", "dropout": None, "unk_token": "<unk>",
                "continuing_subword_prefix": None, "end_of_word_suffix": None,
                "fuse_unk": True, "byte_fallback": True, "ignore_merges": False,
                "vocab": self.vocab,
                "merges": [[a, b] for a, b in self.merges],
            },
        }

    def write(self, folder, length):
        """Writes tokenizer.json and tokenizer_config.json (SigLIP 2's
        GemmaTokenizerFast settings, model_max_length = length)."""
        import os
        with open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8") as f:
            json.dump(self.json(), f, ensure_ascii=False, indent=1)
            f.write("\n")
        cfg = {
            "tokenizer_class": "GemmaTokenizer",
            "add_bos_token": False, "add_eos_token": True,
            "bos_token": "<bos>", "eos_token": "<eos>", "pad_token": "<pad>", "unk_token": "<unk>",
            "padding_side": "right", "do_lower_case": True,
            "model_max_length": length, "model_input_names": ["input_ids"],
            "added_tokens_decoder": {str(i): dict(content=t, lstrip=False, normalized=False, rstrip=False,
                                                  single_word=False, special=True) for i, t in enumerate(SPECIALS)},
        }
        with open(os.path.join(folder, "tokenizer_config.json"), "w", encoding="utf-8") as f:
            json.dump(cfg, f, indent=1)
            f.write("\n")
