"""Train a UNet Lab preset in PyTorch, then open the result in the app.

Read it like a notebook: data, model, training, saving. It needs only PyTorch and numpy
(Debian: python3-torch python3-numpy); Pillow, when installed, reads more image formats.

    # a small synthetic set made here, so it runs anywhere (about a minute on 2 cores):
    python3 train_in_pytorch.py --model minimal --epochs 8 --out cells.pt

    # a folder of images/ + masks/ matched by file stem, e.g. the sample the app bundles:
    python3 train_in_pytorch.py --model small-unet --base 16 \
        --data ../samples/dsb2018-nuclei-256 --size 128 --epochs 10 --out nuclei.pt

    # then, in UNet Lab (the architecture is read off the state dict's keys):
    unetlab-cli predict --checkpoint nuclei.pt --image some.png --out mask.png <the --mean/--std printed>
    unetlab-cli export --checkpoint nuclei.pt --format unetlab --out nuclei.ckpt <--mean/--std>

The state dict has the app's parameter names because unetlab_models.py (next to this file)
defines the presets with the same module names as the C++ engine.
"""

import argparse
import glob
import os
import struct
import sys
import time
import zlib

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unetlab_models import count_parameters, preset  # noqa: E402

# ---------------------------------------------------------------------------- data


def synthetic_cells(count, size, seed):
    """Cells on a bright background: class 1 cytoplasm (pale pink), class 2 nucleus (dark purple)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size]
    images, masks = [], []
    for _ in range(count):
        image = np.empty((size, size, 3), np.float32)
        image[:] = (0.93, 0.91, 0.94)
        mask = np.zeros((size, size), np.int64)
        for _ in range(rng.integers(2, 6)):
            cy, cx = rng.uniform(0, size, 2)
            ry, rx = rng.uniform(0.08, 0.16, 2) * size
            angle = rng.uniform(0, np.pi)
            dy, dx = yy - cy, xx - cx
            u = (dx * np.cos(angle) + dy * np.sin(angle)) / rx
            v = (-dx * np.sin(angle) + dy * np.cos(angle)) / ry
            cell = u * u + v * v <= 1
            nucleus = (u * u + v * v) * 4.5 <= 1
            image[cell] = (0.86, 0.68, 0.78)
            image[nucleus] = (0.35, 0.22, 0.45)
            mask[cell] = 1
            mask[nucleus] = 2
        image += rng.normal(0, 0.04, image.shape).astype(np.float32)
        images.append((np.clip(image, 0, 1) * 255).astype(np.uint8))
        masks.append(mask)
    return images, masks


def read_png(path):
    """8-bit grey, grey+alpha, RGB or RGBA PNG (non-interlaced) with zlib alone."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", data[pos + 8:pos + 21])
        elif kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"{path}: only 8-bit, non-interlaced, non-palette PNGs are read without Pillow")
    raw, stride = zlib.decompress(idat), width * channels
    out = bytearray(height * stride)
    previous = bytearray(stride)
    for r in range(height):
        kind, row = raw[r * (stride + 1)], bytearray(raw[r * (stride + 1) + 1:(r + 1) * (stride + 1)])
        if kind == 1:  # Sub: a running sum along the row, per channel
            row = bytearray((np.cumsum(np.frombuffer(row, np.uint8).reshape(-1, channels), 0, np.uint8)).tobytes())
        elif kind == 2:  # Up
            row = bytearray(((np.frombuffer(row, np.uint8) + np.frombuffer(previous, np.uint8)) & 255).tobytes())
        elif kind in (3, 4):  # Average, Paeth: each byte depends on its left neighbour
            for i in range(stride):
                a = row[i - channels] if i >= channels else 0
                b, c = previous[i], previous[i - channels] if i >= channels else 0
                if kind == 3:
                    row[i] = (row[i] + (a + b) // 2) & 255
                else:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out[r * stride:(r + 1) * stride] = row
        previous = row
    return np.frombuffer(bytes(out), np.uint8).reshape(height, width, channels)


def read_image(path):
    if path.endswith(".npy"):
        return np.load(path)
    try:
        from PIL import Image
        return np.asarray(Image.open(path))
    except ImportError:
        return read_png(path)


def image_folder(folder, size):
    """images/ + masks/ matched by file stem; masks hold class indices, or 0/255 for two classes."""
    images, masks = [], []
    for image_path in sorted(glob.glob(os.path.join(folder, "images", "*"))):
        stem = os.path.splitext(os.path.basename(image_path))[0]
        found = glob.glob(os.path.join(folder, "masks", stem + ".*"))
        if not found:
            continue
        image, mask = read_image(image_path), read_image(found[0])
        image = image[..., :3] if image.ndim == 3 else np.repeat(image[..., None], 3, 2)  # RGB, no alpha
        mask = mask[..., 0] if mask.ndim == 3 else mask
        mask = (mask > 0).astype(np.int64) if set(np.unique(mask)) <= {0, 255} else mask.astype(np.int64)
        # The centre size x size crop keeps the pixels' scale (the app's crop policy).
        h, w = mask.shape
        top, left = max(0, (h - size) // 2), max(0, (w - size) // 2)
        images.append(image[top:top + size, left:left + size])
        masks.append(mask[top:top + size, left:left + size])
    if not images:
        sys.exit(f"no image/mask pairs in {folder}/images and {folder}/masks")
    return images, masks


# ---------------------------------------------------------------------------- training


def dice_per_class(pred, target, classes):
    out = []
    for c in range(classes):
        p, t = pred == c, target == c
        total = p.sum().item() + t.sum().item()
        out.append(2 * (p & t).sum().item() / total if total else float("nan"))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="small-unet", help="minimal | small-unet | small-unet-noskip | unet")
    ap.add_argument("--base", type=int, help="U-Net width of the first level (preset: 32, unet 64)")
    ap.add_argument("--data", help="a folder with images/ and masks/ (default: synthetic cells made here)")
    ap.add_argument("--size", type=int, default=64, help="image side for training (default 64)")
    ap.add_argument("--count", type=int, default=96, help="synthetic images (default 96)")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="model.pt", help="where torch.save writes the state dict")
    args = ap.parse_args()
    torch.manual_seed(args.seed)

    images, masks = image_folder(args.data, args.size) if args.data else \
        synthetic_cells(args.count, args.size, args.seed)
    x = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float() / 255  # N x 3 x H x W in [0, 1]
    y = torch.from_numpy(np.stack(masks))
    classes = int(y.max()) + 1
    # The app's default normalisation: z-score per channel with the training split's statistics.
    # A state dict carries only weights, so pass these to unetlab-cli as --mean / --std.
    order = torch.randperm(len(x))
    val = order[: max(1, len(x) // 10)]
    train = order[len(val):]
    mean, std = x[train].mean((0, 2, 3)), x[train].std((0, 2, 3)).clamp_min(1e-3)
    x = (x - mean.view(1, 3, 1, 1)) / std.view(1, 3, 1, 1)

    overrides = dict(in_channels=3, num_classes=classes)
    if args.base:
        overrides["base"] = args.base
    model = preset(args.model, **overrides)
    print(f"{args.model}: {count_parameters(model):,} parameters; {len(train)} training and {len(val)} validation "
          f"images of {args.size}x{args.size}, {classes} classes")
    optimiser = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(1, args.epochs + 1):
        model.train()
        started, losses = time.time(), []
        shuffled = train[torch.randperm(len(train))]
        for first in range(0, len(shuffled), args.batch):
            batch = shuffled[first:first + args.batch]
            loss = F.cross_entropy(model(x[batch]), y[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            losses.append(loss.item())
        model.eval()
        with torch.no_grad():
            dice = dice_per_class(model(x[val]).argmax(1), y[val], classes)
        print(f"epoch {epoch}/{args.epochs}: loss {np.mean(losses):.4f}, val Dice per class "
              + ", ".join(f"{d:.3f}" for d in dice) + f" ({time.time() - started:.1f} s)")

    # ------------------------------------------------------------------------ saving
    # Exactly what a notebook does; UNet Lab reads this OrderedDict without running any code.
    torch.save(model.state_dict(), args.out)
    stats = f"--mean {','.join(f'{v:.4f}' for v in mean.tolist())} --std {','.join(f'{v:.4f}' for v in std.tolist())}"
    print(f"\nSaved {args.out}. Open it in UNet Lab:\n"
          f"  unetlab-cli predict --checkpoint {args.out} --image IMAGE.png --out mask.png {stats}\n"
          f"  unetlab-cli export --checkpoint {args.out} --format unetlab --out model.ckpt {stats}")


if __name__ == "__main__":
    main()
