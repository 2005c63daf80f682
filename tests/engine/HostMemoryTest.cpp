// The reusing CPU allocator (core/HostMemory.h). A test program of its own: installing it
// changes LibTorch's CPU allocator for the whole process.
#include <cstdint>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/Device.h"
#include "core/HostMemory.h"

using namespace unetlab;

namespace {

class HostMemory : public ::testing::Test {
protected:
    static void SetUpTestSuite() { ASSERT_TRUE(installReusingCpuAllocator()); }
    void SetUp() override { releaseKeptCpuBlocks(); }
};

}  // namespace

TEST_F(HostMemory, AFreedBufferIsHandedToTheNextTensorOfItsSize) {
    ASSERT_TRUE(reusingCpuAllocatorInstalled());
    const KeptCpuBlocks before = keptCpuBlocks();
    void *first = nullptr;
    {
        torch::Tensor t = torch::empty({4, 32, 64, 64});  // 2 MiB
        first = t.data_ptr();
        EXPECT_EQ(keptCpuBlocks().mapped, before.mapped + 1);
    }
    EXPECT_EQ(keptCpuBlocks().keptBytes, 2 << 20);
    torch::Tensor again = torch::empty({4, 32, 64, 64});
    EXPECT_EQ(again.data_ptr(), first);
    EXPECT_EQ(keptCpuBlocks().reused, before.reused + 1);
    EXPECT_EQ(keptCpuBlocks().keptBytes, 0);
    // Another size maps a block of its own.
    torch::Tensor other = torch::empty({3, 32, 64, 64});
    EXPECT_NE(other.data_ptr(), first);
    EXPECT_EQ(keptCpuBlocks().mapped, before.mapped + 2);
}

// Under AddressSanitizer (tests/sanitize/run.sh asan) a buffer read after its tensor died is
// reported although the block is kept, not freed; handed out again, it is usable.
TEST_F(HostMemory, AKeptBufferIsOutOfBoundsForAddressSanitizerUntilItIsHandedOutAgain) {
#if !defined(__SANITIZE_ADDRESS__)
    GTEST_SKIP() << "only under AddressSanitizer";
#else
    ::testing::FLAGS_gtest_death_test_style = "threadsafe";
    float *stale = nullptr;
    {
        torch::Tensor t = torch::ones({1 << 20});  // 4 MiB: a kept block
        stale = t.data_ptr<float>();
    }
    EXPECT_DEATH(
        {
            volatile float v = stale[12345];
            (void)v;
        },
        "use-after-poison");
    torch::Tensor again = torch::empty({1 << 20});
    ASSERT_EQ(again.data_ptr<float>(), stale);
    again.fill_(2.0f);
    EXPECT_EQ(stale[12345], 2.0f);
#endif
}

TEST_F(HostMemory, ReusedBuffersHoldCorrectResults) {
    // The same arithmetic with reused buffers gives LibTorch's numbers: a small network's
    // forward and backward, twice, on buffers the first pass gave back.
    torch::manual_seed(1);
    torch::nn::Conv2d conv(torch::nn::Conv2dOptions(3, 16, 3).padding(1));
    const torch::Tensor x = torch::rand({2, 3, 128, 128});
    auto pass = [&] {
        conv->zero_grad();
        torch::Tensor y = torch::relu(conv->forward(x)).sum();
        y.backward();
        return std::make_pair(y.item<double>(), conv->weight.grad().clone());
    };
    const auto [first, firstGrad] = pass();
    const auto reusedBefore = keptCpuBlocks().reused;
    const auto [second, secondGrad] = pass();
    EXPECT_GT(keptCpuBlocks().reused, reusedBefore);  // the second pass ran on reused buffers
    EXPECT_DOUBLE_EQ(first, second);
    EXPECT_TRUE(torch::equal(firstGrad, secondGrad));
    // A reused buffer is not zeroed (as LibTorch's allocator does not): torch::zeros still is.
    { torch::Tensor garbage = torch::full({1 << 20}, 7.0f); }
    EXPECT_EQ(torch::zeros({1 << 20}).abs().max().item<float>(), 0.0f);
}

TEST_F(HostMemory, SmallBuffersStayWithLibTorchsAllocatorAndReleaseEmptiesTheKeep) {
    const KeptCpuBlocks before = keptCpuBlocks();
    { torch::Tensor small = torch::empty({1000}); }
    EXPECT_EQ(keptCpuBlocks().mapped, before.mapped);
    EXPECT_EQ(keptCpuBlocks().keptBytes, 0);
    {
        std::vector<torch::Tensor> big;
        for (int i = 0; i < 4; ++i) big.push_back(torch::empty({1 << 20}));  // 4 MiB each
    }
    EXPECT_EQ(keptCpuBlocks().keptBytes, 16 << 20);
    releaseCachedGpuMemory();  // what closing a model does: the kept blocks go back too
    EXPECT_EQ(keptCpuBlocks().keptBytes, 0);
}

TEST_F(HostMemory, BuffersMadeAndFreedOnManyThreadsAtOnce) {
    // Tensors die on whichever thread drops them last (OpenMP workers, the prefetch thread).
    std::vector<std::thread> threads;
    std::vector<double> sums(4, 0);
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([t, &sums] {
            for (int i = 0; i < 50; ++i) {
                torch::Tensor a = torch::full({256, 1024 + 256 * (i % 3)}, static_cast<float>(t + 1));
                sums[static_cast<std::size_t>(t)] += a.sum().item<double>() / static_cast<double>(a.numel());
            }
        });
    for (auto &th : threads) th.join();
    for (int t = 0; t < 4; ++t) EXPECT_DOUBLE_EQ(sums[static_cast<std::size_t>(t)], 50.0 * (t + 1));
    EXPECT_GT(keptCpuBlocks().reused, 0);
}
