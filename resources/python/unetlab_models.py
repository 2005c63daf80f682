"""Reference PyTorch definitions of UNet Lab's model presets.

The module and parameter names match the C++ engine's (engine/models/Networks.cpp), so a
state dict trained here has the keys the app expects: enc1.conv1.weight, enc1.bn1.running_mean,
..., head.bias. Use them to train in a notebook and inspect the result in UNet Lab.

    from unetlab_models import preset
    model = preset("small-unet")          # 472,899 parameters
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

ACTIVATIONS = {
    "relu": F.relu,
    "leaky-relu": lambda x: F.leaky_relu(x, 0.01),
    "gelu": F.gelu,
    "silu": F.silu,
    "mish": F.mish,
    "elu": F.elu,
}


class ConvBlock(nn.Module):
    """[conv 3x3 pad 1 -> BatchNorm -> activation] x 2, then optional Dropout2d."""

    def __init__(self, cin, cout, batch_norm=True, activation="relu", dropout=0.0):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(cout) if batch_norm else None
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(cout) if batch_norm else None
        self.act = ACTIVATIONS[activation]
        self.dropout = dropout

    def forward(self, x):
        x = self.conv1(x)
        if self.bn1 is not None:
            x = self.bn1(x)
        x = self.act(x)
        x = self.conv2(x)
        if self.bn2 is not None:
            x = self.bn2(x)
        x = self.act(x)
        if self.dropout > 0:
            x = F.dropout2d(x, self.dropout, self.training)
        return x


class MinimalCNN(nn.Module):
    """conv(k) -> act -> conv 3x3 -> act [-> conv 3x3 -> act]* -> conv 1x1."""

    def __init__(self, in_channels=3, num_classes=3, widths=(16, 32), first_kernel=3, extra_depth=0,
                 batch_norm=False, activation="relu", dropout=0.0):
        super().__init__()
        outs = [widths[0], widths[1]] + [widths[1]] * extra_depth
        cin = in_channels
        self.depth = len(outs)
        for i, cout in enumerate(outs):
            k = first_kernel if i == 0 else 3
            setattr(self, f"conv{i + 1}", nn.Conv2d(cin, cout, k, padding=k // 2))
            if batch_norm:
                setattr(self, f"bn{i + 1}", nn.BatchNorm2d(cout))
            cin = cout
        self.head = nn.Conv2d(cin, num_classes, 1)
        self.batch_norm = batch_norm
        self.act = ACTIVATIONS[activation]
        self.dropout = dropout

    def forward(self, x):
        for i in range(1, self.depth + 1):
            x = getattr(self, f"conv{i}")(x)
            if self.batch_norm:
                x = getattr(self, f"bn{i}")(x)
            x = self.act(x)
            if self.dropout > 0:
                x = F.dropout2d(x, self.dropout, self.training)
        return self.head(x)


class UNet(nn.Module):
    """levels encoder blocks, a bottleneck, levels decoder blocks and a 1x1 head."""

    def __init__(self, in_channels=3, num_classes=3, levels=2, base=32, skips=True, upsampling="bilinear",
                 batch_norm=True, activation="relu", dropout=0.0):
        super().__init__()
        block = lambda i, o: ConvBlock(i, o, batch_norm, activation, dropout)
        self.levels, self.skips, self.upsampling = levels, skips, upsampling
        cin = in_channels
        for level in range(1, levels + 1):
            setattr(self, f"enc{level}", block(cin, base << (level - 1)))
            cin = base << (level - 1)
        self.bottleneck = block(cin, base << levels)
        cin = base << levels
        for level in range(levels, 0, -1):
            skip = base << (level - 1)
            up = cin
            if upsampling == "transposed":
                up = cin // 2
                setattr(self, f"up{level}", nn.ConvTranspose2d(cin, up, 2, stride=2))
            setattr(self, f"dec{level}", block(up + (skip if skips else 0), skip))
            cin = skip
        self.head = nn.Conv2d(cin, num_classes, 1)

    def forward(self, x):
        skips = []
        for level in range(1, self.levels + 1):
            x = getattr(self, f"enc{level}")(x)
            skips.append(x)
            x = F.max_pool2d(x, 2, 2)
        x = self.bottleneck(x)
        for level in range(self.levels, 0, -1):
            skip = skips[level - 1]
            if self.upsampling == "transposed":
                x = getattr(self, f"up{level}")(x)
            else:
                x = F.interpolate(x, size=skip.shape[2:], mode="bilinear", align_corners=False)
            if self.skips:
                x = torch.cat([x, skip], 1)
            x = getattr(self, f"dec{level}")(x)
        return self.head(x)


def init_weights(model):
    """Kaiming normal (fan_out, ReLU) for convolutions, zero biases, BatchNorm 1 / 0."""
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
    return model


def preset(name, **overrides):
    """The app's presets: minimal, small-unet, small-unet-noskip, unet (any knob can be overridden)."""
    if name == "minimal":
        return init_weights(MinimalCNN(**overrides))
    if name in ("small-unet", "small-unet-noskip"):
        args = dict(levels=2, base=32, skips=name == "small-unet", upsampling="bilinear")
        args.update(overrides)
        return init_weights(UNet(**args))
    if name == "unet":
        args = dict(levels=4, base=64, upsampling="transposed")
        args.update(overrides)
        return init_weights(UNet(**args))
    raise ValueError(f"unknown preset {name!r}")


def count_parameters(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


if __name__ == "__main__":
    import json
    import sys

    # Prints {preset: {"parameters": N, "tensors": {key: shape}}} for the cross-check tests.
    names = sys.argv[1:] or ["minimal", "small-unet", "small-unet-noskip", "unet"]
    out = {}
    for n in names:
        m = preset(n)
        out[n] = {"parameters": count_parameters(m),
                  "tensors": {k: list(v.shape) for k, v in m.state_dict().items()}}
    print(json.dumps(out))
