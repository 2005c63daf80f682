// The multi-tensor Adam/AdamW (train/Optimizers.h) against LibTorch's own Adam/AdamW: the same
// weights after several steps, state LibTorch can load, and LibTorch's numbers untouched on the
// CPU. On the CPU the foreach kernels are forced (ForeachMode::Always) so the arithmetic the
// GPU runs is checked here too; Cuda.ForeachAdamMatchesLibTorchsAdamOnTheGpu runs it on a GPU.
#include <algorithm>
#include <cstdint>
#include <sstream>
#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "train/Optimizers.h"

using namespace unetlab;

namespace {

// A small network with conv weights (4-d), biases and a parameter that sometimes gets no
// gradient, trained on fixed random data.
struct Net : torch::nn::Module {
    Net() {
        conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 8, 3).padding(1)));
        conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(8, 2, 1)));
        extra = register_parameter("extra", torch::ones({2}));
    }
    torch::Tensor forward(const torch::Tensor &x, bool useExtra) {
        torch::Tensor y = conv2->forward(torch::relu(conv1->forward(x)));
        if (useExtra) y = y * extra.view({1, 2, 1, 1});
        return y;
    }
    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
    torch::Tensor extra;
};

std::shared_ptr<Net> makeNet() {
    torch::manual_seed(7);
    return std::make_shared<Net>();
}

// One step: loss on fixed data; `useExtra` false leaves `extra` without a gradient.
void step(Net &net, torch::optim::Optimizer &opt, int i, bool useExtra = true) {
    torch::manual_seed(100 + i);
    const torch::Tensor x = torch::randn({2, 3, 8, 8});
    const torch::Tensor target = torch::randn({2, 2, 8, 8});
    opt.zero_grad();
    if (!useExtra) net.extra.mutable_grad() = torch::Tensor();  // as if it took no part (set_to_none)
    torch::mse_loss(net.forward(x, useExtra), target).backward();
    opt.step();
}

// Steps `a` with `reference` and `b` with `other` on the same batches `from` .. `to` - 1.
void stepBoth(Net &a, torch::optim::Optimizer &reference, Net &b, torch::optim::Optimizer &other, int from, int to,
              bool (*useExtra)(int) = nullptr) {
    for (int i = from; i < to; ++i) {
        const bool extra = useExtra ? useExtra(i) : true;
        step(a, reference, i, extra);
        step(b, other, i, extra);
    }
}

double maxDifference(Net &a, Net &b) {
    double worst = 0;
    const auto pa = a.parameters(), pb = b.parameters();
    for (std::size_t i = 0; i < pa.size(); ++i)
        worst = std::max(worst, (pa[i] - pb[i]).abs().max().item<double>());
    return worst;
}

std::string saved(torch::optim::Optimizer &opt) {
    torch::serialize::OutputArchive out;
    opt.save(out);
    std::ostringstream bytes;
    out.save_to(bytes);
    return bytes.str();
}

void load(torch::optim::Optimizer &opt, const std::string &bytes) {
    std::istringstream in(bytes);
    torch::serialize::InputArchive archive;
    archive.load_from(in);
    opt.load(archive);
}

void copyWeights(Net &to, Net &from) {
    torch::NoGradGuard noGrad;
    for (std::size_t i = 0; i < to.parameters().size(); ++i) to.parameters()[i].copy_(from.parameters()[i]);
}

bool sameWeights(Net &a, Net &b) {
    const auto pa = a.parameters(), pb = b.parameters();
    for (std::size_t i = 0; i < pa.size(); ++i)
        if (!torch::equal(pa[i], pb[i])) return false;
    return true;
}

}  // namespace

TEST(Optimizers, ForeachAdamMatchesLibTorchsAdam) {
    for (const double wd : {0.0, 1e-2}) {
        auto a = makeNet(), b = makeNet();
        torch::optim::Adam reference(a->parameters(), torch::optim::AdamOptions(1e-2).weight_decay(wd));
        ForeachAdam foreach(b->parameters(), torch::optim::AdamOptions(1e-2).weight_decay(wd), ForeachMode::Always);
        stepBoth(*a, reference, *b, foreach, 0, 6);
        EXPECT_LT(maxDifference(*a, *b), 1e-6) << "weight decay " << wd;
        // The weights really moved: a no-op optimiser would fail the comparison above only
        // if the reference also did nothing.
        auto untouched = makeNet();
        EXPECT_GT(maxDifference(*a, *untouched), 1e-2);
        EXPECT_EQ(foreach.state().size(), a->parameters().size());
        EXPECT_TRUE(foreach.lastStepUsedForeach());
    }
}

