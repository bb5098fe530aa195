"""SigLIP / SigLIP 2 in plain PyTorch, with Hugging Face's parameter names,
so a state dict saved from here is a Hugging Face checkpoint and the Go
engine runs exactly what was trained.

Two variants, as Hugging Face has them:
  fixed  - SiglipModel (model_type "siglip"): Conv2d patch embedding and a
           learned position table for the one fixed grid.
  naflex - Siglip2Model (model_type "siglip2"): Linear patch embedding over
           patches flattened (py, px, channel), the learned G x G position
           table resized per image with antialiased bilinear interpolation,
           and padding masks (finfo.min on padded keys) in every encoder layer
           and in the attention-pooling head.

The semantics follow testdata/reference/README.md; check_reference.py
verifies them against the transformers goldens there.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

VISION_DEFAULTS = dict(hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
                       num_attention_heads=12, num_channels=3, image_size=224, patch_size=16,
                       hidden_act="gelu_pytorch_tanh", layer_norm_eps=1e-6, num_patches=256)
TEXT_DEFAULTS = dict(vocab_size=32000, hidden_size=768, intermediate_size=3072,
                     num_hidden_layers=12, num_attention_heads=12, max_position_embeddings=64,
                     hidden_act="gelu_pytorch_tanh", layer_norm_eps=1e-6, projection_size=None)


class Cfg(dict):
    """A dict whose keys read as attributes."""
    __getattr__ = dict.__getitem__


def parse_config(cfg):
    """Returns (variant, vision Cfg, text Cfg) from a config.json dict, with
    Hugging Face's defaults for fields the file leaves out."""
    mt = cfg["model_type"]
    if mt == "siglip":
        variant = "fixed"
    elif mt == "siglip2":
        variant = "naflex"
    else:
        raise ValueError(f"model_type {mt!r} is neither siglip nor siglip2")
    v = Cfg(VISION_DEFAULTS, **cfg.get("vision_config", {}))
    t = Cfg(TEXT_DEFAULTS, **cfg.get("text_config", {}))
    if t.projection_size is None:
        t["projection_size"] = t.hidden_size
    return variant, v, t


def activation(name):
    if name == "gelu_pytorch_tanh":
        return lambda x: F.gelu(x, approximate="tanh")
    if name == "gelu":
        return F.gelu
    raise ValueError(f"hidden_act {name!r} not supported")


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads, self.hd = heads, d // heads
        self.q_proj = nn.Linear(d, d)
        self.k_proj = nn.Linear(d, d)
        self.v_proj = nn.Linear(d, d)
        self.out_proj = nn.Linear(d, d)

    def forward(self, x, mask=None):
        b, t, d = x.shape
        def split(y):
            return y.view(b, t, self.heads, self.hd).transpose(1, 2)
        q, k, v = split(self.q_proj(x)), split(self.k_proj(x)), split(self.v_proj(x))
        s = torch.matmul(q, k.transpose(-1, -2)) * (self.hd ** -0.5)
        if mask is not None:
            s = s + mask
        p = torch.softmax(s, dim=-1, dtype=torch.float32).to(q.dtype)
        o = torch.matmul(p, v).transpose(1, 2).reshape(b, t, d)
        return self.out_proj(o), p


class MLP(nn.Module):
    def __init__(self, d, inner, act):
        super().__init__()
        self.fc1 = nn.Linear(d, inner)
        self.fc2 = nn.Linear(inner, d)
        self.act = activation(act)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class EncoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer_norm1 = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.self_attn = Attention(c.hidden_size, c.num_attention_heads)
        self.layer_norm2 = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.mlp = MLP(c.hidden_size, c.intermediate_size, c.hidden_act)

    def forward(self, x, mask=None):
        a, p = self.self_attn(self.layer_norm1(x), mask)
        x = x + a
        x = x + self.mlp(self.layer_norm2(x))
        return x, p


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layers = nn.ModuleList([EncoderLayer(c) for _ in range(c.num_hidden_layers)])

    def forward(self, x, mask=None, capture=False):
        states, probs = [x], []
        for layer in self.layers:
            x, p = layer(x, mask)
            if capture:
                states.append(x)
                probs.append(p)
        return x, states, probs


