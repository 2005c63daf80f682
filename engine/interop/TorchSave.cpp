#include "interop/TorchSave.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string_view>
#include <unordered_map>

#include <caffe2/serialize/inline_container.h>
#include <caffe2/serialize/read_adapter_interface.h>

#include "interop/StateDict.h"

namespace unetlab {
namespace {

using Kind = StateDictError::Kind;

// The storage classes torch.save names in a state dict, one per dtype.
struct StorageType {
    const char *name;
    torch::ScalarType dtype;
};
const StorageType kStorageTypes[] = {
    {"FloatStorage", torch::kFloat},       {"DoubleStorage", torch::kDouble}, {"HalfStorage", torch::kHalf},
    {"BFloat16Storage", torch::kBFloat16}, {"LongStorage", torch::kLong},     {"IntStorage", torch::kInt},
    {"ShortStorage", torch::kShort},       {"CharStorage", torch::kChar},     {"ByteStorage", torch::kByte},
    {"BoolStorage", torch::kBool},
};

// ------------------------------------------------------------------ the object model
// Everything the unpickler builds lives in one arena and refers to other objects by plain
// pointers: no recursion is ever needed to build, walk or free them, however a hostile
// pickle nests or cycles its containers.
enum class Type { None, Bool, Int, Float, String, Tuple, List, Dict, Global, Storage, Tensor };
enum class Callable { OrderedDict, RebuildTensor, RebuildParameter, StorageClass };

struct Object {
    Type type = Type::None;
    std::int64_t integer = 0;                           // Bool, Int; Storage: element count
    double real = 0;                                    // Float
    std::string text;                                   // String; Storage: record key; Global: "module.name"
    Callable callable = Callable::OrderedDict;          // Global
    torch::ScalarType dtype = torch::kFloat;            // Global (StorageClass), Storage, Tensor
    std::vector<Object *> items;                        // Tuple, List; Dict: key, value, key, value, ...
    std::unordered_map<std::string, std::size_t> keys;  // Dict: string key -> its index in items
    std::vector<std::int64_t> shape;                    // Tensor
    torch::Tensor value;                                // Tensor, when read with data
};

const char *typeName(Type t) {
    switch (t) {
    case Type::None: return "None";
    case Type::Bool: return "a bool";
    case Type::Int: return "an int";
    case Type::Float: return "a float";
    case Type::String: return "a string";
    case Type::Tuple: return "a tuple";
    case Type::List: return "a list";
    case Type::Dict: return "a dict";
    case Type::Global: return "a Python function or class";
    case Type::Storage: return "a storage";
    case Type::Tensor: return "a tensor";
    }
    return "?";
}

// ------------------------------------------------------------------ the unpickler
// Reads the opcodes torch.save emits for a state dict (protocol 2 by default; 3-5 with
// pickle_protocol=...), builds plain values, and turns the three calls a state dict makes —
// OrderedDict(), _rebuild_tensor_v2(...), _rebuild_parameter(...) — into values here. Any
// other Python name, and every opcode that could create other objects, is refused.
class Unpickler {
public:
    // Returns the storage's elements as a 1-D CPU tensor; null: read shapes only.
    using StorageLoader = std::function<torch::Tensor(const Object &storage)>;

    Unpickler(const std::string &data, std::string path, StorageLoader loader)
        : m_data(data), m_path(std::move(path)), m_loader(std::move(loader)) {}

    Object *load();

private:
    [[noreturn]] void unreadable(const std::string &why) const {
        throw StateDictError(Kind::Unreadable, "'" + m_path + "' is not a PyTorch state dict UNet Lab can read: " + why,
                             why);
    }
    [[noreturn]] void refuse(const std::string &why) const {
        throw StateDictError(Kind::Refused, "'" + m_path + "' is refused: " + why, why);
    }

