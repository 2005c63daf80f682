#pragma once
// Hand-made inspection results for the widget tests: the structs the engine sends, filled
// with known values, so the widgets are tested without a model.

#include <cmath>
#include <vector>

#include "inspect/Inspect.h"

namespace inspecttest {

// A size x size image with a cell (cytoplasm disk) and one or two nuclei in its mask.
inline unetlab::Sample cellSample(const std::string &id, int size = 64, bool twoNuclei = false) {
    unetlab::Sample s;
    s.id = id;
    s.width = s.height = size;
    s.channels = 3;
    s.image.assign(static_cast<std::size_t>(size) * size * 3, 230);
    s.mask.assign(static_cast<std::size_t>(size) * size, 0);
    const double c = size / 2.0, r = size * 0.42, rn = size * (twoNuclei ? 0.16 : 0.2);
    for (int y = 0; y < size; ++y)
        for (int x = 0; x < size; ++x) {
            const std::size_t i = static_cast<std::size_t>(y) * size + x;
            const bool cell = std::hypot(x - c, y - c) < r;
            const bool nucleus =
                twoNuclei ? std::hypot(x - (c - rn * 0.9), y - c) < rn || std::hypot(x - (c + rn * 0.9), y - c) < rn
                          : std::hypot(x - c, y - c) < rn;
            s.mask[i] = nucleus ? 2 : cell ? 1 : 0;
            if (s.mask[i]) {
                s.image[3 * i] = nucleus ? 60 : 200;
                s.image[3 * i + 1] = nucleus ? 40 : 160;
                s.image[3 * i + 2] = nucleus ? 140 : 200;
            }
        }
    return s;
}

// A map whose value is x + y * width (so the value under any cell is known).
inline unetlab::ActivationMap rampMap(int channel, int size, double score) {
    unetlab::ActivationMap m;
    m.channel = channel;
    m.width = m.height = size;
    for (int i = 0; i < size * size; ++i) m.values.push_back(static_cast<float>(i));
    m.min = 0;
    m.max = static_cast<float>(size * size - 1);
    m.score = score;
    return m;
}

inline unetlab::ImageInspection inspection(int k = 2, bool twoNuclei = false) {
    unetlab::ImageInspection r;
    r.sample = cellSample("synthetic-0007", 64, twoNuclei);
    r.hasTruth = true;
    r.prediction = r.sample.mask;
    r.scores.dice = {1.0, 1.0, 1.0};
    r.scores.diceMean = 1.0;
    r.options.topK = k;
    r.model = "test model";
    r.datasetIndex = 7;
    const struct {
        const char *name;
        int channels, size, rf;
    } stages[] = {{"enc1", 8, 64, 5}, {"bottleneck", 16, 16, 32}, {"head", 3, 64, 44}};
    for (const auto &s : stages) {
        unetlab::StageMaps m;
        m.name = s.name;
        m.channels = s.channels;
        m.height = m.width = s.size;
        m.receptiveField = s.rf;
        m.logits = std::string(s.name) == "head";
        for (int t = 0; t < k; ++t) m.top.push_back(rampMap(s.channels - 1 - t, s.size, 10.0 - t));
        r.stages.push_back(m);
    }
    return r;
}

inline unetlab::KernelSet kernels(int outs, int ins, bool first) {
    unetlab::KernelSet k;
    k.layer = first ? "conv1" : "conv2";
    k.outChannels = outs;
    k.inChannels = ins;
    k.kernelHeight = k.kernelWidth = 3;
    for (int i = 0; i < outs * ins * 9; ++i) k.weights.push_back(static_cast<float>((i % 7) - 3) / 10.f);
    k.min = -0.3f;
    k.max = 0.3f;
    k.firstLayer = first;
    k.layers = {"conv1", "conv2", "head"};
    return k;
}

inline unetlab::RankingReport ranking(int channels) {
    unetlab::RankingReport r;
    r.classIndex = 2;
    r.className = "nucleus";
    r.images = 12;
    for (const char *name : {"enc1", "dec1"}) {
        unetlab::StageRanking s;
        s.name = name;
        s.channels = channels;
        for (int c = 0; c < channels; ++c) {
            unetlab::ChannelScore score;
            score.channel = c;
            score.magnitude = channels - c;                               // largest first in channel order
            score.correlation = (c % 2 ? -1.0 : 1.0) * (0.9 - c * 0.02);  // |r| falls with c, signs alternate
            score.correlationImages = 12;
            s.byMagnitude.push_back(score);
            s.byCorrelation.push_back(score);
        }
        r.stages.push_back(s);
    }
    r.classDice = 0.93;
    r.facts.stage = "dec1";
    r.facts.className = "nucleus";
    r.facts.images = 12;
    r.facts.bestChannel = 0;
    r.facts.bestCorrelation = 0.9;
    r.facts.classDice = 0.93;
    r.verdict = unetlab::judgeRanking(r.facts);
    r.verdictText = unetlab::verdictText(r.facts);
    return r;
}

inline unetlab::SplitReview review() {
    unetlab::SplitReview r;
    r.classNames = {"background", "cytoplasm", "nucleus"};
    r.metrics.images = 6;
    r.metrics.diceMean = 0.8;
    for (int i = 0; i < 4; ++i) {
        unetlab::CaseView v;
        v.index = static_cast<std::size_t>(10 + i);
        v.sample = cellSample("synthetic-00" + std::to_string(10 + i));
        v.prediction = v.sample.mask;
        for (std::size_t p = 0; p < v.prediction.size(); p += 7) v.prediction[p] = 0;  // some false negatives
        v.scores.dice = {0.9, 0.7, 0.5 + 0.1 * i};
        v.scores.diceMean = 0.6 + 0.05 * i;
        v.rankingDice = v.scores.diceMean;
        r.worst.push_back(v);
    }
    for (int i = 0; i < 6; ++i) {
        unetlab::NcRow row;
        row.index = static_cast<std::size_t>(10 + i);
        row.id = "synthetic-00" + std::to_string(10 + i);
        row.ncTrue = 0.2 + 0.05 * i;
        row.ncPred = i == 5 ? unetlab::kUndefined : row.ncTrue + 0.01;
        row.absError = i == 5 ? unetlab::kUndefined : 0.01;
        row.nucleiTrue = 2;
        row.nucleiPred = 2;
        r.nc.push_back(row);
    }
    r.ncMeanAbsError = 0.01;
    r.ncImages = 5;
    r.nucleiTrue = r.nucleiPred = 12;
    return r;
}

}  // namespace inspecttest