class PoolAttention(nn.Module):
    """nn.MultiheadAttention's parameters and math for one probe query,
    written out so the mask and the returned probabilities are explicit."""

    def __init__(self, d, heads):
        super().__init__()
        self.heads, self.hd = heads, d // heads
        self.in_proj_weight = nn.Parameter(torch.empty(3 * d, d))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * d))
        self.out_proj = nn.Linear(d, d)
        nn.init.xavier_uniform_(self.in_proj_weight)

    def forward(self, probe, x, key_mask=None):
        b, t, d = x.shape
        w, bias = self.in_proj_weight, self.in_proj_bias
        q = F.linear(probe, w[:d], bias[:d]).view(b, 1, self.heads, self.hd).transpose(1, 2)
        k = F.linear(x, w[d:2 * d], bias[d:2 * d]).view(b, t, self.heads, self.hd).transpose(1, 2)
        v = F.linear(x, w[2 * d:], bias[2 * d:]).view(b, t, self.heads, self.hd).transpose(1, 2)
        s = torch.matmul(q, k.transpose(-1, -2)) * (self.hd ** -0.5)  # b, h, 1, t
        if key_mask is not None:
            s = s + key_mask
        p = torch.softmax(s, dim=-1)
        o = torch.matmul(p, v).transpose(1, 2).reshape(b, 1, d)
        return self.out_proj(o), p[:, :, 0, :]


class PoolingHead(nn.Module):
    """SigLIP's multi-head attention pooling (MAP) head."""

    def __init__(self, c):
        super().__init__()
        d = c.hidden_size
        self.probe = nn.Parameter(torch.randn(1, 1, d))
        self.attention = PoolAttention(d, c.num_attention_heads)
        self.layernorm = nn.LayerNorm(d, eps=c.layer_norm_eps)
        self.mlp = MLP(d, c.intermediate_size, c.hidden_act)

    def forward(self, x, key_mask=None):
        probe = self.probe.expand(x.shape[0], 1, -1)
        h, p = self.attention(probe, x, key_mask)
        h = h + self.mlp(self.layernorm(h))
        return h[:, 0], p

    def per_patch(self, x):
        """Every patch through the head on its own (the probe attending to it
        alone): value, output projection, then LayerNorm + MLP residual. Dot
        with a text embedding after L2 normalisation gives a label->patch map
        (the engine's PatchEmbeddings)."""
        d = x.shape[-1]
        w, bias = self.attention.in_proj_weight, self.attention.in_proj_bias
        h = self.attention.out_proj(F.linear(x, w[2 * d:], bias[2 * d:]))
        return h + self.mlp(self.layernorm(h))


def additive_key_mask(mask, dtype=torch.float32):
    """0/1 key mask [b, t] -> additive [b, 1, 1, t] with finfo.min on padding."""
    return (1.0 - mask.to(dtype))[:, None, None, :] * torch.finfo(dtype).min


def resize_positions(table, grid, h, w):
    """The learned (grid*grid, d) position table resized to an h x w patch
    grid as Siglip2VisionEmbeddings does: bilinear, align_corners=False,
    antialias=True; returned flattened row-major (h*w, d)."""
    d = table.shape[1]
    pe = table.reshape(grid, grid, d).permute(2, 0, 1).unsqueeze(0)
    r = F.interpolate(pe, size=(h, w), mode="bilinear", align_corners=False, antialias=True)
    return r.reshape(d, h * w).transpose(0, 1)