    void need(std::size_t n) const {
        if (m_data.size() - m_pos < n) unreadable("its pickle ends in the middle of an instruction (damaged file)");
    }
    std::uint8_t u8() {
        need(1);
        return static_cast<std::uint8_t>(m_data[m_pos++]);
    }
    std::uint64_t littleEndian(std::size_t n) {
        need(n);
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t(static_cast<std::uint8_t>(m_data[m_pos + i])) << (8 * i);
        m_pos += n;
        return v;
    }
    std::string take(std::uint64_t n) {
        if (n > m_data.size() - m_pos) unreadable("its pickle ends inside a string (damaged file)");
        std::string s = m_data.substr(m_pos, static_cast<std::size_t>(n));
        m_pos += static_cast<std::size_t>(n);
        return s;
    }
    // GLOBAL's module and name are newline-terminated; real ones are short.
    std::string line() {
        const std::size_t end = m_data.find('\n', m_pos);
        if (end == std::string::npos || end - m_pos > 200) unreadable("its pickle has a malformed GLOBAL name");
        std::string s = m_data.substr(m_pos, end - m_pos);
        m_pos = end + 1;
        return s;
    }

    Object *make(Type type) {
        m_arena.push_back(std::make_unique<Object>());
        m_arena.back()->type = type;
        return m_arena.back().get();
    }
    std::size_t floor() const { return m_marks.empty() ? 0 : m_marks.back(); }
    Object *top() const {
        if (m_stack.size() <= floor()) unreadable("its pickle reads from an empty stack");
        return m_stack.back();
    }
    Object *pop() {
        Object *o = top();
        m_stack.pop_back();
        return o;
    }
    std::vector<Object *> popToMark() {
        if (m_marks.empty()) unreadable("its pickle closes a MARK it never opened");
        const std::size_t at = m_marks.back();
        m_marks.pop_back();
        std::vector<Object *> items(m_stack.begin() + static_cast<std::ptrdiff_t>(at), m_stack.end());
        m_stack.resize(at);
        return items;
    }
    Object *tuple(std::vector<Object *> items) {
        Object *t = make(Type::Tuple);
        t->items = std::move(items);
        return t;
    }
    Object *integer(std::int64_t v) {
        Object *o = make(Type::Int);
        o->integer = v;
        return o;
    }
    Object *string(std::string s) {
        Object *o = make(Type::String);
        o->text = std::move(s);
        return o;
    }
    void memoPut(std::uint64_t index) { m_memo[index] = top(); }
    Object *memoGet(std::uint64_t index) const {
        const auto it = m_memo.find(index);
        if (it == m_memo.end()) unreadable("its pickle refers to a value it never stored");
        return it->second;
    }

    void setItem(Object *dict, Object *key, Object *value) {
        if (dict->type != Type::Dict) unreadable(std::string("its pickle stores a key in ") + typeName(dict->type));
        if (key->type == Type::String) {
            const auto it = dict->keys.find(key->text);
            if (it != dict->keys.end()) {
                dict->items[it->second + 1] = value;
                return;
            }
            dict->keys[key->text] = dict->items.size();
        }
        dict->items.push_back(key);
        dict->items.push_back(value);
    }
    void append(Object *list, const std::vector<Object *> &values) {
        if (list->type != Type::List) unreadable(std::string("its pickle appends to ") + typeName(list->type));
        list->items.insert(list->items.end(), values.begin(), values.end());
    }

    Object *global(const std::string &module, const std::string &name);
    Object *reduce(Object *callable, Object *args);
    Object *rebuildTensor(const std::vector<Object *> &args);
    Object *persistentLoad(Object *pid);
    std::vector<std::int64_t> integers(const Object *tuple, const char *what) const;