TEST(Optimizers, ForeachAdamWMatchesLibTorchsAdamW) {
    auto a = makeNet(), b = makeNet();
    torch::optim::AdamW reference(a->parameters(), torch::optim::AdamWOptions(1e-2).weight_decay(0.1));
    ForeachAdamW foreach(b->parameters(), torch::optim::AdamWOptions(1e-2).weight_decay(0.1), ForeachMode::Always);
    stepBoth(*a, reference, *b, foreach, 0, 6);
    EXPECT_LT(maxDifference(*a, *b), 1e-6);
    EXPECT_GT(maxDifference(*a, *makeNet()), 1e-2);
}

TEST(Optimizers, ParametersThatMissedStepsKeepTheirOwnStepCount) {
    // `extra` gets no gradient on steps 1 and 3, so its bias correction lags the others';
    // LibTorch counts steps per parameter and so must the multi-tensor update.
    auto a = makeNet(), b = makeNet();
    torch::optim::Adam reference(a->parameters(), torch::optim::AdamOptions(1e-2));
    ForeachAdam foreach(b->parameters(), torch::optim::AdamOptions(1e-2), ForeachMode::Always);
    stepBoth(*a, reference, *b, foreach, 0, 6, [](int i) { return i != 1 && i != 3; });
    EXPECT_LT(maxDifference(*a, *b), 1e-6);
}

TEST(Optimizers, StateSavedByEitherLoadsIntoTheOther) {
    // A checkpoint's optimiser state written by the multi-tensor Adam resumes in LibTorch's
    // Adam (and back) as if the run had never stopped.
    auto a = makeNet(), b = makeNet();
    ForeachAdam first(a->parameters(), torch::optim::AdamOptions(1e-2), ForeachMode::Always);
    torch::optim::Adam second(b->parameters(), torch::optim::AdamOptions(1e-2));
    stepBoth(*a, first, *b, second, 0, 3);
    const std::string fromForeach = saved(first), fromLibTorch = saved(second);
    // Swap: the LibTorch optimiser continues from the foreach state and vice versa, on copies
    // of the weights each was trained with.
    auto c = makeNet(), d = makeNet();
    copyWeights(*c, *a);
    copyWeights(*d, *b);
    torch::optim::Adam resumedInLibTorch(c->parameters(), torch::optim::AdamOptions(1e-2));
    ForeachAdam resumedInForeach(d->parameters(), torch::optim::AdamOptions(1e-2), ForeachMode::Always);
    load(resumedInLibTorch, fromForeach);
    load(resumedInForeach, fromLibTorch);
    ASSERT_EQ(resumedInLibTorch.state().size(), c->parameters().size());
    for (int i = 3; i < 6; ++i) {
        step(*a, first, i);
        step(*c, resumedInLibTorch, i);
        step(*b, second, i);
        step(*d, resumedInForeach, i);
    }
    EXPECT_LT(maxDifference(*a, *c), 1e-6);
    EXPECT_LT(maxDifference(*b, *d), 1e-6);
    EXPECT_LT(maxDifference(*a, *b), 1e-6);
    // A fresh optimiser (state lost) would take a different step: the comparison can fail.
    auto e = makeNet(), f = makeNet();
    copyWeights(*e, *b);
    copyWeights(*f, *b);
    torch::optim::Adam fresh(e->parameters(), torch::optim::AdamOptions(1e-2));
    step(*e, fresh, 6);
    step(*f, resumedInForeach, 6);
    EXPECT_GT(maxDifference(*e, *f), 1e-4);
}

