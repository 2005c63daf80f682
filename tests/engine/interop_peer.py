"""Python's side of tests/engine/InteropTest.cpp, run with Debian's python3-torch.

    interop_peer.py write DIR         state dicts of every preset (small widths) as torch.save writes
                                      them, the inputs, and PyTorch's logits for them
    interop_peer.py read DIR          loads DIR/<case>-exported.pt (written by UNet Lab) with
                                      model.load_state_dict(torch.load(path)) and writes the logits
    interop_peer.py hostile DIR CMD   files a state-dict reader must refuse, some of whose pickles
                                      would run the shell command CMD if anything unpickled them

Tensors travel as raw little-endian float32 files; DIR/cases.json describes each case with the
app's model JSON (engine/models/ModelConfig.h).
"""

import collections
import io
import json
import os
import pickle
import sys
import zipfile

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "resources", "python"))
from unetlab_models import MinimalCNN, UNet, preset  # noqa: E402

# case: (preset, overrides). Small widths keep the test fast; every preset and knob that
# changes the keys or shapes is covered.
CASES = {
    "minimal": ("minimal", {}),
    "minimal-bn-k5-deep": ("minimal", dict(batch_norm=True, first_kernel=5, extra_depth=1, widths=(8, 12),
                                           in_channels=1, num_classes=2)),
    "small-unet": ("small-unet", dict(base=8)),
    "small-unet-noskip": ("small-unet-noskip", dict(base=8)),
    "unet": ("unet", dict(base=4)),
    "small-unet-gelu-nobn": ("small-unet", dict(base=4, activation="gelu", batch_norm=False, in_channels=1,
                                                num_classes=2)),
}


def app_config(name, overrides):
    """The case in the app's model JSON."""
    o = dict(overrides)
    c = {"in_channels": o.get("in_channels", 3), "num_classes": o.get("num_classes", 3),
         "activation": o.get("activation", "relu"), "dropout": 0.0}
    if name == "minimal":
        c.update(architecture="minimal-cnn", batch_norm=o.get("batch_norm", False),
                 widths=list(o.get("widths", (16, 32))), first_kernel=o.get("first_kernel", 3),
                 extra_depth=o.get("extra_depth", 0))
    else:
        unet = name == "unet"
        c.update(architecture="unet", batch_norm=o.get("batch_norm", True), levels=4 if unet else 2,
                 base=o.get("base", 64 if unet else 32), skips=name != "small-unet-noskip",
                 upsampling="transposed" if unet else "bilinear")
    return c


def build(case):
    name, overrides = CASES[case]
    return preset(name, **overrides)


def save_raw(path, tensor):
    tensor.detach().to(torch.float32).contiguous().numpy().tofile(path)


def load_raw(path, shape):
    import numpy
    return torch.from_numpy(numpy.fromfile(path, dtype=numpy.float32).reshape(shape))


def write(folder):
    torch.manual_seed(7)
    cases = {}
    for case in CASES:
        model = build(case)
        channels = model.state_dict()["enc1.conv1.weight" if "enc1.conv1.weight" in model.state_dict()
                                      else "conv1.weight"].shape[1]
        with torch.no_grad():
            for p in model.parameters():  # zero biases and unit BatchNorm would hide mistakes
                p.add_(0.05 * torch.randn_like(p))
            model.train()
            for _ in range(3):  # running statistics away from their defaults
                model(torch.randn(4, channels, 32, 32) * 2 + 0.5)
        model.eval()
        x = torch.randn(2, channels, 32, 32)
        with torch.no_grad():
            logits = model(x)
        torch.save(model.state_dict(), os.path.join(folder, case + ".pt"))
        torch.save(dict(model.state_dict()), os.path.join(folder, case + "-dict.pt"))
        save_raw(os.path.join(folder, case + "-input.bin"), x)
        save_raw(os.path.join(folder, case + "-logits.bin"), logits)
        cases[case] = {"model": app_config(*CASES[case]), "input": list(x.shape), "logits": list(logits.shape)}
        if case == "small-unet":
            state = model.state_dict()
            # Variants people meet: pickle protocol 4, a training checkpoint, nn.DataParallel keys.
            torch.save(state, os.path.join(folder, case + "-protocol4.pt"), pickle_protocol=4)
            torch.save({"epoch": 12, "model_state_dict": state, "optimizer": {"lr": 0.001}},
                       os.path.join(folder, case + "-training.pt"))
            torch.save(collections.OrderedDict(("module." + k, v) for k, v in state.items()),
                       os.path.join(folder, case + "-dataparallel.pt"))
            # Half precision: the app converts to float32; these logits are for the rounded weights.
            half = collections.OrderedDict((k, v.half() if v.is_floating_point() else v) for k, v in state.items())
            torch.save(half, os.path.join(folder, case + "-half.pt"))
            rounded = build(case)
            rounded.load_state_dict(half)
            rounded.eval()
            with torch.no_grad():
                save_raw(os.path.join(folder, case + "-half-logits.bin"), rounded(x))
    with open(os.path.join(folder, "cases.json"), "w") as f:
        json.dump(cases, f)


