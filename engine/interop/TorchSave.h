#pragma once
// The bytes of a torch.save file holding a state dict, in and out: a zip archive (read and
// written with LibTorch's own PyTorchStreamReader/Writer) with data.pkl, a pickle, and
// data/<key>, one record per tensor storage. Engine-internal (LibTorch); the torch-free API
// is interop/StateDict.h. See there for what the unpickler accepts and refuses.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <torch/torch.h>

namespace unetlab {

struct SavedTensor {
    std::string name;
    torch::ScalarType dtype = torch::kFloat;
    std::vector<std::int64_t> shape;
    torch::Tensor value;  // contiguous, on the CPU; undefined when read without data
};

// The tensors of the state dict in `bytes`, in file order. A state dict nested under
// "state_dict", "model_state_dict", "model" or "net" (training checkpoints) is found too, and a
// prefix every key shares from nn.DataParallel ("module.") or torch.compile ("_orig_mod.") is
// dropped. `withData` false reads only names, dtypes and shapes. `name` is for messages.
// Throws StateDictError.
std::vector<SavedTensor> readTorchSave(const std::string &bytes, const std::string &name, bool withData = true);

// Why a zip archive's directory cannot be trusted, or an empty string when every record it
// declares fits in the archive. LibTorch's zip reader (torch.save files, and the archives of
// checkpoints and run states) allocates the size a record claims before reading it, so a
// damaged or hostile entry claiming gigabytes is refused before LibTorch sees it. torch.save
// and LibTorch store records uncompressed; a compressed one may expand deflate's 1032:1.
std::string zipRecordsProblem(std::string_view archive);

// torch.save(OrderedDict(tensors)) as bytes: what Python's torch.load reads back as an
// OrderedDict. Tensors are written from the CPU, contiguous.
std::string writeTorchSave(const std::vector<std::pair<std::string, torch::Tensor>> &tensors);

// "float32", "int64", ... as PyTorch prints dtypes (without "torch.").
std::string dtypeName(torch::ScalarType dtype);

// Text read from a file, made safe for a one-line message: printable ASCII only, cut short.
std::string printableName(const std::string &text, std::size_t max = 80);

}  // namespace unetlab