    const std::string &m_data;
    std::string m_path;
    StorageLoader m_loader;
    std::size_t m_pos = 0;
    std::vector<Object *> m_stack;
    std::vector<std::size_t> m_marks;
    std::unordered_map<std::uint64_t, Object *> m_memo;
    std::vector<std::unique_ptr<Object>> m_arena;
    std::map<std::string, torch::Tensor> m_storages;  // by record key: tensors may share one
};

Object *Unpickler::global(const std::string &module, const std::string &name) {
    Object *g = make(Type::Global);
    g->text = module + "." + name;
    if (module == "collections" && name == "OrderedDict") {
        g->callable = Callable::OrderedDict;
        return g;
    }
    if (module == "torch._utils" && name == "_rebuild_tensor_v2") {
        g->callable = Callable::RebuildTensor;
        return g;
    }
    if (module == "torch._utils" && name == "_rebuild_parameter") {
        g->callable = Callable::RebuildParameter;
        return g;
    }
    if (module == "torch")
        for (const auto &s : kStorageTypes)
            if (name == s.name) {
                g->callable = Callable::StorageClass;
                g->dtype = s.dtype;
                return g;
            }
    std::string why = "its pickle names the Python object '" + printableName(module + "." + name) +
                      "', which a state dict never needs (UNet Lab reads only tensors from PyTorch files and "
                      "runs no code from them)";
    if (module.rfind("__torch__", 0) == 0)
        why += "; this looks like a TorchScript archive (torch.jit.save): save model.state_dict() with torch.save";
    else if (!name.empty() && name[0] >= 'A' && name[0] <= 'Z' && module != "builtins" && module != "__builtin__")
        why += "; if it is a whole model saved with torch.save(model), save model.state_dict() instead";
    refuse(why);
}

std::vector<std::int64_t> Unpickler::integers(const Object *tuple, const char *what) const {
    if (tuple->type != Type::Tuple) unreadable(std::string("a tensor's ") + what + " is not a tuple");
    std::vector<std::int64_t> v;
    for (const Object *o : tuple->items) {
        if (o->type != Type::Int || o->integer < 0) unreadable(std::string("a tensor's ") + what + " are not sizes");
        v.push_back(o->integer);
    }
    return v;
}

Object *Unpickler::rebuildTensor(const std::vector<Object *> &args) {
    // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    if (args.size() != 6 && args.size() != 7) unreadable("a tensor is rebuilt with unexpected arguments");
    const Object *storage = args[0];
    if (storage->type != Type::Storage || args[1]->type != Type::Int || args[1]->integer < 0)
        unreadable("a tensor is rebuilt from something that is not a storage");
    const std::int64_t offset = args[1]->integer;
    const std::vector<std::int64_t> sizes = integers(args[2], "sizes");
    const std::vector<std::int64_t> strides = integers(args[3], "strides");
    if (sizes.size() != strides.size() || sizes.size() > 16) unreadable("a tensor has mismatched sizes and strides");
    // The last element the view touches must lie inside its storage: a hostile file must not
    // make us read past a buffer.
    std::int64_t numel = 1, last = offset;
    for (std::size_t d = 0; d < sizes.size(); ++d) {
        std::int64_t step = 0;
        if (__builtin_mul_overflow(numel, sizes[d], &numel) ||
            (sizes[d] > 0 &&
             (__builtin_mul_overflow(sizes[d] - 1, strides[d], &step) || __builtin_add_overflow(last, step, &last))))
            unreadable("a tensor's sizes overflow");
    }
    if (numel > 0 && last >= storage->integer)
        unreadable("a tensor reaches past the end of its storage (damaged file)");
    Object *t = make(Type::Tensor);
    t->dtype = storage->dtype;
    t->shape = sizes;
    if (m_loader) {
        if (numel == 0) {
            t->value = torch::empty(sizes, torch::TensorOptions().dtype(storage->dtype));
        } else {
            auto it = m_storages.find(storage->text);
            if (it == m_storages.end()) it = m_storages.emplace(storage->text, m_loader(*storage)).first;
            if (it->second.scalar_type() != storage->dtype || it->second.numel() < storage->integer)
                unreadable("two tensors read one storage as different types");
            t->value = it->second.as_strided(sizes, strides, offset).clone(at::MemoryFormat::Contiguous);
        }
    }
    return t;
}

Object *Unpickler::reduce(Object *callable, Object *args) {
    if (callable->type != Type::Global) unreadable(std::string("its pickle calls ") + typeName(callable->type));
    if (args->type != Type::Tuple) unreadable("its pickle calls a function without an argument tuple");
    const std::vector<Object *> &a = args->items;
    switch (callable->callable) {
    case Callable::OrderedDict: {
        Object *d = make(Type::Dict);
        if (a.empty()) return d;
        // OrderedDict([(key, value), ...])
        if (a.size() == 1 && a[0]->type == Type::List) {
            for (Object *pair : a[0]->items) {
                if (pair->type != Type::Tuple || pair->items.size() != 2)
                    unreadable("an OrderedDict is built from something that is not (key, value) pairs");
                setItem(d, pair->items[0], pair->items[1]);
            }
            return d;
        }
        unreadable("an OrderedDict is built with unexpected arguments");
    }
    case Callable::RebuildTensor: return rebuildTensor(a);
    case Callable::RebuildParameter:
        // _rebuild_parameter(data, requires_grad, backward_hooks): a tensor is all we keep.
        if (a.empty() || a[0]->type != Type::Tensor) unreadable("a parameter is rebuilt from something else");
        return a[0];
    case Callable::StorageClass: break;
    }
    unreadable("its pickle calls the storage class '" + printableName(callable->text) + "'");
}

Object *Unpickler::persistentLoad(Object *pid) {
    // ('storage', torch.FloatStorage, key, location, numel): the tensor data is the record data/<key>.
    const auto &p = pid->items;
    if (pid->type != Type::Tuple || p.size() != 5 || p[0]->type != Type::String || p[0]->text != "storage" ||
        p[1]->type != Type::Global || p[1]->callable != Callable::StorageClass || p[2]->type != Type::String ||
        p[3]->type != Type::String || p[4]->type != Type::Int || p[4]->integer < 0)
        unreadable("its pickle refers to outside data that is not a tensor storage");
    const std::string &key = p[2]->text;
    if (key.empty() || key.size() > 64 ||
        !std::all_of(key.begin(), key.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); }))
        unreadable("a storage has a malformed record name");
    Object *s = make(Type::Storage);
    s->text = key;
    s->dtype = p[1]->dtype;
    s->integer = p[4]->integer;
    return s;
}