def read(folder):
    with open(os.path.join(folder, "cases.json")) as f:
        cases = json.load(f)
    report = {}
    for case, info in cases.items():
        path = os.path.join(folder, case + "-exported.pt")
        if not os.path.exists(path):
            continue
        model = build(case)
        state = torch.load(path)
        model.load_state_dict(state)  # strict: the same keys and shapes, or it raises
        model.eval()
        with torch.no_grad():
            logits = model(load_raw(os.path.join(folder, case + "-input.bin"), info["input"]))
        save_raw(os.path.join(folder, case + "-python-logits.bin"), logits)
        # The constructor `unetlab-cli export` prints builds a network the file loads into.
        with open(os.path.join(folder, case + "-expression.txt")) as f:
            expression = f.read()
        eval(expression, {"UNet": UNet, "MinimalCNN": MinimalCNN}).load_state_dict(state)
        report[case] = {"type": type(state).__name__, "keys": list(state.keys()),
                        "dtypes": sorted({str(v.dtype) for v in state.values()}),
                        "reference_keys": list(model.state_dict().keys()), "expression": expression}
    print(json.dumps(report))


class Payload:
    """Pickles as a call of `function` with `args`: what a malicious file does."""

    def __init__(self, function, *args):
        self.function, self.args = function, args

    def __reduce__(self):
        return self.function, self.args


def torch_like_zip(path, pickle_bytes):
    """A zip archive laid out as torch.save lays it out, around any pickle."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pickle_bytes)
        z.writestr("archive/version", "3\n")


def hostile(folder, command):
    # GLOBAL posix.system (os.system's real module), then REDUCE with the command.
    torch_like_zip(os.path.join(folder, "system.pt"), pickle.dumps(Payload(os.system, command), protocol=2))
    torch_like_zip(os.path.join(folder, "eval.pt"),
                   pickle.dumps(Payload(eval, "__import__('os').system(%r)" % command), protocol=2))
    # The same with protocol 4 (STACK_GLOBAL).
    torch_like_zip(os.path.join(folder, "system-protocol4.pt"),
                   pickle.dumps(Payload(os.system, command), protocol=4))
    # A real state dict with one poisoned value, saved by torch.save itself.
    state = preset("minimal").state_dict()
    state["conv1.bias"] = Payload(os.system, command)
    torch.save(state, os.path.join(folder, "poisoned.pt"))
    # A bare pickle (no zip), as torch.save's legacy format would start.
    with open(os.path.join(folder, "system.pkl"), "wb") as f:
        f.write(pickle.dumps(Payload(os.system, command), protocol=2))
    # Legacy torch.save format of a genuine state dict.
    torch.save(preset("minimal").state_dict(), os.path.join(folder, "legacy.pt"),
               _use_new_zipfile_serialization=False)
    # A whole model rather than its state dict: pickles the class unetlab_models.MinimalCNN.
    torch.save(preset("minimal"), os.path.join(folder, "whole-model.pt"))
    # Another program's zip archive.
    with zipfile.ZipFile(os.path.join(folder, "foreign.zip"), "w") as z:
        z.writestr("readme.txt", "not a model")
        z.writestr("images/a.txt", "hello")
    # A pickle of a list, not a dict.
    buf = io.BytesIO()
    torch.save([torch.ones(3)], buf)
    with open(os.path.join(folder, "list.pt"), "wb") as f:
        f.write(buf.getvalue())


if __name__ == "__main__":
    torch.set_num_threads(1)
    if sys.argv[1] == "write":
        write(sys.argv[2])
    elif sys.argv[1] == "read":
        read(sys.argv[2])
    elif sys.argv[1] == "hostile":
        hostile(sys.argv[2], sys.argv[3])
    else:
        sys.exit("unknown command " + sys.argv[1])
