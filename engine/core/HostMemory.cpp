#include "core/HostMemory.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>

#include "core/Device.h"

// Under AddressSanitizer a kept block is poisoned until it is handed out again, so a tensor's
// buffer read or written after the tensor died is reported (use-after-poison), as LibTorch's
// own allocator's freed memory would be.
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define UNETLAB_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNETLAB_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define UNETLAB_POISON(p, n) ((void)(p), (void)(n))
#define UNETLAB_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace unetlab {
namespace {

constexpr std::size_t kSmallest = std::size_t{1} << 20;  // smaller blocks: LibTorch's allocator
constexpr std::size_t kPage = 4096;

// The blocks tensors gave back, by size, and what has happened so far. Never destroyed: tensors
// may die after main() returns.
class BlockCache {
public:
    explicit BlockCache(std::size_t limit) : m_limit(limit) {}

    // A kept block of `size` bytes, now in use; nullptr when none is kept.
    void *take(std::size_t size) {
        std::lock_guard<std::mutex> lock(m_mutex);
        auto it = m_free.find(size);
        if (it == m_free.end() || it->second.empty()) return nullptr;
        void *p = it->second.back();
        it->second.pop_back();
        m_kept -= size;
        ++m_reused;
        m_live.emplace(p, size);
        UNETLAB_UNPOISON(p, size);
        return p;
    }
    void mapped(void *p, std::size_t size) {
        std::lock_guard<std::mutex> lock(m_mutex);
        ++m_mapped;
        m_live.emplace(p, size);
    }
    // A block in use comes back: kept for reuse, or unmapped past the limit. False when `p` is
    // not one of these blocks.
    bool giveBack(void *p) {
        std::size_t size = 0;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            auto it = m_live.find(p);
            if (it == m_live.end()) return false;
            size = it->second;
            m_live.erase(it);
            if (m_kept + size <= m_limit) {
                UNETLAB_POISON(p, size);
                m_free[size].push_back(p);
                m_kept += size;
                return true;
            }
        }
        ::munmap(p, size);
        return true;
    }
    void releaseAll() {
        std::unordered_map<std::size_t, std::vector<void *>> blocks;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            blocks.swap(m_free);
            m_kept = 0;
        }
        for (auto &[size, list] : blocks)
            for (void *p : list) {
                UNETLAB_UNPOISON(p, size);  // the addresses may be mapped again, by anyone
                ::munmap(p, size);
            }
    }
    KeptCpuBlocks stats() {
        std::lock_guard<std::mutex> lock(m_mutex);
        return {static_cast<std::int64_t>(m_kept), m_mapped, m_reused};
    }

private:
    std::mutex m_mutex;
    std::unordered_map<std::size_t, std::vector<void *>> m_free;  // kept, by size
    std::unordered_map<void *, std::size_t> m_live;                // in use, with their sizes
    std::size_t m_kept = 0;
    const std::size_t m_limit;
    std::int64_t m_mapped = 0, m_reused = 0;
};

BlockCache *g_cache = nullptr;  // set once by installReusingCpuAllocator

// The deleter of every CPU tensor buffer made here, and the raw deleter LibTorch calls for
// buffers it took with raw_allocate: data and context are the same pointer, as it requires.
// Small buffers came from LibTorch's own allocator and go back to it.
void giveBack(void *data) {
    if (!g_cache->giveBack(data)) c10::GetDefaultCPUAllocator()->raw_deleter()(data);
}

void *mapBlock(std::size_t size) {
    void *p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        g_cache->releaseAll();  // kept blocks of other sizes may be what stands in the way
        p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) throw std::bad_alloc();
    }
    g_cache->mapped(p, size);
    return p;
}

c10::DataPtr allocateBlock(std::size_t n) {
    if (n < kSmallest) return c10::GetDefaultCPUAllocator()->allocate(n);
    const std::size_t size = (n + kPage - 1) / kPage * kPage;
    void *p = g_cache->take(size);
    if (!p) p = mapBlock(size);
    return {p, p, &giveBack, c10::Device(c10::DeviceType::CPU)};
}

// LibTorch 2.x made Allocator::allocate non-const and added copy_data; the partial
// specialisations let the one that fits this LibTorch be the one compiled.
template <class A>
constexpr bool kConstAllocate =
    std::is_same_v<decltype(&A::allocate), c10::DataPtr (A::*)(std::size_t) const>;

template <bool ConstAllocate, class Base>
class ReusingAllocator;

template <class Base>
class ReusingAllocator<true, Base> : public Base {
public:
    c10::DataPtr allocate(std::size_t n) const override { return allocateBlock(n); }
    c10::DeleterFnPtr raw_deleter() const override { return &giveBack; }
};

template <class Base>
class ReusingAllocator<false, Base> : public Base {
public:
    c10::DataPtr allocate(std::size_t n) override { return allocateBlock(n); }
    c10::DeleterFnPtr raw_deleter() const override { return &giveBack; }
    // Pure virtual where allocate is non-const (LibTorch >= 2.3); harmless otherwise.
    void copy_data(void *dest, const void *src, std::size_t count) const { std::memcpy(dest, src, count); }
};

std::size_t keepLimit() {
    // Enough for one training step's buffers of the models here, never more than half of the
    // memory free at start.
    const std::uint64_t available = availableMemoryBytes();
    const std::uint64_t half = available > 0 ? available / 2 : (std::uint64_t{2} << 30);
    return static_cast<std::size_t>(std::clamp<std::uint64_t>(half, std::uint64_t{512} << 20, std::uint64_t{8} << 30));
}

}  // namespace

bool installReusingCpuAllocator() {
    if (g_cache) return true;
    const char *choice = std::getenv("UNETLAB_ALLOCATOR");
    if (choice && std::string(choice) == "default") return false;
    g_cache = new BlockCache(keepLimit());
    static auto *allocator = new ReusingAllocator<kConstAllocate<c10::Allocator>, c10::Allocator>();
    c10::SetAllocator(c10::DeviceType::CPU, allocator, /*priority=*/1);
    return true;
}

bool reusingCpuAllocatorInstalled() { return g_cache != nullptr; }

void releaseKeptCpuBlocks() {
    if (g_cache) g_cache->releaseAll();
}

KeptCpuBlocks keptCpuBlocks() { return g_cache ? g_cache->stats() : KeptCpuBlocks{}; }

}  // namespace unetlab