Object *Unpickler::load() {
    for (;;) {
        const std::size_t at = m_pos;
        const std::uint8_t op = u8();
        switch (op) {
        case 0x80:  // PROTO
            if (u8() > 5) unreadable("its pickle uses a protocol newer than 5");
            break;
        case 0x95: littleEndian(8); break;  // FRAME: only a length hint for buffered readers
        case '.': {                         // STOP
            Object *result = pop();
            return result;
        }
        case '(': m_marks.push_back(m_stack.size()); break;  // MARK
        case '0': pop(); break;                              // POP
        case '1': popToMark(); break;                        // POP_MARK
        case '2': m_stack.push_back(top()); break;           // DUP
        case 'N': m_stack.push_back(make(Type::None)); break;
        case 0x88:  // NEWTRUE
        case 0x89: {  // NEWFALSE
            Object *b = make(Type::Bool);
            b->integer = op == 0x88;
            m_stack.push_back(b);
            break;
        }
        case 'J':  // BININT
            m_stack.push_back(integer(static_cast<std::int32_t>(static_cast<std::uint32_t>(littleEndian(4)))));
            break;
        case 'K': m_stack.push_back(integer(u8())); break;                                     // BININT1
        case 'M': m_stack.push_back(integer(static_cast<std::int64_t>(littleEndian(2)))); break;  // BININT2
        case 0x8a: {  // LONG1: little-endian two's complement of n bytes
            const std::size_t n = u8();
            if (n > 8) unreadable("its pickle holds an integer larger than 64 bits");
            std::uint64_t v = n ? littleEndian(n) : 0;
            if (n > 0 && n < 8 && (v >> (8 * n - 1)) & 1) v |= ~std::uint64_t(0) << (8 * n);
            m_stack.push_back(integer(static_cast<std::int64_t>(v)));
            break;
        }
        case 'G': {  // BINFLOAT: big-endian IEEE double
            need(8);
            std::uint64_t bits = 0;
            for (int i = 0; i < 8; ++i) bits = (bits << 8) | static_cast<std::uint8_t>(m_data[m_pos + i]);
            m_pos += 8;
            Object *f = make(Type::Float);
            std::memcpy(&f->real, &bits, sizeof bits);
            m_stack.push_back(f);
            break;
        }
        case 'X': m_stack.push_back(string(take(littleEndian(4)))); break;  // BINUNICODE
        case 0x8c: m_stack.push_back(string(take(u8()))); break;            // SHORT_BINUNICODE
        case ')': m_stack.push_back(tuple({})); break;                      // EMPTY_TUPLE
        case 't': m_stack.push_back(tuple(popToMark())); break;             // TUPLE
        case 0x85:                                                          // TUPLE1
        case 0x86:                                                          // TUPLE2
        case 0x87: {                                                        // TUPLE3
            std::vector<Object *> items(op - 0x84);
            for (auto it = items.rbegin(); it != items.rend(); ++it) *it = pop();
            m_stack.push_back(tuple(std::move(items)));
            break;
        }
        case ']': m_stack.push_back(make(Type::List)); break;  // EMPTY_LIST
        case 'a': {                                            // APPEND
            Object *v = pop();
            append(top(), {v});
            break;
        }
        case 'e': {  // APPENDS
            const std::vector<Object *> values = popToMark();
            append(top(), values);
            break;
        }
        case '}': m_stack.push_back(make(Type::Dict)); break;  // EMPTY_DICT
        case 's': {                                            // SETITEM
            Object *value = pop();
            Object *key = pop();
            setItem(top(), key, value);
            break;
        }
        case 'u': {  // SETITEMS
            const std::vector<Object *> kv = popToMark();
            if (kv.size() % 2) unreadable("its pickle stores a key without a value");
            Object *dict = top();
            for (std::size_t i = 0; i < kv.size(); i += 2) setItem(dict, kv[i], kv[i + 1]);
            break;
        }
        case 'q': memoPut(u8()); break;              // BINPUT
        case 'r': memoPut(littleEndian(4)); break;   // LONG_BINPUT
        case 0x94: memoPut(m_memo.size()); break;    // MEMOIZE
        case 'h': m_stack.push_back(memoGet(u8())); break;             // BINGET
        case 'j': m_stack.push_back(memoGet(littleEndian(4))); break;  // LONG_BINGET
        case 'c': {                                                    // GLOBAL
            const std::string module = line();
            const std::string name = line();
            m_stack.push_back(global(module, name));
            break;
        }
        case 0x93: {  // STACK_GLOBAL
            Object *name = pop();
            Object *module = pop();
            if (name->type != Type::String || module->type != Type::String)
                unreadable("its pickle names a global with something that is not a string");
            m_stack.push_back(global(module->text, name->text));
            break;
        }
        case 'R': {  // REDUCE
            Object *args = pop();
            Object *callable = pop();
            m_stack.push_back(reduce(callable, args));
            break;
        }
        case 'b': {  // BUILD: sets Python attributes — OrderedDict's _metadata (module versions) here
            pop();
            const Type t = top()->type;
            if (t != Type::Dict && t != Type::Tensor)
                unreadable(std::string("its pickle sets attributes of ") + typeName(t));
            break;
        }
        case 'Q': m_stack.push_back(persistentLoad(pop())); break;  // BINPERSID
        case 'i':                                                   // INST
        case 'o':                                                   // OBJ
        case 0x81:                                                  // NEWOBJ
        case 0x92:                                                  // NEWOBJ_EX
        case 0x82:                                                  // EXT1
        case 0x83:                                                  // EXT2
        case 0x84:                                                  // EXT4
        case 'P':                                                   // PERSID (text)
            refuse("its pickle creates Python objects (opcode 0x" + c10::str(std::hex, int(op)) + " at byte " +
                   std::to_string(at) + "), which a state dict never does; UNet Lab runs no code from files");
        default:
            unreadable("its pickle uses an instruction a state dict does not (opcode 0x" +
                       c10::str(std::hex, int(op)) + " at byte " + std::to_string(at) + ")");
        }
    }
}