class VisionEmbeddings(nn.Module):
    def __init__(self, c, variant):
        super().__init__()
        self.variant, self.p, d = variant, c.patch_size, c.hidden_size
        if variant == "fixed":
            self.patch_embedding = nn.Conv2d(c.num_channels, d, c.patch_size, stride=c.patch_size)
            self.grid = c.image_size // c.patch_size
            self.position_embedding = nn.Embedding(self.grid * self.grid, d)
        else:
            self.patch_embedding = nn.Linear(c.num_channels * c.patch_size ** 2, d)
            self.grid = int(math.isqrt(c.num_patches))
            self.position_embedding = nn.Embedding(c.num_patches, d)

    def forward(self, pixel_values, spatial_shapes=None):
        if self.variant == "fixed":
            x = self.patch_embedding(pixel_values).flatten(2).transpose(1, 2)
            return x + self.position_embedding.weight[None]
        x = self.patch_embedding(pixel_values)
        b, t, d = x.shape
        table = self.position_embedding.weight
        cache = {}
        rows = []
        for i in range(b):
            h, w = int(spatial_shapes[i, 0]), int(spatial_shapes[i, 1])
            if (h, w) not in cache:
                r = resize_positions(table, self.grid, h, w)
                pad = r[:1].expand(t - h * w, d)
                cache[(h, w)] = torch.cat([r, pad], 0)
            rows.append(cache[(h, w)])
        return x + torch.stack(rows, 0)


class VisionTransformer(nn.Module):
    def __init__(self, c, variant):
        super().__init__()
        self.c = c
        self.embeddings = VisionEmbeddings(c, variant)
        self.encoder = Encoder(c)
        self.post_layernorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.head = PoolingHead(c)

    def forward(self, pixel_values, attention_mask=None, spatial_shapes=None, capture=False):
        x = self.embeddings(pixel_values, spatial_shapes)
        mask = None if attention_mask is None else additive_key_mask(attention_mask, x.dtype)
        x, states, probs = self.encoder(x, mask, capture)
        last = self.post_layernorm(x)
        pooled, pool_probs = self.head(last, mask)
        return dict(last_hidden_state=last, pooler_output=pooled, hidden_states=states,
                    attentions=probs, pooling_attention=pool_probs)


class TextEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.token_embedding = nn.Embedding(c.vocab_size, c.hidden_size)
        self.position_embedding = nn.Embedding(c.max_position_embeddings, c.hidden_size)

    def forward(self, ids):
        return self.token_embedding(ids) + self.position_embedding.weight[None, :ids.shape[1]]


class TextTransformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = TextEmbeddings(c)
        self.encoder = Encoder(c)
        self.final_layer_norm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.head = nn.Linear(c.hidden_size, c.projection_size)

    def forward(self, ids, capture=False):
        x = self.embeddings(ids)
        x, states, probs = self.encoder(x, None, capture)  # no text mask: pads are attended to
        last = self.final_layer_norm(x)
        pooled = self.head(last[:, -1, :])  # the LAST position, normally a <pad>
        return dict(last_hidden_state=last, pooler_output=pooled, hidden_states=states, attentions=probs)


class SiglipToy(nn.Module):
    """A SigLIP (fixed) or SigLIP 2 NaFlex model with Hugging Face names."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.variant, vc, tc = parse_config(config)
        self.vision_model = VisionTransformer(vc, self.variant)
        self.text_model = TextTransformer(tc)
        self.logit_scale = nn.Parameter(torch.zeros(1))
        self.logit_bias = nn.Parameter(torch.zeros(1))

    def encode_image(self, pixel_values, attention_mask=None, spatial_shapes=None, capture=False):
        out = self.vision_model(pixel_values, attention_mask, spatial_shapes, capture)
        out["embeds"] = F.normalize(out["pooler_output"], dim=-1)
        return out

    def encode_text(self, ids, capture=False):
        out = self.text_model(ids, capture)
        out["embeds"] = F.normalize(out["pooler_output"], dim=-1)
        return out

    def logits(self, image_embeds, text_embeds):
        """logits_per_image [images, texts]."""
        return image_embeds @ text_embeds.t() * self.logit_scale.exp() + self.logit_bias
