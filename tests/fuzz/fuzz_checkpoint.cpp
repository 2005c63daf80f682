// libFuzzer target: the checkpoint reader (train/Checkpoint.h) on arbitrary bytes: UNet Lab
// checkpoints (magic line, JSON header, checksummed LibTorch archive) and torch.save state
// dicts (zip + our own unpickler, interop/TorchSave.cpp), through readCheckpointHeader and
// loadCheckpoint as the app and the CLI call them. Besides crashes and sanitizer reports it
// checks the contract: every refusal is a CheckpointError (any other exception escaping is
// reported by libFuzzer as a crash). Run by tests/fuzz/run.sh; seeds in
// tests/fuzz/corpus/checkpoint.
#include <cstdint>
#include <string>

#include <torch/torch.h>

#include "FuzzFile.h"
#include "train/Checkpoint.h"

using namespace unetlab;

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    torch::set_num_threads(1);  // one input at a time; no OpenMP pool to wake
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    static const std::string path = fuzz::scratchPath(".ckpt");
    fuzz::writeScratch(path, data, size);
    try {
        readCheckpointHeader(path);
    } catch (const CheckpointError &) {
    }
    try {
        const LoadedCheckpoint c = loadCheckpoint(path);
        if (!c.model) fuzz::broken("loadCheckpoint returned no model and no error");
    } catch (const CheckpointError &) {
    }
    return 0;
}