// ------------------------------------------------------------------ zip access
// PyTorchStreamReader over the bytes in memory, never reading outside them whatever offsets
// a damaged directory claims.
class BytesAdapter final : public caffe2::serialize::ReadAdapterInterface {
public:
    explicit BytesAdapter(const std::string &bytes) : m_bytes(bytes) {}
    std::size_t size() const override { return m_bytes.size(); }
    std::size_t read(std::uint64_t pos, void *buf, std::size_t n, const char * /*what*/) const override {
        if (pos >= m_bytes.size()) return 0;
        n = std::min<std::size_t>(n, m_bytes.size() - static_cast<std::size_t>(pos));
        std::memcpy(buf, m_bytes.data() + pos, n);
        return n;
    }

private:
    const std::string &m_bytes;
};

// A zip archive ends with its directory ("PK\5\6", within the last 64 KiB + 22 bytes): a file
// cut short has none.
bool hasZipDirectory(const std::string &bytes) {
    const std::size_t from = bytes.size() > 65557 ? bytes.size() - 65557 : 0;
    return bytes.find(std::string("PK\x05\x06", 4), from) != std::string::npos;
}

std::string record(caffe2::serialize::PyTorchStreamReader &reader, const std::string &name) {
    const auto [data, size] = reader.getRecord(name);
    return std::string(static_cast<const char *>(data.get()), size);
}

std::size_t tensorCount(const Object &dict) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < dict.items.size(); i += 2)
        n += dict.items[i]->type == Type::String && dict.items[i + 1]->type == Type::Tensor;
    return n;
}