TEST(Optimizers, OnTheCpuTheDefaultIsLibTorchsOwnStepBitForBit) {
    for (const bool decoupled : {false, true}) {
        auto a = makeNet(), b = makeNet();
        std::unique_ptr<torch::optim::Optimizer> reference, ours;
        if (decoupled) {
            reference = std::make_unique<torch::optim::AdamW>(a->parameters(), torch::optim::AdamWOptions(1e-2));
            ours = std::make_unique<ForeachAdamW>(b->parameters(), torch::optim::AdamWOptions(1e-2));
        } else {
            reference = std::make_unique<torch::optim::Adam>(a->parameters(), torch::optim::AdamOptions(1e-2));
            ours = std::make_unique<ForeachAdam>(b->parameters(), torch::optim::AdamOptions(1e-2));
        }
        stepBoth(*a, *reference, *b, *ours, 0, 4);
        EXPECT_TRUE(sameWeights(*a, *b)) << (decoupled ? "AdamW" : "Adam");
        EXPECT_FALSE(decoupled ? static_cast<ForeachAdamW &>(*ours).lastStepUsedForeach()
                               : static_cast<ForeachAdam &>(*ours).lastStepUsedForeach());
    }
}

TEST(Optimizers, AmsgradFallsBackToLibTorch) {
    auto a = makeNet(), b = makeNet();
    torch::optim::Adam reference(a->parameters(), torch::optim::AdamOptions(1e-2).amsgrad(true));
    ForeachAdam foreach(b->parameters(), torch::optim::AdamOptions(1e-2).amsgrad(true), ForeachMode::Always);
    stepBoth(*a, reference, *b, foreach, 0, 4);
    EXPECT_TRUE(sameWeights(*a, *b));
    EXPECT_FALSE(foreach.lastStepUsedForeach());
}

TEST(Optimizers, LoadedStateMovesToTheModelsDevice) {
    // Every kind of optimiser the Trainer offers keeps its state where moveOptimizerStateTo puts
    // it (a GPU when resuming there; the meta device stands in for one here).
    auto net = makeNet();
    std::vector<std::unique_ptr<torch::optim::Optimizer>> optimizers;
    optimizers.push_back(std::make_unique<ForeachAdam>(net->parameters(), torch::optim::AdamOptions(1e-2)));
    optimizers.push_back(
        std::make_unique<ForeachAdam>(net->parameters(), torch::optim::AdamOptions(1e-2).amsgrad(true)));
    optimizers.push_back(std::make_unique<ForeachAdamW>(net->parameters(), torch::optim::AdamWOptions(1e-2)));
    optimizers.push_back(
        std::make_unique<torch::optim::SGD>(net->parameters(), torch::optim::SGDOptions(1e-2).momentum(0.9)));
    optimizers.push_back(std::make_unique<torch::optim::RMSprop>(
        net->parameters(), torch::optim::RMSpropOptions(1e-2).momentum(0.9).centered(true)));
    const torch::Device meta("meta");
    for (std::size_t k = 0; k < optimizers.size(); ++k) {
        auto &opt = *optimizers[k];
        step(*net, opt, 0);
        ASSERT_EQ(opt.state().size(), net->parameters().size()) << "optimizer " << k;
        moveOptimizerStateTo(opt, meta);
        int tensors = 0;
        for (auto &entry : opt.state()) {
            std::vector<torch::Tensor> held;
            if (auto *s = dynamic_cast<torch::optim::AdamParamState *>(entry.second.get()))
                held = {s->exp_avg(), s->exp_avg_sq(), s->max_exp_avg_sq()};
            else if (auto *w = dynamic_cast<torch::optim::AdamWParamState *>(entry.second.get()))
                held = {w->exp_avg(), w->exp_avg_sq()};
            else if (auto *g = dynamic_cast<torch::optim::SGDParamState *>(entry.second.get()))
                held = {g->momentum_buffer()};
            else if (auto *r = dynamic_cast<torch::optim::RMSpropParamState *>(entry.second.get()))
                held = {r->square_avg(), r->momentum_buffer(), r->grad_avg()};
            for (const auto &t : held)
                if (t.defined()) {
                    EXPECT_TRUE(t.is_meta()) << "optimizer " << k;
                    ++tensors;
                }
        }
        EXPECT_GE(tensors, static_cast<int>(net->parameters().size())) << "optimizer " << k;
    }
}