// Writes the pickle opcodes of writeTorchSave.
class PickleWriter {
public:
    void op(std::uint8_t code) { m_out += static_cast<char>(code); }
    void text(const std::string &s) {
        op('X');
        little(s.size(), 4);
        m_out += s;
    }
    void global(const std::string &module, const std::string &name) {
        op('c');
        m_out += module + "\n" + name + "\n";
    }
    void integer(std::int64_t v) {
        if (v >= 0 && v < 256) {
            op('K');
            little(static_cast<std::uint64_t>(v), 1);
        } else if (v >= 0 && v < 65536) {
            op('M');
            little(static_cast<std::uint64_t>(v), 2);
        } else if (v >= INT32_MIN && v <= INT32_MAX) {
            op('J');
            little(static_cast<std::uint32_t>(static_cast<std::int32_t>(v)), 4);
        } else {  // LONG1: the shortest little-endian two's complement
            const auto u = static_cast<std::uint64_t>(v);
            std::size_t n = 8;
            while (n > 1) {
                const std::uint8_t topByte = (u >> (8 * (n - 1))) & 0xff, next = (u >> (8 * (n - 2))) & 0xff;
                if ((topByte == 0x00 && !(next & 0x80)) || (topByte == 0xff && (next & 0x80)))
                    --n;
                else
                    break;
            }
            op(0x8a);
            little(n, 1);
            little(u, n);
        }
    }
    void tuple(c10::IntArrayRef values) {
        if (values.size() > 3) op('(');
        for (const std::int64_t v : values) integer(v);
        static const std::uint8_t kShort[] = {')', 0x85, 0x86, 0x87};
        op(values.size() > 3 ? 't' : kShort[values.size()]);
    }
    const std::string &bytes() const { return m_out; }

private:
    void little(std::uint64_t v, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) m_out += static_cast<char>((v >> (8 * i)) & 0xff);
    }
    std::string m_out;
};

}  // namespace

std::string printableName(const std::string &text, std::size_t max) {
    std::string out;
    for (char c : text.substr(0, max)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
    return text.size() > max ? out + "..." : out;
}

std::string dtypeName(torch::ScalarType dtype) {
    switch (dtype) {
    case torch::kFloat: return "float32";
    case torch::kDouble: return "float64";
    case torch::kHalf: return "float16";
    case torch::kBFloat16: return "bfloat16";
    case torch::kLong: return "int64";
    case torch::kInt: return "int32";
    case torch::kShort: return "int16";
    case torch::kChar: return "int8";
    case torch::kByte: return "uint8";
    case torch::kBool: return "bool";
    default: return c10::toString(dtype);
    }
}

namespace {

std::uint64_t little(std::string_view bytes, std::size_t at, int n) {
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(bytes[at + static_cast<std::size_t>(i)]);
    return v;
}

}  // namespace

std::string zipRecordsProblem(std::string_view bytes) {
    const std::size_t eocd = bytes.rfind(std::string_view("PK\x05\x06", 4));
    if (eocd == std::string_view::npos || bytes.size() - eocd < 22)
        return "the zip archive's directory at the end is cut short";
    std::uint64_t count = little(bytes, eocd + 10, 2);
    std::uint64_t offset = little(bytes, eocd + 16, 4);
    if (count == 0xFFFF || offset == 0xFFFFFFFF) {  // zip64: the locator sits just before
        if (eocd < 20 || bytes.compare(eocd - 20, 4, std::string_view("PK\x06\x07", 4)) != 0)
            return "the zip archive's zip64 directory locator is missing";
        const std::uint64_t at = little(bytes, eocd - 20 + 8, 8);
        if (at > bytes.size() || bytes.size() - at < 56 ||
            bytes.compare(at, 4, std::string_view("PK\x06\x06", 4)) != 0)
            return "the zip archive's zip64 directory record is missing";
        count = little(bytes, at + 32, 8);
        offset = little(bytes, at + 48, 8);
    }
    std::uint64_t pos = offset;
    for (std::uint64_t i = 0; i < count; ++i) {
        if (pos > bytes.size() || bytes.size() - pos < 46 ||
            bytes.compare(pos, 4, std::string_view("PK\x01\x02", 4)) != 0)
            return "the zip archive's directory is damaged";
        const std::uint64_t method = little(bytes, pos + 10, 2);
        std::uint64_t packed = little(bytes, pos + 20, 4);
        std::uint64_t size = little(bytes, pos + 24, 4);
        const std::uint64_t nameLength = little(bytes, pos + 28, 2);
        const std::uint64_t extraLength = little(bytes, pos + 30, 2);
        const std::uint64_t commentLength = little(bytes, pos + 32, 2);
        if (bytes.size() - pos - 46 < nameLength + extraLength + commentLength)
            return "the zip archive's directory is damaged";
        // zip64 sizes: in the extra field 0x0001, uncompressed first, then compressed, each
        // present only where the 32-bit field is 0xFFFFFFFF.
        const std::uint64_t extraEnd = pos + 46 + nameLength + extraLength;
        for (std::uint64_t e = pos + 46 + nameLength; e + 4 <= extraEnd;) {
            const std::uint64_t tag = little(bytes, e, 2), length = little(bytes, e + 2, 2);
            if (e + 4 + length > extraEnd) break;
            if (tag == 1) {
                std::uint64_t f = e + 4;
                if (size == 0xFFFFFFFF && f + 8 <= e + 4 + length) {
                    size = little(bytes, f, 8);
                    f += 8;
                }
                if (packed == 0xFFFFFFFF && f + 8 <= e + 4 + length) packed = little(bytes, f, 8);
            }
            e += 4 + length;
        }
        const std::uint64_t limit = method == 0 ? bytes.size() : std::min<std::uint64_t>(packed, bytes.size()) * 1032;
        if (size > limit)
            return "the zip archive's record '" + printableName(std::string(bytes.substr(pos + 46, nameLength))) +
                   "' claims " + std::to_string(size) + " bytes, more than the file can hold (damaged file)";
        pos += 46 + nameLength + extraLength + commentLength;
    }
    return {};
}

std::vector<SavedTensor> readTorchSave(const std::string &bytes, const std::string &name, bool withData) {
    auto unreadable = [&](const std::string &why) {
        return StateDictError(Kind::Unreadable,
                              "'" + name + "' is not a PyTorch state dict UNet Lab can read: " + why, why);
    };
    if (bytes.size() >= 2 && static_cast<std::uint8_t>(bytes[0]) == 0x80 && bytes[1] <= 5)
        throw unreadable(
            "it is a bare pickle, the legacy format of torch.save before PyTorch 1.6 (or with "
            "_use_new_zipfile_serialization=False); load it in Python and save it again with torch.save");
    if (bytes.compare(0, 4, std::string("PK\x03\x04", 4)) != 0) throw unreadable("it is not a zip archive");
    if (!hasZipDirectory(bytes)) throw unreadable("the zip archive is truncated (its directory at the end is missing)");
    if (const std::string why = zipRecordsProblem(bytes); !why.empty()) throw unreadable(why);

    std::unique_ptr<caffe2::serialize::PyTorchStreamReader> reader;
    std::string pickle;
    try {
        reader = std::make_unique<caffe2::serialize::PyTorchStreamReader>(std::make_shared<BytesAdapter>(bytes));
    } catch (const std::exception &) {
        throw unreadable("it is a zip archive, but not one torch.save wrote (no version record in one top folder)");
    }
    try {
        if (reader->hasRecord("constants.pkl") || !reader->hasRecord("data.pkl"))
            throw unreadable(reader->hasRecord("constants.pkl")
                                 ? "it is a TorchScript archive (torch.jit.save or LibTorch's torch::save), not a "
                                   "state dict; in Python, save model.state_dict() with torch.save"
                                 : "the zip archive has no data.pkl");
        if (reader->hasRecord("byteorder") && record(*reader, "byteorder") != "little")
            throw unreadable("its tensors are stored big-endian");
        pickle = record(*reader, "data.pkl");
    } catch (const c10::Error &) {
        throw unreadable("the zip archive is damaged");
    }

    Unpickler::StorageLoader loader;
    if (withData)
        loader = [&](const Object &storage) {
            const std::string recordName = "data/" + storage.text;
            std::string data;
            try {
                if (!reader->hasRecord(recordName)) throw unreadable("the tensor data " + recordName + " is missing");
                data = record(*reader, recordName);
            } catch (const c10::Error &) {
                throw unreadable("the tensor data " + recordName + " is damaged");
            } catch (const std::bad_alloc &) {
                throw unreadable("the tensor data " + recordName + " claims more memory than there is");
            }
            const std::size_t element = c10::elementSize(storage.dtype);
            if (static_cast<std::uint64_t>(storage.integer) > data.size() / element)
                throw unreadable("the tensor data " + recordName + " is shorter than its tensors need");
            torch::Tensor flat = torch::empty({storage.integer}, torch::TensorOptions().dtype(storage.dtype));
            std::memcpy(flat.data_ptr(), data.data(), static_cast<std::size_t>(storage.integer) * element);
            return flat;
        };
    Unpickler unpickler(pickle, name, loader);
    const Object *top = unpickler.load();
    if (top->type != Type::Dict)
        throw unreadable(std::string("its pickle holds ") + typeName(top->type) + ", not a dict of tensors");
    // Training scripts often save {"epoch": ..., "state_dict": ...}: look one level down.
    const Object *dict = top;
    for (const char *key : {"state_dict", "model_state_dict", "model", "net"}) {
        if (tensorCount(*dict) > 0) break;
        const auto it = top->keys.find(key);
        if (it != top->keys.end() && top->items[it->second + 1]->type == Type::Dict)
            dict = top->items[it->second + 1];
    }
    if (tensorCount(*dict) == 0) throw unreadable("it holds no tensors");

    std::vector<SavedTensor> out;
    for (std::size_t i = 0; i < dict->items.size(); i += 2) {
        const Object *key = dict->items[i], *value = dict->items[i + 1];
        if (key->type != Type::String || value->type != Type::Tensor) continue;  // e.g. "epoch": 12
        out.push_back({key->text, value->dtype, value->shape, value->value});
    }
    // nn.DataParallel and torch.compile wrap the model, and their state dicts prefix every key.
    for (const std::string prefix : {"module.", "_orig_mod."}) {
        const bool all = std::all_of(out.begin(), out.end(),
                                     [&](const SavedTensor &t) { return t.name.rfind(prefix, 0) == 0; });
        if (all)
            for (auto &t : out) t.name = t.name.substr(prefix.size());
    }
    return out;
}

std::string writeTorchSave(const std::vector<std::pair<std::string, torch::Tensor>> &tensors) {
    // What Python's pickler writes for torch.save(OrderedDict): OrderedDict() filled by one
    // SETITEMS, each value _rebuild_tensor_v2(storage, 0, sizes, strides, False, OrderedDict()).
    PickleWriter p;
    p.op(0x80);
    p.op(2);
    p.global("collections", "OrderedDict");
    p.op(')');
    p.op('R');
    p.op('(');
    std::vector<torch::Tensor> storages;
    for (const auto &[name, tensor] : tensors) {
        const torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
        const auto type = std::find_if(std::begin(kStorageTypes), std::end(kStorageTypes),
                                       [&](const StorageType &s) { return s.dtype == t.scalar_type(); });
        if (type == std::end(kStorageTypes))
            throw std::invalid_argument("tensor '" + name + "' has a dtype torch.save files do not hold here");
        p.text(name);
        p.global("torch._utils", "_rebuild_tensor_v2");
        p.op('(');
        p.op('(');
        p.text("storage");
        p.global("torch", type->name);
        p.text(std::to_string(storages.size()));
        p.text("cpu");
        p.integer(t.numel());
        p.op('t');
        p.op('Q');
        p.integer(0);
        p.tuple(t.sizes());
        p.tuple(t.strides());
        p.op(0x89);
        p.global("collections", "OrderedDict");
        p.op(')');
        p.op('R');
        p.op('t');
        p.op('R');
        storages.push_back(t);
    }
    p.op('u');
    p.op('.');

    std::string out;
    caffe2::serialize::PyTorchStreamWriter writer([&out](const void *data, std::size_t n) {
        out.append(static_cast<const char *>(data), n);
        return n;
    });
    writer.writeRecord("data.pkl", p.bytes().data(), p.bytes().size());
    static const char kNothing = 0;  // a valid pointer for empty tensors
    for (std::size_t i = 0; i < storages.size(); ++i) {
        const torch::Tensor &t = storages[i];
        writer.writeRecord("data/" + std::to_string(i), t.numel() ? t.data_ptr() : &kNothing, t.nbytes());
    }
    writer.writeEndOfFile();
    return out;
}

}  // namespace unetlab
